//! Identity at scale (issue 12 item 2): what a token cache loses when it
//! is flushed, the end user's token (its groups, its size, the group
//! overage that sends the application to Microsoft Graph), the Graph call,
//! Kerberos constrained delegation at an on-premises gateway, and the
//! header limits of on-premises servers.
//!
//! Each exchange is a nested [`Call`] like the token exchange: it loads
//! the stations and links it crosses, can fail (`failure_probability`),
//! time out and be retried, and is counted per call in the run's `calls`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_core::{RateLimit, Servers, SimDuration, Station};

use super::{RateLimitSpec, RetrySpec, TokenCallSpec, latency, plain, retry, zero};
use crate::azure::catalog::value;
use crate::azure::certs::CertificateFields;
use crate::azure::tls::{CertificateKey, TlsSpec, TlsVersion, terminator};
use crate::azure::{Call, Kind, NodeModel, PUBLIC_CA};
use crate::error::Invalid;
use crate::file::json::{fmt_num, key_path};
use crate::file::laws::lognormal_median;
use crate::file::limits::{
    BYTES, CAPACITY_PER_S, DURATION_S, GROUPS, HEADER_BYTES, LIFETIME_MIN, MAX_BURST, MAX_USERS,
    POSITIVE_DURATION_MS, count, fraction,
};
use crate::file::spec::LawSpec;

/// Where a token cache lives, for how often it is emptied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CacheKind {
    /// APIM's built-in cache: volatile (lost on platform updates, scale
    /// events and restarts) and one per region, shared by its units.
    BuiltIn,
    /// An external Redis-compatible cache: survives APIM's events and
    /// serves every region.
    External,
}

/// How a cache's misses are counted: per user, once per token lifetime
/// and once after each flush.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CacheMisses {
    /// Distinct users with a cached entry.
    pub users: u64,
    /// Entry lifetime \[s\].
    pub lifetime_s: f64,
    /// Events per second that empty the cache.
    pub flushes_per_s: f64,
    /// Caches that each hold every user (regions of a built-in cache).
    pub copies: u32,
}

impl CacheMisses {
    /// Misses per second of one user in one cache: an entry ends at its
    /// lifetime `L` or at the next flush (Poisson at rate `f`), whichever
    /// comes first, and the user's next request refills it. The mean
    /// cycle is E\[min(L, Exp(f))\] = (1 − e^(−fL)) / f (renewal-reward),
    /// so the rate is f / (1 − e^(−fL)); 1 / L without flushes. Every user
    /// is assumed to ask at least once per cycle (an upper bound, as the
    /// lifetime model already is).
    pub(crate) fn per_user_per_s(&self) -> f64 {
        let (f, l) = (self.flushes_per_s, self.lifetime_s);
        if f * l < 1e-12 { 1.0 / l } else { f / (-(-f * l).exp_m1()) }
    }

    /// Misses per second from lifetimes alone (users × copies / L).
    pub(crate) fn lifetime_per_s(&self) -> f64 {
        self.users as f64 * f64::from(self.copies) / self.lifetime_s
    }

    /// Misses per second in all, flushes included.
    pub(crate) fn total_per_s(&self) -> f64 {
        self.users as f64 * f64::from(self.copies) * self.per_user_per_s()
    }

    /// Misses per second the flushes add.
    pub(crate) fn flush_per_s(&self) -> f64 {
        self.total_per_s() - self.lifetime_per_s()
    }
}

/// The end user's access token as APIM receives it and passes it on.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserTokenSpec {
    /// Groups each user belongs to (security groups the token emits).
    /// Above the JWT limit (200) the token carries none: every user is
    /// in overage.
    #[serde(default)]
    groups_per_user: Option<f64>,
    /// Share of users whose token carries an overage claim instead of
    /// groups (with `groups_per_user` at most 200: the other users').
    #[serde(default)]
    group_overage_share: Option<f64>,
    /// The measured size of a token with its groups, `Authorization:
    /// Bearer ` included \[bytes\]; default: the catalog's base plus 52
    /// bytes a group.
    #[serde(default)]
    bytes: Option<f64>,
    /// Whether APIM passes the token on to the backend (default true;
    /// false: a `set-header` policy removes it).
    #[serde(default)]
    forwarded: Option<bool>,
}

