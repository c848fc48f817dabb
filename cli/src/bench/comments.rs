//! What comments cost: the size of a sealed envelope, the time to deliver one through a relay
//! to the inbox on loopback (the inbox's durable write included), and the bytes a receipt adds
//! to an incremental sync (in a compressed log file). Size-independent rows.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use article_sync_core::comments::envelope::{self, CommentDraft, DeviceKey};
use article_sync_core::comments::inbox::Inbox;
use article_sync_core::comments::{CommentSecret, delivery};
use article_sync_core::format::head::TreeFormat;
use article_sync_core::format::log::LogFileBuilder;
use article_sync_core::format::note::SecretKey;
use article_sync_core::format::{Change, Entry, Receipt, ReceiptStatus};
use article_sync_core::net::{NetConfig, Route, RouteSource};

use super::BenchError;
use crate::comments::{inbox, relay};

/// Deliveries timed.
const DELIVERIES: usize = 30;
/// Receipts in the measured log file.
const RECEIPTS: usize = 100;

/// The measured costs.
#[derive(Debug, Clone)]
pub struct CommentCosts {
    /// A typical comment (a few sentences, 300 characters of Persian), sealed.
    pub envelope_bytes: u64,
    /// The longest comment the rules allow (4,000 characters), sealed.
    pub longest_envelope_bytes: u64,
    /// Each delivery's time, reader → relay → inbox and back, in milliseconds.
    pub delivery_ms: Vec<f64>,
    /// Compressed log bytes per receipt.
    pub receipt_bytes: f64,
}

fn draft(text: String) -> CommentDraft {
    CommentDraft {
        article_id: "russia-ready-military-cooperation-syria".into(),
        author: "مریم رضایی".into(),
        text,
        client_time: chrono::Utc::now().timestamp(),
        nonce: envelope::nonce(),
    }
}

fn typical_text() -> String {
    let sentence = "این گزارش به روشنی نشان می‌دهد که گفت‌وگوها ادامه دارد. ";
    sentence.chars().cycle().take(300).collect()
}

pub async fn measure(scratch: &std::path::Path) -> Result<CommentCosts, BenchError> {
    let publisher = SecretKey::generate();
    let secret = CommentSecret::derive(&publisher);
    let key = secret.public();
    let device = DeviceKey::generate();
    let seal = |text: String| envelope::seal(&draft(text), &device, &key).bytes;
    let envelope_bytes = seal(typical_text()).len() as u64;
    let longest_envelope_bytes = seal("ن".repeat(4_000)).len() as u64;

    std::fs::create_dir_all(scratch).map_err(|e| BenchError::io(scratch, e))?;
    let db = scratch.join("inbox.db");
    let _ = std::fs::remove_file(&db);
    let inbox = Arc::new(Inbox::open(&db, vec![secret]).map_err(|e| BenchError::io(&db, e))?);
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let limits = inbox::Limits {
        per_device: u32::MAX,
        per_address: u32::MAX,
        window: Duration::from_secs(3600),
    };
    let server = |e: anyhow::Error| BenchError::Server(e.to_string());
    let inbox_listener = inbox::start(inbox, limits, loopback, None)
        .await
        .map_err(server)?;
    let to = inbox_listener
        .url()
        .parse()
        .map_err(|e: url::ParseError| BenchError::Server(e.to_string()))?;
    let relay_listener = relay::start(to, loopback, &[]).await.map_err(server)?;
    let client = article_sync_core::net::HttpClient::new(Arc::new(NetConfig::default()))
        .map_err(|e| BenchError::Server(e.to_string()))?;
    let route = Route::parse(&relay_listener.url(), RouteSource::MirrorList)
        .map_err(|e| BenchError::Server(e.to_string()))?;
    let mut delivery_ms = Vec::with_capacity(DELIVERIES);
    for _ in 0..DELIVERIES {
        let body = seal(typical_text());
        let started = Instant::now();
        let answer = client
            .post(
                &route,
                delivery::COMMENTS_PATH,
                delivery::ENVELOPE_TYPE,
                body,
                16 * 1024,
            )
            .await
            .map_err(|e| BenchError::Server(e.to_string()))?;
        if answer.status != 202 {
            return Err(BenchError::Server(format!(
                "the inbox answered {}",
                answer.status
            )));
        }
        delivery_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }

    let mut log = LogFileBuilder::new(0, 1, [0; 32]);
    for i in 0..RECEIPTS {
        log.push(&Entry {
            seq: 1 + i as u64,
            change: Change::Receipt {
                receipt: Receipt {
                    key: envelope::delivery_key(&seal(format!("{i}"))),
                    status: ReceiptStatus::Published,
                    reason: None,
                },
            },
        });
    }
    let (_, bytes) = log.finish(TreeFormat::CURRENT.codec());
    Ok(CommentCosts {
        envelope_bytes,
        longest_envelope_bytes,
        delivery_ms,
        receipt_bytes: bytes.len() as f64 / RECEIPTS as f64,
    })
}
