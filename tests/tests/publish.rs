//! The publisher end to end: real files in, a verifiable tree out.

use std::path::Path;

use article_sync_cli::corpus::Corpus;
use article_sync_core::format::head::PartKind;
use article_sync_core::format::note::SecretKey;
use article_sync_core::format::root::{TrustedRoot, sign_root};
use article_sync_core::format::{Change, FormatError, layout};
use article_sync_core::publish::source::{self, SourceArticle};
use article_sync_core::publish::tree::TreeState;
use article_sync_core::publish::{self, PublishError};
use article_sync_tests::*;

const T0: i64 = 1_700_000_000;

fn publish_corpus(
    tree: &Path,
    key: &SecretKey,
    articles: Vec<SourceArticle>,
    now: i64,
) -> publish::PublishReport {
    publish::publish(tree, key, articles, &options(now)).expect("publish succeeds")
}

#[test]
fn the_seed_article_publishes_to_a_tree_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let key = SecretKey::generate();
    let articles = source::read_folder(&seed_dir(), "fa").unwrap();
    let report = publish_corpus(&tree, &key, articles, T0);
    assert_eq!(
        (report.added, report.media_added, report.comments_changed),
        (2, 1, 1)
    );
    assert_eq!(report.written.last().map(String::as_str), Some("head"));

    let head = read_head(&tree, &key);
    assert_eq!(head.log.size, 4, "one media, two articles, one comment");
    let state = TreeState::load(&tree).expect("the whole tree verifies: signatures, hashes, chain");
    let seed = &state.articles["russia-ready-military-cooperation-syria"];
    assert!(seed.title.contains("روسیه"));
    assert_eq!(
        seed.links,
        vec!["helsinki-summit".to_string()],
        "the body's link to the site became a reference"
    );
    assert_eq!(seed.related, vec!["helsinki-summit".to_string()]);
    let image = seed.lead_image.as_ref().unwrap();
    assert_eq!(
        image.caption.as_deref(),
        Some("نیروهای روسی در سوریه ـ عکس از آرشیو")
    );
    let media = std::fs::read(tree.join(layout::media(&image.hash, &image.mime).unwrap())).unwrap();
    assert_eq!(media.len() as u64, image.size);
    assert_eq!(state.comments["c-karo-1"].author, "کارو");

    let snapshot = head.snapshot.expect("a first publish writes a snapshot");
    assert_eq!(snapshot.headlines.kind, PartKind::Headlines);
    assert_eq!(snapshot.headlines.items, 2);
    assert!(tree.join(layout::part_list(&snapshot.rest.hash)).exists());
    assert_eq!((snapshot.articles, snapshot.comments), (2, 1));
}

#[test]
fn edits_removals_and_additions_append_exactly_those_changes() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let key = SecretKey::generate();
    let corpus = Corpus::new(1);
    let mut articles = corpus.articles(0..100);
    publish_corpus(&tree, &key, articles.clone(), T0);
    let before = read_head(&tree, &key);

    articles[5].title.push_str(" (به‌روزشده)");
    articles[6].body_html.push_str("<p>اصلاحیه</p>");
    articles[7]
        .comments
        .push(article_sync_core::publish::source::SourceComment {
            id: "new-comment".into(),
            author: "خواننده".into(),
            body: "نظر تازه".into(),
            posted_at: T0,
        });
    articles.remove(20);
    articles.remove(10);
    let new = corpus.articles(100..110);
    let new_comments: usize = new.iter().map(|a| a.comments.len()).sum();
    articles.extend(new);
    let report = publish_corpus(&tree, &key, articles.clone(), T0 + 60);
    assert_eq!(
        (
            report.added,
            report.edited,
            report.removed,
            report.comments_changed
        ),
        (10, 2, 2, new_comments + 1)
    );

    let head = read_head(&tree, &key);
    assert_eq!(head.version, before.version + 1);
    let newest = head
        .files
        .iter()
        .filter(|f| f.level == 0)
        .max_by_key(|f| f.first)
        .unwrap();
    assert_eq!(newest.first, before.log.size + 1);
    let changes: Vec<Change> = entries(&tree, newest)
        .into_iter()
        .map(|e| e.change)
        .collect();
    assert_eq!(changes.len(), 15 + new_comments);
    let edited: Vec<(String, u64)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::PutArticle { article } if article.revision > 1 => {
                Some((article.id.clone(), article.revision))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        edited,
        vec![("article-000005".into(), 2), ("article-000006".into(), 2)]
    );
    let tombstones: Vec<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DeleteArticle { id, revision: 2 } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(tombstones, vec!["article-000010", "article-000020"]);
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::PutComment { comment } if comment.id == "new-comment"))
    );

    let unchanged = publish_corpus(&tree, &key, articles, T0 + 120);
    assert!(
        unchanged.written.is_empty(),
        "nothing new is written: {:?}",
        unchanged.written
    );
    assert_eq!(read_head(&tree, &key).version, head.version);
}

