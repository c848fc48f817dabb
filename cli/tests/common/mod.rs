//! What the binary's tests share: the binary with a clean environment, JSON output, the
//! one-line failures, and child processes that print their URL.

#![allow(dead_code)] // Each test file uses its own part.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_article-sync");

/// The binary with no reader configuration leaking in from the environment.
pub fn cmd(home: &Path) -> Command {
    let mut c = Command::new(BIN);
    for var in [
        "ARTICLE_SYNC_DB",
        "ARTICLE_SYNC_KEY",
        "ARTICLE_SYNC_MAIN",
        "ARTICLE_SYNC_MIRRORS",
        "ARTICLE_SYNC_PROBES_INTL",
        "ARTICLE_SYNC_PROBES_DOMESTIC",
        "ARTICLE_SYNC_CA",
        "ARTICLE_SYNC_CONFIG",
    ] {
        c.env_remove(var);
    }
    c.env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("HOME", home);
    c
}

/// `article-sync sync --json` of `db` from `main`, with the publisher key file and the CA.
pub fn sync_cmd(home: &Path, db: &str, main: &str, key: &Path, ca: &Path) -> Command {
    let mut c = cmd(home);
    c.args(["sync", "--json", "--db", db, "--main", main])
        .arg("--key")
        .arg(key)
        .arg("--ca")
        .arg(ca);
    c
}

pub fn run(c: &mut Command) -> Output {
    c.output().expect("the binary runs")
}

pub fn json(out: Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Asserts a failure with `code` and exactly one line on stderr containing `needle`.
pub fn fails(out: &Output, code: i32, needle: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr:?}");
    assert!(stderr.contains(needle), "{needle:?} not in {stderr:?}");
    stderr
}

/// A long-running command (`serve`, `inbox`, `relay`) as a child process; killed on drop.
pub struct Served {
    pub child: Child,
    /// The first URL its first line of output names.
    pub url: String,
}

impl Served {
    /// `article-sync serve --tls` of `tree`, its CA written to `ca_out`.
    pub fn start(tree: &Path, ca_out: &Path) -> Served {
        Served::start_with(tree, ca_out, &[])
    }

    /// The same with more `serve` flags.
    pub fn start_with(tree: &Path, ca_out: &Path, flags: &[&str]) -> Served {
        Served::spawn(
            Command::new(BIN)
                .args(["serve", "--addr", "127.0.0.1:0", "--tls", "--tree"])
                .arg(tree)
                .arg("--ca-out")
                .arg(ca_out)
                .args(flags),
        )
    }

    /// Starts `command` and waits for the line that names its URL.
    pub fn spawn(command: &mut Command) -> Served {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the command starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("it prints its URL");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:") || w.starts_with("https://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_string();
        Served { child, url }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
