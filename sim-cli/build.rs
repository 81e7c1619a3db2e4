//! Sets `AZNETSIM_COMMIT` for `aznetsim --version`: the short hash of the
//! commit the binary was built from, or `unknown` outside a git checkout
//! (a crate tarball, no git installed). It never fails the build.
//!
//! Only this crate re-runs its build script, and only when the checked-out
//! commit changes: the script watches `HEAD` and the branch file it points
//! to (and `packed-refs`, where a branch may live), not the work tree.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `git <args>` in `dir`, its trimmed stdout when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).current_dir(dir).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = git(&dir, &["rev-parse", "--short", "HEAD"]);
    if commit.is_some() {
        // In a worktree HEAD lives in its own git dir and branches in the
        // common one; both are absolute with --path-format.
        let abs = |what: &str| {
            git(&dir, &["rev-parse", "--path-format=absolute", what]).map(PathBuf::from)
        };
        let mut watched = Vec::new();
        if let Some(g) = abs("--git-dir") {
            watched.push(g.join("HEAD"));
        }
        if let (Some(common), Some(branch)) =
            (abs("--git-common-dir"), git(&dir, &["symbolic-ref", "-q", "HEAD"]))
        {
            watched.push(common.join(branch));
            watched.push(common.join("packed-refs"));
        }
        // A watched path that does not exist would re-run the script on
        // every build: watch only what is there.
        for p in watched.iter().filter(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
    println!("cargo:rustc-env=AZNETSIM_COMMIT={}", commit.as_deref().unwrap_or("unknown"));
}
