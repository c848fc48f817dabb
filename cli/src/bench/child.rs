//! Measured child processes: `article-sync bench-child` (a sync or a cold open in a process of
//! its own, so its peak RSS is its own) and newsboat. The parent reaps each child with
//! `wait4`, which gives the child's peak resident set (`ru_maxrss`) however it ends.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use article_sync_core::format::layout;
use article_sync_core::net::NetConfig;
use article_sync_core::reader::{Reader, ReaderConfig};
use article_sync_core::store::{ListFilter, Store, StoreConfig};
use article_sync_core::sync::Phase;
use serde::{Deserialize, Serialize};

use super::BenchError;
use crate::error::Failure;

/// What a child does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChildMode {
    /// Open the reader and sync once.
    Sync,
    /// Open the store and list the first page of articles (a cold start of the app's list).
    Open,
}

/// The job of one `bench-child` run, written to a JSON file by the parent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChildSpec {
    pub mode: ChildMode,
    pub database: PathBuf,
    pub public_key: String,
    pub main: String,
    pub mirrors: Vec<String>,
    /// The test CA the servers' certificates chain to (PEM).
    pub ca_pem: String,
    pub stagger_ms: u64,
    pub connect_timeout_ms: u64,
    pub read_timeout_ms: u64,
}

/// What a child reports on stdout (one JSON object).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ChildOutcome {
    /// The sync (mode `sync`) or open + first page (mode `open`), measured inside the child.
    pub millis: f64,
    pub requests: u64,
    pub bytes: u64,
    /// When every article of the sync was stored and readable (the search index may still be
    /// building), milliseconds since the Unix epoch (mode `sync`).
    pub readable_unix_ms: Option<f64>,
    /// Requests made when the snapshot's headlines were stored (mode `sync`, snapshot only).
    pub requests_to_headlines: Option<u64>,
    /// Head requests sent to other routes than the one that won (mode `sync`).
    pub wasted_head_attempts: u64,
    pub used_snapshot: bool,
    /// Articles stored after the work.
    pub articles: u64,
    /// Items on the first page (mode `open`).
    pub first_page: usize,
}

/// `article-sync bench-child` (hidden): the processes the bench measures.
#[derive(Debug, clap::Args)]
pub struct ChildArgs {
    #[command(subcommand)]
    pub job: ChildJob,
}

#[derive(Debug, clap::Subcommand)]
pub enum ChildJob {
    /// Runs the sync or cold open described by a JSON file; prints what it measured as JSON.
    Run {
        #[arg(long)]
        spec: PathBuf,
    },
    /// Runs a command and prints its wall time and peak memory as JSON.
    ///
    /// A process's `ru_maxrss` starts at the resident size of the process that spawned it
    /// (Linux keeps the old image's high-water mark across `exec`), so the bench, whose own
    /// memory grows with the corpus, spawns every measured command through this small,
    /// freshly started process.
    Measure {
        /// Killed after this many seconds.
        #[arg(long)]
        deadline_secs: u64,
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<std::ffi::OsString>,
    },
}

/// A measured command, as `bench-child measure` reports it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measured {
    /// When the command was spawned, milliseconds since the Unix epoch.
    pub spawned_unix_ms: f64,
    pub wall_ms: f64,
    pub peak_rss: u64,
    pub stdout: String,
    pub stderr: String,
}

/// The items on the first page of the article list.
pub const FIRST_PAGE: usize = 20;