/// The end user's token, compiled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UserToken {
    /// Share of requests whose token has an overage claim.
    pub overage_share: f64,
    /// Groups in the token of a user without overage.
    pub groups: u64,
    /// Header bytes of the largest token (a user without overage).
    pub max_bytes: u64,
    /// Mean header bytes over users (overage tokens carry no groups).
    pub mean_bytes: u64,
    /// Whether APIM passes it on (adds it to the requests after it).
    pub forwarded: bool,
    /// Whether `bytes` came from the file (else the catalog's estimate).
    pub measured: bool,
}

impl UserToken {
    /// How `explain` and messages describe the token.
    pub(crate) fn describe(&self) -> String {
        let overage = if self.overage_share == 0.0 {
            "no user in group overage".to_string()
        } else {
            format!(
                "{} of users in group overage (an overage claim instead of groups: APIM asks Microsoft Graph)",
                format_share(self.overage_share)
            )
        };
        format!(
            "end-user token of {} bytes with {} groups{} ({}), {overage}{}",
            fmt_num(self.max_bytes as f64),
            self.groups,
            if self.mean_bytes == self.max_bytes {
                String::new()
            } else {
                format!(", {} on average", fmt_num(self.mean_bytes as f64))
            },
            if self.measured {
                "from the file"
            } else {
                "EST: the catalog's base plus 52 bytes a group"
            },
            if self.forwarded {
                "; forwarded to the backend in the Authorization header"
            } else {
                "; not forwarded"
            }
        )
    }
}

fn format_share(p: f64) -> String {
    format!("{} %", fmt_num((p * 1e4).round() / 100.0))
}

/// The end user's token of an APIM node (`policies.user_token`).
pub(crate) fn user_token(spec: &UserTokenSpec, path: &str) -> Result<UserToken, Invalid> {
    let p = |f: &str| key_path(path, f);
    let limit = value("entra.jwt_max_groups");
    let groups = match spec.groups_per_user {
        Some(g) => {
            let g = GROUPS.check(g, p("groups_per_user"))?;
            if g.fract() != 0.0 {
                return Err(Invalid::new(
                    p("groups_per_user"),
                    format!("must be a whole number of groups, got {}", fmt_num(g)),
                ));
            }
            g
        }
        None => 0.0,
    };
    let over_limit = groups > limit;
    let overage_share = match (spec.group_overage_share, over_limit) {
        (Some(_), true) => {
            return Err(Invalid::new(
                p("group_overage_share"),
                format!(
                    "groups_per_user {} is above the JWT limit of {} groups, so every user is in overage; remove group_overage_share, or give the groups of the users below the limit",
                    fmt_num(groups),
                    fmt_num(limit)
                ),
            ));
        }
        (_, true) => 1.0,
        (share, false) => fraction(share, 0.0, p("group_overage_share"))?,
    };
    let in_token = if over_limit { 0.0 } else { groups };
    let estimated =
        value("entra.token_base_bytes") + in_token * value("entra.token_bytes_per_group");
    let max_bytes = match spec.bytes {
        Some(b) => HEADER_BYTES.check(b, p("bytes"))?,
        None => estimated,
    };
    // Overage tokens carry no groups: the base size (or, measured, the
    // measured size less its groups).
    let overage_bytes = (max_bytes - in_token * value("entra.token_bytes_per_group"))
        .max(value("entra.token_base_bytes").min(max_bytes));
    let mean = if over_limit {
        max_bytes
    } else {
        overage_share * overage_bytes + (1.0 - overage_share) * max_bytes
    };
    Ok(UserToken {
        overage_share,
        groups: in_token as u64,
        max_bytes: max_bytes.round() as u64,
        mean_bytes: mean.round() as u64,
        forwarded: spec.forwarded.unwrap_or(true),
        measured: spec.bytes.is_some(),
    })
}

