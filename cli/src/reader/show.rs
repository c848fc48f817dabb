//! What the reader commands print: the JSON shapes of the script contract and their text forms.

use serde_json::{Value, json};

use article_sync_core::net::{
    Attempt, ConnectionState, Outcome, ProbeResult, RouteHealth, banner_text,
};
use article_sync_core::store::{ArticleSummary, ArticleView, OutboxItem, SearchHit};

use crate::text;

/// The connection object of `sync` and `status`: `state`, `banner`, `route`, `evidence` (the
/// failed attempts: url, source, kind, detail, path, at, remembered), `attempts` (all of them),
/// `probes`, `checked_at`.
pub fn connection_json(state: &ConnectionState, route: Option<&str>) -> Value {
    let (fa, en) = banner_text(state);
    let evidence = state.evidence();
    let attempts: Vec<&Attempt> = evidence
        .map(|e| e.attempts.iter().collect())
        .unwrap_or_default();
    json!({
        "state": state.name(),
        "banner": { "fa": fa, "en": en },
        "route": route,
        "evidence": attempts.iter().filter_map(|a| failure_json(a)).collect::<Vec<_>>(),
        "attempts": attempts.iter().map(|a| attempt_json(a)).collect::<Vec<_>>(),
        "probes": evidence.map(|e| e.probes.iter().map(probe_json).collect::<Vec<_>>()).unwrap_or_default(),
        "network_available": evidence.map(|e| e.network_available),
        "checked_at": evidence.map(|e| e.checked_at),
    })
}

fn failure_json(a: &Attempt) -> Option<Value> {
    match &a.outcome {
        Outcome::Failed { kind, detail } => Some(json!({
            "url": a.url,
            "source": a.source.as_str(),
            "kind": kind.as_str(),
            "detail": detail,
            "path": a.path,
            "at": a.at,
            "remembered": a.remembered,
        })),
        _ => None,
    }
}

fn attempt_json(a: &Attempt) -> Value {
    let (outcome, extra) = match &a.outcome {
        Outcome::Ok { latency_ms } => ("ok", json!({ "latency_ms": latency_ms })),
        Outcome::Failed { kind, detail } => {
            ("failed", json!({ "kind": kind.as_str(), "detail": detail }))
        }
        Outcome::Cancelled {
            after_ms,
            overtaken,
        } => (
            "cancelled",
            json!({ "after_ms": after_ms, "overtaken": overtaken }),
        ),
    };
    let mut v = json!({
        "url": a.url,
        "source": a.source.as_str(),
        "path": a.path,
        "at": a.at,
        "remembered": a.remembered,
        "outcome": outcome,
    });
    if let (Some(obj), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        obj.extend(extra.clone());
    }
    v
}

fn probe_json(p: &ProbeResult) -> Value {
    json!({
        "url": p.url,
        "scope": match p.scope {
            article_sync_core::net::ProbeScope::International => "international",
            article_sync_core::net::ProbeScope::Domestic => "domestic",
        },
        "answered": p.answered(),
        "status": p.status,
        "kind": p.failure.map(|k| k.as_str()),
        "detail": p.detail,
    })
}

/// One line per attempt and probe, for `-v` and the text output.
pub fn evidence_lines(state: &ConnectionState) -> Vec<String> {
    let Some(e) = state.evidence() else {
        return vec!["no evidence: no sync has run".into()];
    };
    let mut lines: Vec<String> = e
        .attempts
        .iter()
        .map(|a| {
            let what = match &a.outcome {
                Outcome::Ok { latency_ms } => format!("ok in {latency_ms} ms"),
                Outcome::Failed { kind, detail } => format!("{}: {detail}", kind.as_str()),
                Outcome::Cancelled { after_ms, .. } => {
                    format!("cancelled after {after_ms} ms (another route won)")
                }
            };
            let remembered = if a.remembered { " (remembered)" } else { "" };
            format!("{} {}{remembered}: {what}", a.source.as_str(), a.url)
        })
        .collect();
    lines.extend(e.probes.iter().map(|p| {
        let scope = match p.scope {
            article_sync_core::net::ProbeScope::International => "international probe",
            article_sync_core::net::ProbeScope::Domestic => "domestic probe",
        };
        let what = match (p.status, p.failure) {
            (Some(s), _) => format!("answered HTTP {s}"),
            (None, Some(k)) => format!("{}: {}", k.as_str(), p.detail),
            (None, None) => p.detail.clone(),
        };
        format!("{scope} {}: {what}", p.url)
    }));
    lines
}

/// The banner in both languages, Persian on a line of its own.
pub fn banner_lines(state: &ConnectionState) -> [String; 2] {
    let (fa, en) = banner_text(state);
    [fa.to_string(), format!("{en} ({})", state.name())]
}

pub fn summary_json(a: &ArticleSummary) -> Value {
    json!({
        "id": a.id,
        "title": a.title,
        "summary": a.summary,
        "author": a.author,
        "language": a.language,
        "published_at": a.published_at,
        "updated_at": a.updated_at,
        "tags": a.tags,
        "url": a.url,
        "has_body": a.has_body,
        "evicted": a.evicted,
        "read": a.reader.read_at.is_some(),
        "bookmarked": a.reader.bookmarked_at.is_some(),
    })
}