#[test]
fn a_tree_copied_file_by_file_in_publish_order_never_verifies_as_torn() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let copy = dir.path().join("copy");
    let key = SecretKey::generate();
    let corpus = Corpus::new(2);
    std::fs::create_dir_all(&copy).unwrap();
    for run in 0..6u64 {
        let report = publish_corpus(
            &tree,
            &key,
            corpus.articles(0..20 + run * 7),
            T0 + run as i64 * 3600,
        );
        for path in &report.written {
            let to = copy.join(path);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(tree.join(path), &to).unwrap();
            if copy.join(layout::HEAD).exists() {
                TreeState::load(&copy)
                    .unwrap_or_else(|e| panic!("torn after copying {path} in run {run}: {e}"));
            }
        }
    }
    assert_eq!(TreeState::load(&copy).unwrap().articles.len(), 55);
}

#[test]
fn many_runs_are_compacted_and_any_past_position_catches_up_in_few_files() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let key = SecretKey::generate();
    let corpus = Corpus::new(3);
    let mut sizes = vec![];
    for run in 0..40u64 {
        publish_corpus(
            &tree,
            &key,
            corpus.articles(0..run + 1),
            T0 + run as i64 * 60,
        );
        sizes.push(read_head(&tree, &key).log.size);
    }
    let head = read_head(&tree, &key);
    assert!(
        head.files.iter().any(|f| f.level >= 2),
        "runs were compacted into higher levels"
    );
    assert!(head.files.len() <= 4 * publish::compact::KEEP_PER_LEVEL);
    let head_bytes = std::fs::read(tree.join(layout::HEAD)).unwrap();
    assert!(
        head_bytes.len() <= 16 * 1024,
        "head is {} bytes",
        head_bytes.len()
    );
    let snapshot_seq = head.snapshot.as_ref().unwrap().seq;
    for &position in sizes.iter().filter(|&&s| s >= snapshot_seq) {
        let files = article_sync_core::format::log::cover(&head.files, position, head.log.size)
            .expect("covered");
        assert!(
            files.len() <= 2 * (publish::compact::FANOUT - 1),
            "{} files from position {position}",
            files.len()
        );
    }
    let yesterday = sizes[sizes.len() - 2];
    let files =
        article_sync_core::format::log::cover(&head.files, yesterday, head.log.size).unwrap();
    assert_eq!(
        files.len(),
        1,
        "a reader one run behind fetches exactly that run's file"
    );
    assert_eq!(files[0].first, yesterday + 1);
    assert!(TreeState::load(&tree).is_ok());
}

