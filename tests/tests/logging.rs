//! What the core logs at the default level (`info`) during a whole session of a reader —
//! sync from a blocked main site through a mirror, reading, searching, bookmarking, a comment —
//! and what it must never log there: article text, comment text, author names, URL queries.

use std::sync::{Arc, Mutex};

use article_sync_cli::serve::Fault;
use article_sync_core::store::SearchOptions;
use article_sync_tests::world::World;
use tracing::{Event, Level};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Keeps every event at `info` and above as text: message, target and every field.
struct Capture(Arc<Mutex<String>>);

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if *event.metadata().level() > Level::INFO {
            return;
        }
        struct Text(String);
        impl tracing::field::Visit for Text {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0 += &format!(" {}={v:?}", f.name());
            }
        }
        let mut text = Text(event.metadata().target().to_owned());
        event.record(&mut text);
        let mut log = self.0.lock().unwrap();
        log.push_str(&text.0);
        log.push('\n');
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_level_logs_the_work_and_no_reader_text() {
    let log = Arc::new(Mutex::new(String::new()));
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(Capture(log.clone())),
    )
    .unwrap();

    let world = World::new(40);
    let blocked = world.serve(&world.tree, Fault::Reset).await;
    let mirror = world.serve(&world.tree, Fault::None).await;
    let db = world.dir.path().join("reader.db");
    let reader = world.reader(&db, &blocked.url(), &[mirror.url()]);
    reader.sync().await.expect("sync through the mirror");
    let first = &world.articles[0];
    let view = reader.article(&first.id).unwrap().expect("stored");
    reader.set_bookmarked(&first.id, true).unwrap();
    let word = first.title.split_whitespace().next().unwrap();
    reader.search(word, &SearchOptions::default()).unwrap();
    reader
        .compose_comment(&first.id, "نویسنده‌ی پنهان", "متن نظری که نباید در لاگ بیاید")
        .unwrap();

    let log = log.lock().unwrap().clone();
    // The work is there: phases, the failed main site, the result.
    for expected in [
        "sync phase",
        "route attempt failed",
        "sync done",
        "store migration",
    ] {
        assert!(log.contains(expected), "{expected:?} not logged:\n{log}");
    }
    // The reader's reading is not.
    let mut secrets = vec![
        "نویسنده‌ی پنهان".to_owned(),
        "متن نظری".to_owned(),
        view.article.body_html.chars().take(40).collect(),
    ];
    for a in &world.articles {
        secrets.push(a.title.clone());
        secrets.extend(a.comments.iter().map(|c| c.body.chars().take(30).collect()));
        secrets.extend(a.comments.iter().map(|c| c.author.clone()));
    }
    for secret in secrets.iter().filter(|s| s.chars().count() > 3) {
        assert!(
            !log.contains(secret.as_str()),
            "{secret:?} was logged:\n{log}"
        );
    }
    for url in log.split("://").skip(1) {
        let rest: String = url
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '"')
            .collect();
        assert!(!rest.contains('?'), "a URL query was logged: {rest}");
    }
}
