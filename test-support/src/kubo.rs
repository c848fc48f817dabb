//! A kubo IPFS node for one test: a fresh repository (`ipfs init --profile test`: API, gateway
//! and swarm on free loopback ports, no bootstrap peers, no mDNS) run with `ipfs daemon
//! --offline`, so nothing leaves loopback. The node is stopped and its repository removed on
//! drop. `ipfs` must be on `PATH` (scripts/install-go-servers.sh builds it; scripts/test.sh puts
//! it on `PATH`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A running kubo node.
pub struct Kubo {
    dir: tempfile::TempDir,
    daemon: Child,
    /// The RPC API's base, e.g. `http://127.0.0.1:5001`.
    pub api: String,
    /// The gateway's base, e.g. `http://127.0.0.1:8080`.
    pub gateway: String,
}

impl Kubo {
    /// Starts a node; panics with a clear message when `ipfs` is not on `PATH`.
    pub fn start() -> Kubo {
        let dir = tempfile::tempdir().expect("temporary IPFS_PATH");
        let repo = dir.path().join("repo");
        let init = run(&repo, &["init", "--profile", "test", "--empty-repo"]);
        assert!(init.status.success(), "ipfs init: {}", text(&init.stderr));
        let log = std::fs::File::create(dir.path().join("daemon.log")).expect("daemon log");
        let daemon = command(&repo)
            .args(["daemon", "--offline"])
            .stdout(log.try_clone().expect("daemon log"))
            .stderr(log)
            .spawn()
            .expect("ipfs daemon starts");
        let mut kubo = Kubo {
            dir,
            daemon,
            api: String::new(),
            gateway: String::new(),
        };
        // The daemon writes `gateway` once every server accepts connections, after `api`.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let api = std::fs::read_to_string(repo.join("api"));
            let gateway = std::fs::read_to_string(repo.join("gateway"));
            if let (Ok(api), Ok(gateway)) = (api, gateway) {
                kubo.api = http_of_multiaddr(api.trim());
                kubo.gateway = gateway.trim().trim_end_matches('/').to_string();
                return kubo;
            }
            if let Ok(Some(status)) = kubo.daemon.try_wait() {
                panic!("ipfs daemon exited with {status}: {}", kubo.log());
            }
            assert!(
                Instant::now() < deadline,
                "ipfs daemon not ready: {}",
                kubo.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `ipfs ARGS` against this node; panics when it fails. Returns its standard output.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = run(&self.repo(), args);
        assert!(out.status.success(), "ipfs {args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    }

    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }
}

impl Drop for Kubo {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

fn command(repo: &Path) -> Command {
    let mut command = Command::new("ipfs");
    command.env("IPFS_PATH", repo).stdin(Stdio::null());
    command
}

fn run(repo: &Path, args: &[&str]) -> Output {
    match command(repo).args(args).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`ipfs` (kubo) is not on PATH: build it with scripts/install-go-servers.sh and put \
             \"$(scripts/install-go-servers.sh --dir)\" on PATH (scripts/test.sh does)"
        ),
        Err(e) => panic!("ipfs {args:?}: {e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_string()
}

/// `http://127.0.0.1:5001` of `/ip4/127.0.0.1/tcp/5001`.
fn http_of_multiaddr(addr: &str) -> String {
    match addr.split('/').collect::<Vec<_>>()[..] {
        ["", "ip4", host, "tcp", port] => format!("http://{host}:{port}"),
        _ => panic!("unexpected API address {addr:?}"),
    }
}
