//! Object-store targets through the `object_store` crate: `s3://bucket/prefix` (AWS and every
//! S3-compatible store), `gs://bucket/prefix` (Google Cloud Storage) and
//! `az://container/prefix` (Azure Blob Storage).
//!
//! Settings come from the environment as `object_store` reads it (`AWS_*`, `GOOGLE_*`,
//! `AZURE_*`, e.g. `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP`), then from the target's options (the same keys,
//! e.g. `endpoint`, `region`, `access_key_id`, `allow_http`), which win. The bucket comes from
//! the URL, and every path of the tree is stored under the URL's prefix with its
//! `Content-Type` and `Cache-Control`.
//!
//! A target runs its own small tokio runtime and blocks on it, so it is called from plain
//! threads (never from inside an async runtime) and must not be dropped inside one.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpRequest, HttpResponse, HttpService,
};
use object_store::path::Path as StorePath;
use object_store::{
    Attribute, Attributes, ClientConfigKey, ClientOptions, ObjectStore, ObjectStoreExt, PutOptions,
    PutPayload,
};

use super::{Held, Target, TargetError, TargetOptions};
use crate::publish::serving::FileHeaders;

/// A bucket (or container) and a prefix in it.
pub struct BucketTarget {
    url: String,
    store: Arc<dyn ObjectStore>,
    /// Where the tree's root is in the bucket (`""` for the bucket's root).
    prefix: String,
    requests: Arc<AtomicU64>,
    runtime: tokio::runtime::Runtime,
}

impl BucketTarget {
    /// The target of an `s3://`, `gs://` or `az://` URL with `options` over the environment's
    /// settings. Nothing is sent yet.
    pub fn open(url: &str, options: &TargetOptions) -> Result<BucketTarget, TargetError> {
        let bad = |problem: String| TargetError::Failed {
            target: url.into(),
            problem,
        };
        let parsed = url::Url::parse(url).map_err(|_| TargetError::Unsupported(url.into()))?;
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(bad("the URL names no bucket".into()));
        }
        let prefix = parsed.path().trim_matches('/').to_string();
        let requests = Arc::new(AtomicU64::new(0));
        let connector = Connector {
            requests: requests.clone(),
        };
        // The same steps for each store's builder (they share no trait).
        macro_rules! build {
            ($builder:expr) => {{
                let mut b = $builder.with_url(url);
                for (key, value) in options {
                    let key = key
                        .parse()
                        .map_err(|_| bad(format!("unknown option {key:?}")))?;
                    b = b.with_config(key, value);
                }
                let store = b.with_http_connector(connector).build();
                Arc::new(store.map_err(|e| bad(e.to_string()))?)
            }};
        }
        let store: Arc<dyn ObjectStore> = match parsed.scheme() {
            "s3" => build!(object_store::aws::AmazonS3Builder::from_env()),
            "gs" => build!(object_store::gcp::GoogleCloudStorageBuilder::from_env()),
            "az" => build!(object_store::azure::MicrosoftAzureBuilder::from_env()),
            _ => return Err(TargetError::Unsupported(url.into())),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("bucket-target")
            .enable_all()
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(BucketTarget {
            url: url.into(),
            store,
            prefix,
            requests,
            runtime,
        })
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn location(&self, path: &str) -> StorePath {
        if self.prefix.is_empty() {
            StorePath::from(path)
        } else {
            StorePath::from(format!("{}/{path}", self.prefix))
        }
    }

    fn fail(&self, path: &str, e: impl std::fmt::Display) -> TargetError {
        TargetError::Failed {
            target: self.url.clone(),
            problem: format!("{path}: {e}"),
        }
    }
}

impl Target for BucketTarget {
    fn url(&self) -> &str {
        &self.url
    }

