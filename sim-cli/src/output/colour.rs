//! Which colour each series of a chart is drawn in: a route named after a
//! colour is drawn in that colour, any other name in a palette colour
//! chosen by a stable hash of the name.
//!
//! The rule, which `examples/plot_sweep.py` implements too (a test checks
//! that the two agree):
//!
//! 1. A name is *colour-named* when, lower-cased, it is a word of
//!    [`NAMED`] or starts with one followed by a character that is not a
//!    letter or digit (`red`, `Red`, `red-2`, `green (units=2)`, `blue via
//!    hub`; not `reddish` or `greenfield`). It gets that colour.
//! 2. Every other name starts at palette slot `fnv1a(name) % 10` of
//!    [`PALETTE`] and moves on to the next slot while that one is taken:
//!    by the family of a colour-named series of the same chart (so no
//!    route "third" is drawn red beside a route named red), or by an
//!    other name placed before it. Names are placed in byte order, so the
//!    result depends on the set of names in the chart, not their order;
//!    every chart of one scenario shows the same routes and so the same
//!    colours. When every slot is taken, the name shares its own slot.
//! 3. Series of the same colour in one chart (`red` and `red-2`, or the
//!    series of one route that a sweep splits by a second varied field)
//!    are told apart by shade: the `j`-th of `k` is mixed `0.5·j/k`
//!    towards black (towards white for a dark colour such as black).
//!
//! The hash is 32-bit FNV-1a over the UTF-8 bytes of the name as given
//! (not lower-cased), not std's randomly seeded hasher, so colours are the
//! same in every run and every program.

use plotters::style::RGBColor;

/// A family of hues: what a colour word names, and which palette slots
/// look like it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Blue,
    Orange,
    Red,
    Teal,
    Green,
    Yellow,
    Purple,
    Pink,
    Brown,
    Grey,
    Black,
}

/// Colour words, their shade (chosen to read on white) and their family.
/// `white` is left out: it would not show on the white background.
pub(crate) const NAMED: [(&str, RGBColor); 21] = [
    ("red", RGBColor(0xD6, 0x27, 0x28)),
    ("green", RGBColor(0x2C, 0xA0, 0x2C)),
    ("blue", RGBColor(0x1F, 0x77, 0xB4)),
    ("orange", RGBColor(0xFF, 0x7F, 0x0E)),
    ("purple", RGBColor(0x94, 0x67, 0xBD)),
    ("violet", RGBColor(0x8E, 0x44, 0xAD)),
    ("yellow", RGBColor(0xD4, 0xA8, 0x00)),
    ("amber", RGBColor(0xE6, 0x9F, 0x00)),
    ("gold", RGBColor(0xC9, 0x9A, 0x06)),
    ("grey", RGBColor(0x7F, 0x7F, 0x7F)),
    ("gray", RGBColor(0x7F, 0x7F, 0x7F)),
    ("black", RGBColor(0x22, 0x22, 0x22)),
    ("brown", RGBColor(0x8C, 0x56, 0x4B)),
    ("pink", RGBColor(0xE3, 0x77, 0xC2)),
    ("magenta", RGBColor(0xC2, 0x18, 0x9B)),
    ("cyan", RGBColor(0x17, 0xBE, 0xCF)),
    ("teal", RGBColor(0x00, 0x80, 0x80)),
    ("navy", RGBColor(0x1F, 0x3A, 0x93)),
    ("lime", RGBColor(0x7C, 0xB5, 0x18)),
    ("olive", RGBColor(0x80, 0x80, 0x00)),
    ("indigo", RGBColor(0x4B, 0x3C, 0xA8)),
];

/// The family of each [`NAMED`] word, in the same order.
const NAMED_FAMILY: [Family; 21] = [
    Family::Red,
    Family::Green,
    Family::Blue,
    Family::Orange,
    Family::Purple,
    Family::Purple,
    Family::Yellow,
    Family::Orange,
    Family::Yellow,
    Family::Grey,
    Family::Grey,
    Family::Black,
    Family::Brown,
    Family::Pink,
    Family::Pink,
    Family::Teal,
    Family::Teal,
    Family::Blue,
    Family::Green,
    Family::Green,
    Family::Purple,
];

