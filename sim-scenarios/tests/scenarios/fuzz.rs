//! Issue 10: a mutation fuzzer over the shipped scenarios and the flag
//! parsers, driven by a fixed seed (stable toolchain, in-process).
//!
//! Each case takes a shipped scenario (`scenarios/*.json`) and breaks it:
//! numbers to extremes (0, −1, 5e-324, 1e308, 2⁶⁴, …), strings to unsafe
//! names (`../x`, control characters, dots), wrong types, dropped, renamed,
//! added and duplicated keys, catalog overrides and laws inserted with
//! extreme values, `extends` naming other shipped files (cycles and
//! chains among them), folders, non-scenarios and non-strings, `--set`/`--vary` assignments, truncated or corrupted
//! text. It then loads the text as `validate` does and, when the scenario
//! is accepted, runs it briefly (at most 300 requests and 2 replications).
//! It also feeds mutated `--set`, `--vary`, `--slo` and `--shard` arguments
//! to their parsers.
//!
//! What must hold, for every case: no panic (`catch_unwind`), no hang (a
//! 30 s watchdog per case), every load error names a JSON path or a
//! line:column, every flag error names its flag, and a scenario that loads
//! runs without error (nothing validate accepts fails later without a JSON
//! path).
//!
//! `AZNETSIM_FUZZ_CASES=10000` runs more cases than the default 2,000;
//! `AZNETSIM_FUZZ_SEED=N` another seed; `AZNETSIM_FUZZ_VERBOSE=1` prints
//! the commonest refusals. The counts are printed:
//! `cargo test -p sim-scenarios --test scenarios fuzz -- --nocapture`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};
use sim_scenarios::experiment::{Shard, Slo, Vary, grid};
use sim_scenarios::file::{Warmup, parse_assignment, resolve, set_path};
use sim_scenarios::{Scenario, ScenarioError};

use super::root;

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, portable, seeded
/// generator; the seed is printed with every failure.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Numbers at the edges of every range.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "5e-324",
    "1e-300",
    "1e-9",
    "1e-7",
    "0.001",
    "0.5",
    "1",
    "1.0000001",
    "2",
    "64",
    "1e6",
    "1e9",
    "1000000001",
    "1e12",
    "1e15",
    "1e18",
    "1e308",
    "1.7976931348623157e308",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
    "-0",
    "-1e308",
    "1e999",
    "3.5",
    "100",
    "99.999",
];

/// Strings that no name, kind or number should accept blindly.
const STRINGS: &[&str] = &[
    "../x",
    "/abs/path",
    "..",
    ".",
    ".hidden",
    "-rf",
    "a\nb",
    "\u{1b}[31mred",
    "hub.fw",
    "nodes[\"x\"]",
    "",
    " ",
    "x y",
    "NaN",
    "inf",
    "-1",
    "1e999",
    "unbounded",
    "auto",
    "poisson",
    "exponential",
    "pareto",
    "premium",
    "ErGwScale",
    "1.3",
    "public",
    "onprem-root",
    "\u{0}",
    "\u{202e}evil",
    "é",
    "red",
    "green",
    "client",
    "*.contoso.local",
    "api.contoso.local",
    "2027-02-29",
    "2027-03-31",
    "rsa2048",
];

/// Optional fields that override catalog figures, and other fields a
/// shipped scenario may not set: inserted into a node with an extreme value.
const NODE_FIELDS: &[&str] = &[
    "capacity_per_unit_per_s",
    "capacity_per_node_per_s",
    "capacity_units_per_instance",
    "autoscale",
    "throughput_per_instance_gbps",
    "per_flow_gbps",
    "throughput_gbps",
    "queue_limit",
    "servers",
    "units",
    "instances",
    "nodes",
    "service_ns_per_byte",
    "connection_reuse",
    "zone_aligned",
    "rule",
    "spikes",
    "packets_per_s_per_instance",
    "custom_ca_support",
    "certificate_ca",
    "trusts",
    "certificate_names",
    "host_name",
    "sends_intermediates",
    "client_certificate_trusts",
    "certificate_expires",
    "backend_host_name",
    "target_host_name",
    "client_certificate",
    "tls_inspection",
    "inspection_ca",
    "inspection_root_ca",
    "service",
];

