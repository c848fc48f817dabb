//! Publishing from the feeds newsrooms really have (issue 20): feeds are windows, several feeds
//! at once, images travel with the articles, nothing is fetched twice. Feeds and images come
//! from loopback web servers; readers sync the result through real HTTPS servers.

use std::io::Cursor;
use std::path::Path;
use std::time::Duration;

use article_sync_cli::serve::{Fault, PathKind};
use article_sync_core::format::MediaRef;
use article_sync_core::publish::cache::FetchCache;
use article_sync_core::publish::feeds::{self, Source};
use article_sync_core::publish::images::ImageOptions;
use article_sync_core::publish::tree::TreeState;
use article_sync_core::publish::{self, PublishInput, PublishReport, RemovalRule};
use article_sync_core::reader::{Reader, ReaderConfig, ReaderError};
use article_sync_core::store::ListFilter;
use article_sync_core::sync::SyncError;
use article_sync_test_support::noise::noise;
use article_sync_test_support::web::{Page, WebServer};
use article_sync_tests::world::{World, now};

fn image_opts() -> ImageOptions {
    ImageOptions {
        max_bytes: 200 * 1024,
        timeout: Duration::from_millis(1500),
        ..ImageOptions::default()
    }
}

/// Reads `sources` as `publish` does.
async fn gather(world: &World, sources: &[Source]) -> PublishInput {
    let mut cache = FetchCache::open(&FetchCache::beside(&world.tree));
    let input = feeds::gather(sources, "fa", &world.tree, &mut cache, &image_opts())
        .await
        .expect("gather");
    cache.save().unwrap();
    input
}

fn publish_input(world: &World, input: PublishInput) -> PublishReport {
    publish::publish_input(
        &world.tree,
        &world.key,
        input,
        &article_sync_tests::options(now()),
    )
    .expect("publish")
}

/// Gathers and publishes `sources`.
async fn publish_from(world: &World, sources: &[Source]) -> PublishReport {
    let input = gather(world, sources).await;
    publish_input(world, input)
}

/// A real image of `format`, `w`×`h`, its pixels noise drawn from `seed`.
fn picture(format: image::ImageFormat, w: u32, h: u32, seed: u8) -> Vec<u8> {
    let pixels = noise((w * h * 3) as usize, u32::from(seed));
    let img = image::RgbImage::from_raw(w, h, pixels).unwrap();
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

struct Item {
    guid: String,
    title: String,
    extra: String,
    published: i64,
}

fn item(n: usize) -> Item {
    Item {
        guid: format!("item-{n}"),
        title: format!("گزارش {n}"),
        extra: String::new(),
        published: now() - 200 * 3600 + n as i64 * 3600,
    }
}

fn rss(items: &[Item]) -> String {
    let mut out = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>خبرها</title><link>https://news.example/fa/</link>"#,
    );
    for i in items {
        let date = chrono::DateTime::from_timestamp(i.published, 0)
            .unwrap()
            .to_rfc2822();
        out.push_str(&format!(
            "<item><guid>{}</guid><title>{}</title><link>https://news.example/fa/{}</link>\
             <pubDate>{date}</pubDate><description>متن {}</description>{}</item>",
            i.guid, i.title, i.guid, i.title, i.extra
        ));
    }
    out.push_str("</channel></rss>");
    out
}