/// Tableau 10: the colours of names that are not colour words, told
/// apart also with the common colour-vision deficiencies when combined
/// with the legend.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4E, 0x79, 0xA7),
    RGBColor(0xF2, 0x8E, 0x2B),
    RGBColor(0xE1, 0x57, 0x59),
    RGBColor(0x76, 0xB7, 0xB2),
    RGBColor(0x59, 0xA1, 0x4F),
    RGBColor(0xED, 0xC9, 0x48),
    RGBColor(0xB0, 0x7A, 0xA1),
    RGBColor(0xFF, 0x9D, 0xA7),
    RGBColor(0x9C, 0x75, 0x5F),
    RGBColor(0xBA, 0xB0, 0xAC),
];

/// The family each [`PALETTE`] slot looks like.
const PALETTE_FAMILY: [Family; 10] = [
    Family::Blue,
    Family::Orange,
    Family::Red,
    Family::Teal,
    Family::Green,
    Family::Yellow,
    Family::Purple,
    Family::Pink,
    Family::Brown,
    Family::Grey,
];

/// 32-bit FNV-1a of `bytes`.
pub(crate) fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811C_9DC5, |h, b| (h ^ u32::from(*b)).wrapping_mul(0x0100_0193))
}

/// The [`NAMED`] index of a colour-named `name` (rule 1 of the module).
fn named(name: &str) -> Option<usize> {
    let lower = name.to_lowercase();
    NAMED.iter().position(|(word, _)| {
        lower
            .strip_prefix(word)
            .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
    })
}

/// `color` mixed `t` (0..=1) of the way towards `to`, rounded.
fn mix(color: RGBColor, to: u8, t: f64) -> RGBColor {
    let m = |c: u8| (f64::from(c) + (f64::from(to) - f64::from(c)) * t).round() as u8;
    RGBColor(m(color.0), m(color.1), m(color.2))
}

/// The `j`-th of `k` shades of `color` (rule 3 of the module).
fn shade(color: RGBColor, j: usize, k: usize) -> RGBColor {
    if j == 0 {
        return color;
    }
    let t = 0.5 * j as f64 / k as f64;
    let luma = 0.299 * f64::from(color.0) + 0.587 * f64::from(color.1) + 0.114 * f64::from(color.2);
    if luma < 64.0 { mix(color, 0xFF, t) } else { mix(color, 0x00, t) }
}

/// The colour of each series of one chart, given the name each is
/// coloured by (a route name; series of one route repeat it), following
/// the rule of the module.
pub(crate) fn series_colours<S: AsRef<str>>(keys: &[S]) -> Vec<RGBColor> {
    let mut distinct: Vec<&str> = keys.iter().map(AsRef::as_ref).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut taken = [false; PALETTE.len()];
    for name in &distinct {
        if let Some(i) = named(name) {
            for (slot, family) in PALETTE_FAMILY.iter().enumerate() {
                taken[slot] |= *family == NAMED_FAMILY[i];
            }
        }
    }
    let mut base: Vec<(&str, RGBColor)> = Vec::with_capacity(distinct.len());
    for name in &distinct {
        let color = match named(name) {
            Some(i) => NAMED[i].1,
            None => {
                let start = fnv1a(name.as_bytes()) as usize % PALETTE.len();
                let slot = (0..PALETTE.len())
                    .map(|d| (start + d) % PALETTE.len())
                    .find(|s| !taken[*s])
                    .unwrap_or(start);
                taken[slot] = true;
                PALETTE[slot]
            }
        };
        base.push((name, color));
    }
    let colour_of =
        |key: &str| base.iter().find(|(n, _)| *n == key).map(|(_, c)| *c).expect("placed above");
    let bases: Vec<RGBColor> = keys.iter().map(|k| colour_of(k.as_ref())).collect();
    bases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let j = bases[..i].iter().filter(|b| *b == c).count();
            let k = bases.iter().filter(|b| *b == c).count();
            shade(*c, j, k)
        })
        .collect()
}

