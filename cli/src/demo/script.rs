//! The scripted scenarios, in the order of the story: main reachable → main reset by a censor
//! → main blackholed → a mirror tampered with → new articles published → a reader's comment
//! through the relay, approved and published → a photo from the newsroom's feed while the main
//! site and the publisher's image host are blocked → everything international cut while a
//! domestic probe answers → back to normal.

use std::time::Instant;

use article_sync_core::format::limits::HEAD_MAX;
use article_sync_core::format::{codec, layout};
use article_sync_core::net::{Attempt, FailureKind, Outcome};
use article_sync_core::reader::Reader;
use article_sync_core::store::{OutboxState, SearchOptions};

use super::report::{Row, Step, sync_step};
use super::world::{Host, PHOTO_STORY, World};
use crate::error::Failure;
use crate::serve::{Fault, PathKind};

const MAIN_BLOCKED: &str = "main_blocked_mirror";
/// How many scenarios the story has.
const SCENARIOS: usize = 9;
const SEED_ID: &str = "russia-ready-military-cooperation-syria";

/// Prints the scenario's header after waiting for the next Unix second. Route health records
/// times in whole seconds and treats a success and a failure of the same second as "good"
/// (see the report to the lead); scenarios that follow each other within a second would
/// otherwise lose the main site's latest failure.
async fn header(n: usize, title: &str, story: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let to_next = std::time::Duration::from_secs(1).saturating_sub(
        std::time::Duration::from_nanos(u64::from(now.subsec_nanos())),
    );
    tokio::time::sleep(to_next).await;
    println!(
        "\n━━ {n}/{SCENARIOS}  {title} {}",
        "━".repeat(60usize.saturating_sub(title.chars().count()))
    );
    println!("  {story}");
}

fn censor(world: &World, changes: &[(Host, Fault)]) -> Result<(), Failure> {
    for (host, fault) in changes {
        world.set_fault(*host, *fault)?;
        println!("  censor: {} → {}", host.label(), fault);
    }
    Ok(())
}

/// A row from the steps' states and the scenario's other checks.
fn row(title: &str, expected: &'static str, steps: &[&Step], problems: Vec<String>) -> Row {
    let got: Vec<&str> = steps.iter().map(|s| s.state.name()).collect();
    let mut got_names = got.clone();
    got_names.dedup();
    let states_ok = got.iter().all(|g| *g == expected);
    Row {
        title: title.into(),
        expected,
        got: got_names.join("+"),
        ok: states_ok && problems.is_empty(),
        problems,
        secs: steps.iter().map(|s| s.secs).sum(),
    }
}

fn check(problems: &mut Vec<String>, ok: bool, what: impl Into<String>) {
    if !ok {
        problems.push(what.into());
    }
}

