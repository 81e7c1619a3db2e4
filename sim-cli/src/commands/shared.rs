//! What several commands do the same way: load a scenario with its
//! overrides, start the worker pool, and describe and fill a results
//! directory.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;
use sim_scenarios::Scenario;
use sim_scenarios::experiment::{Shard, Vary};
use sim_scenarios::file::{ScenarioSpec, parse_assignment, parse_json, set_path};
use sim_scenarios::report::{RouteState, csv_header};
use sim_scenarios::text::Shown;

use crate::args::{RowFormat, SaveArgs};
use crate::save::{self, Files, Manifest};

/// A scenario document after its overrides, and the scenario validated
/// from it. The document is kept because results directories save it and
/// sweep and capacity derive their variants from it.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The document, overrides applied.
    pub(crate) value: Value,
    /// The validated scenario.
    pub(crate) scenario: Scenario,
    /// Every override applied, as `PATH=VALUE`, in order (the manifest
    /// records them).
    pub(crate) overrides: Vec<String>,
}

/// Loads a scenario, applying `--set` overrides (and the shorthand flags
/// that are overrides too) to the JSON before validation.
pub(crate) fn load(path: &Path, sets: &[String], extra: &[(String, String)]) -> Result<Loaded> {
    let value = load_value(path, sets, extra)?;
    let scenario = Scenario::from_value(path, value.clone())?;
    let overrides =
        sets.iter().cloned().chain(extra.iter().map(|(p, v)| format!("{p}={v}"))).collect();
    Ok(Loaded { value, scenario, overrides })
}

/// The scenario document after overrides, not yet validated.
fn load_value(path: &Path, sets: &[String], extra: &[(String, String)]) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the scenario", path.display()))?;
    let mut value = parse_json(path, &text)?;
    for s in sets {
        let (p, v) = parse_assignment(s)?;
        set_path(&mut value, &p, &v).with_context(|| format!("{}: --set", path.display()))?;
    }
    for (p, v) in extra {
        set_path(&mut value, p, v).with_context(|| format!("{}", path.display()))?;
    }
    Ok(value)
}

/// A rayon pool of `threads` workers (all cores when `None`).
pub(crate) fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    if threads == Some(0) {
        bail!("--threads must be at least 1 (leave it out to use every core)");
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")
}

/// Where `--out` saves, checked before any simulation.
pub(crate) fn save_target(save: &SaveArgs, scenario: &str) -> Result<Option<PathBuf>> {
    let Some(out) = &save.out else { return Ok(None) };
    let dir = save::target_dir(out, scenario);
    save::check_target(&dir, save.force)?;
    Ok(Some(dir))
}

/// The manifest of a results directory of `command` on the validated
/// `spec` with its `overrides`; [`Files::add_manifest`] fills in the
/// digests.
pub(crate) fn manifest(
    command: &str,
    spec: &ScenarioSpec,
    overrides: &[String],
    varies: &[Vary],
    shard: Shard,
    points: usize,
) -> Manifest {
    Manifest {
        tool: sim_scenarios::report::TOOL.into(),
        version: sim_scenarios::report::VERSION.into(),
        command: command.into(),
        scenario: spec.name.clone(),
        seed: spec.seed,
        replications: spec.replications,
        varies: varies.to_vec(),
        shard,
        points,
        overrides: overrides.to_vec(),
        format_version: save::FORMAT_VERSION,
        scenario_sha256: String::new(),
        states_lines: 0,
        states_sha256: String::new(),
        manifest_sha256: String::new(),
    }
}

/// The rows of `states`, as the sweep prints them.
/// A warning on stderr when some rows did not carry their load (`stable`
/// false): their latency is not a steady state.
pub(crate) fn warn_unstable(states: &[RouteState]) -> Result<()> {
    let mut unstable = Vec::new();
    for st in states {
        if !st.row()?.stable {
            unstable.push(format!("point {} route {}", st.point, Shown(&st.route)));
        }
    }
    if let Some(first) = unstable.first() {
        eprintln!(
            "aznetsim: warning: {} of {} rows are not stable (a resource on the route was at least 98 % busy: its queue never emptied, so the latency grows with the run length), first {first}; read them as overload, see the stable column",
            unstable.len(),
            states.len()
        );
    }
    Ok(())
}

pub(crate) fn rows_text(
    states: &[RouteState],
    paths: &[String],
    format: RowFormat,
) -> Result<String> {
    let mut out = String::new();
    if format == RowFormat::Csv {
        out.push_str(&csv_header(paths));
        out.push('\n');
    }
    for st in states {
        let row = st.row()?;
        match format {
            RowFormat::Csv => out.push_str(&row.to_csv()),
            RowFormat::Jsonl => out.push_str(&serde_json::to_string(&row.to_json(paths))?),
        }
        out.push('\n');
    }
    Ok(out)
}

/// The files every results directory holds: the resolved scenario, the
/// route states, the manifest that binds them, the rows as CSV and one
/// histogram log per route (named after the route, sanitised: see
/// [`save::file_stem`]).
pub(crate) fn common_files(m: Manifest, value: &Value, states: &[RouteState]) -> Result<Files> {
    let mut files = Files::default();
    files.add("scenario.json", serde_json::to_string_pretty(value)? + "\n");
    let mut lines = String::new();
    for st in states {
        lines.push_str(&serde_json::to_string(st)?);
        lines.push('\n');
    }
    files.add("states.jsonl", lines);
    let paths: Vec<String> = m.varies.iter().map(|v| v.path.clone()).collect();
    files.add("summary.csv", rows_text(states, &paths, RowFormat::Csv)?);
    for st in states {
        let name = if m.varies.is_empty() {
            st.route.clone()
        } else {
            format!("point{:05}-{}", st.point, st.route)
        };
        files.add_named(&name, "hlog", save::histogram_log(&st.route, st)?);
    }
    files.add_manifest(m)?;
    Ok(files)
}
