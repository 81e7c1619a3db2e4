//! Issue 10, item 7: `merge` trusted what it read. Of 38 kinds of
//! tampering with saved shards it detected 16; 17 gave wrong or partial
//! rows with exit 0. Each kind below is applied to a copy of three good
//! shards of one sweep and must make `merge` exit 2 with nothing on stdout.
//!
//! Each kind is tried twice: as found (edited files, whose digests in the
//! manifest no longer match), and resealed, with every digest and line
//! count of the manifest recomputed as a forger who knows the format would.
//! A resealed kind that the checks of content and consistency catch says
//! what its message names; a few kinds (an edit that keeps every count and
//! bound consistent) only the digests catch, and are marked so.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::shards::shard;
use super::{EXIT_INVALID, aznetsim};

/// The shards being tampered with, copied fresh for each kind.
struct Set {
    /// Shards 0, 1 and 2 of 3 (points 0 and 3; 1 and 4; 2).
    dirs: Vec<PathBuf>,
    /// Shard 1 of 3 of the same sweep run with one more `--set`.
    foreign: PathBuf,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn states(dir: &Path) -> Vec<String> {
    read(&dir.join("states.jsonl")).lines().map(String::from).collect()
}

fn set_states(dir: &Path, lines: &[String]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join("states.jsonl"), text).unwrap();
}

/// Edits line `i` (from 0) of `dir`'s states as JSON.
fn edit(dir: &Path, i: usize, f: impl FnOnce(&mut Value)) {
    let mut lines = states(dir);
    let mut v: Value = serde_json::from_str(&lines[i]).unwrap();
    f(&mut v);
    lines[i] = v.to_string();
    set_states(dir, &lines);
}

fn edit_manifest(dir: &Path, f: impl FnOnce(&mut Value)) {
    let path = dir.join("manifest.json");
    let mut v: Value = serde_json::from_str(&read(&path)).unwrap();
    f(&mut v);
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
}