/// One of [`NUMBERS`] as JSON (`1e999`, beyond a double, as the largest
/// double: only text can hold it, and the text mutations write it).
fn number(rng: &mut Rng) -> Value {
    let text = *rng.pick(NUMBERS);
    serde_json::from_str::<Value>(text).unwrap_or(json!(f64::MAX))
}

/// Law shapes with extreme parameters, for any `*_ms` or `*_bytes` field.
fn extreme_law(rng: &mut Rng) -> Value {
    let n = number;
    match rng.below(9) {
        0 => json!({"kind": "pareto", "scale": n(rng), "shape": n(rng)}),
        1 => json!({"kind": "lognormal", "mu": n(rng), "sigma": n(rng)}),
        2 => json!({"kind": "lognormal", "mean": n(rng), "p99": n(rng)}),
        3 => json!({"kind": "gamma", "shape": n(rng), "mean": n(rng)}),
        4 => json!({"kind": "erlang", "k": n(rng), "mean": n(rng)}),
        5 => json!({"kind": "normal", "mean": n(rng), "sd": n(rng)}),
        6 => json!({"kind": "uniform", "low": n(rng), "high": n(rng)}),
        7 => {
            json!({"kind": "empirical", "percentiles": [[0, n(rng)], [50, n(rng)], [100, n(rng)]]})
        }
        _ => json!({"kind": "exponential", "mean": n(rng)}),
    }
}

