//! `aznetsim validate`: check scenario files without simulating.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use sim_scenarios::azure::{Finding, Severity};
use sim_scenarios::text::escape;

use super::shared;
use crate::args::ValidateArgs;
use crate::output::table::count;
use crate::{EXIT_CHECK_FAILED, EXIT_ERROR};

/// Loads every file; prints each route's findings. Exit 2 if a file does
/// not load, else 1 if a check found an error, else 0.
pub(crate) fn run(args: &ValidateArgs) -> Result<ExitCode> {
    let (mut invalid, mut check_failed) = (false, false);
    let mut out = std::io::stdout().lock();
    for path in &args.scenarios {
        match shared::load(path, &args.set, &[]) {
            Ok(loaded) => {
                let s = &loaded.scenario;
                let findings: Vec<&Finding> = s.routes().iter().flat_map(|r| &r.findings).collect();
                let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
                let verdict = if errors > 0 { "FAILED" } else { "ok" };
                writeln!(
                    out,
                    "{}: {verdict} ({}, {}, {})",
                    escape(&path.display().to_string()),
                    count(s.routes().len() as u64, "route"),
                    count(errors as u64, "error"),
                    count((findings.len() - errors) as u64, "warning")
                )?;
                for f in findings {
                    writeln!(out, "  {} [{}]: {}", f.severity, f.check, escape(&f.message))?;
                }
                check_failed |= errors > 0;
            }
            Err(e) => {
                eprintln!("aznetsim: error: {}", escape(&format!("{e:#}")));
                invalid = true;
            }
        }
    }
    out.flush()?;
    Ok(if invalid {
        ExitCode::from(EXIT_ERROR)
    } else if check_failed {
        ExitCode::from(EXIT_CHECK_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
