//! What several commands do the same way: load a scenario with its
//! overrides, start the worker pool, and describe and fill a results
//! directory.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::Value;
use sim_scenarios::Scenario;
use sim_scenarios::experiment::{Shard, Vary};
use sim_scenarios::file::{Resolved, ScenarioSpec, parse_assignment, resolve};
use sim_scenarios::report::{RouteState, csv_header};
use sim_scenarios::text::Shown;

use crate::args::{ExecArgs, RowFormat, SaveArgs};
use crate::save::{self, Files, Manifest};

/// A scenario document after its `extends` chain and its overrides, and
/// the scenario validated from it. The document is kept because results directories save it and
/// sweep and capacity derive their variants from it.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The name messages give the file: its path, or `<stdin>` for `-`.
    pub(crate) file: PathBuf,
    /// The document, `extends` resolved and overrides applied: what a
    /// results directory saves, so it never needs the base files.
    pub(crate) value: Value,
    /// The validated scenario.
    pub(crate) scenario: Scenario,
    /// Every override applied, as `PATH=VALUE`, in order (the manifest
    /// records them).
    pub(crate) overrides: Vec<String>,
}

/// The scenario argument that reads stdin.
pub(crate) const STDIN_ARG: &str = "-";

/// The name messages give a scenario read from stdin.
pub(crate) const STDIN_NAME: &str = "<stdin>";

/// Loads a scenario (`-`: from stdin), applying `--set` overrides (and the
/// shorthand flags that are overrides too) to the JSON before validation.
pub(crate) fn load(path: &Path, sets: &[String], extra: &[(String, String)]) -> Result<Loaded> {
    let (file, text) = if path == Path::new(STDIN_ARG) {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text)
            .with_context(|| format!("{STDIN_NAME}: cannot read the scenario from stdin"))?;
        (PathBuf::from(STDIN_NAME), text)
    } else {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!("{}: cannot read the scenario", Shown(&path.display().to_string()))
        })?;
        (path.to_path_buf(), text)
    };
    let resolved = apply_overrides(&file, &text, sets, extra)?;
    let scenario = Scenario::from_resolved(&resolved)?;
    let overrides =
        sets.iter().cloned().chain(extra.iter().map(|(p, v)| format!("{p}={v}"))).collect();
    Ok(Loaded { file, value: resolved.value().clone(), scenario, overrides })
}

/// The scenario document with its `extends` chain resolved, then the
/// overrides applied (they change the resolved document), not yet
/// validated.
fn apply_overrides(
    path: &Path,
    text: &str,
    sets: &[String],
    extra: &[(String, String)],
) -> Result<Resolved> {
    let mut resolved = resolve(path, text)?;
    for s in sets {
        let (p, v) = parse_assignment(s)?;
        resolved.set(&p, &v).with_context(|| format!("{}: --set", path.display()))?;
    }
    for (p, v) in extra {
        resolved.set(p, v).with_context(|| format!("{}", path.display()))?;
    }
    Ok(resolved)
}

/// The most worker threads for `cores` cores: more only costs start-up
/// time and memory (10,000 threads took a minute to start for a 0.1 s run),
/// since results never depend on the count.
pub(crate) fn max_threads(cores: usize) -> usize {
    (2 * cores).max(64)
}

/// The worker count for `--threads`: all cores when `None`, lowered to
/// [`max_threads`] (with a note on stderr) when above it.
fn threads(requested: Option<usize>, cores: usize) -> Result<(usize, Option<String>)> {
    match requested {
        None => Ok((cores, None)),
        Some(0) => bail!("--threads must be at least 1 (leave it out to use every core)"),
        Some(n) if n > max_threads(cores) => {
            let cap = max_threads(cores);
            Ok((
                cap,
                Some(format!(
                    "--threads {n} is more than this machine uses ({cores} cores); using {cap} (the larger of 64 and twice the cores): results do not depend on it"
                )),
            ))
        }
        Some(n) => Ok((n, None)),
    }
}

