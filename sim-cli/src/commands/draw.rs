//! `aznetsim draw`: the scenario's topology as SVG, Graphviz dot or
//! Mermaid, on stdout or into a file.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::shared;
use crate::args::{DrawArgs, DrawFormat};
use crate::output::topology;

/// Draws the scenario (after `--set`) without simulating it.
pub(crate) fn run(args: &DrawArgs) -> Result<ExitCode> {
    let loaded = shared::load(&args.scenario, &args.set, &[])?;
    let t = loaded.scenario.topology();
    let text = match args.format {
        DrawFormat::Svg => topology::svg(t, None),
        DrawFormat::Dot => topology::dot(t),
        DrawFormat::Mermaid => topology::mermaid(t),
    };
    match &args.out {
        Some(file) => write_file(file, text.as_bytes()),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).context("cannot write the picture")?;
            out.flush().context("cannot write the picture")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes `bytes` to `file` atomically: a temporary file beside it, then a
/// rename, so a reader never sees half a picture and a failure leaves the
/// old file.
fn write_file(file: &Path, bytes: &[u8]) -> Result<ExitCode> {
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let context = || format!("--out {}: cannot write the picture", file.display());
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(context)?;
    tmp.write_all(bytes).with_context(context)?;
    tmp.persist(file).map_err(|e| e.error).with_context(context)?;
    Ok(ExitCode::SUCCESS)
}