#[test]
fn key_rotation_needs_the_old_and_the_new_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let old = SecretKey::generate();
    let new = SecretKey::generate();
    let articles = source::read_folder(&seed_dir(), "fa").unwrap();
    publish_corpus(&tree, &old, articles.clone(), T0);

    let pinned = TrustedRoot::pinned(vec![old.public()]);
    let root1 = pinned
        .advance(&std::fs::read(tree.join(layout::root(1))).unwrap())
        .unwrap();
    let one_signature = sign_root(2, &[new.public()], 1, None, T0, &[&new]);
    assert!(matches!(
        root1.advance(&one_signature),
        Err(FormatError::RootRotation { .. })
    ));

    assert!(matches!(
        publish::publish(&tree, &new, articles.clone(), &options(T0 + 1)),
        Err(PublishError::Key(_))
    ));
    assert_eq!(
        publish::rotate(&tree, &[&old], &[&new], 1, T0 + 2).unwrap(),
        2
    );
    let report = publish_corpus(&tree, &new, articles, T0 + 3);
    assert_eq!(
        report.added, 0,
        "rotation re-signs the head without new entries"
    );

    let root2 = root1
        .advance(&std::fs::read(tree.join(layout::root(2))).unwrap())
        .expect("accepted with both signatures");
    let head = article_sync_core::format::head::Head::verify(
        &std::fs::read(tree.join(layout::HEAD)).unwrap(),
        &root2,
    )
    .unwrap();
    assert_eq!(head.root_version, 2);
    assert!(TreeState::load(&tree).is_ok());
}

/// Publishes `src` over an existing tree and returns the error, checking the tree is untouched.
fn rejected(src: &Path, feed: bool) -> String {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let key = SecretKey::generate();
    publish_corpus(
        &tree,
        &key,
        source::read_folder(&seed_dir(), "fa").unwrap(),
        T0,
    );
    let before = snapshot_dir(&tree);
    let result = if feed {
        source::read_feed(src, &std::fs::read(src).unwrap(), "fa")
    } else {
        source::read_folder(src, "fa")
    }
    .and_then(|articles| publish::publish(&tree, &key, articles, &options(T0 + 60)));
    assert_eq!(snapshot_dir(&tree), before, "the tree on disk is untouched");
    result.expect_err("the input is rejected").to_string()
}

#[test]
fn malformed_inputs_are_rejected_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let case = |name: &str, files: &[(&str, String)]| {
        let src = dir.path().join(name);
        copy_dir(&seed_dir(), &src);
        for (file, text) in files {
            std::fs::write(src.join(file), text).unwrap();
        }
        src
    };
    let seed_json = std::fs::read_to_string(seed_dir().join("helsinki-summit.json")).unwrap();

    let msg = rejected(
        &case("bad-json", &[("broken.json", "{\"id\": \"x\", ".into())]),
        false,
    );
    assert!(
        msg.contains("broken.json") && msg.contains("invalid article JSON"),
        "{msg}"
    );

    let missing = seed_json
        .replace(
            "\"comments\"",
            "\"image\": {\"file\": \"nowhere.jpg\"}, \"comments\"",
        )
        .replace("helsinki-summit\"", "other-id\"");
    let msg = rejected(&case("missing-image", &[("other.json", missing)]), false);
    assert!(
        msg.contains("other.json") && msg.contains("nowhere.jpg") && msg.contains("missing"),
        "{msg}"
    );

    let msg = rejected(
        &case("duplicate", &[("zz-copy.json", seed_json.clone())]),
        false,
    );
    assert!(
        msg.contains("zz-copy.json") && msg.contains("duplicate article id \"helsinki-summit\""),
        "{msg}"
    );

    let huge = seed_json
        .replace("helsinki-summit\"", "huge\"")
        .replace("<p>", &format!("<p>{}", "م".repeat(300_000)));
    let msg = rejected(&case("oversized", &[("huge.json", huge)]), false);
    assert!(
        msg.contains("huge.json") && msg.contains("body is"),
        "{msg}"
    );

    let bad_id = seed_json.replace("helsinki-summit\"", "../escape\"");
    let msg = rejected(&case("bad-id", &[("bad-id.json", bad_id)]), false);
    assert!(
        msg.contains("bad-id.json") && msg.contains("article id"),
        "{msg}"
    );

    for (i, url) in [
        "javascript:alert(1)",
        "  JAVASCRIPT:alert(1)",
        "data:text/html,x",
    ]
    .into_iter()
    .enumerate()
    {
        let bad_url = seed_json.replace("https://www.example-news.org/fa/helsinki-summit", url);
        let msg = rejected(
            &case(
                &format!("bad-url-{i}"),
                &[("helsinki-summit.json", bad_url)],
            ),
            false,
        );
        assert!(
            msg.contains("helsinki-summit.json") && msg.contains("not an http or https URL"),
            "{url}: {msg}"
        );
    }

    let feed = dir.path().join("feed.xml");
    std::fs::write(&feed, "<rss><channel><item><title>نیمه").unwrap();
    let msg = rejected(&feed, true);
    assert!(
        msg.contains("feed.xml") && msg.contains("invalid feed"),
        "{msg}"
    );
}