/// A nested call from a [`TokenCallSpec`] at `path`, answered by a
/// `callee` node: its path (checked not empty), sizes (default
/// `bytes`), retry, failure probability (default `failure_default`) and
/// timeout; made with `probability`.
pub(crate) fn exchange(
    name: &str,
    callee: Kind,
    spec: &TokenCallSpec,
    probability: f64,
    bytes: (f64, f64),
    failure_default: f64,
    path: &str,
) -> Result<Call, Invalid> {
    let p = |f: &str| key_path(path, f);
    if spec.via.is_empty() {
        return Err(Invalid::new(
            p("via"),
            format!(
                "name the nodes the call walks through, the {} last",
                callee.name().replace('_', " ")
            ),
        ));
    }
    let size = |v: Option<u64>, default: f64, f: &str| -> Result<u64, Invalid> {
        Ok(BYTES.or(v.map(|b| b as f64), default, p(f))?.round() as u64)
    };
    delegation(
        name,
        callee,
        (spec.via.clone(), p("via")),
        probability,
        (
            size(spec.request_bytes, bytes.0, "request_bytes")?,
            size(spec.response_bytes, bytes.1, "response_bytes")?,
        ),
        (&spec.retry, spec.timeout_ms),
        (spec.failure_probability, failure_default),
        path,
    )
}

/// A nested call's retry, failure probability and timeout, checked at
/// `path`, around its path and sizes.
#[allow(clippy::too_many_arguments)]
fn delegation(
    name: &str,
    callee: Kind,
    (via, via_path): (Vec<String>, String),
    probability: f64,
    bytes: (u64, u64),
    (r, timeout_ms): (&Option<RetrySpec>, Option<f64>),
    failure: (Option<f64>, f64),
    path: &str,
) -> Result<Call, Invalid> {
    let retry = match r {
        Some(r) => Some(retry(r, &key_path(path, "retry"))?),
        None => None,
    };
    let timeout_ms = match timeout_ms {
        Some(t) => Some(POSITIVE_DURATION_MS.check(t, key_path(path, "timeout_ms"))?),
        None => None,
    };
    Ok(Call {
        name: name.to_string(),
        via,
        via_path,
        probability,
        bytes,
        is_auth: true,
        callee_service_ms: None,
        retry,
        failure_probability: fraction(failure.0, failure.1, key_path(path, "failure_probability"))?,
        timeout_ms,
        callee,
        note: None,
    })
}

/// The Graph call APIM makes for the users in group overage
/// (`policies.graph_call`, a [`TokenCallSpec`] whose cache is APIM's own
/// cache of Graph answers: `cache_hit_ratio` only).
pub(crate) fn graph_call(
    spec: &TokenCallSpec,
    token: &UserToken,
    path: &str,
    send_timeout_ms: f64,
) -> Result<Call, Invalid> {
    let p = |f: &str| key_path(path, f);
    for (given, field) in [
        (spec.users.is_some(), "users"),
        (spec.token_lifetime_min.is_some(), "token_lifetime_min"),
        (spec.cache.is_some(), "cache"),
        (spec.cache_flushes_per_day.is_some(), "cache_flushes_per_day"),
    ] {
        if given {
            return Err(Invalid::new(
                p(field),
                "applies to token exchanges; the Graph call takes cache_hit_ratio (the share of overage requests whose groups APIM finds in its own cache): remove it",
            ));
        }
    }
    if token.overage_share == 0.0 {
        return Err(Invalid::new(
            path,
            "no user is in group overage (policies.user_token.group_overage_share is 0 and groups_per_user at most 200), so APIM never calls Graph: set one of them, or remove graph_call",
        ));
    }
    let hit = fraction(spec.cache_hit_ratio, 0.0, p("cache_hit_ratio"))?;
    let mut call = exchange(
        "graph_call",
        Kind::MicrosoftGraph,
        spec,
        token.overage_share * (1.0 - hit),
        (value("entra.token_base_bytes"), value("graph.member_of_response_bytes")),
        value("graph.failure_probability"),
        path,
    )?;
    call.timeout_ms = Some(call.timeout_ms.unwrap_or(send_timeout_ms));
    call.note = Some(format!(
        "GET users/{{id}}/memberOf for the {} of users whose token has an overage claim{}",
        format_share(token.overage_share),
        if hit > 0.0 {
            format!(", {} of them found in APIM's cache", format_share(hit))
        } else {
            String::new()
        }
    ));
    Ok(call)
}

