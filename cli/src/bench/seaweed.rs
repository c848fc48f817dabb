//! A real S3-compatible object store for the publishing bench and tests: SeaweedFS (`weed
//! server` with its S3 gateway, built by `scripts/install-go-servers.sh`), one process on free
//! loopback ports with its data in a temporary folder, killed when dropped.
//!
//! Two identities: the publisher ([`ACCESS_KEY`], [`SECRET_KEY`]) may do everything, and
//! anonymous requests may read the bucket (SeaweedFS's `anonymous` identity with
//! `Read:<bucket>`), so a reader fetches the mirror from the S3 endpoint without signing, as
//! from a public bucket behind a CDN. Listing and writing need the publisher's signature.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The publisher's access key id.
pub const ACCESS_KEY: &str = "publisher";
/// The publisher's secret access key.
pub const SECRET_KEY: &str = "publisher-secret";

/// A running SeaweedFS with one bucket.
pub struct Seaweed {
    child: Child,
    dir: PathBuf,
    s3_port: u16,
    pub bucket: String,
}

impl Seaweed {
    /// Starts SeaweedFS with `bucket` created and ready for writes; an error says how to
    /// install it when `weed` is neither on `PATH` nor where the install script puts it.
    pub fn start(bucket: &str) -> Result<Seaweed, String> {
        let weed = find_weed()?;
        let dir = std::env::temp_dir().join(format!(
            "article-sync-weed-{}-{}",
            std::process::id(),
            free_ports(1)?[0]
        ));
        let io = |what: &str, e: std::io::Error| format!("SeaweedFS: {what}: {e}");
        std::fs::create_dir_all(dir.join("data")).map_err(|e| io("a data folder", e))?;
        let config = dir.join("s3.json");
        let identities = format!(
            r#"{{"identities": [
  {{"name": "publisher", "credentials": [{{"accessKey": "{ACCESS_KEY}", "secretKey": "{SECRET_KEY}"}}],
   "actions": ["Admin", "Read", "List", "Write", "Tagging"]}},
  {{"name": "anonymous", "actions": ["Read:{bucket}"]}}
]}}"#
        );
        std::fs::write(&config, identities).map_err(|e| io("its identities", e))?;
        let p = free_ports(8)?;
        let log = std::fs::File::create(dir.join("weed.log")).map_err(|e| io("its log", e))?;
        let child = Command::new(weed)
            .arg("server")
            .arg(format!("-dir={}", dir.join("data").display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg(format!("-master.port={}", p[0]))
            .arg(format!("-master.port.grpc={}", p[1]))
            .arg(format!("-volume.port={}", p[2]))
            .arg(format!("-volume.port.grpc={}", p[3]))
            .arg("-filer")
            .arg(format!("-filer.port={}", p[4]))
            .arg(format!("-filer.port.grpc={}", p[5]))
            .arg("-s3")
            .arg(format!("-s3.port={}", p[6]))
            .arg(format!("-s3.port.grpc={}", p[7]))
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false"])
            .arg(format!("-s3.config={}", config.display()))
            .args(["-master.volumeSizeLimitMB=64", "-volume.max=100"])
            .arg("-volume.preStopSeconds=0")
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| io("its log", e))?)
            .stderr(log)
            .spawn()
            .map_err(|e| io("weed does not start", e))?;
        let mut weed = Seaweed {
            child,
            dir,
            s3_port: p[6],
            bucket: bucket.to_string(),
        };
        // Ready when the filer takes a file in the bucket's folder (the bucket is created and
        // its first volumes grown, which takes seconds), then the S3 gateway answers.
        let filer = p[4];
        let deadline = Instant::now() + Duration::from_secs(60);
        let warm = format!("/buckets/{bucket}/.warm-up");
        while request(filer, "PUT", &warm, b"x") != Some(201) {
            weed.running(deadline)?;
            std::thread::sleep(Duration::from_millis(100));
        }
        request(filer, "DELETE", &warm, b"");
        while request(weed.s3_port, "GET", &format!("/{bucket}/none"), b"") != Some(404) {
            weed.running(deadline)?;
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(weed)
    }

    /// The S3 endpoint (`http://127.0.0.1:port`).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port)
    }

    /// The anonymous HTTP URL of `prefix` in the bucket, ending in `/`: a mirror's base URL.
    pub fn public_url(&self, prefix: &str) -> String {
        format!("{}/{}/{prefix}/", self.endpoint(), self.bucket)
    }

    /// The environment a publisher's `s3://` target reads (`object_store`'s `AWS_*`).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// The options of an `s3://<bucket>/…` target that publishes here (`object_store`'s keys).
    pub fn target_options(&self) -> BTreeMap<String, String> {
        [
            ("endpoint", self.endpoint()),
            ("access_key_id", ACCESS_KEY.into()),
            ("secret_access_key", SECRET_KEY.into()),
            ("region", "us-east-1".into()),
            ("allow_http", "true".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// An error with the end of its log when SeaweedFS exited or `deadline` passed.
    fn running(&mut self, deadline: Instant) -> Result<(), String> {
        let exited = self.child.try_wait().ok().flatten();
        if exited.is_none() && Instant::now() < deadline {
            return Ok(());
        }
        let log = std::fs::read_to_string(self.dir.join("weed.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        Err(format!(
            "SeaweedFS did not start ({exited:?}); the end of its log:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ))
    }
}

impl Drop for Seaweed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `weed` on `PATH` or in the install script's folder, or an error saying how to get it.
fn find_weed() -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    let installed = cache.map(|c| c.join("article-sync/go-servers/bin"));
    std::env::split_paths(&path)
        .chain(installed)
        .map(|dir| dir.join("weed"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "`weed` (SeaweedFS) is not on PATH: run scripts/install-go-servers.sh and put the \
             folder `scripts/install-go-servers.sh --dir` prints on PATH (scripts/test.sh does)"
                .to_string()
        })
}

/// `n` loopback ports free a moment ago.
fn free_ports(n: usize) -> Result<Vec<u16>, String> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("no free port: {e}"))?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("no free port: {e}"))
}

/// The status of a plain HTTP/1.1 request to a loopback port, or `None` when it fails.
fn request(port: u16, method: &str, path: &str, body: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .ok()?;
    stream.write_all(body).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let line = String::from_utf8_lossy(&raw);
    line.split(' ').nth(1)?.parse().ok()
}
