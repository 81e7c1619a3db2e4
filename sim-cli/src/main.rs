//! `aznetsim`: compare Azure hybrid network routes by latency and capacity.
//!
//! Thin: argument parsing, thread pool, progress on stderr, output on
//! stdout. Everything about scenarios lives in `sim-scenarios`; the engine
//! in `sim-core`.
//!
//! `main` parses the arguments, [`run`] hands them to the command's module
//! under [`commands`], and the result becomes one of the documented exit
//! codes. What the commands print is made under [`output`]; results
//! directories are written by [`save`].

mod args;
mod commands;
mod output;
mod save;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use sim_scenarios::text::escape;

use crate::args::{Cli, Command, FlagError};

/// Exit code: the run completed but a check it was asked for failed.
const EXIT_CHECK_FAILED: u8 = 1;
/// Exit code: invalid input, usage or I/O error.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if let Some(flag) = FlagError::of(&e) {
                eprintln!("aznetsim: error: {}", escape(&flag.to_string()));
                return ExitCode::from(EXIT_ERROR);
            }
            // clap prints help and version on stdout with success, usage
            // errors on stderr; usage errors exit with 2 as documented.
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(EXIT_ERROR) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // One helper for every message: a name in it (a route, a
            // file, a value) cannot spoof the lines around it.
            eprintln!("aznetsim: error: {}", escape(&format!("{e:#}")));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Runs the chosen command.
fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(args) => commands::run::run(&args),
        Command::Validate(args) => commands::validate::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
        Command::Catalog(args) => commands::catalog::run(&args),
        Command::Sweep(args) => commands::sweep::run(&args),
        Command::Capacity(args) => commands::capacity::run(&args),
        Command::Merge(args) => commands::merge::run(&args),
        Command::Sensitivity(args) => commands::sensitivity::run(&args),
        Command::Completions(args) => commands::docs::completions(args.shell),
        Command::Man(args) => commands::docs::man(args.command.as_deref()),
        Command::Draw(args) => commands::draw::run(&args),
        Command::Schema(args) => commands::docs::schema(args.markdown),
    }
}

/// Whether `e` comes from writing to a closed stdout, e.g. `| head`: a
/// quiet exit 0, as for other command-line tools.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        // serde_json wraps the I/O error of a JSON writer without exposing
        // it as a source: ask it for the kind.
        let kind = c
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| c.downcast_ref::<serde_json::Error>().and_then(|j| j.io_error_kind()));
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}