/// `list` in text: date and id first, then the title on the same line.
pub fn summary_line(a: &ArticleSummary) -> String {
    let mark = match (a.reader.bookmarked_at.is_some(), a.reader.read_at.is_some()) {
        (true, _) => '★',
        (false, false) => '•',
        (false, true) => ' ',
    };
    format!(
        "{mark} {}  {}\n    {}",
        text::date(a.published_at),
        a.id,
        a.title
    )
}

pub fn hit_json(h: &SearchHit) -> Value {
    let mut v = summary_json(&h.article);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("title_marked".into(), json!(h.title));
        obj.insert("snippet".into(), json!(h.snippet));
        obj.insert("rank".into(), json!(h.rank));
    }
    v
}

pub fn article_json(v: &ArticleView) -> Value {
    let a = &v.article;
    json!({
        "id": a.id,
        "revision": a.revision,
        "title": a.title,
        "summary": a.summary,
        "author": a.author,
        "language": a.language,
        "published_at": a.published_at,
        "updated_at": a.updated_at,
        "tags": a.tags,
        "url": a.url,
        "body": text::body_text(&a.body_html),
        "body_html": a.body_html,
        "has_body": v.has_body,
        "evicted": v.evicted,
        "lead_image": a.lead_image.as_ref().map(|m| json!({
            "hash": m.hash, "mime": m.mime, "size": m.size, "caption": m.caption,
        })),
        "comments": v.comments.iter().map(|c| json!({
            "id": c.id, "author": c.author, "body": c.body, "posted_at": c.posted_at,
        })).collect::<Vec<_>>(),
        "related": v.related.iter().map(|r| json!({"id": r.id, "title": r.title})).collect::<Vec<_>>(),
        "links": v.links.iter().map(|r| json!({"id": r.id, "title": r.title})).collect::<Vec<_>>(),
        "bookmarked": v.reader.bookmarked_at.is_some(),
    })
}

/// `read` in text: title, date and author, tags, paragraphs, comments, related articles.
pub fn article_text(v: &ArticleView) -> String {
    let a = &v.article;
    let mut out = vec![a.title.clone()];
    let mut meta = vec![text::date(a.published_at)];
    meta.extend(a.author.clone());
    out.push(meta.join(" · "));
    if !a.tags.is_empty() {
        out.push(a.tags.join("، "));
    }
    out.push(String::new());
    if !a.summary.is_empty() {
        out.push(a.summary.clone());
        out.push(String::new());
    }
    if v.has_body {
        out.push(text::body_text(&a.body_html));
    } else {
        out.push(
            "(the body is not stored: the storage budget dropped it or the sync has not reached \
             it; run `article-sync sync`)"
                .into(),
        );
    }
    if let Some(img) = &a.lead_image {
        out.push(String::new());
        out.push(format!(
            "[image {} {}{}]",
            img.mime,
            text::bytes(img.size),
            img.caption
                .as_ref()
                .map(|c| format!(": {c}"))
                .unwrap_or_default()
        ));
    }
    if !v.comments.is_empty() {
        out.push(String::new());
        out.push(format!("— {} comment(s) —", v.comments.len()));
        for c in &v.comments {
            out.push(String::new());
            out.push(format!("{} · {}", c.author, text::date(c.posted_at)));
            out.push(c.body.clone());
        }
    }
    let see_also: Vec<&ArticleSummary> = v.related.iter().chain(&v.links).collect();
    if !see_also.is_empty() {
        out.push(String::new());
        out.push("— read more —".into());
        for r in see_also {
            out.push(format!("{}: {}", r.id, r.title));
        }
    }
    out.join("\n")
}

pub fn outbox_json(i: &OutboxItem) -> Value {
    json!({
        "id": i.id,
        "article_id": i.article_id,
        "author": i.author,
        "text": i.body,
        "created_at": i.created_at,
        "attempts": i.attempts,
        "last_error": i.last_error,
        "state": i.state.as_str(),
        "reason": i.reason,
        "route": i.route,
        "delivery_key": i.delivery_key,
        "sent_at": i.sent_at,
        "decided_at": i.decided_at,
    })
}

pub fn route_json(h: &RouteHealth) -> Value {
    json!({
        "url": h.url,
        "source": h.source.as_str(),
        "successes": h.successes,
        "consecutive_failures": h.consecutive_failures,
        "last_success_at": h.last_success_at,
        "last_failure_at": h.last_failure_at,
        "last_failure": h.last_failure.map(|k| k.as_str()),
        "median_latency_ms": h.median_latency_ms,
        "backoff_until": h.backoff_until,
    })
}

pub fn route_line(h: &RouteHealth) -> String {
    let last = match (h.last_success_at, h.last_failure_at) {
        (Some(s), Some(f)) if f > s => format!(
            "last failed {} ({})",
            text::date(f),
            h.last_failure.map_or("?", |k| k.as_str())
        ),
        (Some(s), _) => format!("last ok {}", text::date(s)),
        (None, Some(f)) => format!(
            "failed {} ({})",
            text::date(f),
            h.last_failure.map_or("?", |k| k.as_str())
        ),
        (None, None) => "never tried".into(),
    };
    let latency = h
        .median_latency_ms
        .map(|l| format!(", {l} ms"))
        .unwrap_or_default();
    format!("{:<11} {}  {last}{latency}", h.source.as_str(), h.url)
}

/// Prints a JSON value on stdout.
pub fn print_json(v: &Value) {
    println!("{v}");
}
