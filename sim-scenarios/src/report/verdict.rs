//! The verdict of a `run --slo` objective, as the run report carries it
//! (made by `experiment::check_run`).

use serde::{Deserialize, Serialize};

/// How one route fared against one objective in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloVerdict {
    /// The objective as given, e.g. `red:p99<=200ms`.
    pub objective: String,
    /// The route judged.
    pub route: String,
    /// `mean`, `p99`, …, `rejected`, `timed_out` or `failed`.
    pub metric: String,
    /// `"ms"` for a latency, `"share"` (0 to 1) for rejected / timed_out / failed.
    pub unit: String,
    /// The limit, in `unit`.
    pub limit: f64,
    /// The route's figure (the point estimate), in `unit`; `null` when the
    /// route completed nothing (a latency) or was offered nothing (a share).
    pub value: Option<f64>,
    /// Its 95 % interval across replications, `[low, high]`; `null` with
    /// one replication, and for shares.
    pub ci95: Option<[f64; 2]>,
    /// Whether the figure is within the limit (a missing figure is not).
    pub met: bool,
    /// Whether the interval contains the limit: the verdict may turn with
    /// more replications.
    pub uncertain: bool,
}

impl SloVerdict {
    /// One line for people: the verdict, the figure, its interval and, when
    /// uncertain, what to do.
    pub fn line(&self) -> String {
        let fmt = |v: f64| {
            if self.unit == "ms" { format!("{v:.3} ms") } else { format!("{:.4} %", v * 100.0) }
        };
        let verdict = if self.met { "ok" } else { "BROKEN" };
        let value = self.value.map_or_else(
            || format!("{} has no figure (nothing completed)", self.metric),
            |v| format!("{} {}", self.metric, fmt(v)),
        );
        let interval = match (self.ci95, self.unit.as_str()) {
            (Some([l, h]), _) => format!(", 95% interval [{}, {}]", fmt(l), fmt(h)),
            (None, "ms") if self.value.is_some() => {
                ", no interval (one replication: set --replications 2 or more)".into()
            }
            _ => String::new(),
        };
        let note = if self.uncertain {
            "; not certain at this precision: the interval contains the limit (add replications or use --precision)"
        } else {
            ""
        };
        format!(
            "route {} {verdict} against {}: {value}{interval}, limit {}{note}",
            self.route,
            self.objective,
            fmt(self.limit)
        )
    }
}