/// Kerberos constrained delegation with protocol transition at an
/// on-premises gateway (`kerberos`): S4U2Self and S4U2Proxy at a domain
/// controller for every request whose user has no cached service ticket.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KerberosSpec {
    /// The domain controller node (linked to the gateway).
    kdc: String,
    /// Share of requests whose user's delegated ticket is cached.
    #[serde(default)]
    ticket_cache_hit_ratio: Option<f64>,
    /// Distinct users (with `ticket_lifetime_min`, derives the hit ratio).
    #[serde(default)]
    users: Option<u64>,
    /// Service ticket lifetime \[min\] (default: the domain policy's 600).
    #[serde(default)]
    ticket_lifetime_min: Option<f64>,
    #[serde(default)]
    retry: Option<RetrySpec>,
    #[serde(default)]
    failure_probability: Option<f64>,
    #[serde(default)]
    timeout_ms: Option<f64>,
}

/// The miss probability of a cache of `users` entries living
/// `lifetime_min`, or given as a hit ratio; `rate_per_s` requests/s ask.
pub(crate) fn miss_probability(
    hit_ratio: (Option<f64>, &str),
    users: Option<u64>,
    lifetime: (Option<f64>, f64, &str),
    flushes_per_s: f64,
    copies: u32,
    rate_per_s: f64,
    path: &str,
) -> Result<(f64, Option<CacheMisses>), Invalid> {
    let p = |f: &str| key_path(path, f);
    if lifetime.0.is_some() && users.is_none() {
        return Err(Invalid::new(
            p(lifetime.2),
            "only used with users (to derive the cache hit ratio); give users or remove it",
        ));
    }
    Ok(match (hit_ratio.0, users) {
        (Some(_), Some(_)) => {
            return Err(Invalid::new(
                p("users"),
                format!("give either {} or users (with {}), not both", hit_ratio.1, lifetime.2),
            ));
        }
        (Some(h), None) => (1.0 - fraction(Some(h), 0.0, p(hit_ratio.1))?, None),
        (None, Some(users)) => {
            let lifetime_min = LIFETIME_MIN.or(lifetime.0, lifetime.1, p(lifetime.2))?;
            let users = count(Some(users), 1, MAX_USERS, p("users"), "users")?;
            let m = CacheMisses { users, lifetime_s: lifetime_min * 60.0, flushes_per_s, copies };
            ((m.total_per_s() / rate_per_s).min(1.0), Some(m))
        }
        (None, None) => (1.0, None),
    })
}

/// How `explain` splits a cache's misses.
pub(crate) fn misses_note(m: &CacheMisses, flushes_per_day: f64, flush_source: &str) -> String {
    format!(
        "misses {}/s: {} users × {} cache{} / {} min lifetime = {}/s, plus {}/s after {} flush{} a day ({flush_source})",
        fmt_num((m.total_per_s() * 1000.0).round() / 1000.0),
        m.users,
        m.copies,
        if m.copies == 1 { "" } else { "s (one per region)" },
        fmt_num(m.lifetime_s / 60.0),
        fmt_num((m.lifetime_per_s() * 1000.0).round() / 1000.0),
        fmt_num((m.flush_per_s() * 1000.0).round() / 1000.0),
        fmt_num(flushes_per_day),
        if flushes_per_day == 1.0 { "" } else { "es" },
    )
}

/// The delegation call of an on-premises gateway.
pub(crate) fn kerberos_call(
    spec: &KerberosSpec,
    path: &str,
    rate_per_s: f64,
) -> Result<Call, Invalid> {
    let p = |f: &str| key_path(path, f);
    if spec.kdc.trim().is_empty() {
        return Err(Invalid::new(p("kdc"), "name the domain_controller node the gateway asks"));
    }
    let (probability, misses) = miss_probability(
        (spec.ticket_cache_hit_ratio, "ticket_cache_hit_ratio"),
        spec.users,
        (
            spec.ticket_lifetime_min,
            value("kerberos.service_ticket_lifetime_min"),
            "ticket_lifetime_min",
        ),
        0.0,
        1,
        rate_per_s,
        path,
    )?;
    let bytes = value("domain_controller.kcd_bytes").round() as u64;
    let mut call = delegation(
        "kerberos",
        Kind::DomainController,
        (vec![spec.kdc.clone()], p("kdc")),
        probability,
        (bytes, bytes),
        (&spec.retry, spec.timeout_ms),
        (spec.failure_probability, value("domain_controller.failure_probability")),
        path,
    )?;
    call.note = Some(match misses {
        Some(m) => format!(
            "S4U2Self + S4U2Proxy when the user's delegated ticket is not cached: {} users / {} min ticket lifetime = {}/s",
            m.users,
            fmt_num(m.lifetime_s / 60.0),
            fmt_num((m.total_per_s() * 1000.0).round() / 1000.0)
        ),
        None => "S4U2Self + S4U2Proxy when the user's delegated ticket is not cached".into(),
    });
    Ok(call)
}