fn write(dir: &Path, name: &str, text: &str) -> Source {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    Source::FeedFile(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sliding_window_over_200_items_leaves_every_reader_with_all_200() {
    let world = World::new(0);
    let server = world.serve(&world.tree, Fault::None).await;
    let items: Vec<Item> = (0..200).map(item).collect();
    let readers: Vec<_> = [1, 5, 20]
        .iter()
        .map(|every| {
            let db = world.dir.path().join(format!("reader-{every}.db"));
            (*every, world.reader(&db, &server.url(), &[]))
        })
        .collect();
    for run in 0..20usize {
        let end = 10 * (run + 1);
        let window = &items[end.saturating_sub(20)..end];
        let feed = write(world.dir.path(), "feed.xml", &rss(window));
        let report = publish_from(&world, &[feed]).await;
        assert_eq!((report.added, report.removed), (10, 0), "run {run}");
        for (every, reader) in &readers {
            if (run + 1) % every == 0 {
                reader.sync().await.expect("sync");
            }
        }
    }
    for (every, reader) in &readers {
        let page = reader
            .store()
            .list(&ListFilter::All, None, 1000)
            .expect("list");
        assert_eq!(page.items.len(), 200, "reader syncing every {every} runs");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn articles_leave_only_on_purpose_and_the_report_names_the_rule() {
    let world = World::new(0);
    let items: Vec<Item> = (0..10).map(item).collect();
    let feed = write(world.dir.path(), "feed.xml", &rss(&items));
    publish_from(&world, std::slice::from_ref(&feed)).await;

    // The feed now carries none of them: nothing leaves.
    let empty = write(world.dir.path(), "feed.xml", &rss(&items[9..]));
    let report = publish_from(&world, std::slice::from_ref(&empty)).await;
    assert_eq!(report.removed, 0);

    // Removed on request, and by retention (item n was published 200 − n hours ago).
    let mut input = gather(&world, &[empty]).await;
    input.remove = vec!["item-9".into()];
    input.keep_days = Some(8);
    let report = publish_input(&world, input);
    let mut removals: Vec<(String, RemovalRule)> = report
        .removals
        .iter()
        .map(|r| (r.id.clone(), r.rule))
        .collect();
    removals.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        removals,
        vec![
            ("item-0".into(), RemovalRule::Retention),
            ("item-1".into(), RemovalRule::Retention),
            ("item-2".into(), RemovalRule::Retention),
            ("item-3".into(), RemovalRule::Retention),
            ("item-4".into(), RemovalRule::Retention),
            ("item-5".into(), RemovalRule::Retention),
            ("item-6".into(), RemovalRule::Retention),
            ("item-7".into(), RemovalRule::Retention),
            ("item-9".into(), RemovalRule::Requested),
        ]
    );
    let state = TreeState::load(&world.tree).unwrap();
    assert_eq!(state.articles.keys().collect::<Vec<_>>(), ["item-8"]);

    // A folder is the whole state: a file that is gone removes its article.
    let folder = world.dir.path().join("folder");
    article_sync_tests::copy_dir(&article_sync_tests::seed_dir(), &folder);
    let input = gather(&world, &[Source::Folder(folder.clone())]).await;
    assert!(input.whole);
    let report = publish_input(&world, input);
    assert!(
        report
            .removals
            .iter()
            .all(|r| r.rule == RemovalRule::Absent)
    );
    assert_eq!(report.removed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_feeds_merge_and_a_failing_feed_changes_nothing() {
    let world = World::new(0);
    let web = WebServer::start().await;
    let mut politics = item(1);
    politics.extra = "<category>سیاست</category>".into();
    let mut economy = item(1);
    economy.extra = "<category>اقتصاد</category>".into();
    let section_a = rss(&[politics, item(2)]);
    web.put(
        "politics.xml",
        Page::new("application/rss+xml", section_a.as_bytes()).with_etag("a1"),
    );
    web.put(
        "economy.xml",
        Page::new("application/rss+xml", rss(&[economy, item(3)]).as_bytes()).with_etag("e1"),
    );
    let sources = [
        Source::parse(&web.url("politics.xml")).unwrap(),
        Source::parse(&web.url("economy.xml")).unwrap(),
    ];
    let report = publish_from(&world, &sources).await;
    assert_eq!(report.added, 3, "the shared item is stored once");
    let state = TreeState::load(&world.tree).unwrap();
    assert_eq!(state.articles["item-1"].tags, ["سیاست", "اقتصاد"]);
    let first = web.requests_of("politics.xml");
    assert_eq!(first.len(), 1);
    assert!(first[0].headers["accept-encoding"].contains("gzip"));

    // Next run: politics is unchanged (304), economy fails; nothing changes.
    web.clear_log();
    web.remove("economy.xml");
    let report = publish_from(&world, &sources).await;
    assert_eq!(
        (report.added, report.edited, report.removed),
        (0, 0, 0),
        "{report:?}"
    );
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].input, web.url("economy.xml"));
    assert_eq!(report.failed[0].problem, "HTTP 404");
    let asked = web.requests_of("politics.xml");
    assert_eq!(
        asked[0].headers.get("if-none-match").map(String::as_str),
        Some("\"a1\"")
    );
    assert_eq!(asked[0].status, 304);
    let after = TreeState::load(&world.tree).unwrap();
    assert_eq!(after.articles, state.articles);
}

/// An image host with one of each kind of answer.
struct ImageHost {
    web: WebServer,
    png: Vec<u8>,
    jpeg: Vec<u8>,
    webp: Vec<u8>,
}

impl ImageHost {
    async fn start() -> ImageHost {
        let web = WebServer::start().await;
        let png = picture(image::ImageFormat::Png, 64, 48, 3);
        let jpeg = picture(image::ImageFormat::Jpeg, 80, 60, 5);
        let webp = picture(image::ImageFormat::WebP, 40, 30, 7);
        web.put(
            "img/a.png",
            Page::new("image/png", png.clone()).with_etag("png"),
        );
        web.put(
            "img/b.jpg",
            Page::new("image/jpeg", jpeg.clone()).with_etag("jpg"),
        );
        web.put("img/c.webp", Page::new("image/webp", webp.clone()));
        web.put("cdn/same-as-a.png", Page::new("image/png", png.clone()));
        web.put("img/stall.jpg", Page::stalling());
        web.put(
            "img/page.jpg",
            Page::new(
                "image/jpeg",
                b"<!doctype html><html>blocked</html>".to_vec(),
            ),
        );
        web.put(
            "img/huge.png",
            Page::new("image/png", picture(image::ImageFormat::Png, 600, 600, 9)),
        );
        ImageHost {
            web,
            png,
            jpeg,
            webp,
        }
    }

    /// An RSS item using every image: relative `src`, `srcset`, `<picture>`, an enclosure, a
    /// thumbnail, a 404, a stall, an HTML page, one over the cap, and one image at two URLs.
    fn item(&self) -> Item {
        let u = |p: &str| self.web.url(p);
        let body = format!(
            r#"<p>متن</p><img src="/img/b.jpg" srcset="{} 1x, {} 2x">
            <picture><source srcset="{}" type="image/webp"><img src="{}"></picture>
            <img src="{}"><img src="{}"><img src="{}"><img src="{}">"#,
            u("img/b.jpg"),
            u("cdn/same-as-a.png"),
            u("img/c.webp"),
            u("img/missing.jpg"),
            u("img/stall.jpg"),
            u("img/page.jpg"),
            u("img/huge.png"),
            u("img/a.png"),
        );
        Item {
            extra: format!(
                r#"<content:encoded><![CDATA[{body}]]></content:encoded>
                <enclosure url="{}" type="image/jpeg" length="1"/>
                <media:thumbnail url="{}"/>"#,
                u("img/b.jpg"),
                u("img/a.png"),
            ),
            ..item(1)
        }
    }
}

fn sha(bytes: &[u8]) -> String {
    article_sync_core::format::codec::sha256_hex(bytes)
}

fn media_path(bytes: &[u8], ext: &str) -> String {
    format!("media/{}.{ext}", sha(bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_travel_with_the_articles_and_are_not_fetched_twice() {
    let world = World::new(0);
    let host = ImageHost::start().await;
    // The feed's links are relative to the image host (its own URL).
    let feed_text = rss(&[host.item()]).replace("https://news.example/fa/", "/fa/");
    host.web.put(
        "feed.xml",
        Page::new("application/rss+xml", feed_text.as_bytes()),
    );
    let sources = [Source::parse(&host.web.url("feed.xml")).unwrap()];
    let report = publish_from(&world, &sources).await;
    assert_eq!(
        report.media_added, 4,
        "PNG (once) and its phone variant, JPEG, WebP: {report:?}"
    );
    for (bytes, ext) in [
        (&host.png, "png"),
        (&host.jpeg, "jpg"),
        (&host.webp, "webp"),
    ] {
        let stored = std::fs::read(world.tree.join(media_path(bytes, ext))).unwrap();
        assert_eq!(&stored, bytes);
    }
    let state = TreeState::load(&world.tree).unwrap();
    let article = &state.articles["item-1"];
    assert_eq!(
        article.url.as_deref(),
        Some(host.web.url("fa/item-1").as_str())
    );
    let lead = article.lead_image.as_ref().expect("a lead image");
    let original = lead.original.as_ref().expect("the PNG has a phone variant");
    assert_eq!(
        (original.hash.as_str(), original.mime.as_str()),
        (sha(&host.png).as_str(), "image/png"),
        "the thumbnail is the named lead"
    );
    assert_eq!(lead.mime, "image/jpeg");
    let hashes: Vec<&str> = article.images.iter().map(|m| m.hash.as_str()).collect();
    assert_eq!(hashes.len(), 2, "{hashes:?}");
    let body = &article.body_html;
    assert!(!body.contains(&host.web.addr.to_string()), "{body}");
    assert!(body.contains(&media_path(&host.jpeg, "jpg")), "{body}");
    assert!(
        body.contains(&format!("media/{}.jpg", lead.hash)) && !body.contains(&sha(&host.png)),
        "the body shows the phone variant: {body}"
    );
    let mut failed: Vec<(String, String)> = report
        .failed
        .iter()
        .map(|f| {
            assert_eq!(f.article.as_deref(), Some("item-1"));
            (
                f.input.trim_start_matches(&host.web.url("")).to_string(),
                f.problem.clone(),
            )
        })
        .collect();
    failed.sort();
    assert_eq!(failed.len(), 4, "{failed:?}");
    assert_eq!(failed[0].0, "img/huge.png");
    assert!(failed[0].1.starts_with("larger than"), "{failed:?}");
    assert_eq!(failed[1], ("img/missing.jpg".into(), "HTTP 404".into()));
    assert_eq!(failed[2].0, "img/page.jpg");
    assert!(failed[2].1.contains("HTML"), "{failed:?}");
    assert_eq!(failed[3], ("img/stall.jpg".into(), "timed out".into()));

    // The next run asks only with validators (or not at all), and changes nothing.
    host.web.clear_log();
    let again = publish_from(&world, &sources).await;
    assert_eq!((again.edited, again.media_added), (0, 0), "{again:?}");
    for path in ["img/a.png", "img/b.jpg", "img/c.webp", "cdn/same-as-a.png"] {
        for r in host.web.requests_of(path) {
            assert_ne!(r.status, 200, "{path} fetched again");
        }
    }
    assert_eq!(host.web.requests_of("img/a.png")[0].status, 304);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atom_json_feed_and_a_legacy_encoding_bring_their_images() {
    let world = World::new(0);
    let host = ImageHost::start().await;
    let u = |p: &str| host.web.url(p);
    let atom = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id><updated>2026-01-01T00:00:00Z</updated>
<entry><id>atom-1</id><title>اتم</title><updated>2026-01-01T00:00:00Z</updated>
<link href="https://news.example/fa/atom-1"/>
<link rel="enclosure" type="image/webp" href="{}"/>
<content type="html">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>"#,
        u("img/c.webp")
    );
    let json = format!(
        r#"{{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[
        {{"id":"json-1","title":"جی‌سان","url":"https://news.example/fa/json-1",
          "content_html":"<p>x</p><img src=\"{}\">","date_published":"2026-01-01T00:00:00Z",
          "image":"{}","banner_image":"{}"}}]}}"#,
        u("img/a.png"),
        u("img/b.jpg"),
        u("cdn/same-as-a.png")
    );
    let dir = world.dir.path();
    std::fs::write(dir.join("legacy.xml"), windows_1256_feed(&u("news/"))).unwrap();
    let sources = [
        write(dir, "atom.xml", &atom),
        write(dir, "feed.json", &json),
        Source::FeedFile(dir.join("legacy.xml")),
    ];
    let report = publish_from(&world, &sources).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let state = TreeState::load(&world.tree).unwrap();

    let atom = &state.articles["atom-1"];
    assert_eq!(atom.lead_image.as_ref().unwrap().mime, "image/webp");

    let json = &state.articles["json-1"];
    assert_eq!(
        json.lead_image.as_ref().unwrap().mime,
        "image/jpeg",
        "JSON Feed `image` is the lead"
    );
    assert_eq!(
        json.images.len(),
        1,
        "the body image and the banner are one PNG"
    );

    let legacy = &state.articles["legacy-1"];
    assert_eq!(legacy.title, "سلام");
    assert_eq!(legacy.url.as_deref(), Some(u("news/fa/legacy-1").as_str()));
    let lead = legacy.lead_image.as_ref().unwrap();
    assert_eq!(lead.original.as_ref().unwrap().hash, sha(&host.png));
    assert!(
        legacy
            .body_html
            .contains(&format!("media/{}.jpg", lead.hash))
    );
}

/// A windows-1256 RSS feed whose channel link is `base`; its item's links are relative.
fn windows_1256_feed(base: &str) -> Vec<u8> {
    let mut out = format!(
        r#"<?xml version="1.0" encoding="windows-1256"?>
<rss version="2.0"><channel><title>x</title><link>{base}</link>
<item><guid>legacy-1</guid><title>"#
    )
    .into_bytes();
    out.extend_from_slice(&[0xD3, 0xE1, 0xC7, 0xE3]);
    out.extend_from_slice(
        br#"</title><link>fa/legacy-1</link><pubDate>Thu, 01 Jan 2026 00:00:00 GMT</pubDate>
<description>&lt;img src="../../img/a.png"&gt;</description></item></channel></rss>"#,
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_gets_the_images_through_a_mirror_while_the_image_host_is_unreachable() {
    let world = World::new(0);
    let host = ImageHost::start().await;
    let feed = format!(
        r#"{{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[
        {{"id":"pic-1","title":"عکس","url":"https://news.example/fa/pic-1",
          "content_html":"<p>x</p><img src=\"{}\">","date_published":"2026-01-01T00:00:00Z",
          "image":"{}"}}]}}"#,
        host.web.url("img/b.jpg"),
        host.web.url("img/wide.jpg"),
    );
    let mut wide = Cursor::new(Vec::new());
    image::RgbImage::from_fn(2000, 300, |x, y| image::Rgb([(x / 8) as u8, y as u8, 90]))
        .write_to(&mut wide, image::ImageFormat::Jpeg)
        .unwrap();
    let wide = wide.into_inner();
    host.web
        .put("img/wide.jpg", Page::new("image/jpeg", wide.clone()));
    let source = write(world.dir.path(), "feed.json", &feed);
    publish_from(&world, &[source]).await;
    let jpeg = host.jpeg.clone();
    drop(host); // The publisher's image host is gone (blocked) from here on.

    let mirror = world.serve(&world.tree, Fault::None).await;
    let blocked_main = format!(
        "https://127.0.0.1:{}/",
        article_sync_test_support::server::refused_port().await
    );
    let db = world.dir.path().join("reader.db");
    let reader = world.reader(&db, &blocked_main, &[mirror.url()]);
    let report = reader.sync().await.expect("sync through the mirror");
    assert_eq!(
        report.media_fetched, 2,
        "the lead image and the body image are prefetched on an unmetered network"
    );
    let view = reader.article("pic-1").unwrap().expect("the article");
    let lead = view.article.lead_image.clone().expect("lead image");
    // The reader gets the phone variant (1280 pixels wide); the original stays in the tree.
    let phone = reader.image("pic-1", &lead.hash).await.unwrap();
    let decoded = image::load_from_memory(&phone).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1280, 192));
    assert!(phone.len() < wide.len());
    let original = lead.original.as_ref().unwrap();
    assert_eq!(original.hash, sha(&wide));
    assert!(world.tree.join(media_path(&wide, "jpg")).is_file());
    let body_image = &view.article.images[0];
    assert_eq!(reader.image("pic-1", &body_image.hash).await.unwrap(), jpeg);
    assert!(
        view.article.body_html.contains(&media_path(&jpeg, "jpg")),
        "{}",
        view.article.body_html
    );
}