/// Every value's location in the document, as JSON pointer segments.
fn locations(v: &Value, here: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                here.push(k.clone());
                locations(x, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(i.to_string());
                locations(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn pointer(segs: &[String]) -> String {
    segs.iter().map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1"))).collect()
}

/// The location as a `--set` path, dotted or with brackets for indices.
fn set_path_of(segs: &[String], brackets: bool) -> String {
    let mut out = String::new();
    for s in segs {
        if brackets && s.parse::<usize>().is_ok() {
            out.push_str(&format!("[{s}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(s);
        }
    }
    out
}

/// A random number, string or other value.
fn random_value(rng: &mut Rng) -> Value {
    match rng.below(4) {
        0 | 1 => number(rng),
        2 => Value::String((*rng.pick(STRINGS)).to_string()),
        _ => rng
            .pick(&[json!(null), json!(true), json!([]), json!({}), json!([1, 2]), json!("1")])
            .clone(),
    }
}

/// How one case breaks its document; the text is made after the JSON
/// mutations, so text-level damage comes last.
#[derive(Debug, Default)]
struct Plan {
    /// The key that the serialiser writes twice (a pointer to its object,
    /// and the key).
    duplicate: Option<(String, String)>,
    /// Text-level damage: truncate at, or overwrite a byte at.
    truncate: Option<usize>,
    corrupt: Option<(usize, char)>,
}

/// One JSON-level mutation of `doc`; returns a description.
fn mutate(doc: &mut Value, rng: &mut Rng, plan: &mut Plan) -> String {
    let mut locs = Vec::new();
    locations(doc, &mut Vec::new(), &mut locs);
    let kind = rng.below(22);
    if kind >= 15 {
        return targeted(doc, rng, &locs, kind);
    }
    let loc = rng.pick(&locs).clone();
    let ptr = pointer(&loc);
    let target = doc.pointer_mut(&ptr).expect("a location that exists");
    match kind {
        // Numbers to extremes, strings to unsafe names.
        0..=4 => {
            let new = match target {
                Value::Number(_) => number(rng),
                Value::String(_) => Value::String((*rng.pick(STRINGS)).to_string()),
                _ => random_value(rng),
            };
            *target = new.clone();
            format!("{ptr} = {new}")
        }
        // A wrong type.
        5 => {
            let new = random_value(rng);
            *target = new.clone();
            format!("{ptr} = {new} (any type)")
        }
        // Drop a key or an element.
        6 => {
            let Some((last, parent)) = loc.split_last() else { return "nothing".into() };
            match doc.pointer_mut(&pointer(parent)) {
                Some(Value::Object(m)) => {
                    m.remove(last);
                }
                Some(Value::Array(a)) => {
                    if let Ok(i) = last.parse::<usize>() {
                        a.remove(i);
                    }
                }
                _ => {}
            }
            format!("drop {ptr}")
        }
        // Rename a key: a typo, a dotted or an unsafe name.
        7 => {
            let Some((last, parent)) = loc.split_last() else { return "nothing".into() };
            if let Some(Value::Object(m)) = doc.pointer_mut(&pointer(parent))
                && let Some(v) = m.remove(last)
            {
                let new = match rng.below(3) {
                    0 => format!("{last}x"),
                    1 => format!("{last}.{last}"),
                    _ => (*rng.pick(STRINGS)).to_string(),
                };
                m.insert(new.clone(), v);
                return format!("rename {ptr} to {new:?}");
            }
            format!("rename {ptr} (not a key)")
        }
        // Insert a catalog override or an unknown field into an object.
        8 | 9 => {
            if let Value::Object(m) = target {
                let field = if rng.chance(90) { *rng.pick(NODE_FIELDS) } else { "no_such_field" };
                let v = if rng.chance(80) { number(rng) } else { random_value(rng) };
                m.insert(field.into(), v.clone());
                return format!("{ptr}/{field} = {v}");
            }
            let v = random_value(rng);
            *target = v.clone();
            format!("{ptr} = {v}")
        }
        // A law with extreme parameters in place of a law or a number.
        10 => {
            let law = extreme_law(rng);
            *target = law.clone();
            format!("{ptr} = {law}")
        }
        // Duplicate a key when serialising.
        11 => {
            if let Value::Object(m) = target
                && !m.is_empty()
            {
                let keys: Vec<String> = m.keys().cloned().collect();
                let key = rng.pick(&keys).clone();
                plan.duplicate = Some((ptr.clone(), key.clone()));
                return format!("duplicate {ptr}/{key}");
            }
            format!("duplicate at {ptr} (not an object)")
        }
        // Arrays: duplicate an element, empty it.
        12 => {
            if let Value::Array(a) = target {
                if rng.chance(50) && !a.is_empty() {
                    let x = a[rng.below(a.len())].clone();
                    a.push(x);
                    return format!("{ptr}: an element twice");
                }
                a.clear();
                return format!("{ptr} = []");
            }
            let v = random_value(rng);
            *target = v.clone();
            format!("{ptr} = {v}")
        }
        // Through `--set`: a dotted or bracketed path and a raw value.
        13 => {
            let path = set_path_of(&loc, rng.chance(50));
            let raw = if rng.chance(70) {
                (*rng.pick(NUMBERS)).to_string()
            } else {
                (*rng.pick(STRINGS)).to_string()
            };
            format!("--set {path}={raw}: {}", apply_set(doc, &path, &raw))
        }
        // Text-level damage.
        _ => {
            if rng.chance(50) {
                plan.truncate = Some(rng.below(usize::MAX));
                "truncate".into()
            } else {
                let c = *rng.pick(&['"', '{', '}', '[', ',', ':', '\\', 'x', '0', '\u{0}', '\n']);
                plan.corrupt = Some((rng.below(usize::MAX), c));
                format!("corrupt a byte with {c:?}")
            }
        }
    }
}

/// What a mutated `extends` names, relative to the shipped scenarios: each
/// of them (a file may name itself, or its own variant: a cycle), a
/// folder, files that are not scenarios, a chain that leaves the folder.
const EXTENDS: &[&str] = &[
    "apim-hub-proxy.json",
    "apim-hub-proxy-vpn.json",
    "onprem-gateway.json",
    "onprem-gateway-tls13.json",
    "generic-green-red.json",
    "apim-hub-proxy-mix.json",
    "onprem-gateway-paas-client.json",
    ".",
    "",
    "missing.json",
    "../Cargo.toml",
    "../docs/scenario.schema.json",
    "../scenarios/../scenarios/apim-hub-proxy.json",
];

/// Fields deeper in a node that a scenario may set: overridden with an
/// extreme number where their parents exist.
const NESTED_FIELDS: &[&str] = &[
    "policies.validate_jwt.cpu_ms",
    "policies.forward_request_timeout_ms",
    "policies.token_exchange.users",
    "policies.token_exchange.token_lifetime_min",
    "policies.token_exchange.request_bytes",
    "policies.token_exchange.response_bytes",
    "policies.token_exchange.cache_hit_ratio",
    "protocol_transition.users",
    "protocol_transition.request_bytes",
    "policies.token_exchange.failure_probability",
    "policies.token_exchange.timeout_ms",
    "policies.token_exchange.retry.count",
    "policies.token_exchange.retry.interval_s",
    "rate_limit.per_s",
    "rate_limit.burst",
    "rate_limit.retry_after_s",
];

/// Mutations aimed at what a shipped scenario does not exercise by chance:
/// its numbers, its nodes' catalog overrides, its laws.
fn targeted(doc: &mut Value, rng: &mut Rng, locs: &[Vec<String>], kind: usize) -> String {
    let numbers: Vec<&Vec<String>> =
        locs.iter().filter(|l| doc.pointer(&pointer(l)).is_some_and(Value::is_number)).collect();
    let laws: Vec<&Vec<String>> = locs
        .iter()
        .filter(|l| l.last().is_some_and(|k| k.ends_with("_ms") || k.ends_with("_bytes")))
        .collect();
    let nodes: Vec<String> =
        doc["nodes"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    match kind {
        // `extends`: another shipped file (itself: a cycle; a variant: a
        // chain), a file or folder that is no scenario, or no path at all.
        21 => {
            let base = match rng.below(4) {
                0 => Value::from(*rng.pick(EXTENDS)),
                1 => Value::from(*rng.pick(STRINGS)),
                2 => random_value(rng),
                _ => Value::from("apim-hub-proxy-no-token-cache.json"),
            };
            if let Some(m) = doc.as_object_mut() {
                m.insert("extends".into(), base.clone());
            }
            format!("/extends = {base}")
        }
        15 | 16 if !numbers.is_empty() => {
            let ptr = pointer(numbers[rng.below(numbers.len())]);
            let new = number(rng);
            if let Some(t) = doc.pointer_mut(&ptr) {
                *t = new.clone();
            }
            format!("{ptr} = {new}")
        }
        17..=19 if !nodes.is_empty() => {
            let node = rng.pick(&nodes).clone();
            let field =
                if rng.chance(60) { *rng.pick(NODE_FIELDS) } else { *rng.pick(NESTED_FIELDS) };
            let raw = *rng.pick(NUMBERS);
            let path = format!("nodes.{node}.{field}");
            format!("--set {path}={raw}: {}", apply_set(doc, &path, raw))
        }
        _ if !laws.is_empty() => {
            let ptr = pointer(laws[rng.below(laws.len())]);
            let law = extreme_law(rng);
            if let Some(t) = doc.pointer_mut(&ptr) {
                *t = law.clone();
            }
            format!("{ptr} = {law}")
        }
        _ => "nothing".into(),
    }
}

/// Applies `--set PATH=RAW`; an error must name the path it was given.
fn apply_set(doc: &mut Value, path: &str, raw: &str) -> String {
    match parse_assignment(&format!("{path}={raw}")) {
        Err(e) => format!("refused: {e}"),
        Ok((p, v)) => match set_path(doc, &p, &v) {
            Ok(()) => "set".into(),
            Err(e) => {
                assert!(!e.path.is_empty() && !e.message.is_empty(), "--set {path}: {e:?}");
                format!("refused: {e}")
            }
        },
    }
}

/// Serialises `v`, writing the planned key twice.
fn write(v: &Value, here: &str, dup: &Option<(String, String)>, out: &mut String) {
    match v {
        Value::Object(m) => {
            out.push('{');
            let mut first = true;
            let mut member = |k: &String, x: &Value, out: &mut String| {
                if !std::mem::take(&mut first) {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write(x, &format!("{here}/{}", k.replace('~', "~0").replace('/', "~1")), dup, out);
            };
            for (k, x) in m {
                member(k, x, out);
                if let Some((p, key)) = dup
                    && p == here
                    && key == k
                {
                    member(k, x, out);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, &format!("{here}/{i}"), dup, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn text_of(doc: &Value, plan: &Plan) -> String {
    let mut text = String::new();
    write(doc, "", &plan.duplicate, &mut text);
    if let Some((at, c)) = plan.corrupt {
        let mut chars: Vec<char> = text.chars().collect();
        let i = at % chars.len().max(1);
        if i < chars.len() {
            chars[i] = c;
        }
        text = chars.into_iter().collect();
    }
    if let Some(at) = plan.truncate {
        let mut i = at % text.len().max(1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        text.truncate(i);
    }
    text
}

/// What a case came to.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Refused at load, with a JSON path or a line:column: the message.
    Refused(String),
    /// Loaded and ran.
    Ran,
    /// A load error naming neither a path nor a position.
    NoPath(String),
    /// Loaded, yet the short run failed.
    RunFailed(String),
}

/// Loads `text` as `validate` would and, if it loads, runs it briefly.
fn load_and_run(file: &Path, text: &str) -> Outcome {
    let checked = |e: ScenarioError| match &e {
        ScenarioError::Syntax { line, column, message, .. } if *line > 0 && *column > 0 => {
            Outcome::Refused(message.clone())
        }
        ScenarioError::Invalid { path, message, .. } if !path.is_empty() => {
            Outcome::Refused(message.clone())
        }
        _ => Outcome::NoPath(e.to_string()),
    };
    // As `validate` does: the `extends` chain first (a mutated variant
    // still reads its base from disk), then the document.
    let resolved = match resolve(file, text) {
        Ok(v) => v,
        Err(e) => return checked(e),
    };
    let scenario = match Scenario::from_resolved(&resolved) {
        Ok(s) => s,
        Err(e) => return checked(e),
    };
    // The per-case work bound: a few hundred requests, two replications.
    let mut spec = scenario.spec().clone();
    spec.workload.requests = spec.workload.requests.min(300);
    let warmup = spec.workload.warmup_requests.count().min(spec.workload.requests / 10);
    spec.workload.warmup_requests = Warmup::Requests(warmup);
    spec.replications = spec.replications.min(2);
    let short = match scenario.with_spec(spec) {
        Ok(s) => s,
        Err(e) => return checked(e),
    };
    let (seed, reps) = (short.spec().seed, short.spec().replications);
    match sim_scenarios::run(&short, seed, reps, &|| {}) {
        Ok(_) => Outcome::Ran,
        Err(e) => Outcome::RunFailed(e.to_string()),
    }
}

/// Mutated flag arguments: every error must name its flag; a `--vary`
/// that parses must make a grid or a clear error.
fn fuzz_flags(rng: &mut Rng) -> Result<(), String> {
    const SEEDS: &[&str] = &[
        "workload.arrival.rate_per_s=500..2000:500",
        "nodes.apim.units=1,2,3",
        "routes[0].name=a,b",
        "p99<=200ms",
        "mean<=1.5s",
        "p99.9<=50ms",
        "0/4",
        "3/4",
    ];
    let mut s: Vec<char> = rng.pick(SEEDS).chars().collect();
    for _ in 0..rng.below(4) {
        let i = rng.below(s.len() + 1);
        match rng.below(3) {
            0 if i < s.len() => {
                s.remove(i);
            }
            1 => {
                let ins = rng.pick(NUMBERS);
                for (j, c) in ins.chars().enumerate() {
                    s.insert(i + j, c);
                }
            }
            _ => s.insert(
                i,
                *rng.pick(&[
                    '=', ',', '.', ':', '/', '<', 'p', 'm', 's', '-', ' ', '[', ']', '\u{0}',
                ]),
            ),
        }
    }
    let arg: String = s.into_iter().collect();
    let named = |msg: String, flag: &str| {
        if msg.starts_with(flag) { Ok(()) } else { Err(format!("{flag} {arg:?}: {msg}")) }
    };
    match Vary::parse(&arg) {
        Ok(v) => {
            if let Err(e) = grid(&[v.clone(), v]) {
                named(e.to_string(), "--vary")?;
            }
        }
        Err(e) => named(e.to_string(), "--vary")?,
    }
    if let Err(e) = Shard::parse(&arg) {
        named(e.to_string(), "--shard")?;
    }
    if let Err(e) = Slo::parse(&arg) {
        named(e.to_string(), "--slo")?;
    }
    if let Err(e) = parse_assignment(&arg) {
        if e.path.is_empty() && arg.is_empty() {
            return Ok(());
        }
        if e.message.is_empty() {
            return Err(format!("--set {arg:?}: {e}"));
        }
    }
    Ok(())
}

#[derive(Debug, Default)]
struct Counts {
    cases: usize,
    refused: usize,
    ran: usize,
    panics: Vec<String>,
    hangs: Vec<String>,
    no_path: Vec<String>,
    run_failed: Vec<String>,
    flags: Vec<String>,
    /// How often each refusal (its first words) came up.
    reasons: std::collections::BTreeMap<String, usize>,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The fuzz run itself; see the module documentation.
#[test]
fn issue_10_mutated_scenarios_never_panic_hang_or_fail_without_a_path() {
    let cases = env_number("AZNETSIM_FUZZ_CASES", 2_000) as usize;
    let seed = env_number("AZNETSIM_FUZZ_SEED", 10);
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let docs: Vec<(PathBuf, Value)> = files
        .iter()
        .map(|f| (f.clone(), serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap()))
        .collect();
    let mut rng = Rng(seed);
    let mut counts = Counts::default();
    let started = std::time::Instant::now();
    for case in 0..cases {
        let (file, base) = &docs[case % docs.len()];
        let mut doc = base.clone();
        let mut plan = Plan::default();
        let edits: Vec<String> =
            (0..1 + rng.below(2)).map(|_| mutate(&mut doc, &mut rng, &mut plan)).collect();
        let text = text_of(&doc, &plan);
        let what = format!("case {case} (seed {seed}), {}: {}", file.display(), edits.join("; "));
        match catch_unwind(AssertUnwindSafe(|| fuzz_flags(&mut rng))) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => counts.flags.push(format!("case {case}: {e}")),
            Err(_) => {
                counts.panics.push(format!("case {case} (seed {seed}): a flag parser panicked"))
            }
        }
        let (tx, rx) = mpsc::channel();
        let file = file.clone();
        std::thread::spawn(move || {
            let out = catch_unwind(AssertUnwindSafe(|| load_and_run(&file, &text)));
            let _ = tx.send(out);
        });
        counts.cases += 1;
        match rx.recv_timeout(Duration::from_secs(30)) {
            Err(_) => counts.hangs.push(what),
            Ok(Err(_)) => counts.panics.push(what),
            Ok(Ok(Outcome::Refused(why))) => {
                counts.refused += 1;
                let what: String = why.chars().take(40).collect();
                *counts.reasons.entry(what).or_default() += 1;
            }
            Ok(Ok(Outcome::Ran)) => counts.ran += 1,
            Ok(Ok(Outcome::NoPath(e))) => counts.no_path.push(format!("{what}\n    {e}")),
            Ok(Ok(Outcome::RunFailed(e))) => counts.run_failed.push(format!("{what}\n    {e}")),
        }
    }
    println!(
        "fuzz: {} cases (seed {seed}) in {:.1} s: {} refused with a path or line:column, {} ran; {} panics, {} hangs, {} errors without a path, {} runs failed after validate accepted, {} flag errors not naming their flag",
        counts.cases,
        started.elapsed().as_secs_f64(),
        counts.refused,
        counts.ran,
        counts.panics.len(),
        counts.hangs.len(),
        counts.no_path.len(),
        counts.run_failed.len(),
        counts.flags.len()
    );
    if std::env::var_os("AZNETSIM_FUZZ_VERBOSE").is_some() {
        let mut reasons: Vec<_> = counts.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1));
        for (why, n) in reasons.iter().take(25) {
            println!("{n:6}  {why}");
        }
    }
    let bad: Vec<&String> = counts
        .panics
        .iter()
        .chain(&counts.hangs)
        .chain(&counts.no_path)
        .chain(&counts.run_failed)
        .chain(&counts.flags)
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} cases failed:\n{}",
        bad.len(),
        counts.cases,
        bad.iter().take(30).map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
    // The fuzzer must reach both sides: many cases load and run.
    assert!(counts.ran * 20 >= counts.cases, "only {} of {} cases ran", counts.ran, counts.cases);
}
