//! `aznetsim capacity`: the highest arrival rate each route sustains within
//! a latency SLO.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use sim_scenarios::experiment::{CapacityReport, Search, Shard};

use super::shared;
use crate::EXIT_CHECK_FAILED;
use crate::args::{CapacityArgs, Format};
use crate::output::{pictures, progress, table};
use crate::save::{self, Files};

/// Exit 1 when some route meets the SLO at no rate tried, or reaches the
/// search ceiling without breaking it; a capacity that does not hold at
/// twice the run length is a warning on stderr.
pub(crate) fn run(args: &CapacityArgs) -> Result<ExitCode> {
    let loaded = shared::load(&args.scenario, &args.set, &[])?;
    let value = &loaded.value;
    let spec = loaded.scenario.spec();
    let slo = args.slo;
    let target = shared::save_target(&args.save, &spec.name)?;
    let pool = shared::pool(args.exec.threads)?;
    let show = progress::show(args.exec.quiet, args.format == Format::Json);
    let bar = progress::spinner("simulations", show);
    let search = Search { relative_precision: args.precision, ..Search::default() };
    let found = pool.install(|| {
        sim_scenarios::capacity(&loaded.scenario, args.route.as_deref(), slo, search, &|| {
            bar.inc(1)
        })
    });
    bar.finish_and_clear();
    let found = found?;
    let doc = CapacityReport {
        schema_version: sim_scenarios::report::SCHEMA_VERSION,
        tool: sim_scenarios::report::TOOL.into(),
        version: sim_scenarios::report::VERSION.into(),
        scenario: spec.name.clone(),
        slo: slo.to_string(),
        seed: spec.seed,
        replications: spec.replications,
        routes: found.clone(),
    };
    // The report is printed even when saving it fails: the work is never
    // lost, and the error says what was not saved.
    let saved = target.as_ref().map(|dir| -> Result<()> {
        let m = shared::manifest("capacity", spec, &loaded.overrides, &[], Shard::ALL, 1);
        let mut files = Files::default();
        files.add("scenario.json", serde_json::to_string_pretty(value)? + "\n");
        files.add("summary.json", serde_json::to_string_pretty(&doc)? + "\n");
        files.add("states.jsonl", "");
        files.add_manifest(m)?;
        if args.save.report {
            pictures::capacity_charts(&mut files, spec, &found, &slo)?;
        }
        save::write_dir(dir, &files, args.save.force)
    });
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Table => table::write_capacity(&mut out, &spec.name, &slo, &found)?,
    }
    out.flush()?;
    for w in found.iter().flat_map(|r| r.warnings()) {
        eprintln!("aznetsim: warning: {}", sim_scenarios::text::escape(&w.to_string()));
    }
    let failed = found.iter().any(|r| r.capacity_per_s.is_none() || r.ceiling_reached);
    if let Some(Err(e)) = saved {
        return Err(e.context(save::NOT_SAVED));
    }
    Ok(if failed { ExitCode::from(EXIT_CHECK_FAILED) } else { ExitCode::SUCCESS })
}
