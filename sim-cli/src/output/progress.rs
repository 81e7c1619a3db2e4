//! The one place progress bars are made, so their style is set once.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a shown bar redraws on its own, so that the elapsed time and
/// the spinner move from the first second, before any unit is done.
const TICK: Duration = Duration::from_millis(250);

/// Whether a command draws progress: not with `--quiet`, not when stdout
/// carries one JSON document (`--format json`), and only when stderr is a
/// terminal, so nothing but results reach a pipe or a log.
pub(crate) fn is_shown(quiet: bool, json: bool, stderr_is_terminal: bool) -> bool {
    !quiet && !json && stderr_is_terminal
}

/// [`is_shown`] for this process's stderr.
pub(crate) fn show(quiet: bool, json: bool) -> bool {
    is_shown(quiet, json, std::io::stderr().is_terminal())
}

/// A bar counting `total` units of `what` on stderr, or a hidden one when
/// `show` is false (see [`show`]).
pub(crate) fn bar(total: u64, what: &str, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let template = format!(
        "{{spinner}} [{{elapsed_precise}}] {{bar:40}} {{pos}}/{{len}} {what} (eta {{eta}}) {{msg}}"
    );
    bar.set_style(ProgressStyle::with_template(&template).expect("valid template"));
    bar.enable_steady_tick(TICK);
    bar
}

/// One line per item of `names` (e.g. the routes a capacity search runs in
/// parallel), each a spinner with a message the caller sets; hidden when
/// `show` is false. The lines are cleared when the returned bars finish.
pub(crate) fn lines(names: &[String], show: bool) -> (MultiProgress, Vec<ProgressBar>) {
    let multi = MultiProgress::with_draw_target(if show {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let style = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {prefix}: {msg}")
        .expect("valid template");
    let bars = names
        .iter()
        .map(|n| {
            let bar =
                multi.add(if show { ProgressBar::new_spinner() } else { ProgressBar::hidden() });
            bar.set_style(style.clone());
            bar.set_prefix(sim_scenarios::text::escape(n).into_owned());
            bar.set_message("starting");
            if show {
                bar.enable_steady_tick(TICK);
            }
            bar
        })
        .collect();
    (multi, bars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_shows_only_for_a_person_at_a_terminal() {
        // (quiet, json, stderr is a terminal) -> shown. The CLI tests reach
        // only the last row: their stderr is a pipe.
        let cases = [
            ((false, false, true), true),
            ((true, false, true), false),
            ((false, true, true), false),
            ((true, true, true), false),
            ((false, false, false), false),
        ];
        for ((quiet, json, terminal), shown) in cases {
            assert_eq!(
                is_shown(quiet, json, terminal),
                shown,
                "quiet {quiet}, json {json}, terminal {terminal}"
            );
        }
    }

    #[test]
    fn a_hidden_bar_draws_nothing() {
        assert!(bar(10, "points", false).is_hidden());
        let (_, bars) = lines(&["red".to_string()], false);
        assert!(bars.iter().all(ProgressBar::is_hidden));
    }
}