/// A server's header limit: bytes, or the default of a known server.
pub(crate) fn max_header_bytes(v: &Value, path: &str) -> Result<(u64, String), Invalid> {
    let preset = |key: &str, what: &str| {
        let b = value(key);
        (b as u64, format!("{what} default {} bytes", fmt_num(b)))
    };
    match v {
        Value::Number(n) => {
            let b = n.as_f64().ok_or_else(|| Invalid::new(path, "must be a number of bytes"))?;
            let b = HEADER_BYTES.check(b, path)?;
            Ok((b.round() as u64, format!("{} bytes from the file", fmt_num(b.round()))))
        }
        Value::String(s) if s == "nginx" => {
            Ok(preset("header_limits.nginx_field_bytes", "nginx large_client_header_buffers"))
        }
        Value::String(s) if s == "http_sys" => {
            Ok(preset("header_limits.http_sys_field_bytes", "http.sys MaxFieldLength (IIS)"))
        }
        _ => Err(Invalid::new(
            path,
            "must be the largest request header the server accepts, in bytes, or \"nginx\" (8192) or \"http_sys\" (16384, IIS) for their defaults",
        )),
    }
}

/// Microsoft Graph as a node: its answer time and its throttling.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MicrosoftGraphSpec {
    kind: String,
    /// Time Graph takes to answer a memberOf call (default EST).
    #[serde(default)]
    service_ms: Option<LawSpec>,
    /// The application's identity-and-access quota (default: a large
    /// tenant's, for memberOf).
    #[serde(default)]
    rate_limit: Option<RateLimitSpec>,
    #[serde(default)]
    certificate_ca: Option<String>,
    #[serde(default)]
    tls_version: Option<TlsVersion>,
    #[serde(default)]
    certificate_key: Option<CertificateKey>,
    /// The names on its certificate (CN and SANs; `*.x` wildcards).
    #[serde(default)]
    certificate_names: Option<Vec<String>>,
    /// The name it is reached at (what initiators connect to by default).
    #[serde(default)]
    host_name: Option<String>,
    /// Whether it sends its intermediate certificates (default true).
    #[serde(default)]
    sends_intermediates: Option<bool>,
    /// CAs whose client certificates it requires (mTLS).
    #[serde(default)]
    client_certificate_trusts: Option<Vec<String>>,
    /// When its certificate expires, `YYYY-MM-DD`.
    #[serde(default)]
    certificate_expires: Option<String>,
}

/// A token bucket from the file, each part defaulting to `defaults`
/// (requests/s, burst, Retry-After \[s\]); returns it with its parts.
pub(crate) fn rate_limit(
    l: &Option<RateLimitSpec>,
    path: &str,
    per_s_default: f64,
    burst_default: impl FnOnce(f64) -> f64,
    retry_after_default: f64,
) -> Result<(RateLimit, f64, u32, f64), Invalid> {
    let lpath = key_path(path, "rate_limit");
    let l = l.clone().unwrap_or_default();
    let per_s = CAPACITY_PER_S.or(l.per_s, per_s_default, key_path(&lpath, "per_s"))?;
    let default_burst = burst_default(per_s).round().max(1.0);
    let burst = count(
        l.burst,
        default_burst.min(f64::from(MAX_BURST)) as u32,
        MAX_BURST,
        key_path(&lpath, "burst"),
        "the burst",
    )?;
    let retry_after_s =
        DURATION_S.or(l.retry_after_s, retry_after_default, key_path(&lpath, "retry_after_s"))?;
    let retry_after = SimDuration::from_millis_f64(retry_after_s * 1000.0)
        .ok_or_else(|| Invalid::new(key_path(&lpath, "retry_after_s"), "not a duration"))?;
    Ok((RateLimit::new(per_s, burst).with_retry_after(retry_after), per_s, burst, retry_after_s))
}

