//! `aznetsim catalog`: every component default with its source.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;
use sim_scenarios::azure::catalog::{FIGURES, SOURCES, Tag, markdown_table};

use crate::args::{CatalogArgs, Format};

/// Prints the catalog: the tags' meanings, then the figures and sources
/// as Markdown tables, or all of it as one JSON document.
pub(crate) fn run(args: &CatalogArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Table => {
            writeln!(out, "tags (how reliable a figure is):\n")?;
            for t in Tag::ALL {
                writeln!(out, "- {}: {}", t.label(), t.meaning())?;
            }
            writeln!(out)?;
            out.write_all(markdown_table().as_bytes())?;
        }
        Format::Json => {
            let doc = json!({
                "schema_version": sim_scenarios::report::SCHEMA_VERSION,
                "tool": sim_scenarios::report::TOOL,
                "version": sim_scenarios::report::VERSION,
                "tags": Tag::ALL.iter().map(|t| json!({"tag": t.label(), "meaning": t.meaning()})).collect::<Vec<_>>(),
                "figures": FIGURES.iter().map(|f| json!({
                    "key": f.key,
                    "value": f.value,
                    "unit": f.unit,
                    "tag": f.tag.label(),
                    "sources": f.sources,
                    "note": f.note,
                })).collect::<Vec<_>>(),
                "sources": SOURCES.iter().map(|s| json!({
                    "id": s.id,
                    "title": s.title,
                    "address": s.address,
                    "date": s.date,
                })).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
