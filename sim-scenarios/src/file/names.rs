//! The names a scenario gives (its own, its nodes', its routes', its CAs'):
//! restricted at load to a safe set, because they are printed in tables and
//! messages and become file names (`<route>.hlog`).
//!
//! - A **name** (scenario, route, CA, region) holds ASCII letters, digits,
//!   `-`, `_`, `.` and spaces, starts with a letter, a digit or `_`, does not
//!   end with a space and has at most [`MAX_NAME_CHARS`] characters. So no
//!   name is a path (`../x`, `/etc`), a hidden file (`.x`), an option
//!   (`-x`) or a terminal escape.
//! - A **node name** is also a key of the `nodes` object, and JSON paths
//!   print it: it holds letters, digits, `-` and `_` only (no dot, bracket
//!   or space), so that every path a message prints (`nodes.hub-fw.units`)
//!   is one `--set` accepts.

use crate::error::Invalid;
use crate::file::json::{index_path, key_path};
use crate::file::spec::ScenarioSpec;

/// Most characters a name may have.
pub const MAX_NAME_CHARS: usize = 64;

/// What makes a name, as messages say it.
const NAME_RULE: &str = "names may hold letters, digits, '-', '_', '.' and spaces, start with a letter, a digit or '_', and have at most 64 characters";

/// What makes a node name, as messages say it.
const NODE_RULE: &str = "node names may hold letters, digits, '-' and '_' only (no dots, brackets or spaces, so that --set can name every field of the node), start with a letter, a digit or '_', and have at most 64 characters";

fn starts_well(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `name` is a valid name (see the module documentation).
pub fn is_valid_name(name: &str) -> bool {
    starts_well(name)
        && name.len() <= MAX_NAME_CHARS
        && !name.ends_with(' ')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
}

/// Whether `name` is a valid node name (see the module documentation).
pub fn is_valid_node_name(name: &str) -> bool {
    starts_well(name)
        && name.len() <= MAX_NAME_CHARS
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// `name` (a `what` such as "route name") if it is valid, or an error at
/// `path`. The name is quoted with escapes, so a control character in it
/// reaches no terminal.
pub(crate) fn name(value: &str, path: impl Into<String>, what: &str) -> Result<(), Invalid> {
    if is_valid_name(value) {
        return Ok(());
    }
    if value.trim().is_empty() {
        return Err(Invalid::new(path, "must not be empty"));
    }
    Err(Invalid::new(path, format!("{what} {value:?} is not allowed: {NAME_RULE}; rename it")))
}

/// A reference to a node (in a path, a link, a call's `via`): valid node
/// names only, so that a message naming an unknown node echoes nothing
/// unsafe.
pub(crate) fn node(value: &str, path: impl Into<String>) -> Result<(), Invalid> {
    if is_valid_node_name(value) {
        return Ok(());
    }
    if value.trim().is_empty() {
        return Err(Invalid::new(path, "node names must not be empty"));
    }
    Err(Invalid::new(path, format!("node name {value:?} is not allowed: {NODE_RULE}; rename it")))
}

/// A free text (a scenario's or a node's `description`): no control
/// character but line breaks.
pub(crate) fn description(text: &str, path: impl Into<String>) -> Result<(), Invalid> {
    match text.chars().find(|c| c.is_control() && *c != '\n') {
        Some(c) => Err(Invalid::new(
            path,
            format!("holds the control character {c:?}; only text and line breaks are allowed"),
        )),
        None => Ok(()),
    }
}

/// Checks every name the spec itself holds: the scenario's name and
/// description, node names, route names, and the node names of paths,
/// return paths and links. (Names inside node objects, such as CAs and a
/// call's `via`, are checked where those are read.)
pub(crate) fn check(spec: &ScenarioSpec) -> Result<(), Invalid> {
    name(&spec.name, "name", "the scenario name")?;
    if let Some(d) = &spec.description {
        description(d, "description")?;
    }
    for n in spec.nodes.keys() {
        node(n, key_path("nodes", n))?;
    }
    for (i, r) in spec.routes.iter().enumerate() {
        let rpath = index_path("routes", i);
        name(&r.name, key_path(&rpath, "name"), "route name")?;
        for (field, list) in [("path", Some(&r.path)), ("return_path", r.return_path.as_ref())] {
            for (j, n) in list.into_iter().flatten().enumerate() {
                node(n, index_path(&key_path(&rpath, field), j))?;
            }
        }
    }
    for (i, l) in spec.links.iter().enumerate() {
        let bpath = key_path(&index_path("links", i), "between");
        for (j, n) in l.between.iter().enumerate() {
            node(n, index_path(&bpath, j))?;
        }
        if let Some(regions) = &l.regions {
            let rpath = key_path(&index_path("links", i), "regions");
            for (j, r) in regions.iter().enumerate() {
                name(r, index_path(&rpath, j), "region")?;
            }
        }
    }
    Ok(())
}

/// Checks the names inside a node's object, before it is read by kind:
/// its CAs (`certificate_ca`, `inspection_ca`, `inspection_root_ca`,
/// `trusts`) and the nodes its calls walk
/// through (`via`, `jwks_via`).
pub(crate) fn check_node_object(node_json: &serde_json::Value, path: &str) -> Result<(), Invalid> {
    use serde_json::Value;
    for field in ["certificate_ca", "inspection_ca", "inspection_root_ca"] {
        if let Some(Value::String(ca)) = node_json.get(field) {
            name(ca, key_path(path, field), "CA name")?;
        }
    }
    let lists = [
        ("trusts", "/trusts", false),
        ("policies.token_exchange.via", "/policies/token_exchange/via", true),
        ("policies.validate_jwt.jwks_via", "/policies/validate_jwt/jwks_via", true),
        ("protocol_transition.via", "/protocol_transition/via", true),
    ];
    for (field, pointer, nodes) in lists {
        let Some(Value::Array(items)) = node_json.pointer(pointer) else { continue };
        let lpath = field.split('.').fold(path.to_string(), |p, k| key_path(&p, k));
        for (j, item) in items.iter().enumerate() {
            let Value::String(s) = item else { continue };
            let ipath = index_path(&lpath, j);
            if nodes { node(s, ipath)? } else { name(s, ipath, "CA name")? }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_pass_and_unsafe_ones_do_not() {
        for ok in ["green", "Green via hub", "red-2", "v1.2", "_x", "a b.c_d-e"] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "/etc/passwd",
            ".hidden",
            "-rf",
            "a\nb",
            "\u{1b}[31mred",
            "é",
            "a/b",
            "a ",
            " a",
        ] {
            assert!(!is_valid_name(bad), "{bad:?}");
        }
        assert!(!is_valid_name(&"x".repeat(65)) && is_valid_name(&"x".repeat(64)));
        for bad in ["hub.fw", "a[0]", "a b", "a\"b"] {
            assert!(!is_valid_node_name(bad), "{bad:?}");
        }
        assert!(is_valid_node_name("hub-fw") && is_valid_node_name("er_gw2"));
        let e = name("a\u{1b}b", "routes[0].name", "route name").unwrap_err();
        assert!(e.message.starts_with("route name \"a\\u{1b}b\" is not allowed"), "{}", e.message);
    }
}
