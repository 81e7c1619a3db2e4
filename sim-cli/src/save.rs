//! Results that last: a directory written all at once, or not at all,
//! never outside `--out`, never over anything but an aznetsim results
//! directory, and read back only when every file agrees with the others.
//!
//! Writing: the target is checked before anything is simulated (it must be
//! absent, or with `--force` a directory holding an aznetsim
//! `manifest.json`; its parent is probed by creating and removing a
//! temporary directory there). The files are written into a hidden sibling,
//! `.<name>.tmp-<PID>-<random>/`, which is renamed into place when
//! complete. A panic or an error removes it (its `TempDir` guard), so does
//! SIGINT, SIGTERM or SIGHUP during the write (a signal-hook thread, see
//! [`Pending`]), and the next write to the same target removes those left
//! by processes that no longer exist (Linux: `/proc/<PID>`).
//!
//! Test-only hook: with `AZNETSIM_TEST_PAUSE_IN_WRITE_MS=N` in the
//! environment the write sleeps N ms after its first file, so a test can
//! send a signal during the write phase. Nothing else reads it.
//!
//! Reading (`merge`): the manifest binds SHA-256 digests of `scenario.json`
//! and `states.jsonl`, the number of lines of the latter and its own
//! content; each state is checked against itself and the manifest
//! ([`RouteState::check`]), and a set of shards must be one experiment,
//! every shard once.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sim_scenarios::experiment::{Shard, Vary, grid};
use sim_scenarios::report::{RouteState, TOOL};
use sim_scenarios::text::escape;

/// Version of the results-directory format, `format_version` in the
/// manifest. 2: the manifest carries the overrides and the digests; 3: each
/// saved state carries `failed`, `retries` and `throttled`, and the platform
/// latency (`platform`); 4: each saved state carries its cost meters
/// (`cost`: fixed charges and the charge per request). `merge` refuses any
/// other format: re-run the command.
pub(crate) const FORMAT_VERSION: u32 = 4;

/// The context of an error at the end of a run: what the user still has.
pub(crate) const NOT_SAVED: &str =
    "the results are printed on stdout above, but they were not saved";

const MANIFEST: &str = "manifest.json";
const SCENARIO: &str = "scenario.json";
const STATES: &str = "states.jsonl";

/// The files whose names are fixed: a name derived from a route never
/// takes one of them.
const RESERVED: [&str; 9] = [
    MANIFEST,
    SCENARIO,
    STATES,
    "summary.csv",
    "summary.json",
    "summary.jsonl",
    "latency.svg",
    "breakdown.svg",
    "p99-against-load.svg",
];

/// What a results directory holds, for `merge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    pub(crate) tool: String,
    pub(crate) version: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub(crate) format_version: u32,
    /// `run`, `sweep` or `capacity`.
    pub(crate) command: String,
    pub(crate) scenario: String,
    pub(crate) seed: u64,
    pub(crate) replications: u64,
    pub(crate) varies: Vec<Vary>,
    pub(crate) shard: Shard,
    pub(crate) points: usize,
    /// Every override of the scenario file, in order: `--set PATH=VALUE`
    /// and the flags that are overrides (`--requests` as
    /// `workload.requests=N`, ...).
    pub(crate) overrides: Vec<String>,
    /// SHA-256 of `scenario.json`, hex.
    pub(crate) scenario_sha256: String,
    /// Lines of `states.jsonl`.
    pub(crate) states_lines: usize,
    /// SHA-256 of `states.jsonl`, hex.
    pub(crate) states_sha256: String,
    /// SHA-256 of this manifest as compact JSON with sorted keys and this
    /// field empty.
    pub(crate) manifest_sha256: String,
}