/// A reader on `main` and `mirrors` with its own storage budget and text-only setting.
fn reader_on(
    world: &World,
    name: &str,
    main: &str,
    mirrors: &[String],
    budget: u64,
    text_only: bool,
) -> Reader {
    Reader::open(ReaderConfig {
        database: world.dir.path().join(name),
        publisher_keys: vec![world.key.public().to_string()],
        main_url: main.to_string(),
        mirrors: mirrors.to_vec(),
        storage_budget_bytes: budget,
        text_only,
        net: world.net_config(),
    })
    .expect("reader opens")
}

/// Publishes `world`'s tree from a feed of one item, `item-1`, whose enclosure is a photo too
/// wide for phones (so it keeps its original); returns the photo's bytes. The publisher's
/// image host is gone afterwards.
async fn publish_wide_photo(world: &World) -> Vec<u8> {
    let web = WebServer::start().await;
    let mut wide = Cursor::new(Vec::new());
    image::RgbImage::from_fn(1800, 500, |x, y| {
        image::Rgb([(x / 8) as u8, (y / 2) as u8, ((x + y) / 16) as u8])
    })
    .write_to(&mut wide, image::ImageFormat::Jpeg)
    .unwrap();
    let wide = wide.into_inner();
    web.put("photo.jpg", Page::new("image/jpeg", wide.clone()));
    let mut photo = item(1);
    photo.extra = format!(
        r#"<enclosure url="{}" type="image/jpeg" length="0"/>"#,
        web.url("photo.jpg")
    );
    let source = write(world.dir.path(), "feed.xml", &rss(&[photo]));
    publish_from(world, &[source]).await;
    wide
}