fn add(v: &mut Value, field: &str, delta: i64) {
    v[field] = (v[field].as_i64().unwrap() + delta).into();
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Recomputes the digests and the line count in `dir`'s manifest, as the
/// format documents them (design.md, "Results directories").
fn reseal(dir: &Path) {
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else { return };
    let Ok(mut m) = serde_json::from_str::<Value>(&text) else { return };
    if let Ok(b) = std::fs::read(dir.join("scenario.json")) {
        m["scenario_sha256"] = sha256_hex(&b).into();
    }
    if let Ok(b) = std::fs::read(dir.join("states.jsonl")) {
        m["states_sha256"] = sha256_hex(&b).into();
        m["states_lines"] = b.iter().filter(|c| **c == b'\n').count().into();
    }
    m["manifest_sha256"] = "".into();
    m["manifest_sha256"] = sha256_hex(&serde_json::to_vec(&m).unwrap()).into();
    std::fs::write(dir.join("manifest.json"), serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

/// One kind of tampering: what it does to a fresh copy of the shards (the
/// directories to merge are returned), and what the error names when it
/// is resealed (`None`: only the digests can tell).
struct Kind {
    name: &'static str,
    tamper: fn(&Set) -> Vec<PathBuf>,
    resealed: Option<&'static str>,
}

macro_rules! kind {
    ($name:expr, $resealed:expr, |$s:ident| $body:block) => {
        Kind {
            name: $name,
            tamper: |$s: &Set| -> Vec<PathBuf> {
                $body;
                $s.dirs.clone()
            },
            resealed: $resealed,
        }
    };
}

fn kinds() -> Vec<Kind> {
    vec![
        kind!("offered edited", Some("states.jsonl:1: point 0 route 'green': offered"), |s| {
            edit(&s.dirs[0], 0, |v| add(v, "offered", 1))
        }),
        kind!("completed edited", Some("states.jsonl:2: point 0 route 'red': offered"), |s| {
            edit(&s.dirs[0], 1, |v| add(v, "completed", -1))
        }),
        kind!("rejected edited", Some("is not completed"), |s| {
            edit(&s.dirs[1], 0, |v| add(v, "rejected", 5))
        }),
        kind!("timed_out edited", Some("is not completed"), |s| {
            edit(&s.dirs[2], 1, |v| add(v, "timed_out", 1))
        }),
        kind!("failed edited", Some("is not completed"), |s| {
            edit(&s.dirs[1], 1, |v| add(v, "failed", 1))
        }),
        kind!("failed removed (a format 2 line)", Some("not a route state"), |s| {
            edit(&s.dirs[0], 0, |v| {
                v.as_object_mut().unwrap().remove("failed");
            })
        }),
        kind!("offered and completed raised together", Some("the histogram holds"), |s| {
            edit(&s.dirs[0], 2, |v| {
                add(v, "offered", 100);
                add(v, "completed", 100);
            })
        }),
        kind!("latency sum not a number", Some("latency_sum_ns is \"12x\", not a decimal"), |s| {
            edit(&s.dirs[0], 0, |v| v["latency_sum_ns"] = "12x".into())
        }),
        kind!("latency sum negative", Some("not a decimal integer"), |s| {
            edit(&s.dirs[0], 0, |v| v["latency_sum_ns"] = "-5".into())
        }),
        kind!("latency sum empty", Some("not a decimal integer"), |s| {
            edit(&s.dirs[0], 0, |v| v["latency_sum_ns"] = "".into())
        }),
        kind!("span in exponent form", Some("span_ns is \"1e9\""), |s| {
            edit(&s.dirs[1], 1, |v| v["span_ns"] = "1e9".into())
        }),
        kind!("busy time not a number", Some("resources[0].busy_ns"), |s| {
            edit(&s.dirs[0], 0, |v| v["resources"][0]["busy_ns"] = "lots".into())
        }),
        kind!("busy time above capacity", Some("more than its capacity"), |s| {
            edit(&s.dirs[0], 0, |v| {
                let cap: u128 = v["resources"][0]["capacity_ns"].as_str().unwrap().parse().unwrap();
                v["resources"][0]["busy_ns"] = (cap + 1).to_string().into();
            })
        }),
        kind!("max latency raised", Some("largest bucket"), |s| {
            edit(&s.dirs[0], 0, |v| v["max_ns"] = (v["max_ns"].as_u64().unwrap() * 10).into())
        }),
        kind!("max latency zeroed", Some("largest bucket"), |s| {
            edit(&s.dirs[2], 0, |v| v["max_ns"] = 0.into())
        }),
        kind!("latency sum multiplied", Some("outside what"), |s| {
            edit(&s.dirs[0], 1, |v| {
                let sum: u128 = v["latency_sum_ns"].as_str().unwrap().parse().unwrap();
                v["latency_sum_ns"] = (sum * 1000).to_string().into();
            })
        }),
        kind!("latency sum nudged within bounds", None, |s| {
            edit(&s.dirs[0], 1, |v| {
                let sum: u128 = v["latency_sum_ns"].as_str().unwrap().parse().unwrap();
                v["latency_sum_ns"] = (sum + 1).to_string().into();
            })
        }),
        kind!("last line deleted", Some("point 3 has the routes"), |s| {
            let mut l = states(&s.dirs[0]);
            l.pop();
            set_states(&s.dirs[0], &l);
        }),
        kind!("first line deleted", Some("has the routes"), |s| {
            let l = states(&s.dirs[0]);
            set_states(&s.dirs[0], &l[1..]);
        }),
        kind!("a line truncated", Some("states.jsonl:2: not a route state"), |s| {
            let mut l = states(&s.dirs[0]);
            let half = l[1].len() / 2;
            l[1].truncate(half);
            set_states(&s.dirs[0], &l);
        }),
        kind!("the last line end cut off", Some("truncated"), |s| {
            let path = s.dirs[1].join("states.jsonl");
            let text = read(&path);
            std::fs::write(&path, text.trim_end()).unwrap();
        }),
        kind!("states emptied", Some("point 0 is missing"), |s| {
            std::fs::write(s.dirs[0].join("states.jsonl"), "").unwrap()
        }),
        kind!("states deleted", Some("states.jsonl: cannot read"), |s| {
            std::fs::remove_file(s.dirs[2].join("states.jsonl")).unwrap()
        }),
        kind!("a line duplicated", Some("appears twice (first on line 1)"), |s| {
            let mut l = states(&s.dirs[0]);
            l.insert(1, l[0].clone());
            set_states(&s.dirs[0], &l);
        }),
        kind!("histogram corrupted", Some("histogram"), |s| {
            edit(&s.dirs[0], 0, |v| {
                let mut h: Vec<u8> = v["histogram"].as_str().unwrap().bytes().collect();
                let i = h.len() / 2;
                h[i] = if h[i] == b'A' { b'B' } else { b'A' };
                v["histogram"] = String::from_utf8(h).unwrap().into();
            })
        }),
        kind!("histogram not base64", Some("histogram is not base64"), |s| {
            edit(&s.dirs[0], 0, |v| v["histogram"] = "!!!".into())
        }),
        kind!("histogram of another route", Some("states.jsonl:1"), |s| {
            let other: Value = serde_json::from_str(&states(&s.dirs[0])[1]).unwrap();
            edit(&s.dirs[0], 0, |v| v["histogram"] = other["histogram"].clone())
        }),
        kind!(
            "point index out of range",
            Some("point out of range, the grid has points 0..5"),
            |s| { edit(&s.dirs[0], 2, |v| v["point"] = 99.into()) }
        ),
        kind!("point of another shard", Some("not a point of shard 0/3"), |s| {
            edit(&s.dirs[0], 0, |v| v["point"] = 1.into())
        }),
        kind!("varied values edited", Some("varied values"), |s| {
            edit(&s.dirs[1], 0, |v| v["values"][0] = "999".into())
        }),
        kind!("route renamed", Some("has the routes"), |s| {
            edit(&s.dirs[0], 0, |v| v["route"] = "blue".into())
        }),
        kind!("replication index edited", Some("the replications are [0, 5]"), |s| {
            edit(&s.dirs[0], 0, |v| v["replication_means_ms"][1][0] = 5.into())
        }),
        kind!("replication mean negative", Some("replication 0 has the mean -1"), |s| {
            edit(&s.dirs[0], 0, |v| v["replication_means_ms"][0][1] = (-1.0).into())
        }),
        kind!("a replication removed", Some("the replications are [0]"), |s| {
            edit(&s.dirs[2], 1, |v| {
                v["replication_means_ms"].as_array_mut().unwrap().pop();
            })
        }),
        kind!("replication mean nudged within range", None, |s| {
            edit(&s.dirs[0], 0, |v| {
                let m = v["replication_means_ms"][0][1].as_f64().unwrap();
                v["replication_means_ms"][0][1] = (m * 1.001).into();
            })
        }),
        kind!("unknown field added", Some("unknown field `bonus`"), |s| {
            edit(&s.dirs[0], 0, |v| v["bonus"] = 1.into())
        }),
        kind!("count written as a string", Some("states.jsonl:1: not a route state"), |s| {
            edit(&s.dirs[0], 0, |v| v["offered"] = v["offered"].to_string().into())
        }),
        kind!("count written as a fraction", Some("states.jsonl:1: not a route state"), |s| {
            edit(&s.dirs[0], 0, |v| v["completed"] = 100.5.into())
        }),
        kind!("maximum null", Some("states.jsonl:1: not a route state"), |s| {
            edit(&s.dirs[0], 0, |v| v["max_ns"] = Value::Null)
        }),
        kind!("a line that is not JSON", Some("states.jsonl:3: not a route state"), |s| {
            let mut l = states(&s.dirs[0]);
            l[2] = "offered=5".into();
            set_states(&s.dirs[0], &l);
        }),
        kind!("a blank line inserted", Some("states.jsonl:2: not a route state"), |s| {
            let mut l = states(&s.dirs[0]);
            l.insert(1, String::new());
            set_states(&s.dirs[0], &l);
        }),
        kind!("a resource listed twice", Some("appears twice"), |s| {
            edit(&s.dirs[0], 0, |v| {
                let r = v["resources"][0].clone();
                v["resources"].as_array_mut().unwrap().push(r);
            })
        }),
        Kind {
            name: "a shard run with another --set",
            tamper: |s| vec![s.dirs[0].clone(), s.foreign.clone(), s.dirs[2].clone()],
            resealed: Some("not from the same experiment"),
        },
        kind!("half a sweep relabelled 0/1", Some("not a point of shard"), |s| {
            edit_manifest(&s.dirs[0], |m| m["shard"]["index"] = 1.into());
            edit_manifest(&s.dirs[1], |m| m["shard"]["index"] = 0.into());
        }),
        kind!("states swapped between shards", Some("not a point of shard"), |s| {
            let (a, b) = (s.dirs[0].join("states.jsonl"), s.dirs[1].join("states.jsonl"));
            let tmp = s.dirs[0].join("swap");
            std::fs::rename(&a, &tmp).unwrap();
            std::fs::rename(&b, &a).unwrap();
            std::fs::rename(&tmp, &b).unwrap();
        }),
        kind!("scenario of another --set swapped in", Some("scenario digest"), |s| {
            std::fs::copy(s.foreign.join("scenario.json"), s.dirs[1].join("scenario.json"))
                .unwrap();
        }),
        kind!("scenario edited", Some("scenario digest"), |s| {
            let path = s.dirs[2].join("scenario.json");
            let text = read(&path).replacen("\"latency_ms\"", "\"latency_ms\" ", 1);
            std::fs::write(&path, text).unwrap();
        }),
        kind!("seed edited", Some("seed is 7, scenario.json says 42"), |s| {
            edit_manifest(&s.dirs[1], |m| m["seed"] = 7.into())
        }),
        kind!("version edited", Some("not from the same experiment"), |s| {
            edit_manifest(&s.dirs[1], |m| m["version"] = "9.9.9".into())
        }),
        kind!("replications edited", Some("replications"), |s| {
            edit_manifest(&s.dirs[0], |m| m["replications"] = 3.into())
        }),
        kind!("points edited", Some("points is 6, the varied fields make 5"), |s| {
            edit_manifest(&s.dirs[0], |m| m["points"] = 6.into())
        }),
        kind!("shard count edited", Some("shard"), |s| {
            edit_manifest(&s.dirs[0], |m| m["shard"]["count"] = 4.into())
        }),
        kind!("overrides edited", Some("overrides"), |s| {
            edit_manifest(&s.dirs[2], |m| {
                m["overrides"].as_array_mut().unwrap().pop().unwrap();
            })
        }),
        kind!("varied field edited", Some("varied values"), |s| {
            edit_manifest(&s.dirs[0], |m| m["varies"][1]["values"][0] = "3".into())
        }),
        kind!("format version removed", Some("results format 1"), |s| {
            edit_manifest(&s.dirs[0], |m| {
                m.as_object_mut().unwrap().remove("format_version");
            })
        }),
        kind!("tool edited", Some("not an aznetsim manifest"), |s| {
            edit_manifest(&s.dirs[0], |m| m["tool"] = "other".into())
        }),
        kind!("manifest deleted", Some("a results directory written with --out?"), |s| {
            std::fs::remove_file(s.dirs[1].join("manifest.json")).unwrap()
        }),
        Kind {
            name: "a shard missing",
            tamper: |s| vec![s.dirs[0].clone(), s.dirs[2].clone()],
            resealed: Some("shards 1/3 are missing"),
        },
        Kind {
            name: "a shard given twice",
            tamper: |s| vec![s.dirs[0].clone(), s.dirs[1].clone(), s.dirs[1].clone()],
            resealed: Some("shard 1/3 is given twice"),
        },
        kind!("seed edited in every shard", Some("scenario.json says 42"), |s| {
            for d in &s.dirs {
                edit_manifest(d, |m| m["seed"] = 7.into());
            }
        }),
    ]
}

/// Runs `merge` on `dirs`: `Ok(stderr)` when it exits 2 with nothing on
/// stdout, `Err(what happened)` otherwise.
fn merge_refuses(dirs: &[PathBuf]) -> Result<String, String> {
    let out = aznetsim().arg("merge").args(dirs).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.code() == Some(EXIT_INVALID) && out.stdout.is_empty() {
        Ok(stderr)
    } else {
        Err(format!(
            "exit {:?}, {} bytes on stdout, stderr: {stderr}",
            out.status.code(),
            out.stdout.len()
        ))
    }
}

#[test]
fn issue_10_every_kind_of_tampering_with_shards_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    let dirs: Vec<PathBuf> = (0..3).map(|k| good.join(format!("shard-{k}"))).collect();
    for (k, dir) in dirs.iter().enumerate() {
        shard(k, 3, dir, &[]);
    }
    let foreign = good.join("foreign-1");
    shard(1, 3, &foreign, &["--set", "workload.arrival.rate_per_s=700"]);
    // The control: the untouched shards merge, so a refusal below is the
    // tampering's doing.
    let fresh = |name: &str| {
        let root = tmp.path().join(name);
        for d in dirs.iter().chain([&foreign]) {
            copy_dir(d, &root.join(d.file_name().unwrap()));
        }
        Set {
            dirs: (0..3).map(|k| root.join(format!("shard-{k}"))).collect(),
            foreign: root.join("foreign-1"),
        }
    };
    let control = fresh("control");
    assert!(merge_refuses(&control.dirs).is_err(), "the good shards do not merge");

    let kinds = kinds();
    let mut missed = Vec::new();
    let (mut as_found, mut resealed, mut resealed_total) = (0, 0, 0);
    for (i, kind) in kinds.iter().enumerate() {
        let set = fresh(&format!("kind-{i}"));
        let given = (kind.tamper)(&set);
        match merge_refuses(&given) {
            Ok(_) => as_found += 1,
            Err(e) => missed.push(format!("{} (as found): {e}", kind.name)),
        }
        let Some(expected) = kind.resealed else { continue };
        resealed_total += 1;
        let set = fresh(&format!("kind-{i}-resealed"));
        let given = (kind.tamper)(&set);
        for d in set.dirs.iter().chain([&set.foreign]) {
            reseal(d);
        }
        match merge_refuses(&given) {
            Ok(stderr) if stderr.contains(expected) => resealed += 1,
            Ok(stderr) => missed.push(format!(
                "{} (resealed): refused, but not naming {expected:?}: {stderr}",
                kind.name
            )),
            Err(e) => missed.push(format!("{} (resealed): {e}", kind.name)),
        }
    }
    eprintln!(
        "tampering: {as_found} of {} kinds detected as found; {resealed} of {resealed_total} detected after resealing the digests",
        kinds.len()
    );
    assert!(kinds.len() >= 38, "only {} kinds", kinds.len());
    assert!(missed.is_empty(), "{} missed:\n{}", missed.len(), missed.join("\n"));
}

/// Issue 10, item 8: a route name read back from a results directory (no
/// load check saw it) is printed escaped: one CSV record per row, no ANSI
/// escape reaching the terminal. The directory is resealed consistently,
/// so `merge` accepts it: the digests bind files to each other, not to a
/// secret, and a forger who rewrites them all is not detected.
#[test]
fn issue_10_a_route_name_with_control_characters_is_printed_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shard-0");
    shard(0, 1, &dir, &[]);
    let lines: Vec<String> = states(&dir)
        .iter()
        .map(|l| l.replace("\"route\":\"green\"", "\"route\":\"gr\\u001b[31meen\\nfake,row\""))
        .collect();
    set_states(&dir, &lines);
    reseal(&dir);
    let out = aznetsim().arg("merge").arg(&dir).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains('\u{1b}'), "{stdout}");
    let records = super::parse_csv(&stdout);
    assert_eq!(records.len(), 1 + 5 * 2, "{stdout}");
    assert_eq!(records[1][3], "gr\\u{1b}[31meen\\nfake,row", "{stdout}");
}
