//! Completions, the man page, `--help` examples and `--version` with the
//! commit (issue 17 item 5).

use super::{EXIT_INVALID, aznetsim, failure_of, root, stdout_of};

#[test]
fn completions_for_every_shell_know_the_commands_and_flags() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = stdout_of(aznetsim().args(["completions", shell]));
        // fish writes long flags as `-l slo`.
        for word in
            ["aznetsim", "capacity", "merge", "slo", "precision", "seed", "max-replications"]
        {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let stderr = failure_of(aznetsim().args(["completions", "tcsh"]), EXIT_INVALID);
    assert!(stderr.contains("possible values: bash, elvish, fish, powershell, zsh"), "{stderr}");
}

/// The bash script loads in bash and registers a completion for aznetsim,
/// which completes the subcommands.
#[test]
fn the_bash_completion_loads_and_completes_subcommands() {
    if std::process::Command::new("bash").arg("--version").output().is_err() {
        eprintln!("no bash here: skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("aznetsim.bash");
    std::fs::write(&script, stdout_of(aznetsim().args(["completions", "bash"]))).unwrap();
    let probe = format!(
        "source {}; complete -p aznetsim; COMP_WORDS=(aznetsim cap); COMP_CWORD=1; COMP_LINE='aznetsim cap'; COMP_POINT=12; _aznetsim aznetsim cap aznetsim; echo \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = std::process::Command::new("bash").args(["--norc", "-c", &probe]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("-F _aznetsim aznetsim"), "{stdout}");
    let words = stdout.lines().filter(|l| !l.starts_with("complete "));
    assert!(words.flat_map(|l| l.split(' ')).any(|w| w == "capacity"), "{stdout}");
}

#[test]
fn the_man_page_documents_every_command() {
    let page = stdout_of(aznetsim().arg("man"));
    assert!(page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH aznetsim"), "{page}");
    assert!(page.contains(".TH aznetsim 1"), "{}", &page[..200]);
    for cmd in
        ["run", "sweep", "capacity", "merge", "validate", "explain", "catalog", "completions"]
    {
        assert!(page.contains(&format!("aznetsim\\-{cmd}(1)")), "SEE ALSO lists {cmd}");
    }
    assert!(page.contains("Examples:"), "the examples are in the page");
    let run = stdout_of(aznetsim().args(["man", "run"]));
    assert!(run.contains(".TH aznetsim-run 1"), "{}", &run[..200]);
    assert!(run.contains("\\-\\-slo"), "run's page has its flags");
    let stderr = failure_of(aznetsim().args(["man", "walk"]), EXIT_INVALID);
    assert!(stderr.contains("man walk: no such command; commands: run, validate"), "{stderr}");
}

#[test]
fn help_has_examples_and_exit_codes() {
    let help = stdout_of(aznetsim().arg("--help"));
    let examples = help.find("Examples:").expect("an EXAMPLES section");
    for line in [
        "aznetsim run scenarios/apim-hub-proxy.json --slo",
        "aznetsim completions bash",
        "aznetsim man",
    ] {
        assert!(help[examples..].contains(line), "{line}");
    }
    assert!(help.contains("Exit codes: 0 success; 1"), "{help}");
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let version = stdout_of(aznetsim().arg("--version"));
    let rest = version
        .strip_prefix(&format!("aznetsim {} (commit ", env!("CARGO_PKG_VERSION")))
        .unwrap_or_else(|| panic!("{version}"));
    let commit = rest.strip_suffix(")\n").unwrap_or_else(|| panic!("{version}"));
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(h) => assert_eq!(commit, h, "built from HEAD"),
        None => assert_eq!(commit, "unknown", "outside git"),
    }
}
