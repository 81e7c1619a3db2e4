//! `aznetsim catalog`: every component default with its source and what it
//! feeds in the model.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::json;
use sim_scenarios::azure::catalog::{
    FIGURES, Figure, HOURS_PER_MONTH, PRICE_CURRENCY, PRICE_REGION, SOURCES, Tag, components,
    markdown_table, markdown_table_for, prices_markdown_table, prices_markdown_table_of, range,
};

use crate::args::{CatalogArgs, Format};

/// Prints the catalog, or one component's part of it: the figures and
/// sources as Markdown tables with the tags' meaning under them, or all of
/// it as one JSON document.
///
/// # Errors
///
/// A component no figure belongs to (exit 2, with the known names), or a
/// failed write to stdout.
pub(crate) fn run(args: &CatalogArgs) -> Result<ExitCode> {
    let figures: Vec<&Figure> = match &args.component {
        None => FIGURES.iter().collect(),
        Some(c) => FIGURES.iter().filter(|f| f.is_for(c)).collect(),
    };
    // --prices: the price table only (of the component, if one is named).
    let figures: Vec<&Figure> =
        figures.into_iter().filter(|f| !args.prices || f.is_price()).collect();
    if let (Some(c), true) = (&args.component, figures.is_empty()) {
        bail!(
            "catalog COMPONENT '{}': no figure belongs to it; give one of {}, or none for the whole catalog",
            sim_scenarios::text::escape(c),
            components().join(", ")
        );
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Table => {
            let text = match (&args.component, args.prices) {
                (None, true) => prices_markdown_table(),
                (Some(_), true) => prices_markdown_table_of(&figures),
                (None, false) => markdown_table(),
                (Some(c), false) => markdown_table_for(c).unwrap_or_default(),
            };
            out.write_all(text.as_bytes())?;
        }
        Format::Json => {
            let cited = |id: &&str| figures.iter().any(|f| f.sources.contains(id));
            let doc = json!({
                "schema_version": sim_scenarios::report::SCHEMA_VERSION,
                "tool": sim_scenarios::report::TOOL,
                "version": sim_scenarios::report::VERSION,
                "component": args.component,
                // --prices: what the prices are, where and in what currency.
                "prices": args.prices.then(|| json!({
                    "currency": PRICE_CURRENCY,
                    "region": PRICE_REGION,
                    "hours_per_month": HOURS_PER_MONTH,
                    "note": "list prices, most second-hand (SEC) or estimated (EST): a cost computed from them is an estimate",
                })),
                "tags": Tag::ALL.iter().map(|t| json!({"tag": t.label(), "meaning": t.meaning()})).collect::<Vec<_>>(),
                "figures": figures.iter().map(|f| json!({
                    "key": f.key,
                    "value": f.value,
                    "unit": f.unit,
                    "tag": f.tag.label(),
                    // null: not modelled yet (listed for reference only).
                    "used_by": f.used_by,
                    "sources": f.sources,
                    "note": f.note,
                    // An estimate's range for `aznetsim sensitivity`; null
                    // for other figures (and estimates nothing uses).
                    "range": range(f.key).map(|r| json!({"low": r.low, "high": r.high, "why": r.why})),
                })).collect::<Vec<_>>(),
                "sources": SOURCES.iter().filter(|s| cited(&s.id)).map(|s| json!({
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