/// The lead image of `item-1` as `reader` stores it: the enclosure of [`publish_wide_photo`].
fn lead_image(reader: &Reader) -> MediaRef {
    let view = reader.article("item-1").unwrap().expect("item-1 is stored");
    view.article
        .lead_image
        .expect("the enclosure is the lead image")
}

/// Keeping an original waits for the store's writer (busy with a sync's part, or held by
/// another process as here) on a blocking thread, never on the runtime's: this runtime has one
/// thread, which goes on serving the mirror and ends the other write while the original waits.
#[tokio::test(flavor = "current_thread")]
async fn an_original_waits_for_a_busy_writer_off_the_runtime_thread() {
    let world = World::new(0);
    let wide = publish_wide_photo(&world).await;
    let mirror = world.serve(&world.tree, Fault::None).await;
    let main = format!(
        "https://127.0.0.1:{}/",
        article_sync_test_support::server::refused_port().await
    );
    let reader = reader_on(&world, "busy.db", &main, &[mirror.url()], 1 << 30, true);
    reader.sync().await.unwrap();
    let original = lead_image(&reader).original.expect("an original");

    let other = rusqlite::Connection::open(world.dir.path().join("busy.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    // Held past the download; the store's busy timeout (5 s) is longer.
    let release = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        other.execute_batch("COMMIT").unwrap();
    };
    let (image, ()) = tokio::join!(reader.image("item-1", &original.hash), release);
    assert_eq!(image.expect("kept once the writer is free"), wide);
    assert_eq!(reader.usage().unwrap().media, original.size);
}

/// Point 4, the reader's side: a sync brings the phone variant, never the original; the
/// original comes when asked for (in text-only mode too), through the routes, verified by its
/// hash, and is kept only when it fits in what is left of the storage budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_original_comes_only_on_request_verified_and_within_the_budget() {
    let world = World::new(0);
    let wide = publish_wide_photo(&world).await;
    let mirror = world.serve(&world.tree, Fault::None).await;
    let mirrors = [mirror.url()];
    let main = format!(
        "https://127.0.0.1:{}/",
        article_sync_test_support::server::refused_port().await
    );

    // Text-only: the sync brings no image; asking for the original brings it and keeps it.
    let reader = reader_on(&world, "text-only.db", &main, &mirrors, 1 << 30, true);
    assert_eq!(reader.sync().await.unwrap().media_fetched, 0);
    let lead = lead_image(&reader);
    let original = lead
        .original
        .clone()
        .expect("a wide photo keeps its original");
    assert_eq!(
        (original.hash.as_str(), original.size),
        (sha(&wide).as_str(), wide.len() as u64)
    );
    assert!(lead.size < original.size);
    assert_eq!(reader.image("item-1", &original.hash).await.unwrap(), wide);
    assert_eq!(
        reader.usage().unwrap().media,
        original.size,
        "kept, within the budget"
    );
    let requests = mirror.stats().path(PathKind::Media).requests;
    assert_eq!(reader.image("item-1", &original.hash).await.unwrap(), wide);
    assert_eq!(
        mirror.stats().path(PathKind::Media).requests,
        requests,
        "the second time from the store"
    );

    // A budget with room for the variant and not the original: the sync fetches the variant
    // only; the original is shown but not kept, and evicts nothing.
    let budget = lead.size + original.size / 2;
    let tight = reader_on(&world, "tight.db", &main, &mirrors, budget, false);
    mirror.reset_stats();
    assert_eq!(tight.sync().await.unwrap().media_fetched, 1);
    assert_eq!(
        mirror.stats().path(PathKind::Media).requests,
        1,
        "no original"
    );
    assert_eq!(tight.image("item-1", &original.hash).await.unwrap(), wide);
    assert_eq!(
        tight.usage().unwrap().media,
        lead.size,
        "the variant stays, alone"
    );
    assert!(tight.store().media(&lead.hash).unwrap().is_some());

    // A mirror serving other bytes under the original's name is caught by the hash.
    let bad_tree = world.copy_tree("bad-tree");
    let file = bad_tree.join(media_path(&wide, "jpg"));
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let bad = world.serve(&bad_tree, Fault::None).await;
    let fooled = reader_on(&world, "fooled.db", &bad.url(), &[], 1 << 30, true);
    fooled.sync().await.unwrap();
    let err = fooled.image("item-1", &original.hash).await.unwrap_err();
    assert!(
        matches!(err, ReaderError::Sync(SyncError::Verification { .. })),
        "{err:?}"
    );
    assert!(fooled.store().media(&original.hash).unwrap().is_none());
    let err = fooled.image("item-1", &"0".repeat(64)).await.unwrap_err();
    assert!(matches!(err, ReaderError::NotFound { .. }), "{err:?}");
}