/// Runs the scenarios and shuts the world down.
pub async fn run(mut world: World) -> Result<Vec<Row>, Failure> {
    let mut rows = Vec::new();
    let reader = world.reader("reader-a")?;

    // 1. Everything reachable: a new reader takes the snapshot from the main site.
    header(
        1,
        "Main site reachable",
        "A new reader (A) syncs for the first time; nothing is blocked.",
    )
    .await;
    let s1 = sync_step(&world, &reader, "reader A").await;
    let mut p = Vec::new();
    check(
        &mut p,
        s1.route(&world) == Some(Host::Main),
        "the main site served the head",
    );
    check(
        &mut p,
        s1.result.as_ref().is_ok_and(|r| r.used_snapshot),
        "a new reader starts from the snapshot",
    );
    offline_search(&reader, &mut p);
    rows.push(row("main site reachable", "direct", &[&s1], p));

    // 2. Main reset: the race moves on to a mirror at once.
    header(
        2,
        "Main site reset by a censor",
        "The censor resets every connection to the main site.",
    )
    .await;
    censor(&world, &[(Host::Main, Fault::Reset)])?;
    let s2 = sync_step(&world, &reader, "reader A").await;
    let mut p = Vec::new();
    let mirror = s2
        .route(&world)
        .filter(|h| matches!(h, Host::Mirror1 | Host::Mirror2));
    check(&mut p, mirror.is_some(), "a mirror served the head");
    check(
        &mut p,
        main_failed_with(&s2, &world, FailureKind::Reset),
        "the evidence names main's reset",
    );
    rows.push(row("main site reset by a censor", MAIN_BLOCKED, &[&s2], p));
    let good_mirror = mirror.unwrap_or(Host::Mirror1);

    // 3. Main blackholed: reader A goes straight to its last good mirror; a new reader B tries
    //    main first, gets silence, and a mirror wins one stagger later.
    header(
        3,
        "Main site blackholed",
        "The censor now drops the main site's packets silently. Reader A starts warm (last good mirror first); a new reader B does not know that yet.",
    )
    .await;
    censor(&world, &[(Host::Main, Fault::Blackhole)])?;
    let s3a = sync_step(&world, &reader, "reader A (warm start)").await;
    let reader_b = world.reader("reader-b")?;
    let s3b = sync_step(&world, &reader_b, "reader B (new install)").await;
    drop(reader_b);
    let mut p = Vec::new();
    check(
        &mut p,
        s3a.route(&world) == Some(good_mirror),
        "reader A went first to its last good mirror",
    );
    check(
        &mut p,
        s3a.result.as_ref().is_ok_and(|r| r.requests <= 2),
        "reader A's warm start needed no more than two requests",
    );
    check(
        &mut p,
        s3b.route(&world).is_some_and(|h| h != Host::Main),
        "reader B got the head from a mirror",
    );
    rows.push(row(
        "main site blackholed (warm and cold start)",
        MAIN_BLOCKED,
        &[&s3a, &s3b],
        p,
    ));

    // 4. The mirror the reader trusts most serves tampered files: the signed head still
    //    verifies, the log file does not, and the other mirror supplies it.
    let other_mirror = if good_mirror == Host::Mirror1 {
        Host::Mirror2
    } else {
        Host::Mirror1
    };
    header(
        4,
        "A mirror tampered with",
        "The reader's last good mirror flips bytes in the files it serves; the publisher posts a new article.",
    ).await;
    censor(&world, &[(good_mirror, Fault::Tamper)])?;
    let before = world.corpus_published();
    world.publish(1)?;
    println!("  publisher: 1 new article");
    let s4 = sync_step(&world, &reader, "reader A").await;
    let mut p = Vec::new();
    let new_id = format!("article-{before:06}");
    check(
        &mut p,
        reader.article(&new_id).ok().flatten().is_some(),
        format!("the new article {new_id} was stored"),
    );
    let tamper_caught = reader.routes().unwrap_or_default().iter().any(|h| {
        world.host_of(&h.url) == Some(good_mirror)
            && h.last_failure == Some(FailureKind::Verification)
    });
    check(
        &mut p,
        tamper_caught,
        format!(
            "{}'s tampered file was refused (verification)",
            good_mirror.label()
        ),
    );
    check(
        &mut p,
        world.stats(other_mirror).total().requests > 0,
        format!("{} supplied the file", other_mirror.label()),
    );
    if tamper_caught {
        println!(
            "  {} is marked failed (verification) and backs off; its bytes never reached the database",
            good_mirror.label()
        );
    }
    rows.push(row("a mirror tampered with", MAIN_BLOCKED, &[&s4], p));

    // 5. New articles: only the new log file travels.
    header(
        5,
        "New articles published",
        "The publisher posts five articles; the reader fetches only what is new.",
    )
    .await;
    world.publish(5)?;
    println!("  publisher: 5 new articles");
    let s5 = sync_step(&world, &reader, "reader A").await;
    let mut p = Vec::new();
    match &s5.result {
        Ok(r) => {
            check(
                &mut p,
                r.applied.articles_put == 5,
                format!("5 articles applied (got {})", r.applied.articles_put),
            );
            check(
                &mut p,
                !r.used_snapshot,
                "incremental: from the log, not the snapshot",
            );
            check(
                &mut p,
                r.requests <= 6,
                format!("a handful of requests (made {})", r.requests),
            );
        }
        Err(e) => p.push(format!("sync failed: {e}")),
    }
    rows.push(row(
        "new articles published (incremental)",
        MAIN_BLOCKED,
        &[&s5],
        p,
    ));

    // 6. A comment while main is blocked: delivered through the relay, approved, published.
    header(
        6,
        "A comment while the main site is blocked",
        "Reader A comments on the seed article; the sync delivers it sealed through the relay, the publisher approves it, and the next sync brings it back published.",
    )
    .await;
    rows.push(comment_round_trip(&mut world, &reader).await?);

    // 7. A photo whose image host is blocked: it travels in the tree, so a mirror serves it.
    header(
        7,
        "A photo while its image host is blocked",
        "The newsroom publishes a photo story from its RSS feed; the photo lives on its image host. The censor blocks the image host too (the main site is blocked already).",
    )
    .await;
    rows.push(photo_through_a_mirror(&mut world, &reader).await?);

    // 8. National shutdown: every international host is silent, a domestic host answers.
    header(
        8,
        "Everything international cut",
        "The main site, both mirrors and the international probe go silent; the domestic probe still answers.",
    ).await;
    censor(
        &world,
        &[
            (Host::Mirror1, Fault::Blackhole),
            (Host::Mirror2, Fault::Blackhole),
            (Host::Intl, Fault::Blackhole),
        ],
    )?;
    let s6 = sync_step(&world, &reader, "reader A").await;
    let mut p = Vec::new();
    check(&mut p, s6.result.is_err(), "no route gave a head");
    let stored = reader.store().counts().map(|c| c.total).unwrap_or(0);
    println!("  offline: the {stored} stored articles stay readable and searchable");
    check(&mut p, stored > 0, "stored articles stay readable");
    rows.push(row(
        "international cut, domestic answers",
        "national_shutdown",
        &[&s6],
        p,
    ));

    // 9. Back to normal: the app's own request to the main site succeeds, which lifts main's
    //    back-off, and the next sync is direct again.
    header(9, "Back to normal", "The censor lifts every block.").await;
    censor(
        &world,
        &[
            (Host::Main, Fault::None),
            (Host::Mirror1, Fault::None),
            (Host::Mirror2, Fault::None),
            (Host::Intl, Fault::None),
        ],
    )?;
    main_request(&world, &reader).await;
    let s7 = sync_step(&world, &reader, "reader A").await;
    let mut p = Vec::new();
    check(
        &mut p,
        s7.route(&world) == Some(Host::Main),
        "the main site served the head",
    );
    rows.push(row("back to normal", "direct", &[&s7], p));

    world.shutdown().await;
    Ok(rows)
}

