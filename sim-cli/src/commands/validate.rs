//! `aznetsim validate`: check scenario files without simulating.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use serde::Serialize;
use sim_scenarios::azure::{Finding, Severity};
use sim_scenarios::file::Date;
use sim_scenarios::text::escape;

use super::shared;
use crate::args::{Format, ValidateArgs};
use crate::output::table::count;
use crate::{EXIT_CHECK_FAILED, EXIT_ERROR};

/// `validate --format json`: one entry per file, in the order given.
#[derive(Debug, Serialize)]
struct ValidateDoc {
    schema_version: u32,
    tool: &'static str,
    version: &'static str,
    files: Vec<FileVerdict>,
}

/// One file's verdict.
#[derive(Debug, Serialize)]
struct FileVerdict {
    /// The path as given, or `<stdin>`.
    file: String,
    /// `"ok"`, `"failed"` (a route check found an error: exit 1) or
    /// `"invalid"` (the file does not load: exit 2).
    status: &'static str,
    /// Why the file does not load (`null` unless invalid).
    error: Option<String>,
    /// The scenario's name (`null` when invalid).
    scenario: Option<String>,
    routes: usize,
    errors: usize,
    warnings: usize,
    /// Every route's findings, route by route.
    findings: Vec<Finding>,
}

/// Loads every file; prints each route's findings. Exit 2 if a file does
/// not load, else 1 if a check found an error, else 0.
pub(crate) fn run(args: &ValidateArgs) -> Result<ExitCode> {
    let stdin = Path::new(shared::STDIN_ARG);
    if args.scenarios.iter().filter(|p| *p == stdin).count() > 1 {
        bail!("- (stdin) is given more than once: stdin holds one scenario");
    }
    let today = match args.today {
        Some(d) => d,
        None => Date::today().map_err(anyhow::Error::msg)?,
    };
    let verdicts: Vec<FileVerdict> = args.scenarios.iter().map(|p| check(p, args, today)).collect();
    for e in verdicts.iter().filter_map(|v| v.error.as_ref()) {
        eprintln!("aznetsim: error: {}", escape(e));
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let doc = ValidateDoc {
                schema_version: sim_scenarios::report::SCHEMA_VERSION,
                tool: sim_scenarios::report::TOOL,
                version: sim_scenarios::report::VERSION,
                files: verdicts,
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
            out.flush()?;
            return Ok(exit_code(&doc.files));
        }
        Format::Table => {
            for v in &verdicts {
                if v.error.is_some() {
                    continue;
                }
                let verdict = if v.errors > 0 { "FAILED" } else { "ok" };
                writeln!(
                    out,
                    "{}: {verdict} ({}, {}, {})",
                    escape(&v.file),
                    count(v.routes as u64, "route"),
                    count(v.errors as u64, "error"),
                    count(v.warnings as u64, "warning")
                )?;
                for f in &v.findings {
                    writeln!(out, "  {} [{}]: {}", f.severity, f.check, escape(&f.message))?;
                }
            }
        }
    }
    out.flush()?;
    Ok(exit_code(&verdicts))
}

/// 2 if a file does not load, else 1 if a check failed, else 0.
fn exit_code(verdicts: &[FileVerdict]) -> ExitCode {
    if verdicts.iter().any(|v| v.status == "invalid") {
        ExitCode::from(EXIT_ERROR)
    } else if verdicts.iter().any(|v| v.status == "failed") {
        ExitCode::from(EXIT_CHECK_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

/// Loads one file and collects its routes' findings, certificate expiry
/// on `today` included.
fn check(path: &Path, args: &ValidateArgs, today: Date) -> FileVerdict {
    match shared::load(path, &args.overrides.set, &[]) {
        Ok(loaded) => {
            let s = &loaded.scenario;
            // Expiry is checked here only, against `today`: a run never
            // depends on the date.
            let findings: Vec<Finding> = s
                .routes()
                .iter()
                .flat_map(|r| {
                    let mut f = r.findings.clone();
                    f.extend(r.expiry_findings(today, args.cert_warning_days));
                    f
                })
                .collect();
            let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
            FileVerdict {
                file: loaded.file.display().to_string(),
                status: if errors > 0 { "failed" } else { "ok" },
                error: None,
                scenario: Some(s.spec().name.clone()),
                routes: s.routes().len(),
                errors,
                warnings: findings.len() - errors,
                findings,
            }
        }
        Err(e) => FileVerdict {
            file: if path == Path::new(shared::STDIN_ARG) {
                shared::STDIN_NAME.into()
            } else {
                path.display().to_string()
            },
            status: "invalid",
            error: Some(format!("{e:#}")),
            scenario: None,
            routes: 0,
            errors: 0,
            warnings: 0,
            findings: Vec::new(),
        },
    }
}
