//! An IPFS target: a folder in a kubo node's MFS (its mutable file system), kept through the
//! node's HTTP API (`/api/v0/…`), and read by readers through an IPFS gateway.
//!
//! `ipfs://HOST[:PORT]/NAME?gateway=URL[&ipns=KEY]`
//!
//! - `HOST:PORT`: the node's API, reached over plain HTTP (port 5001 when omitted); like kubo's
//!   API itself, for loopback or a private network only.
//! - `NAME`: the mirror's folder in MFS (`/NAME`; one or more segments of letters, digits, `.`,
//!   `_` and `-`).
//! - `gateway`: the base URL readers fetch `/ipfs/CID/…` from (the node's own gateway, or a
//!   public path gateway such as `https://ipfs.io`).
//! - `ipns` (optional): a key of the node (`self`, or one made with `ipfs key gen KEY`) that is
//!   pointed at every new CID of the folder.
//!
//! A file is stored by adding its bytes (CIDv1, raw leaves, not pinned: the MFS folder keeps
//! them) and copying the CID into the folder, so a killed run leaves each file whole or absent.
//! What the folder holds is listed once per sub-folder (`files/ls`). Once `head` is stored,
//! [`Target::publish`] takes the folder's CID (`files/stat`): readers then use
//! `GATEWAY/ipfs/CID/`, which changes with every publish, or `GATEWAY/ipns/NAME/` once the IPNS
//! name points at the CID (`name/publish`); `head` is read back through that URL, that is
//! through the gateway. Every answer of the API and the gateway is read up to a cap.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::{Target, TargetError};
use crate::format::codec::sha256_hex;
use crate::format::layout;
use crate::format::limits::{FILE_MAX, HEAD_MAX};
use crate::publish::http::{self, Fetched, Http};
use crate::publish::serving::FileHeaders;

/// The port of kubo's API when the URL names none.
const API_PORT: u16 = 5001;
/// How long one API call may take (adding a large file; publishing an IPNS record online).
const API_TIMEOUT: Duration = Duration::from_secs(300);
/// How long reading `head` back through the gateway may take.
const GATEWAY_TIMEOUT: Duration = Duration::from_secs(60);
/// The most bytes read of an API answer in JSON (a listing of about 100,000 files).
const JSON_MAX: u64 = 32 * 1024 * 1024;
/// How long resolvers may cache the IPNS record: as long as `head` is cached.
const IPNS_TTL: &str = "1m";

/// Where an IPFS target lives, as its URL says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpfsConfig {
    /// The API's base, `http://HOST:PORT/api/v0/`.
    pub api: Url,
    /// The mirror's MFS folder, `/NAME`.
    pub folder: String,
    /// The gateway's base URL, without a trailing `/`.
    pub gateway: String,
    /// The node's key the IPNS name of the mirror belongs to.
    pub ipns_key: Option<String>,
}