#[test]
fn rss_atom_and_json_feeds_become_articles() {
    let dir = tempfile::tempdir().unwrap();
    let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>خبر</title>
      <item><title>عنوان یک</title><link>https://www.example-news.org/fa/one</link><guid>https://www.example-news.org/fa/one</guid>
      <description>&lt;p&gt;خلاصه &lt;script&gt;x()&lt;/script&gt;&lt;/p&gt;</description><pubDate>Tue, 17 Jul 2018 19:30:00 GMT</pubDate><category>سوریه</category></item>
    </channel></rss>"#;
    let atom = r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>خبر</title><id>urn:x</id><updated>2018-07-17T19:30:00Z</updated>
      <entry><title>عنوان دو</title><id>atom-2</id><updated>2018-07-17T19:30:00Z</updated><content type="html">&lt;p&gt;متن&lt;/p&gt;</content></entry></feed>"#;
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"خبر","items":[{"id":"json-3","title":"عنوان سه","content_html":"<p>متن</p>","date_published":"2018-07-17T19:30:00Z"}]}"#;
    let tree = dir.path().join("tree");
    let key = SecretKey::generate();
    let mut all = Vec::new();
    for (name, text) in [("feed.rss", rss), ("feed.atom", atom), ("feed.json", json)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let articles = source::read_feed(&path, text.as_bytes(), "fa").unwrap();
        assert_eq!(articles.len(), 1, "{name}");
        all.extend(articles);
    }
    assert!(
        all[0].id.starts_with("f-"),
        "a URL id is hashed into a path-safe id"
    );
    assert_eq!(all[1].id, "atom-2");
    publish_corpus(&tree, &key, all, T0);
    let state = TreeState::load(&tree).unwrap();
    assert_eq!(state.articles.len(), 3);
    assert!(
        state
            .articles
            .values()
            .all(|a| !a.body_html.contains("script"))
    );
}

/// A folder article's body names its image by file name; published, the reference points at
/// the media file in the tree (its phone variant here), so the website and the app show it.
#[test]
fn a_folder_articles_body_image_points_at_its_media_file() {
    let dir = tempfile::tempdir().unwrap();
    let articles = source::read_folder(&seed_dir(), "fa").unwrap();
    publish::publish(
        dir.path(),
        &SecretKey::generate(),
        articles,
        &options(1_531_900_000),
    )
    .unwrap();
    let state = TreeState::load(dir.path()).unwrap();
    let article = &state.articles["russia-ready-military-cooperation-syria"];
    let lead = article.lead_image.as_ref().unwrap();
    let path = layout::media(&lead.hash, &lead.mime).unwrap();
    assert!(!article.body_html.contains("russian-forces-syria.png"));
    assert!(article.body_html.contains(&format!("<img src=\"{path}\"")));
    assert!(dir.path().join(&path).is_file());
}