/// Scenario 6: a comment written while the main site is blocked comes back published.
async fn comment_round_trip(world: &mut World, reader: &Reader) -> Result<Row, Failure> {
    let text = "ممنون از این گزارش؛ از پشت فیلتر می‌خوانم.";
    let mut p = Vec::new();
    if let Err(e) = reader.compose_comment(SEED_ID, "مریم", text) {
        p.push(format!("the comment was not queued: {e}"));
    }
    println!("  reader A writes a comment on the seed article (waiting in the outbox)");
    let sent = sync_step(world, reader, "reader A").await;
    let mine = || {
        reader
            .outbox()
            .unwrap_or_default()
            .into_iter()
            .find(|i| i.body == text)
    };
    let item = mine();
    check(
        &mut p,
        item.as_ref().is_some_and(|i| {
            i.state == OutboxState::Sent && i.route.as_deref() == Some(world.relay_url())
        }),
        "the sync delivered the comment through the relay",
    );
    println!(
        "  outbox: {} via {}",
        item.as_ref().map_or("missing", |i| i.state.as_str()),
        item.as_ref()
            .and_then(|i| i.route.as_deref())
            .unwrap_or("-")
    );
    let approved = world.approve_comments()?;
    world.publish(0)?;
    println!("  publisher: {approved} comment(s) approved and published with their receipts");
    let back = sync_step(world, reader, "reader A").await;
    let item = mine();
    check(
        &mut p,
        item.as_ref()
            .is_some_and(|i| i.state == OutboxState::Published),
        "the receipt marked the comment published",
    );
    let shown = reader
        .article(SEED_ID)
        .ok()
        .flatten()
        .is_some_and(|a| a.comments.iter().any(|c| c.body == text));
    check(&mut p, shown, "the comment shows under its article");
    println!(
        "  outbox: {}; under the article: {}",
        item.as_ref().map_or("missing", |i| i.state.as_str()),
        if shown { "yes" } else { "no" }
    );
    Ok(row(
        "a comment while main is blocked",
        MAIN_BLOCKED,
        &[&sent, &back],
        p,
    ))
}