pub(crate) fn microsoft_graph(
    name: &str,
    s: &MicrosoftGraphSpec,
    path: &str,
) -> Result<NodeModel, Invalid> {
    let service = latency(&s.service_ms, path, "service_ms", || {
        lognormal_median(value("graph.member_of_ms"), value("graph.member_of_sigma"))
    })?;
    let (limit, per_s, burst, retry_after_s) = rate_limit(
        &s.rate_limit,
        path,
        value("graph.rate_limit_per_s"),
        |_| value("graph.rate_limit_burst"),
        value("graph.retry_after_s"),
    )?;
    let capacity = format!(
        "unbounded servers; {} memberOf calls/s, burst {burst} (a large tenant's 8,000 resource units per 10 s at 2 a call), 429 with Retry-After {} s beyond",
        fmt_num(per_s),
        fmt_num(retry_after_s)
    );
    limited_endpoint(Kind::MicrosoftGraph, name, service, limit, capacity, &tls_of!(s), path)
}

/// A cloud endpoint with a public certificate, unbounded servers that
/// answer at once on the way back, and a rate limit: an identity
/// provider's token endpoint, Microsoft Graph.
pub(crate) fn limited_endpoint(
    kind: Kind,
    name: &str,
    service: sim_core::Dist,
    limit: RateLimit,
    capacity: String,
    tls: &TlsSpec,
    path: &str,
) -> Result<NodeModel, Invalid> {
    let st = Station::new(name, Servers::Unbounded, service)
        .with_response_service(zero())
        .with_rate_limit(limit);
    let mut model = plain(kind, st, capacity);
    model.terminator = Some(terminator(tls, PUBLIC_CA, None, path)?);
    Ok(model)
}

/// An on-premises Active Directory domain controller (the KDC).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DomainControllerSpec {
    kind: String,
    /// Time one delegation (S4U2Self + S4U2Proxy) takes (default EST).
    #[serde(default)]
    service_ms: Option<LawSpec>,
    /// Concurrent requests it serves (default unbounded).
    #[serde(default)]
    servers: Option<Value>,
}

pub(crate) fn domain_controller(
    name: &str,
    s: &DomainControllerSpec,
    path: &str,
) -> Result<NodeModel, Invalid> {
    let service = latency(&s.service_ms, path, "service_ms", || {
        lognormal_median(value("domain_controller.kcd_ms"), value("domain_controller.kcd_sigma"))
    })?;
    let servers = match &s.servers {
        Some(v) => crate::file::laws::servers(v, &key_path(path, "servers"))?,
        None => Servers::Unbounded,
    };
    let st = Station::new(name, servers, service).with_response_service(zero());
    let capacity = match servers.count() {
        Some(c) => format!("{c} servers"),
        None => "unbounded servers (its Kerberos capacity is not modelled: give servers)".into(),
    };
    Ok(plain(Kind::DomainController, st, capacity))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flushes_add_the_renewal_rate_and_nothing_without_them() {
        let m = CacheMisses { users: 1000, lifetime_s: 3600.0, flushes_per_s: 0.0, copies: 1 };
        assert_eq!(m.flush_per_s(), 0.0);
        assert!((m.total_per_s() - 1000.0 / 3600.0).abs() < 1e-12);
        // One flush per lifetime: f / (1 − e^−1) per user.
        let m = CacheMisses { flushes_per_s: 1.0 / 3600.0, ..m };
        let want = 1000.0 / 3600.0 / (1.0 - (-1.0f64).exp());
        assert!((m.total_per_s() - want).abs() < 1e-12);
        // Flushes far more often than the lifetime: each user misses once
        // per flush.
        let m = CacheMisses { flushes_per_s: 1.0, ..m };
        assert!((m.total_per_s() / 1000.0 - 1.0).abs() < 1e-9);
        // Two regions: twice the misses.
        let two = CacheMisses { copies: 2, ..m };
        assert!((two.total_per_s() - 2.0 * m.total_per_s()).abs() < 1e-9);
    }
}