/// A rayon pool of `exec.threads` workers (see [`threads`]).
pub(crate) fn pool(exec: &ExecArgs) -> Result<rayon::ThreadPool> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let (n, note) = threads(exec.threads, cores)?;
    if let Some(note) = note {
        eprintln!("aznetsim: note: {note}");
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .context("cannot start the worker threads")
}

/// Most simulated requests a command starts without `--yes`: five hours or
/// more of a 2-core machine (topology A, README's run: 120,000 requests x 4
/// replications x 2 routes in about 1.8 s since the authorisation twins run
/// only with `--auth-cost`, some 500,000 requests per second; measured, not
/// a bound).
pub(crate) const MAX_WORK: f64 = 1e10;

/// Refuses, before simulating, a command whose estimated work (`requests`
/// x `replications` x `routes` x `runs`) passes [`MAX_WORK`] unless
/// `--yes` was given; `what` says where the factors come from.
pub(crate) fn check_work(exec: &ExecArgs, factors: &[(&str, f64)]) -> Result<()> {
    let work: f64 = factors.iter().map(|(_, v)| v).product();
    if work > MAX_WORK && !exec.yes {
        let how =
            factors.iter().map(|(what, v)| format!("{v} {what}")).collect::<Vec<_>>().join(" x ");
        bail!(
            "this would simulate about {work:.2e} requests ({how}), past the limit of {MAX_WORK:.0e} (at some 500,000 simulated requests per second on 2 cores, five hours or more): lower --requests or --replications (or --max-replications), or pass --yes to start anyway"
        );
    }
    Ok(())
}

/// The factors of a scenario's work for [`check_work`]: requests per
/// replication, replications and routes (1 in mode mix, where `requests`
/// is the total over all routes).
pub(crate) fn scenario_work(scenario: &Scenario, replications: u64) -> Vec<(&'static str, f64)> {
    let spec = scenario.spec();
    let routes = if scenario.mix_model().is_some() { 1 } else { spec.routes.len() };
    vec![
        ("requests", spec.workload.requests as f64),
        ("replications", replications as f64),
        ("routes", routes as f64),
    ]
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

/// The files of a results directory that holds one summary document and
/// no route states (`capacity`, `sensitivity`): the resolved scenario,
/// `summary.json`, an empty `states.jsonl` and the manifest.
pub(crate) fn summary_files(m: Manifest, value: &Value, summary: &impl Serialize) -> Result<Files> {
    let mut files = Files::default();
    files.add("scenario.json", serde_json::to_string_pretty(value)? + "\n");
    files.add("summary.json", serde_json::to_string_pretty(summary)? + "\n");
    files.add("states.jsonl", "");
    files.add_manifest(m)?;
    Ok(files)
}

/// `doc` as one pretty JSON document and a line end: what `--format json`
/// prints.
pub(crate) fn write_json(out: &mut impl std::io::Write, doc: &impl Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc)?;
    writeln!(out)?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_capped_near_the_core_count_with_a_note() {
        assert_eq!(threads(None, 2).unwrap(), (2, None));
        assert_eq!(threads(Some(3), 2).unwrap(), (3, None));
        assert_eq!(threads(Some(64), 2).unwrap(), (64, None));
        let (n, note) = threads(Some(10_000), 2).unwrap();
        assert_eq!(n, 64);
        assert!(
            note.unwrap()
                .starts_with("--threads 10000 is more than this machine uses (2 cores); using 64")
        );
        assert_eq!(threads(Some(1000), 128).unwrap().0, 256);
        assert!(threads(Some(0), 2).is_err());
    }

    #[test]
    fn work_past_the_limit_needs_yes() {
        let exec = |yes| ExecArgs { threads: None, quiet: true, yes };
        let big = [("requests", 1e12), ("replications", 4.0), ("routes", 2.0)];
        let e = check_work(&exec(false), &big).unwrap_err().to_string();
        assert!(
            e.contains(
                "about 8.00e12 requests (1000000000000 requests x 4 replications x 2 routes)"
            ),
            "{e}"
        );
        assert!(e.contains("pass --yes"), "{e}");
        assert!(check_work(&exec(true), &big).is_ok());
        assert!(check_work(&exec(false), &[("requests", 1e9), ("replications", 10.0)]).is_ok());
    }
}