/// `#RRGGBB` of `color`, as SVG and CSS write it.
pub(crate) fn hex(color: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hexes(keys: &[&str]) -> Vec<String> {
        series_colours(keys).into_iter().map(hex).collect()
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // From the FNV reference (draft-eastlake-fnv): "" and "a".
        assert_eq!(fnv1a(b""), 0x811C_9DC5);
        assert_eq!(fnv1a(b"a"), 0xE40C_292C);
        assert_eq!(fnv1a(b"foobar"), 0xBF9C_F968);
    }

    #[test]
    fn colour_words_are_drawn_in_their_colour() {
        let red = hex(NAMED[0].1);
        let green = hex(NAMED[1].1);
        assert_eq!(hexes(&["red", "green", "third"])[..2], [red.clone(), green.clone()]);
        // Case and a suffix after a separator do not matter; a longer word does.
        assert_eq!(hexes(&["Red"])[0], red);
        assert_eq!(hexes(&["RED via hub"])[0], red);
        assert_eq!(hexes(&["green-2"])[0], green);
        assert_ne!(hexes(&["reddish"])[0], red);
        assert_eq!(hexes(&["grey"]), hexes(&["gray"]));
        assert_eq!(named("greenfield"), None);
        assert_eq!(named("white"), None);
    }

    #[test]
    fn other_names_avoid_the_families_of_colour_named_routes() {
        // Whatever "third" hashes to, beside red it is not the palette's red.
        for others in [["third", "fourth"], ["a", "b"], ["backend", "hub"]] {
            let got = series_colours(&["red", "green", others[0], others[1]]);
            for c in &got[2..] {
                assert_ne!(*c, PALETTE[2], "{others:?}");
                assert_ne!(*c, PALETTE[4], "{others:?}");
            }
            assert_ne!(got[2], got[3], "{others:?}");
        }
    }

    #[test]
    fn colours_follow_the_names_not_their_order() {
        let a = series_colours(&["red", "third", "green"]);
        let b = series_colours(&["third", "green", "red"]);
        assert_eq!(a, [b[2], b[0], b[1]]);
        // Alone, a name gets the slot of its hash.
        let third = fnv1a(b"third") as usize % PALETTE.len();
        assert_eq!(series_colours(&["third"]), [PALETTE[third]]);
    }

    #[test]
    fn series_of_one_colour_are_told_apart_by_shade() {
        let got = series_colours(&["red", "red", "red-2", "green"]);
        assert_eq!(got[0], NAMED[0].1);
        assert_ne!(got[1], got[0]);
        assert_ne!(got[2], got[1]);
        assert_eq!(got[3], NAMED[1].1);
        // Black lightens instead.
        let black = series_colours(&["black", "black"]);
        assert!(black[1].0 > black[0].0, "{black:?}");
    }

    #[test]
    fn more_names_than_slots_still_get_a_colour() {
        let names: Vec<String> = (0..25).map(|i| format!("route{i}")).collect();
        let got = series_colours(&names);
        assert_eq!(got.len(), 25);
        // The first ten placed (in byte order) take every slot once; the
        // rest share, told apart by shade.
        for c in PALETTE {
            assert!(got.contains(&c), "{c:?} unused");
        }
    }

    /// `examples/plot_sweep.py` colours sweep series by the same rule: run
    /// its function on the same names (skipped, saying so, without python3).
    #[test]
    fn plot_sweep_py_colours_series_the_same_way() {
        let cases: [&[&str]; 5] = [
            &["red", "green", "third"],
            &["green", "red"],
            &["blue-1", "Blue-2", "backend", "hub", "spoke"],
            &["red", "red", "red", "amber via ExpressRoute"],
            &["black", "black", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"],
        ];
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
        let mut code = format!("import sys\nsys.path.insert(0, {script:?})\nimport plot_sweep\n");
        for keys in cases {
            let list: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
            code.push_str(&format!(
                "print(' '.join(plot_sweep.series_colours([{}])))\n",
                list.join(", ")
            ));
        }
        let out = match std::process::Command::new("python3").arg("-c").arg(&code).output() {
            Ok(out) => out,
            Err(e) => {
                eprintln!("skipped: python3 is not available ({e}); CI runs this check");
                return;
            }
        };
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), cases.len(), "{text}");
        for (keys, line) in cases.iter().zip(lines) {
            assert_eq!(line, hexes(keys).join(" "), "{keys:?}");
        }
    }
}
