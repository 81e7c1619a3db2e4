//! Results that last: a directory written all at once, or not at all.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sim_scenarios::experiment::{Shard, Vary};
use sim_scenarios::report::RouteState;

/// What a results directory holds, for `merge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub(crate) tool: String,
    pub(crate) version: String,
    /// `run`, `sweep` or `capacity`.
    pub(crate) command: String,
    pub(crate) scenario: String,
    pub(crate) seed: u64,
    pub(crate) replications: u64,
    pub(crate) varies: Vec<Vary>,
    pub(crate) shard: Shard,
    pub(crate) points: usize,
}

impl Manifest {
    /// Whether two manifests describe slices of the same sweep or run.
    pub(crate) fn same_experiment(&self, other: &Manifest) -> bool {
        let strip = |m: &Manifest| Manifest { shard: Shard::ALL, ..m.clone() };
        strip(self) == strip(other)
    }
}

/// Files to write, by name.
#[derive(Debug, Default)]
pub(crate) struct Files(pub(crate) Vec<(String, Vec<u8>)>);

impl Files {
    pub(crate) fn add(&mut self, name: impl Into<String>, contents: impl Into<Vec<u8>>) {
        self.0.push((name.into(), contents.into()));
    }
}

/// The directory `--out` names; an empty value means the default,
/// `results/<scenario>/<UTC timestamp>/`.
pub(crate) fn target_dir(out: &Path, scenario: &str) -> PathBuf {
    if out.as_os_str().is_empty() {
        let base = Path::new("results").join(sanitize(scenario));
        let stamp = utc_timestamp(SystemTime::now());
        // Two runs in the same second get -2, -3, ... rather than a clash.
        let mut dir = base.join(&stamp);
        let mut n = 2;
        while dir.exists() {
            dir = base.join(format!("{stamp}-{n}"));
            n += 1;
        }
        dir
    } else {
        out.to_path_buf()
    }
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect()
}

/// Fails before any simulation when `dir` exists and `force` is not given.
pub(crate) fn check_target(dir: &Path, force: bool) -> Result<()> {
    if dir.exists() && !force {
        bail!(
            "{}: already exists; choose another --out or add --force to replace it",
            dir.display()
        );
    }
    Ok(())
}

/// Writes every file into a fresh sibling directory, then renames it into
/// place: readers see the whole directory or none of it, and a failure
/// (an error or a panic) leaves nothing behind.
pub(crate) fn write_dir(dir: &Path, files: &Files, force: bool) -> Result<()> {
    check_target(dir, force)?;
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("{}: cannot create", parent.display()))?;
    let name =
        dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    // Removed when dropped, so on every early return and on unwinding,
    // until it has been renamed into place and is kept.
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.tmp-"))
        .tempdir_in(parent)
        .with_context(|| format!("{}: cannot create a temporary directory", parent.display()))?;
    for (file, contents) in &files.0 {
        let path = tmp.path().join(file);
        std::fs::write(&path, contents)
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    if dir.exists() {
        // --force: move the old directory aside, then swap.
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        std::fs::rename(dir, &old).with_context(|| format!("{}: cannot replace", dir.display()))?;
        std::fs::rename(tmp.path(), dir)
            .with_context(|| format!("{}: cannot write", dir.display()))?;
        // In place: disarm the clean-up (its path is gone anyway).
        let _ = tmp.keep();
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("{}: cannot remove", old.display()))?;
    } else {
        std::fs::rename(tmp.path(), dir)
            .with_context(|| format!("{}: cannot write", dir.display()))?;
        let _ = tmp.keep();
    }
    Ok(())
}

/// Reads a results directory: its manifest and route states.
pub(crate) fn read_dir(dir: &Path) -> Result<(Manifest, Vec<RouteState>)> {
    let mpath = dir.join("manifest.json");
    let text = std::fs::read_to_string(&mpath).with_context(|| {
        format!(
            "{}: cannot read (is {} a results directory written with --out?)",
            mpath.display(),
            dir.display()
        )
    })?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a manifest", mpath.display()))?;
    let spath = dir.join("states.jsonl");
    let text = std::fs::read_to_string(&spath)
        .with_context(|| format!("{}: cannot read", spath.display()))?;
    let states = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str::<RouteState>(l)
                .with_context(|| format!("{}:{}: not a route state", spath.display(), i + 1))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((manifest, states))
}

/// The HdrHistogram interval log of one route: one interval covering the
/// run, tagged with the route, values in nanoseconds (the max column is in
/// milliseconds). HistogramLogProcessor and the HdrHistogram libraries of
/// other languages read it.
pub(crate) fn histogram_log(route: &str, state: &RouteState) -> Result<Vec<u8>> {
    use hdrhistogram::serialization::V2DeflateSerializer;
    use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};
    let h =
        sim_scenarios::report::decode_histogram(&state.histogram).map_err(anyhow::Error::msg)?;
    let mut buf = Vec::new();
    let mut ser = V2DeflateSerializer::new();
    let mut log = IntervalLogWriterBuilder::new()
        .add_comment(&format!(
            "aznetsim end-to-end latency of route {route}, values in nanoseconds"
        ))
        .with_max_value_divisor(1e6)
        .begin_log_with(&mut buf, &mut ser)?;
    let tag_text = sanitize(route);
    let tag = Tag::new(&tag_text);
    let span = std::time::Duration::from_nanos(state.span_ns.parse::<u64>().unwrap_or(0));
    log.write_histogram(&h, std::time::Duration::ZERO, span, tag)
        .map_err(|e| anyhow::anyhow!("cannot write the histogram log: {e}"))?;
    drop(log);
    Ok(buf)
}

/// `YYYYMMDDTHHMMSSZ` for `t` (UTC), from the civil calendar (Howard
/// Hinnant's days-from-civil inverse).
pub(crate) fn utc_timestamp(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        let at = |s: u64| utc_timestamp(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "19700101T000000Z");
        // 2026-11-26 06:05:30 UTC
        assert_eq!(at(1_795_673_130), "20261126T060530Z");
        // A leap day.
        assert_eq!(at(951_782_400), "20000229T000000Z");
    }

    #[test]
    fn a_directory_is_written_whole_and_never_overwritten_without_force() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let mut files = Files::default();
        files.add("a.txt", "one");
        write_dir(&dir, &files, false).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("a.txt")).unwrap(), "one");
        assert!(write_dir(&dir, &files, false).is_err());
        let mut again = Files::default();
        again.add("b.txt", "two");
        write_dir(&dir, &again, true).unwrap();
        assert!(!dir.join("a.txt").exists());
        assert_eq!(std::fs::read_to_string(dir.join("b.txt")).unwrap(), "two");
        // Nothing but the result is left beside it.
        let names: Vec<_> =
            std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    /// tempfile may create private directories; results directories are
    /// shared (merge jobs, other users), so they keep the usual mode.
    #[cfg(unix)]
    #[test]
    fn a_directory_gets_the_mode_of_a_plain_one() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let (dir, plain) = (tmp.path().join("out"), tmp.path().join("plain"));
        write_dir(&dir, &Files::default(), false).unwrap();
        std::fs::create_dir(&plain).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&dir), mode(&plain));
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let mut files = Files::default();
        files.add("a.txt", "one");
        // A file in a subdirectory that does not exist cannot be written.
        files.add("missing/b.txt", "two");
        let e = write_dir(&dir, &files, false).unwrap_err();
        assert!(format!("{e:#}").contains("b.txt: cannot write"), "{e:#}");
        let names: Vec<_> =
            std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(names.is_empty(), "{names:?}");
    }
}