impl IpfsConfig {
    /// Parses `ipfs://HOST[:PORT]/NAME?gateway=URL[&ipns=KEY]`; the error says what is wrong.
    pub fn parse(url: &str) -> Result<IpfsConfig, String> {
        let parsed = Url::parse(url).map_err(|e| e.to_string())?;
        if parsed.scheme() != "ipfs" {
            return Err("the scheme is not ipfs".into());
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("credentials in the URL are not supported".into());
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("no API host: ipfs://HOST:PORT/NAME?gateway=URL")?;
        let port = parsed.port().unwrap_or(API_PORT);
        let api = Url::parse(&format!("http://{host}:{port}/api/v0/"))
            .map_err(|e| format!("API host {host:?}: {e}"))?;
        let name = parsed.path().trim_matches('/');
        if name.is_empty() || !name.split('/').all(is_name) {
            return Err(format!(
                "the mirror's folder {name:?} must be segments of letters, digits, '.', '_', '-'"
            ));
        }
        let (mut gateway, mut ipns_key) = (None, None);
        for (key, value) in parsed.query_pairs() {
            match key.as_ref() {
                "gateway" => gateway = Some(value.into_owned()),
                "ipns" => ipns_key = Some(value.into_owned()),
                other => return Err(format!("unknown parameter {other:?} (gateway=, ipns=)")),
            }
        }
        let gateway = gateway.ok_or("gateway=URL is required: where readers fetch /ipfs/CID/")?;
        let gateway = Url::parse(&gateway)
            .ok()
            .filter(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.query().is_none()
                    && u.fragment().is_none()
            })
            .ok_or_else(|| format!("the gateway {gateway:?} is no http(s) base URL"))?;
        if let Some(key) = &ipns_key
            && !is_name(key)
        {
            return Err(format!("the IPNS key {key:?} is no key name"));
        }
        Ok(IpfsConfig {
            api,
            folder: format!("/{name}"),
            gateway: gateway.as_str().trim_end_matches('/').to_string(),
            ipns_key,
        })
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A CID or IPNS name as the node answers it (base32 or base58): safe in a URL path.
fn is_cid(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// An MFS folder on a kubo node (see the module's documentation). Its calls block on a runtime
/// of its own: use it from a blocking thread, not inside an async runtime.
pub struct IpfsTarget {
    url: String,
    config: IpfsConfig,
    http: Http,
    runtime: tokio::runtime::Runtime,
    /// The names each sub-folder holds (`""`: the folder itself), listed once, then kept up to
    /// date by [`Target::put`].
    listings: Mutex<HashMap<String, HashSet<String>>>,
    /// Sub-folders known to exist.
    folders: Mutex<HashSet<String>>,
    /// Held while the folder tree changes: uploads run in parallel, but kubo's MFS takes
    /// concurrent `files/mkdir` and `files/cp` in one tree badly (a copy beside a sibling's
    /// `mkdir` was answered "file does not exist"), so only the adds run side by side.
    changing: Mutex<()>,
    /// The URL readers use, once published; `head` is read back through it.
    published: Mutex<Option<String>>,
}

/// A failed API call: the path does not exist, or anything else.
enum ApiError {
    Missing,
    Failed(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Listing {
    #[serde(default)]
    entries: Option<Vec<Named>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Named {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Hashed {
    hash: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Message {
    message: String,
}

impl IpfsTarget {
    /// The target `url` names; nothing is sent before the first call.
    pub fn open(url: &str) -> Result<IpfsTarget, TargetError> {
        let bad = |problem: String| TargetError::BadUrl {
            target: url.into(),
            problem,
        };
        let config = IpfsConfig::parse(url).map_err(bad)?;
        let http = Http::new(GATEWAY_TIMEOUT).map_err(bad)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(IpfsTarget {
            url: url.into(),
            config,
            http,
            runtime,
            listings: Mutex::default(),
            folders: Mutex::default(),
            changing: Mutex::default(),
            published: Mutex::default(),
        })
    }

    fn fail(&self, problem: impl Into<String>) -> TargetError {
        TargetError::Failed {
            target: self.url.clone(),
            problem: problem.into(),
        }
    }

    fn api_fail(&self, e: ApiError) -> TargetError {
        match e {
            ApiError::Missing => self.fail("the node answers: file does not exist"),
            ApiError::Failed(problem) => self.fail(problem),
        }
    }

    /// The MFS path of `path` (relative to the mirror's folder; `""`: the folder).
    fn mfs(&self, path: &str) -> String {
        if path.is_empty() {
            self.config.folder.clone()
        } else {
            format!("{}/{path}", self.config.folder)
        }
    }

    /// Runs `call` to its end on the target's runtime.
    fn block<T>(&self, call: impl Future<Output = Result<T, ApiError>>) -> Result<T, TargetError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(self.fail("used inside an async runtime; upload from a blocking thread"));
        }
        self.runtime.block_on(call).map_err(|e| self.api_fail(e))
    }

    /// POSTs the API's `command` with `args` (and `file` as its one multipart file), reading at
    /// most `cap` bytes of the answer.
    async fn call(
        &self,
        command: &str,
        args: &[(&str, &str)],
        file: Option<&[u8]>,
        cap: u64,
    ) -> Result<Vec<u8>, ApiError> {
        let mut url = self
            .config
            .api
            .join(command)
            .map_err(|e| ApiError::Failed(e.to_string()))?;
        url.query_pairs_mut().extend_pairs(args);
        let mut request = self.http.client().post(url).timeout(API_TIMEOUT);
        if let Some(bytes) = file {
            let (content_type, body) = multipart(bytes);
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| ApiError::Failed(format!("{command}: {}", http::describe(e))))?;
        let status = response.status();
        let body = http::read_capped(&mut response, cap)
            .await
            .map_err(|e| ApiError::Failed(format!("{command}: {e}")))?;
        if status.is_success() {
            return Ok(body);
        }
        // kubo answers a failure as {"Message": "…", "Code": 0, "Type": "error"}.
        let message = serde_json::from_slice::<Message>(&body)
            .map(|m| m.message)
            .unwrap_or_else(|_| format!("HTTP {}", status.as_u16()));
        if message.ends_with("file does not exist") {
            Err(ApiError::Missing)
        } else {
            Err(ApiError::Failed(format!("{command}: {message}")))
        }
    }

    async fn call_json<T: for<'de> Deserialize<'de>>(
        &self,
        command: &str,
        args: &[(&str, &str)],
        file: Option<&[u8]>,
    ) -> Result<T, ApiError> {
        let body = self.call(command, args, file, JSON_MAX).await?;
        // Commands that stream (`add`) answer one JSON object a line; the last one counts.
        let last = body
            .split(|&b| b == b'\n')
            .rfind(|line| !line.iter().all(u8::is_ascii_whitespace))
            .unwrap_or_default();
        serde_json::from_slice(last)
            .map_err(|e| ApiError::Failed(format!("{command}: unexpected answer: {e}")))
    }

    /// The names `folder` holds; none when it does not exist.
    async fn list(&self, folder: &str) -> Result<HashSet<String>, ApiError> {
        let args = [("arg", self.mfs(folder))];
        match self
            .call_json::<Listing>("files/ls", &pairs(&args), None)
            .await
        {
            Ok(listing) => Ok(listing
                .entries
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.name)
                .collect()),
            Err(ApiError::Missing) => Ok(HashSet::new()),
            Err(e) => Err(e),
        }
    }

    /// Whether the mirror's folder holds `path`.
    fn holds(&self, path: &str) -> Result<bool, TargetError> {
        let (folder, name) = split(path);
        if let Some(names) = lock(&self.listings).get(folder) {
            return Ok(names.contains(name));
        }
        let names = self.block(self.list(folder))?;
        let holds = names.contains(name);
        lock(&self.listings).insert(folder.to_string(), names);
        Ok(holds)
    }

    /// Makes `folder` (and the mirror's folder) with CIDv1 unless known to exist.
    fn make_folder(&self, folder: &str) -> Result<(), TargetError> {
        if lock(&self.folders).contains(folder) {
            return Ok(());
        }
        let args = [
            ("arg", self.mfs(folder)),
            ("parents", "true".into()),
            ("cid-version", "1".into()),
        ];
        self.block(self.call("files/mkdir", &pairs(&args), None, JSON_MAX))?;
        lock(&self.folders).insert(folder.to_string());
        Ok(())
    }

    /// `head` as the gateway serves it at `mirror`.
    async fn head_through_gateway(&self, mirror: &str) -> Result<Vec<u8>, ApiError> {
        let url = format!("{mirror}{}", layout::HEAD);
        let failed = |e: String| ApiError::Failed(format!("head is not readable at {url}: {e}"));
        let parsed = Url::parse(&url).map_err(|e| failed(e.to_string()))?;
        match self
            .http
            .get(&parsed, None, HEAD_MAX)
            .await
            .map_err(failed)?
        {
            Fetched::Body { bytes, .. } => Ok(bytes),
            Fetched::NotModified => Err(failed("304 to a plain GET".into())),
        }
    }

    /// Points the folder's CID out to readers: `GATEWAY/ipfs/CID/`, or `GATEWAY/ipns/NAME/`
    /// after pointing the IPNS name at it.
    async fn mirror_url(&self) -> Result<String, ApiError> {
        let args = [("arg", self.config.folder.clone())];
        let stat: Hashed = self.call_json("files/stat", &pairs(&args), None).await?;
        let unexpected = |what: &str, value: &str| {
            ApiError::Failed(format!("the node answers {value:?} as the {what}"))
        };
        if !is_cid(&stat.hash) {
            return Err(unexpected("folder's CID", &stat.hash));
        }
        let Some(key) = &self.config.ipns_key else {
            return Ok(format!("{}/ipfs/{}/", self.config.gateway, stat.hash));
        };
        let path = format!("/ipfs/{}", stat.hash);
        let args = [
            ("arg", path.as_str()),
            ("key", key.as_str()),
            ("allow-offline", "true"),
            ("ttl", IPNS_TTL),
        ];
        let name: Named = self.call_json("name/publish", &args, None).await?;
        if !is_cid(&name.name) {
            return Err(unexpected("IPNS name", &name.name));
        }
        Ok(format!("{}/ipns/{}/", self.config.gateway, name.name))
    }
}

impl Target for IpfsTarget {
    fn url(&self) -> &str {
        &self.url
    }

    fn has(&self, path: &str) -> Result<bool, TargetError> {
        self.holds(path)
    }

    /// Reads the MFS folder; once published, `head` is read through the gateway instead.
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, TargetError> {
        if path == layout::HEAD
            && let Some(mirror) = lock(&self.published).clone()
        {
            return self.block(self.head_through_gateway(&mirror)).map(Some);
        }
        if !self.holds(path)? {
            return Ok(None);
        }
        let args = [("arg", self.mfs(path))];
        self.block(async {
            match self.call("files/read", &pairs(&args), None, FILE_MAX).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(ApiError::Missing) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    /// Adds the bytes, then copies their CID into the folder (replacing what `path` held).
    /// IPFS keeps no headers: the gateway chooses them.
    fn put(&self, path: &str, bytes: &[u8], _headers: FileHeaders) -> Result<(), TargetError> {
        let (folder, name) = split(path);
        let options = [
            ("pin", "false"),
            ("cid-version", "1"),
            ("raw-leaves", "true"),
            ("hash", "sha2-256"),
            ("quieter", "true"),
        ];
        let added: Hashed = self.block(self.call_json("add", &options, Some(bytes)))?;
        if !is_cid(&added.hash) {
            return Err(self.fail(format!("the node answers {:?} as a CID", added.hash)));
        }
        let source = format!("/ipfs/{}", added.hash);
        let args = [
            ("arg", source),
            ("arg", self.mfs(path)),
            ("force", "true".into()),
        ];
        let changing = lock(&self.changing);
        self.make_folder(folder)?;
        self.block(self.call("files/cp", &pairs(&args), None, JSON_MAX))?;
        drop(changing);
        if let Some(names) = lock(&self.listings).get_mut(folder) {
            names.insert(name.to_string());
        }
        // The folder changed: it is read from MFS again until published anew.
        *lock(&self.published) = None;
        Ok(())
    }

    fn publish(&self) -> Result<Option<String>, TargetError> {
        let mirror = self.block(self.mirror_url())?;
        *lock(&self.published) = Some(mirror.clone());
        Ok(Some(mirror))
    }
}

/// `(folder, name)` of a path relative to the mirror's folder.
fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

fn pairs<'a>(args: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    args.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A `multipart/form-data` body holding `bytes` as its one file, and its `Content-Type`.
fn multipart(bytes: &[u8]) -> (String, Vec<u8>) {
    // The bytes cannot hold a boundary made of their own hash.
    let boundary = format!("article-sync-{}", &sha256_hex(bytes)[..32]);
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipfs_url_names_the_api_the_folder_the_gateway_and_the_ipns_key() {
        let config = IpfsConfig::parse(
            "ipfs://127.0.0.1:5002/mirrors/fa?gateway=https://gw.example/base/&ipns=news-fa",
        )
        .unwrap();
        assert_eq!(
            config,
            IpfsConfig {
                api: Url::parse("http://127.0.0.1:5002/api/v0/").unwrap(),
                folder: "/mirrors/fa".into(),
                gateway: "https://gw.example/base".into(),
                ipns_key: Some("news-fa".into()),
            }
        );
        let plain = IpfsConfig::parse("ipfs://localhost/m?gateway=http://127.0.0.1:8080").unwrap();
        assert_eq!(plain.api.as_str(), "http://localhost:5001/api/v0/");
        assert_eq!(plain.ipns_key, None);
    }

    #[test]
    fn a_bad_ipfs_url_is_refused_with_the_reason() {
        for (url, reason) in [
            ("ipfs://127.0.0.1:5001/m", "gateway=URL is required"),
            ("ipfs://127.0.0.1:5001/?gateway=http://g", "folder"),
            (
                "ipfs://127.0.0.1:5001/a/%2e%2e%2fb?gateway=http://g",
                "folder",
            ),
            ("ipfs://127.0.0.1:5001/a b?gateway=http://g", "folder"),
            (
                "ipfs://127.0.0.1:5001/m?gateway=ftp://g",
                "no http(s) base URL",
            ),
            (
                "ipfs://127.0.0.1:5001/m?gateway=http://g/?x=1",
                "no http(s) base URL",
            ),
            (
                "ipfs://127.0.0.1:5001/m?gateway=http://g&ipns=a/b",
                "no key name",
            ),
            (
                "ipfs://127.0.0.1:5001/m?gateway=http://g&pin=1",
                "unknown parameter",
            ),
            (
                "ipfs://u:p@127.0.0.1:5001/m?gateway=http://g",
                "credentials",
            ),
            ("ipfs:///m?gateway=http://g", "no API host"),
        ] {
            let error = IpfsConfig::parse(url).unwrap_err();
            assert!(error.contains(reason), "{url}: {error}");
            assert!(matches!(
                super::super::open(url),
                Err(TargetError::BadUrl { .. })
            ));
        }
    }

    #[test]
    fn a_multipart_body_holds_the_bytes_between_its_boundaries() {
        let (content_type, body) = multipart(b"\x00head\r\n");
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.ends_with(&format!("\r\n\r\n\x00head\r\n\r\n--{boundary}--\r\n")));
    }
}
