//! Names as a terminal shows them: a route, node or file name comes from a
//! scenario or a results directory someone else wrote, so it may hold a
//! newline, an ANSI escape or a Unicode direction override that would
//! spoof the output around it. Everything that prints a name (tables, CSV,
//! chart text, errors and warnings) passes it through [`escape`] or
//! [`Shown`].

use std::borrow::Cow;
use std::fmt;

/// Whether `c` would change what the terminal shows around it rather than
/// show itself: control characters (C0, DEL, C1: newlines, ANSI escapes,
/// bells), bidirectional overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) and the invisible marks (U+200B–U+200F, U+2028, U+2029,
/// U+FEFF).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every [`is_unsafe_char`] written as a Rust escape (`\n`, `\t`,
/// `\r`, otherwise `\u{1b}`): one line of visible text. Borrowed when there
/// is nothing to escape.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`escape`] applied to each line of `s`, its line ends kept: for a
/// document (an SVG chart) whose own layout uses newlines, and whose text
/// must hold no control character (XML 1.0 forbids most of them).
pub fn escape_lines(s: &str) -> String {
    s.split('\n').map(escape).collect::<Vec<_>>().join("\n")
}

/// Displays a name through [`escape`]: `format!("route '{}'", Shown(name))`.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a>(pub &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&escape(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_escapes_and_overrides_become_visible_text() {
        assert!(matches!(escape("hub-fw 2"), Cow::Borrowed("hub-fw 2")));
        assert_eq!(escape("a\nb\tc\rd"), "a\\nb\\tc\\rd");
        assert_eq!(escape("\u{1b}[31mred\u{1b}[0m"), "\\u{1b}[31mred\\u{1b}[0m");
        assert_eq!(escape("x\u{7}\u{7f}\u{9b}"), "x\\u{7}\\u{7f}\\u{9b}");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("zero\u{200b}width"), "zero\\u{200b}width");
        // Letters of any script are names, not escapes.
        assert_eq!(escape("Zürich–東京"), "Zürich–東京");
        assert_eq!(format!("[{:>6}]", Shown("a\nb")), "[  a\\nb]");
        assert_eq!(
            escape_lines("<svg>\n<text>a\u{1b}b</text>\n"),
            "<svg>\n<text>a\\u{1b}b</text>\n"
        );
    }
}