pub fn run(args: ChildArgs) -> Result<(), Failure> {
    let spec_path = match args.job {
        ChildJob::Run { spec } => spec,
        ChildJob::Measure {
            deadline_secs,
            command,
        } => {
            let (program, rest) = command
                .split_first()
                .ok_or_else(|| Failure::usage("bench-child measure: no command"))?;
            let mut cmd = Command::new(program);
            cmd.args(rest);
            let what = program.to_string_lossy().to_string();
            let finished = run_measured(&what, cmd, Duration::from_secs(deadline_secs))
                .map_err(|e| Failure::failed(e.to_string()))?;
            let measured = Measured {
                spawned_unix_ms: finished.spawned_unix_ms,
                wall_ms: finished.wall.as_secs_f64() * 1e3,
                peak_rss: finished.peak_rss,
                stdout: finished.stdout,
                stderr: finished.stderr,
            };
            let json = serde_json::to_string(&measured)
                .map_err(|e| Failure::failed(format!("bench-child: {e}")))?;
            println!("{json}");
            return Ok(());
        }
    };
    let text = std::fs::read(&spec_path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", spec_path.display())))?;
    let spec: ChildSpec = serde_json::from_slice(&text)
        .map_err(|e| Failure::usage(format!("{}: {e}", spec_path.display())))?;
    let outcome = match spec.mode {
        ChildMode::Open => {
            let started = Instant::now();
            let store = Store::open(&spec.database, StoreConfig::default())?;
            let page = store.list(&ListFilter::All, None, FIRST_PAGE)?;
            let millis = started.elapsed().as_secs_f64() * 1e3;
            ChildOutcome {
                millis,
                articles: store.counts()?.total,
                first_page: page.items.len(),
                ..ChildOutcome::default()
            }
        }
        ChildMode::Sync => sync(&spec)?,
    };
    let json = serde_json::to_string(&outcome)
        .map_err(|e| Failure::failed(format!("bench-child: {e}")))?;
    println!("{json}");
    Ok(())
}

fn sync(spec: &ChildSpec) -> Result<ChildOutcome, Failure> {
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))?;
    let _guard = runtime.enter();
    let config = ReaderConfig {
        database: spec.database.clone(),
        publisher_keys: vec![spec.public_key.clone()],
        main_url: spec.main.clone(),
        mirrors: spec.mirrors.clone(),
        storage_budget_bytes: 4 << 30,
        text_only: false,
        net: net_config(spec),
    };
    let started = Instant::now();
    let reader = Reader::open(config).map_err(|e| Failure::failed(format!("reader: {e}")))?;
    // Every article is readable once the sync reaches a phase after the ones that store them.
    let mut progress = reader.progress()?;
    let readable = runtime.spawn(async move {
        loop {
            if matches!(
                progress.borrow_and_update().phase,
                Phase::Indexing | Phase::Media | Phase::Done
            ) {
                return unix_ms();
            }
            if progress.changed().await.is_err() {
                return unix_ms();
            }
        }
    });
    let report = runtime
        .block_on(reader.sync())
        .map_err(|e| Failure::failed(format!("sync: {e}")))?;
    let readable_unix_ms = runtime.block_on(readable).ok();
    let millis = started.elapsed().as_secs_f64() * 1e3;
    let wasted = reader.connection()?.state.evidence().map_or(0, |e| {
        e.attempts
            .iter()
            .filter(|a| !a.remembered && a.path == layout::HEAD && a.url != report.route)
            .count()
    });
    Ok(ChildOutcome {
        millis,
        requests: report.requests,
        bytes: report.bytes,
        readable_unix_ms,
        requests_to_headlines: report.requests_to_headlines,
        wasted_head_attempts: wasted as u64,
        used_snapshot: report.used_snapshot,
        articles: reader.store().counts()?.total,
        first_page: 0,
    })
}

/// The child's network settings: the bench CA only, no probes, the spec's stagger and
/// timeouts; whole-sync and race deadlines long enough for the route-by-route baseline.
pub fn net_config(spec: &ChildSpec) -> NetConfig {
    NetConfig {
        connect_timeout: Duration::from_millis(spec.connect_timeout_ms),
        read_timeout: Duration::from_millis(spec.read_timeout_ms),
        request_timeout: Duration::from_secs(300),
        race_deadline: Duration::from_secs(120),
        sync_deadline: Duration::from_secs(1800),
        stagger: Duration::from_millis(spec.stagger_ms),
        extra_root_certs_pem: vec![spec.ca_pem.clone().into_bytes()],
        webpki_roots: false,
        ..NetConfig::default()
    }
}