impl Manifest {
    /// The first field in which two slices of one experiment must agree and
    /// do not, as "field is (other's) here, (self's) there".
    pub(crate) fn difference(&self, other: &Manifest) -> Option<String> {
        let pairs: [(&str, String, String); 11] = [
            ("tool", self.tool.clone(), other.tool.clone()),
            ("version", self.version.clone(), other.version.clone()),
            ("command", self.command.clone(), other.command.clone()),
            ("scenario", self.scenario.clone(), other.scenario.clone()),
            ("seed", self.seed.to_string(), other.seed.to_string()),
            ("replications", self.replications.to_string(), other.replications.to_string()),
            ("varied fields", format!("{:?}", self.varies), format!("{:?}", other.varies)),
            ("overrides", format!("{:?}", self.overrides), format!("{:?}", other.overrides)),
            ("points", self.points.to_string(), other.points.to_string()),
            ("shard count", self.shard.count.to_string(), other.shard.count.to_string()),
            ("scenario digest", self.scenario_sha256.clone(), other.scenario_sha256.clone()),
        ];
        pairs
            .into_iter()
            .find(|(_, a, b)| a != b)
            .map(|(field, a, b)| format!("{field} is {} here, {} there", escape(&b), escape(&a)))
    }

    /// The digest [`Manifest::manifest_sha256`] holds: of the manifest as
    /// compact JSON, keys sorted, with that field empty.
    fn own_digest(&self) -> Result<String> {
        let blank = Manifest { manifest_sha256: String::new(), ..self.clone() };
        Ok(sha256_hex(&serde_json::to_vec(&serde_json::to_value(&blank)?)?))
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A path as messages print it: escaped like any name (a directory name
/// may hold a newline too).
pub(crate) fn shown(path: &Path) -> String {
    escape(&path.display().to_string()).into_owned()
}

/// Files to write, by name: plain file names, each once.
#[derive(Debug, Default)]
pub(crate) struct Files(pub(crate) Vec<(String, Vec<u8>)>);

impl Files {
    pub(crate) fn add(&mut self, name: impl Into<String>, contents: impl Into<Vec<u8>>) {
        self.0.push((name.into(), contents.into()));
    }

    /// Adds a file named after a user-given `name` (a route): `name`
    /// sanitised by [`file_stem`], then `ext`, with `-2`, `-3`, ... when
    /// two names sanitise alike (compared ignoring case, for the file
    /// systems that do). Returns the name used.
    pub(crate) fn add_named(&mut self, name: &str, ext: &str, contents: Vec<u8>) -> String {
        let stem = file_stem(name);
        let taken = |f: &str| {
            self.0
                .iter()
                .map(|(n, _)| n.as_str())
                .chain(RESERVED)
                .any(|n| n.eq_ignore_ascii_case(f))
        };
        let mut file = format!("{stem}.{ext}");
        let mut n = 2;
        while taken(&file) {
            file = format!("{stem}-{n}.{ext}");
            n += 1;
        }
        self.add(file.clone(), contents);
        file
    }

    fn get(&self, name: &str) -> Option<&[u8]> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, c)| c.as_slice())
    }

    /// Adds `manifest.json`: `m` with the digests of the `scenario.json`
    /// and `states.jsonl` already added, and its own.
    pub(crate) fn add_manifest(&mut self, mut m: Manifest) -> Result<()> {
        let (Some(scenario), Some(states)) = (self.get(SCENARIO), self.get(STATES)) else {
            bail!("internal error: the manifest is added after {SCENARIO} and {STATES}");
        };
        m.format_version = FORMAT_VERSION;
        m.scenario_sha256 = sha256_hex(scenario);
        m.states_sha256 = sha256_hex(states);
        m.states_lines = states.iter().filter(|b| **b == b'\n').count();
        m.manifest_sha256 = m.own_digest()?;
        self.add(MANIFEST, serde_json::to_string_pretty(&m)? + "\n");
        Ok(())
    }
}

/// A file name made of `name`: ASCII letters, digits, `-`, `_` and `.`
/// kept, anything else (`/`, `\`, spaces, control characters, non-ASCII)
/// becomes `_`; a leading `.` too (no hidden files, no `..`); at most 100
/// bytes; never empty.
pub(crate) fn file_stem(name: &str) -> String {
    let mut stem: String = name
        .chars()
        .take(100)
        .enumerate()
        .map(|(i, c)| {
            let plain = c.is_ascii_alphanumeric() || c == '-' || c == '_' || (c == '.' && i > 0);
            if plain { c } else { '_' }
        })
        .collect();
    if stem.is_empty() {
        stem.push('_');
    }
    stem
}

