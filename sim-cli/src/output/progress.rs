//! The one place progress bars are made, so their style is set once.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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
        "{{spinner}} [{{elapsed_precise}}] {{bar:40}} {{pos}}/{{len}} {what} (eta {{eta}})"
    );
    bar.set_style(ProgressStyle::with_template(&template).expect("valid template"));
    bar
}

/// A counter without a known total (searches that stop when they converge).
pub(crate) fn spinner(what: &str, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let template = format!("{{spinner}} [{{elapsed_precise}}] {{pos}} {what}");
    bar.set_style(ProgressStyle::with_template(&template).expect("valid template"));
    bar
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
        assert!(spinner("simulations", false).is_hidden());
    }
}