/// A finished child process.
#[derive(Debug, Clone)]
pub struct Finished {
    /// When it was spawned, milliseconds since the Unix epoch (to place instants the child
    /// reports on the same clock).
    pub spawned_unix_ms: f64,
    /// Spawn to reaped.
    pub wall: Duration,
    /// Peak resident set size, bytes (`ru_maxrss`).
    pub peak_rss: u64,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command` to its end (killed after `deadline`), measuring wall time and peak RSS.
/// Fails when it cannot start, is killed, or exits non-zero. The peak RSS is at least the
/// calling process's own high-water mark; see [`run_isolated`].
pub fn run_measured(
    what: &str,
    mut command: Command,
    deadline: Duration,
) -> Result<Finished, BenchError> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let spawned_unix_ms = unix_ms();
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| BenchError::Child(what.to_string(), format!("cannot start: {e}")))?;
    let pid = child.id() as libc::pid_t;
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if done_rx.recv_timeout(deadline) == Err(mpsc::RecvTimeoutError::Timeout) {
            // SAFETY: plain syscall; the child is not reaped before `done` is sent.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
            return true;
        }
        false
    });
    let mut stderr_pipe = child.stderr.take();
    let stderr_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = stderr_pipe.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let mut stdout = String::new();
    if let Some(mut p) = child.stdout.take() {
        let _ = p.read_to_string(&mut stdout);
    }
    let (status, usage) =
        wait4(pid).map_err(|e| BenchError::Child(what.to_string(), format!("wait4: {e}")))?;
    let wall = started.elapsed();
    let _ = done_tx.send(());
    let killed = watchdog.join().unwrap_or(false);
    let stderr = stderr_reader.join().unwrap_or_default();
    if killed {
        return Err(BenchError::Child(
            what.to_string(),
            format!("killed after {} s", deadline.as_secs()),
        ));
    }
    let exited_ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    if !exited_ok {
        let last = stderr.lines().last().unwrap_or("").to_string();
        return Err(BenchError::Child(
            what.to_string(),
            format!("exit status {status:#x}: {last}"),
        ));
    }
    Ok(Finished {
        spawned_unix_ms,
        wall,
        peak_rss: (usage.ru_maxrss.max(0) as u64) * 1024,
        stdout,
        stderr,
    })
}

/// Milliseconds since the Unix epoch.
fn unix_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

fn wait4(pid: libc::pid_t) -> std::io::Result<(libc::c_int, libc::rusage)> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; zeroed is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; `pid` is our own unreaped child.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok((status, usage));
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Runs `program args` (with `envs`) through `exe bench-child measure`, so that its peak RSS
/// is its own (at least that of the small measuring process, a few MiB).
pub fn run_isolated(
    exe: &Path,
    what: &str,
    program: &std::ffi::OsStr,
    args: &[std::ffi::OsString],
    envs: &[(&str, &std::ffi::OsStr)],
    deadline: Duration,
) -> Result<Finished, BenchError> {
    let mut command = Command::new(exe);
    command
        .arg("bench-child")
        .arg("measure")
        .arg("--deadline-secs")
        .arg(deadline.as_secs().to_string())
        .arg("--")
        .arg(program)
        .args(args);
    for (k, v) in envs {
        command.env(k, v);
    }
    let outer = run_measured(what, command, deadline + Duration::from_secs(30))?;
    let measured: Measured = serde_json::from_str(outer.stdout.trim())
        .map_err(|e| BenchError::Child(what.to_string(), format!("unreadable measurement: {e}")))?;
    Ok(Finished {
        spawned_unix_ms: measured.spawned_unix_ms,
        wall: Duration::from_secs_f64(measured.wall_ms / 1e3),
        peak_rss: measured.peak_rss,
        stdout: measured.stdout,
        stderr: measured.stderr,
    })
}

/// Runs `article-sync bench-child run` on `spec`, written next to its database.
pub fn run_child(
    exe: &Path,
    spec: &ChildSpec,
    what: &str,
) -> Result<(ChildOutcome, Finished), BenchError> {
    let spec_path = spec.database.with_extension("spec.json");
    let json = serde_json::to_vec(spec).map_err(|e| BenchError::io(&spec_path, e))?;
    std::fs::write(&spec_path, json).map_err(|e| BenchError::io(&spec_path, e))?;
    let args = [
        "bench-child".into(),
        "run".into(),
        "--spec".into(),
        spec_path.into_os_string(),
    ];
    let finished = run_isolated(
        exe,
        what,
        exe.as_os_str(),
        &args,
        &[],
        Duration::from_secs(1800),
    )?;
    let outcome = serde_json::from_str(finished.stdout.trim())
        .map_err(|e| BenchError::Child(what.to_string(), format!("unreadable report: {e}")))?;
    Ok((outcome, finished))
}