    fn has(&self, path: &str) -> Result<bool, TargetError> {
        match self.runtime.block_on(self.store.head(&self.location(path))) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.fail(path, e)),
        }
    }

    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, TargetError> {
        let location = self.location(path);
        let got = self.runtime.block_on(async {
            match self.store.get(&location).await {
                Ok(got) => got.bytes().await.map(Some),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        });
        got.map(|b| b.map(|b| b.to_vec()))
            .map_err(|e| self.fail(path, e))
    }

    fn put(&self, path: &str, bytes: &[u8], headers: FileHeaders) -> Result<(), TargetError> {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, headers.content_type.into());
        attributes.insert(Attribute::CacheControl, headers.cache_control.into());
        let opts = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        let payload = PutPayload::from(bytes.to_vec());
        self.runtime
            .block_on(self.store.put_opts(&self.location(path), payload, opts))
            .map(|_| ())
            .map_err(|e| self.fail(path, e))
    }

    /// One listing of the prefix (a request per 1,000 objects on S3).
    fn list(&self, _paths: &[String]) -> Result<HashMap<String, Held>, TargetError> {
        let prefix = (!self.prefix.is_empty()).then(|| StorePath::from(self.prefix.as_str()));
        let objects: Vec<_> = self
            .runtime
            .block_on(self.store.list(prefix.as_ref()).try_collect())
            .map_err(|e| self.fail("(listing)", e))?;
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        Ok(objects
            .into_iter()
            .filter_map(|meta| {
                let path = meta.location.as_ref().strip_prefix(&strip)?.to_string();
                let held = Held {
                    size: Some(meta.size),
                    md5: meta.e_tag.as_deref().and_then(md5_of_etag),
                };
                Some((path, held))
            })
            .collect())
    }
}

/// The MD5 an ETag is, when it has that shape (32 hex digits, quoted or not): what S3 gives
/// for a single-part upload. An ETag of another shape tells nothing.
fn md5_of_etag(etag: &str) -> Option<[u8; 16]> {
    let hex_digits = etag.trim_start_matches("W/").trim_matches('"');
    let mut md5 = [0u8; 16];
    hex::decode_to_slice(hex_digits, &mut md5).ok()?;
    Some(md5)
}

/// The HTTP client of object stores: our reqwest set-up (rustls with ring, webpki roots), the
/// requests counted.
#[derive(Debug)]
struct Connector {
    requests: Arc<AtomicU64>,
}

impl HttpConnector for Connector {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        let generic = |e: String| object_store::Error::Generic {
            store: "HTTP client",
            source: e.into(),
        };
        let allow_http = options
            .get_config_value(&ClientConfigKey::AllowHttp)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let tls = crate::net::tls_config(true, &[]).map_err(|e| generic(e.to_string()))?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .https_only(!allow_http)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| generic(e.to_string()))?;
        Ok(HttpClient::new(Counted {
            client,
            requests: self.requests.clone(),
        }))
    }
}

#[derive(Debug)]
struct Counted {
    client: reqwest::Client,
    requests: Arc<AtomicU64>,
}

#[async_trait::async_trait]
impl HttpService for Counted {
    async fn call(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.client.call(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_md5_shaped_etags_tell_the_bytes() {
        let md5 = "5d41402abc4b2a76b9719d911017c592";
        assert!(md5_of_etag(&format!("\"{md5}\"")).is_some());
        assert!(md5_of_etag(md5).is_some());
        assert_eq!(md5_of_etag(&format!("\"{md5}-2\"")), None, "multipart");
        assert_eq!(md5_of_etag("\"0x8D9C3D2E1F0A1B2\""), None, "Azure");
        assert_eq!(md5_of_etag(""), None);
    }

    #[test]
    fn a_bad_option_or_url_is_a_typed_error() {
        let mut options = TargetOptions::new();
        options.insert("no_such_option".into(), "x".into());
        assert!(matches!(
            BucketTarget::open("s3://bucket/fa", &options),
            Err(TargetError::Failed { .. })
        ));
        assert!(matches!(
            BucketTarget::open("s3:///fa", &TargetOptions::new()),
            Err(TargetError::Failed { .. })
        ));
    }

    #[test]
    fn the_prefix_is_the_urls_path() {
        let mut options = TargetOptions::new();
        options.insert("region".into(), "us-east-1".into());
        let t = BucketTarget::open("s3://bucket/mirrors/fa/", &options).unwrap();
        assert_eq!(t.location("log/x").as_ref(), "mirrors/fa/log/x");
        let t = BucketTarget::open("s3://bucket", &options).unwrap();
        assert_eq!(t.location("head").as_ref(), "head");
    }
}
