//! Delivering the outbox: every `waiting` comment is sealed once to the publisher's comment key
//! (from the trusted root) and posted to the comment endpoints of the signed mirror list,
//! raced like the tree's routes, until one answers.
//!
//! An endpoint's answer: `202` (or `200`) with the delivery key: `sent`. `400`/`413`/`422`: the
//! inbox refuses the comment itself (its problem+json names the field): `rejected`, with that
//! reason. Anything else, `429` included, is a failure of that endpoint (the next is tried,
//! and it backs off); the comment stays `waiting` for the next sync. Delivery is idempotent, so
//! a repeat after a lost answer or a killed app arrives once.

use std::sync::Arc;

use serde::Deserialize;

use super::envelope::{self, CommentDraft, CommentKey, DeviceKey};
use crate::net::{Connectivity, FailureKind, FetchError, Route};
use crate::store::{OutboxItem, Store, StoreError};

/// The path endpoints take comments at, under their base URL.
pub const COMMENTS_PATH: &str = "comments";
/// The content type of a sealed envelope.
pub const ENVELOPE_TYPE: &str = "application/octet-stream";
/// Longest endpoint answer read.
const ANSWER_MAX: u64 = 16 * 1024;

/// What one delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Comments an endpoint took in this run.
    pub sent: u64,
    /// Comments the inbox refused outright.
    pub refused: u64,
    /// Comments still waiting afterwards.
    pub waiting: u64,
}

/// The `202` body of an inbox (and so of a relay).
#[derive(Deserialize)]
struct Accepted {
    key: String,
}

/// An RFC 9457 problem, as the inbox writes it.
#[derive(Deserialize)]
struct Problem {
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

enum Answered {
    Taken,
    Refused(String),
}

/// Delivers every waiting comment it can (see the module). Stops at the first comment no
/// endpoint took: the others would meet the same endpoints.
pub async fn deliver(store: &Arc<Store>, net: &Connectivity) -> Result<Delivery, StoreError> {
    let waiting = blocking(store, |s| s.waiting_comments()).await?;
    let mut delivery = Delivery {
        waiting: waiting.len() as u64,
        ..Delivery::default()
    };
    if waiting.is_empty() {
        return Ok(delivery);
    }
    let endpoints = blocking(store, |s| s.comment_endpoints()).await?;
    let comment_key = blocking(store, |s| s.sync_position())
        .await?
        .root
        .comment_key
        .as_deref()
        .and_then(CommentKey::parse);
    let device = DeviceKey::from_bytes(&blocking(store, |s| s.device_key()).await?);
    for (item, envelope) in waiting {
        let unreachable = if endpoints.is_empty() {
            Some("the publisher has named no comment endpoint yet")
        } else if envelope.is_none() && comment_key.is_none() {
            Some("the publisher has published no comment key yet")
        } else {
            None
        };
        if let Some(why) = unreachable {
            let id = item.id;
            blocking(store, move |s| s.mark_comment_failed(id, why)).await?;
            break;
        }
        let envelope = match envelope {
            Some(bytes) => bytes,
            None => {
                let key = comment_key.as_ref().expect("checked above");
                let sealed = envelope::seal(&draft(&item), &device, key);
                let id = item.id;
                blocking(store, move |s| {
                    s.seal_comment(id, &sealed.bytes, &sealed.delivery_key)
                })
                .await?
            }
        };
        let key = envelope::delivery_key(&envelope);
        let result = net
            .race_endpoints(&endpoints, COMMENTS_PATH, |route| {
                post(net, route, envelope.clone(), key.clone())
            })
            .await;
        let id = item.id;
        match result {
            Ok(won) => {
                let route = won.route.id().to_string();
                match won.value {
                    Answered::Taken => {
                        blocking(store, move |s| s.mark_comment_sent(id, &route)).await?;
                        delivery.sent += 1;
                    }
                    Answered::Refused(reason) => {
                        blocking(store, move |s| s.mark_comment_refused(id, &reason)).await?;
                        delivery.refused += 1;
                    }
                }
                delivery.waiting -= 1;
            }
            Err(lost) => {
                let why = lost
                    .attempts
                    .iter()
                    .find_map(|a| match &a.outcome {
                        crate::net::Outcome::Failed { detail, .. } => Some(detail.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| "no comment endpoint answered".into());
                blocking(store, move |s| s.mark_comment_failed(id, &why)).await?;
                break;
            }
        }
    }
    Ok(delivery)
}

fn draft(item: &OutboxItem) -> CommentDraft {
    CommentDraft {
        article_id: item.article_id.clone(),
        author: item.author.clone(),
        text: item.body.clone(),
        client_time: item.created_at,
        nonce: envelope::nonce(),
    }
}

async fn post(
    net: &Connectivity,
    route: Route,
    envelope: Vec<u8>,
    key: String,
) -> Result<Answered, FetchError> {
    let answer = net
        .client()
        .post(&route, COMMENTS_PATH, ENVELOPE_TYPE, envelope, ANSWER_MAX)
        .await?;
    match answer.status {
        200 | 202 => match serde_json::from_slice::<Accepted>(&answer.body) {
            Ok(a) if a.key == key => Ok(Answered::Taken),
            _ => Err(FetchError::new(
                FailureKind::Verification,
                "the endpoint answered 202 without this comment's delivery key",
            )),
        },
        400 | 413 | 422 => {
            let problem: Option<Problem> = serde_json::from_slice(&answer.body).ok();
            let (field, detail) = problem.map(|p| (p.field, p.detail)).unwrap_or_default();
            let reason = match (field, detail) {
                (Some(f), Some(d)) => format!("{f}: {d}"),
                (None, Some(d)) => d,
                (Some(f), None) => format!("{f}: refused"),
                (None, None) => format!("refused with HTTP {}", answer.status),
            };
            Ok(Answered::Refused(
                reason
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(300)
                    .collect(),
            ))
        }
        status => Err(FetchError::new(
            FailureKind::HttpStatus,
            match answer.retry_after {
                Some(secs) => format!("HTTP {status}, retry after {secs} s"),
                None => format!("HTTP {status}"),
            },
        )),
    }
}

/// Runs a store call off the async threads.
async fn blocking<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .unwrap_or_else(|e| {
            Err(StoreError::Invalid {
                what: "delivery task".into(),
                detail: e.to_string(),
            })
        })
}