/// Scenario 7: the photo of a feed item, whose image host the censor blocks, reaches the
/// reader from a mirror's `media/`, intact.
async fn photo_through_a_mirror(world: &mut World, reader: &Reader) -> Result<Row, Failure> {
    let story = world.publish_photo_story().await?;
    println!(
        "  publisher: 1 article from the feed; its photo {} ({}) is copied into the tree with a phone-sized variant",
        story.url,
        crate::text::bytes(story.original_bytes)
    );
    world
        .cdn()
        .set_fault(Fault::Reset)
        .map_err(|e| Failure::failed(format!("demo: image host: {e}")))?;
    println!("  censor: image host → reset");
    world.reset_stats();
    world.cdn().reset_stats();
    let step = sync_step(world, reader, "reader A").await;
    let mut p = Vec::new();
    let article = reader.article(PHOTO_STORY).ok().flatten();
    let lead = article.as_ref().and_then(|v| v.article.lead_image.clone());
    check(
        &mut p,
        lead.is_some(),
        "the photo story arrived with its photo",
    );
    let photo = match &lead {
        Some(lead) => reader.image(PHOTO_STORY, &lead.hash).await.ok(),
        None => None,
    };
    let intact = photo
        .as_ref()
        .zip(lead.as_ref())
        .is_some_and(|(bytes, lead)| codec::sha256_hex(bytes) == lead.hash);
    check(
        &mut p,
        intact,
        "the photo's bytes arrived and match its hash",
    );
    let mirror = [Host::Mirror1, Host::Mirror2]
        .into_iter()
        .find(|h| world.stats(*h).path(PathKind::Media).requests > 0);
    check(
        &mut p,
        mirror.is_some(),
        "a mirror served the photo from media/",
    );
    let asked = world.cdn().stats().total().requests;
    check(
        &mut p,
        asked == 0,
        "the reader asked the image host nothing",
    );
    let linked = article
        .as_ref()
        .is_some_and(|v| v.article.body_html.contains(&story.url));
    check(&mut p, !linked, "the article does not link the image host");
    match (&photo, &lead) {
        (Some(bytes), Some(lead)) if intact => {
            let size = image::load_from_memory(bytes)
                .map(|i| format!("{}×{} ", i.width(), i.height()))
                .unwrap_or_default();
            println!(
                "  the reader shows the photo: {size}{}, {}, hash verified, from {}'s media/ while the image host is blocked ({asked} request(s) to it)",
                lead.mime,
                crate::text::bytes(lead.size),
                mirror.map_or("a mirror", Host::label)
            );
            if let Some(original) = &lead.original {
                println!(
                    "  the full-size original ({}) stays in the tree; the app fetches it only on request",
                    crate::text::bytes(original.size)
                );
            }
        }
        _ => println!("  the photo did not arrive"),
    }
    Ok(row(
        "a photo while its image host is blocked",
        MAIN_BLOCKED,
        &[&step],
        p,
    ))
}

/// Whether the step's evidence has a fresh failure of the main site of `kind`.
fn main_failed_with(step: &Step, world: &World, kind: FailureKind) -> bool {
    step.state.evidence().is_some_and(|e| {
        e.attempts.iter().any(|a| {
            !a.remembered
                && world.host_of(&a.url) == Some(Host::Main)
                && a.failure_kind() == Some(kind)
        })
    })
}

/// Shows offline search on the seed article: a word typed without its ZWNJ.
fn offline_search(reader: &Reader, problems: &mut Vec<String>) {
    let query = "گفتوگو";
    match reader.store().search(
        query,
        &SearchOptions {
            limit: 3,
            ..SearchOptions::default()
        },
    ) {
        Ok(hits) => {
            println!(
                "  offline search «{query}» (typed without ZWNJ): {} hit(s)",
                hits.len()
            );
            if let Some(h) = hits.first() {
                println!("      • {}", h.snippet);
            }
            check(
                problems,
                hits.len() >= 2,
                "offline search finds the seed articles",
            );
        }
        Err(e) => problems.push(format!("search failed: {e}")),
    }
}

/// The app's ordinary traffic to the main site: one real request, its outcome reported to the
/// routes (a success lifts main's back-off at once, so the next race tries main first).
async fn main_request(world: &World, reader: &Reader) {
    let Ok(net) = reader.net() else {
        return;
    };
    let Some(main) = net
        .routes()
        .into_iter()
        .map(|e| e.route)
        .find(|r| r.is_main())
    else {
        return;
    };
    let started = Instant::now();
    let outcome = match net
        .client()
        .fetch(&main, layout::HEAD, HEAD_MAX, None)
        .await
    {
        Ok(_) => Outcome::Ok {
            latency_ms: started.elapsed().as_millis().min(u32::MAX as u128) as u32,
        },
        Err(e) => Outcome::Failed {
            kind: e.kind,
            detail: e.detail,
        },
    };
    let answered = matches!(outcome, Outcome::Ok { .. });
    net.report(&Attempt::new(&main, layout::HEAD, outcome));
    println!(
        "  the app's own request to the {} {}",
        Host::Main.label(),
        if answered {
            "succeeds: main's back-off is lifted, so the next race tries it first"
        } else {
            "still fails"
        }
    );
    let _ = world;
}