/// The directory `--out` names; an empty value means the default,
/// `results/<scenario>/<UTC timestamp>/`.
pub(crate) fn target_dir(out: &Path, scenario: &str) -> PathBuf {
    if out.as_os_str().is_empty() {
        let base = Path::new("results").join(file_stem(scenario));
        let stamp = utc_timestamp(SystemTime::now());
        // Two runs in the same second get -2, -3, ... rather than a clash.
        let mut dir = base.join(&stamp);
        let mut n = 2;
        while dir.symlink_metadata().is_ok() {
            dir = base.join(format!("{stamp}-{n}"));
            n += 1;
        }
        dir
    } else {
        out.to_path_buf()
    }
}

/// `dir`'s parent, `.` for a bare name.
fn parent_of(dir: &Path) -> &Path {
    dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// The last component of `dir`, which names its temporaries.
fn name_of(dir: &Path) -> Result<String> {
    match dir.file_name() {
        Some(n) => Ok(n.to_string_lossy().into_owned()),
        None => bail!("{}: --out must end in a directory name (not `..` or `/`)", shown(dir)),
    }
}

/// Whether `dir` holds a `manifest.json` written by aznetsim.
fn is_results_dir(dir: &Path) -> bool {
    std::fs::read(dir.join(MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v["tool"] == TOOL)
}

/// Fails unless `dir` may be written: absent, or with `force` a directory
/// holding an aznetsim `manifest.json` (never a file, a symbolic link or
/// any other directory).
fn check_replaceable(dir: &Path, force: bool) -> Result<()> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot inspect", shown(dir))),
    };
    let d = shown(dir);
    if !force {
        bail!("{d}: already exists; choose another --out or add --force to replace it");
    }
    if meta.file_type().is_symlink() {
        bail!(
            "{d}: is a symbolic link; --force replaces only a results directory, never what a link points to: choose another --out"
        );
    }
    if !meta.is_dir() {
        bail!(
            "{d}: is not a directory; --force replaces only a results directory written with --out: choose another --out"
        );
    }
    if !is_results_dir(dir) {
        bail!(
            "{d}: holds no aznetsim {MANIFEST}; --force replaces only a results directory written with --out: choose another --out or remove it yourself"
        );
    }
    Ok(())
}

/// Fails before any simulation when `dir` cannot be written at the end:
/// it exists and `force` is not given or it is not a results directory, or
/// its parent (the nearest existing ancestor) is not a writable directory,
/// found by creating and removing a temporary directory there.
pub(crate) fn check_target(dir: &Path, force: bool) -> Result<()> {
    name_of(dir)?;
    check_replaceable(dir, force)?;
    let mut existing = parent_of(dir);
    while std::fs::symlink_metadata(existing).is_err() {
        existing = parent_of(existing);
        if existing == Path::new(".") {
            break;
        }
    }
    if !existing.is_dir() {
        bail!("{}: is not a directory, so {} cannot be created", shown(existing), shown(dir));
    }
    tempfile::Builder::new().prefix(".aznetsim-probe-").tempdir_in(existing).with_context(
        || {
            format!(
                "{}: cannot write there, so {} cannot be saved (checked before simulating)",
                shown(existing),
                shown(dir)
            )
        },
    )?;
    Ok(())
}

/// Temporary directories of this process that a signal must remove:
/// registered while they exist, emptied by the rename into place (under
/// the same lock, so a signal sees either the temporary or the result).
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A directory in [`PENDING`], taken out when dropped.
#[derive(Debug)]
struct Pending(PathBuf);

impl Pending {
    fn new(path: &Path) -> Pending {
        static HANDLER: Once = Once::new();
        HANDLER.call_once(install_signal_cleanup);
        pending().push(path.to_path_buf());
        Pending(path.to_path_buf())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        pending().retain(|p| *p != self.0);
    }
}

/// From the first write on, SIGINT, SIGTERM and SIGHUP are received by a
/// thread that removes the pending temporaries, then ends the process as
/// the signal would have (exit status 128 + signal for the shell).
fn install_signal_cleanup() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        // Without the handler a signal leaves the temporary, which the next
        // write removes: worth a warning, not a failure.
        eprintln!("aznetsim: warning: cannot watch for signals during the write");
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            // Held until the process ends: no rename runs after this.
            let paths = pending();
            for p in paths.iter() {
                let _ = std::fs::remove_dir_all(p);
            }
            let _ = signal_hook::low_level::emulate_default_handler(sig);
            std::process::exit(128 + sig);
        }
    });
}

