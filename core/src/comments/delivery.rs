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
use crate::store::{CarriedOutcome, OutboxItem, Store, StoreError};

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

/// Delivers every waiting comment it can (see the module), then the envelopes carried for
/// other readers. Stops at the first comment no endpoint took: the others would meet the same
/// endpoints. The counts include carried envelopes.
pub async fn deliver(store: &Arc<Store>, net: &Connectivity) -> Result<Delivery, StoreError> {
    let waiting = store.blocking(|s| s.waiting_comments()).await?;
    let carried = store.blocking(|s| s.carried_envelopes()).await?;
    let mut delivery = Delivery {
        waiting: (waiting.len() + carried.len()) as u64,
        ..Delivery::default()
    };
    let endpoints = store.blocking(|s| s.comment_endpoints()).await?;
    let comment_key = store.blocking(publisher_comment_key).await?;
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
            store
                .blocking(move |s| s.mark_comment_failed(id, why))
                .await?;
            return Ok(delivery);
        }
        let envelope = match envelope {
            Some(bytes) => bytes,
            None => {
                let (key, item) = (comment_key.clone().expect("checked above"), item.clone());
                store.blocking(move |s| seal_once(s, &item, &key)).await?
            }
        };
        let id = item.id;
        match race(net, &endpoints, envelope).await {
            Ok(won) => {
                let route = won.route.id().to_string();
                match won.value {
                    Answered::Taken => {
                        store
                            .blocking(move |s| s.mark_comment_sent(id, &route))
                            .await?;
                        delivery.sent += 1;
                    }
                    Answered::Refused(reason) => {
                        store
                            .blocking(move |s| s.mark_comment_refused(id, &reason))
                            .await?;
                        delivery.refused += 1;
                    }
                }
                delivery.waiting -= 1;
            }
            Err(lost) => {
                let why = failure(&lost);
                store
                    .blocking(move |s| s.mark_comment_failed(id, &why))
                    .await?;
                return Ok(delivery);
            }
        }
    }
    deliver_carried(store, net, &endpoints, carried, &mut delivery).await?;
    Ok(delivery)
}

/// Delivers the envelopes this reader carries for others (see [`super::carry`]) once its own
/// outbox is empty, until an endpoint fails.
async fn deliver_carried(
    store: &Arc<Store>,
    net: &Connectivity,
    endpoints: &[String],
    carried: Vec<(String, Vec<u8>)>,
    delivery: &mut Delivery,
) -> Result<(), StoreError> {
    if endpoints.is_empty() {
        return Ok(());
    }
    for (key, envelope) in carried {
        let (outcome, stop) = match race(net, endpoints, envelope).await {
            Ok(won) => match won.value {
                Answered::Taken => {
                    delivery.sent += 1;
                    (CarriedOutcome::Sent, false)
                }
                Answered::Refused(_) => {
                    delivery.refused += 1;
                    (CarriedOutcome::Refused, false)
                }
            },
            Err(lost) => (CarriedOutcome::Failed(failure(&lost)), true),
        };
        if !stop {
            delivery.waiting -= 1;
        }
        store
            .blocking(move |s| s.mark_carried(&key, &outcome))
            .await?;
        if stop {
            break;
        }
    }
    Ok(())
}

/// The publisher's comment key, as the reader's trusted root names it (none before the
/// first sync or when the publisher takes no comments).
pub(crate) fn publisher_comment_key(store: &Store) -> Result<Option<CommentKey>, StoreError> {
    Ok(store
        .sync_position()?
        .root
        .comment_key
        .as_deref()
        .and_then(CommentKey::parse))
}

/// Item's sealed envelope: sealed now to `key` by this install's device key, kept once
/// whatever races it (the envelope another caller kept first is returned).
pub(crate) fn seal_once(
    store: &Store,
    item: &OutboxItem,
    key: &CommentKey,
) -> Result<Vec<u8>, StoreError> {
    let device = DeviceKey::from_bytes(&store.device_key()?);
    let sealed = envelope::seal(&draft(item), &device, key);
    store.seal_comment(item.id, &sealed.bytes, &sealed.delivery_key)
}

/// Posts `envelope` to the endpoints, raced, until one answers.
async fn race(
    net: &Connectivity,
    endpoints: &[String],
    envelope: Vec<u8>,
) -> Result<crate::net::Won<Answered>, crate::net::Lost> {
    let key = envelope::delivery_key(&envelope);
    net.race_endpoints(endpoints, COMMENTS_PATH, |route| {
        post(net, route, envelope.clone(), key.clone())
    })
    .await
}

/// Why no endpoint took an envelope.
fn failure(lost: &crate::net::Lost) -> String {
    lost.attempts
        .iter()
        .find_map(|a| match &a.outcome {
            crate::net::Outcome::Failed { detail, .. } => Some(detail.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "no comment endpoint answered".into())
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