/// Whether the process `pid` is running: `None` where that cannot be
/// told (no `/proc`), and then nothing is removed.
fn is_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    proc.join("self").exists().then(|| proc.join(pid.to_string()).exists())
}

/// The PID in `entry` when it is one of the hidden directories a write to
/// `name` makes: `.<name>.tmp-<PID>-<random>` or `.<name>.old-<PID>`.
fn temporary_pid(entry: &str, name: &str) -> Option<u32> {
    let rest = entry.strip_prefix('.')?.strip_prefix(name)?;
    let pid = if let Some(t) = rest.strip_prefix(".tmp-") {
        let (pid, random) = t.split_once('-')?;
        (random.len() == 6 && random.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(pid)?
    } else {
        rest.strip_prefix(".old-")?
    };
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Removes the temporaries of writes to `name` in `parent` whose process
/// has ended (killed during the write), with a warning for each.
fn remove_stale_temporaries(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = temporary_pid(&file, name) else { continue };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if pid == std::process::id() || !is_dir || is_alive(pid) != Some(false) {
            continue;
        }
        let path = entry.path();
        if std::fs::remove_dir_all(&path).is_ok() {
            eprintln!(
                "aznetsim: warning: removed {}, left by process {pid} that ended during a write",
                shown(&path)
            );
        }
    }
}

/// Whether `file` is a plain file name: one component, not `.` or `..`.
fn is_plain_name(file: &str) -> bool {
    let mut parts = Path::new(file).components();
    matches!((parts.next(), parts.next()), (Some(std::path::Component::Normal(n)), None) if n == file)
}

/// Writes every file into a fresh sibling directory, then renames it into
/// place: readers see the whole directory or none of it, and a failure
/// (an error, a panic or a signal) leaves nothing behind. Only plain file
/// names, each once, are written: nothing lands outside `dir`.
pub(crate) fn write_dir(dir: &Path, files: &Files, force: bool) -> Result<()> {
    let mut seen = BTreeSet::new();
    for (file, _) in &files.0 {
        if !is_plain_name(file) || !seen.insert(file.to_ascii_lowercase()) {
            bail!(
                "internal error: {} is not a new plain file name in {}",
                escape(file),
                shown(dir)
            );
        }
    }
    check_replaceable(dir, force)?;
    let parent = parent_of(dir);
    let name = name_of(dir)?;
    std::fs::create_dir_all(parent).with_context(|| format!("{}: cannot create", shown(parent)))?;
    remove_stale_temporaries(parent, &name);
    // Removed when dropped, so on every early return and on unwinding,
    // until it has been renamed into place and is kept.
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.tmp-{}-", std::process::id()))
        .rand_bytes(6)
        .tempdir_in(parent)
        .with_context(|| format!("{}: cannot create a temporary directory", shown(parent)))?;
    let registered = Pending::new(tmp.path());
    let pause = std::env::var("AZNETSIM_TEST_PAUSE_IN_WRITE_MS").ok().and_then(|v| v.parse().ok());
    for (i, (file, contents)) in files.0.iter().enumerate() {
        let path = tmp.path().join(file);
        std::fs::write(&path, contents)
            .with_context(|| format!("{}: cannot write", shown(&path)))?;
        if let (0, Some(ms)) = (i, pause) {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }
    let mut list = pending();
    // The target may have appeared, or changed, while simulating.
    check_replaceable(dir, force).context("found when saving")?;
    if std::fs::symlink_metadata(dir).is_ok() {
        // --force on a results directory: move it aside, then swap.
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        std::fs::rename(dir, &old).with_context(|| format!("{}: cannot replace", shown(dir)))?;
        if let Err(e) = std::fs::rename(tmp.path(), dir) {
            let _ = std::fs::rename(&old, dir);
            return Err(e).with_context(|| format!("{}: cannot write", shown(dir)));
        }
        list.retain(|p| p != tmp.path());
        list.push(old.clone());
        drop(list);
        // In place: disarm the clean-up (its path is gone anyway).
        let _ = tmp.keep();
        drop(registered);
        let removed = std::fs::remove_dir_all(&old);
        pending().retain(|p| *p != old);
        removed.with_context(|| format!("{}: cannot remove", shown(&old)))?;
    } else {
        std::fs::rename(tmp.path(), dir)
            .with_context(|| format!("{}: cannot write", shown(dir)))?;
        list.retain(|p| p != tmp.path());
        drop(list);
        let _ = tmp.keep();
        drop(registered);
    }
    Ok(())
}

/// Reads a results directory: its manifest and route states, each checked
/// against the others.
///
/// # Errors
///
/// Naming the file (and line) and what disagrees: a manifest that is not
/// aznetsim's, of another format, or edited; a `scenario.json` or
/// `states.jsonl` that does not match the manifest's digest or line count;
/// a line that is not a route state or contradicts itself
/// ([`RouteState::check`]); a point outside the grid or not the shard's;
/// a point and route twice; a point missing or with other routes than the
/// rest.
pub(crate) fn read_dir(dir: &Path) -> Result<(Manifest, Vec<RouteState>)> {
    let mpath = dir.join(MANIFEST);
    let mp = shown(&mpath);
    let text = std::fs::read_to_string(&mpath).with_context(|| {
        format!("{mp}: cannot read (is {} a results directory written with --out?)", shown(dir))
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{mp}: not JSON"))?;
    if value["tool"] != TOOL {
        bail!("{mp}: not an aznetsim manifest (tool is {})", value["tool"]);
    }
    if value["format_version"] != FORMAT_VERSION {
        bail!(
            "{mp}: results format {}, this aznetsim reads format {FORMAT_VERSION}: re-run the command with this version",
            value.get("format_version").map_or_else(|| "1".to_string(), |v| v.to_string())
        );
    }
    let m: Manifest =
        serde_json::from_value(value).with_context(|| format!("{mp}: not a manifest"))?;
    if m.manifest_sha256 != m.own_digest()? {
        bail!("{mp}: its digest does not match its content: the manifest was edited");
    }
    let scenario = std::fs::read(dir.join(SCENARIO))
        .with_context(|| format!("{}: cannot read", shown(&dir.join(SCENARIO))))?;
    if sha256_hex(&scenario) != m.scenario_sha256 {
        bail!(
            "{}: does not match the digest in {MANIFEST}: edited, or from another directory",
            shown(&dir.join(SCENARIO))
        );
    }
    check_against_scenario(&m, &scenario).with_context(|| mp.clone())?;
    if m.shard.count == 0 || m.shard.index >= m.shard.count {
        bail!("{mp}: shard {}/{} is not a shard", m.shard.index, m.shard.count);
    }
    let points = grid(&m.varies).with_context(|| format!("{mp}: varies"))?;
    if points.len() != m.points {
        bail!("{mp}: points is {}, the varied fields make {}", m.points, points.len());
    }
    let spath = dir.join(STATES);
    let sp = shown(&spath);
    let bytes = std::fs::read(&spath).with_context(|| format!("{sp}: cannot read"))?;
    let lines = bytes.iter().filter(|b| **b == b'\n').count();
    if !(bytes.is_empty() || bytes.ends_with(b"\n")) {
        bail!("{sp}: the last line has no line end: the file was truncated");
    }
    if lines != m.states_lines {
        bail!(
            "{sp}: holds {lines} lines, {MANIFEST} says {}: lines were deleted or added",
            m.states_lines
        );
    }
    if sha256_hex(&bytes) != m.states_sha256 {
        bail!("{sp}: does not match the digest in {MANIFEST}: edited, or from another directory");
    }
    let text = String::from_utf8(bytes).with_context(|| format!("{sp}: not UTF-8"))?;
    let mut states: Vec<RouteState> = Vec::new();
    let mut first_line = std::collections::BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let at = format!("{sp}:{}", i + 1);
        let st: RouteState =
            serde_json::from_str(line).with_context(|| format!("{at}: not a route state"))?;
        let what = format!("{at}: point {} route '{}'", st.point, escape(&st.route));
        let Some(values) = points.get(st.point) else {
            bail!("{what}: point out of range, the grid has points 0..{}", m.points);
        };
        if !m.shard.owns(st.point) {
            bail!("{what}: not a point of shard {}/{}", m.shard.index, m.shard.count);
        }
        let replications = replications_at(&m, values);
        st.check(replications, values).with_context(|| what.clone())?;
        if let Some(l) = first_line.insert((st.point, st.route.clone()), i + 1) {
            bail!("{what}: appears twice (first on line {l})");
        }
        states.push(st);
    }
    if m.command == "capacity" {
        if !states.is_empty() {
            bail!("{sp}: a capacity search saves no route states, this one has {}", states.len());
        }
        return Ok((m, states));
    }
    check_points(&m, &states).with_context(|| sp.clone())?;
    Ok((m, states))
}

/// The manifest's seed (and a sweep's replications) are the scenario's,
/// unless varied.
fn check_against_scenario(m: &Manifest, scenario: &[u8]) -> Result<()> {
    let doc: serde_json::Value =
        serde_json::from_slice(scenario).context("scenario.json is not JSON")?;
    let varied = |path: &str| m.varies.iter().any(|v| v.path == path);
    let mut fields = vec![("seed", m.seed)];
    // A run with --precision saves the replications it took.
    if m.command == "sweep" {
        fields.push(("replications", m.replications));
    }
    for (field, value) in fields {
        if let Some(there) = doc.get(field).and_then(serde_json::Value::as_u64)
            && !varied(field)
            && there != value
        {
            bail!("{field} is {value}, {SCENARIO} says {there}");
        }
    }
    Ok(())
}

/// The replications each state of a point holds: the point's value when
/// `replications` is varied, else the manifest's.
fn replications_at(m: &Manifest, values: &[String]) -> u64 {
    m.varies
        .iter()
        .zip(values)
        .find(|(v, _)| v.path == "replications")
        .and_then(|(_, x)| x.parse().ok())
        .unwrap_or(m.replications)
}

/// The routes of each point, in order of the file.
fn routes_by_point(states: &[RouteState]) -> std::collections::BTreeMap<usize, Vec<&str>> {
    let mut by_point = std::collections::BTreeMap::<usize, Vec<&str>>::new();
    for st in states {
        by_point.entry(st.point).or_default().push(&st.route);
    }
    by_point
}

/// Every point of the shard is there, each with the routes of the first.
fn check_points(m: &Manifest, states: &[RouteState]) -> Result<()> {
    let by_point = routes_by_point(states);
    let mut expected: Option<(usize, &Vec<&str>)> = None;
    for p in (0..m.points).filter(|p| m.shard.owns(*p)) {
        let Some(routes) = by_point.get(&p) else { bail!("point {p} is missing") };
        match expected {
            None => expected = Some((p, routes)),
            Some((q, want)) if want != routes => bail!(
                "point {p} has the routes {}, point {q} has {}",
                escape(&format!("{routes:?}")),
                escape(&format!("{want:?}"))
            ),
            Some(_) => {}
        }
    }
    Ok(())
}

/// Reads the results directories `dirs` as slices of one experiment: each
/// checked by [`read_dir`], all of one experiment (same scenario digest,
/// seed, replications, overrides, varied fields, points and shard count),
/// every shard exactly once, every point with the same routes.
///
/// # Errors
///
/// Naming the directory and what disagrees.
pub(crate) fn read_shards(dirs: &[PathBuf]) -> Result<(Manifest, Vec<RouteState>)> {
    let mut all = Vec::new();
    let mut first: Option<(&Path, Manifest, Vec<String>)> = None;
    let mut shards_seen = BTreeSet::new();
    for dir in dirs {
        let d = shown(dir);
        let (m, states) = read_dir(dir)?;
        if m.command == "capacity" {
            bail!("{d}: holds a capacity search; merge joins the results of run and sweep");
        }
        let routes: Vec<String> = routes_by_point(&states)
            .into_values()
            .next()
            .unwrap_or_default()
            .into_iter()
            .map(String::from)
            .collect();
        if let Some((d0, m0, routes0)) = &first {
            if let Some(diff) = m0.difference(&m) {
                bail!(
                    "{d}: not from the same experiment as {}: {diff} (scenario, seed, replications, overrides, varied fields and points must match)",
                    shown(d0)
                );
            }
            if *routes0 != routes {
                bail!(
                    "{d}: has the routes {}, {} has {}",
                    escape(&format!("{routes:?}")),
                    shown(d0),
                    escape(&format!("{routes0:?}"))
                );
            }
        }
        if !shards_seen.insert(m.shard.index) {
            bail!("{d}: shard {}/{} is given twice", m.shard.index, m.shard.count);
        }
        if first.is_none() {
            first = Some((dir, m, routes));
        }
        all.extend(states);
    }
    let Some((_, m, _)) = first else { bail!("merge needs at least one results directory") };
    let missing: Vec<String> = (0..m.shard.count)
        .filter(|k| !shards_seen.contains(k))
        .map(|k| format!("{k}/{}", m.shard.count))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shards {} are missing: merge needs every shard of the sweep (--shard K/N for K = 0..N-1)",
            missing.join(", ")
        );
    }
    Ok((m, all))
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
            "aznetsim end-to-end latency of route {}, values in nanoseconds",
            escape(route)
        ))
        .with_max_value_divisor(1e6)
        .begin_log_with(&mut buf, &mut ser)?;
    let tag_text = file_stem(route);
    let tag = Tag::new(&tag_text);
    let span_ns = sim_scenarios::report::parse_decimal("span_ns", &state.span_ns)?;
    let span = std::time::Duration::from_nanos(u64::try_from(span_ns).unwrap_or(u64::MAX));
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
        files.add(MANIFEST, format!("{{\"tool\": \"{TOOL}\"}}"));
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

    /// Issue 10, item 1: names that would leave the directory, hide a
    /// file, take a fixed name or clash become plain, distinct names.
    #[test]
    fn issue_10_names_from_routes_become_plain_distinct_file_names() {
        let mut files = Files::default();
        files.add("summary.csv", "");
        let names: Vec<String> = [
            "../x",
            "/abs/path",
            "a/b\\c",
            ".hidden",
            "",
            "summary",
            "summary.csv",
            "a b",
            "a_b",
            "A_B",
            "é\n\u{1b}[1m",
        ]
        .into_iter()
        .map(|n| files.add_named(n, "hlog", Vec::new()))
        .collect();
        assert_eq!(
            names,
            [
                "_._x.hlog",
                "_abs_path.hlog",
                "a_b_c.hlog",
                "_hidden.hlog",
                "_.hlog",
                "summary.hlog",
                "summary.csv.hlog",
                "a_b.hlog",
                "a_b-2.hlog",
                "A_B-3.hlog",
                "____1m.hlog",
            ]
        );
        assert_eq!(files.add_named("summary", "csv", Vec::new()), "summary-2.csv");
        assert_eq!(files.add_named("manifest", "json", Vec::new()), "manifest-2.json");
        assert!(names.iter().all(|n| is_plain_name(n)));
        assert_eq!(file_stem(&"x".repeat(300)).len(), 100);
    }

    /// Issue 10, item 1: the writer itself refuses any name that is not a
    /// plain file name, whatever built the list, and writes nothing.
    #[test]
    fn issue_10_the_writer_never_writes_outside_its_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let outside = tmp.path().join("x");
        for bad in ["../x", "/abs/path", "sub/x", ".", "..", "", "a.txt"] {
            let mut files = Files::default();
            files.add("a.txt", "one");
            let name =
                if bad.starts_with('/') { outside.display().to_string() } else { bad.into() };
            files.add(name, "escaped");
            let e = write_dir(&dir, &files, false).unwrap_err();
            assert!(format!("{e:#}").contains("is not a new plain file name"), "{bad}: {e:#}");
            let left: Vec<_> =
                std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert!(left.is_empty(), "{bad}: {left:?}");
        }
    }

    #[test]
    fn issue_10_only_our_own_temporaries_are_recognised() {
        assert_eq!(temporary_pid(".run.tmp-123-abcDE9", "run"), Some(123));
        assert_eq!(temporary_pid(".run.old-77", "run"), Some(77));
        for other in [
            ".run.tmp-123-abc",
            ".run.tmp-123-abcdefg",
            ".run.tmp--abcdef",
            ".run.tmp-12a-abcdef",
            ".other.tmp-123-abcdef",
            "run.tmp-123-abcdef",
            ".run.old-",
            ".run.old-1x",
            ".run.tmp-123-abc/ef",
        ] {
            assert_eq!(temporary_pid(other, "run"), None, "{other}");
        }
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let mut files = Files::default();
        files.add("a.txt", "one");
        // A name longer than any file system takes cannot be written.
        files.add("b".repeat(300), "two");
        let e = write_dir(&dir, &files, false).unwrap_err();
        assert!(format!("{e:#}").contains("bbb: cannot write"), "{e:#}");
        let names: Vec<_> =
            std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(names.is_empty(), "{names:?}");
    }
}
