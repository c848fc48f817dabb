//! The mirror's website in a real browser: Debian's headless Chromium opens it from a loopback
//! server and from `file://`, follows every link, and checks that pages are laid out right to
//! left, that every link and image resolves to a file of the tree, and that no request leaves
//! the tree. `ARTICLE_SYNC_SCREENSHOTS=docs` also saves the front page and an article as PNGs.

use std::collections::BTreeSet;
use std::path::Path;

use article_sync_cli::serve::{ServeConfig, Server};
use article_sync_core::format::note::SecretKey;
use article_sync_core::publish::{self, PublishOptions, source};
use article_sync_tests::browser::{Browser, Tab};
use article_sync_tests::seed_dir;
use serde_json::Value;

/// A phone-sized window, in CSS pixels.
const WIDTH: u32 = 480;
const HEIGHT: u32 = 960;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_website_reads_right_to_left_in_chromium_from_a_server_and_from_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    // A deep folder: the site must not assume it sits at a host's root.
    let tree = dir.path().join("mirrors/fa/tree");
    let mut opts = PublishOptions::new(1_531_900_000, "رادیو نمونه");
    opts.mirrors = Some(vec!["https://mirror-1.example/fa/".into()]);
    let articles = source::read_folder(&seed_dir(), "fa").unwrap();
    publish::publish(&tree, &SecretKey::generate(), articles, &opts).unwrap();
    let server = Server::start(ServeConfig::new(&tree)).await.unwrap();
    let http = server.url();
    let file = format!("file://{}/", tree.display());

    let tree_for_browser = tree.clone();
    tokio::task::spawn_blocking(move || {
        let mut browser = Browser::launch(WIDTH, HEIGHT);
        let tab = browser.tab();
        for base in [&http, &file] {
            let visited = crawl(&mut browser, &tab, base, &tree_for_browser);
            let expected: BTreeSet<String> = [
                "index.html",
                "site/page-1.html",
                "site/about.html",
                "site/article-helsinki-summit.html",
                "site/article-russia-ready-military-cooperation-syria.html",
            ]
            .into_iter()
            .map(String::from)
            .collect();
            assert_eq!(visited, expected, "{base}");
        }
        if let Ok(out) = std::env::var("ARTICLE_SYNC_SCREENSHOTS") {
            let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(out);
            for (page, name) in [
                ("index.html", "site-index.png"),
                (
                    "site/article-russia-ready-military-cooperation-syria.html",
                    "site-article.png",
                ),
            ] {
                browser.load(&tab, &format!("{http}{page}"));
                std::fs::write(out.join(name), browser.screenshot(&tab)).unwrap();
            }
        }
    })
    .await
    .unwrap();
}

/// Opens every page reachable from `base`'s `index.html`, checking each; returns the pages
/// visited, relative to the tree.
fn crawl(browser: &mut Browser, tab: &Tab, base: &str, tree: &Path) -> BTreeSet<String> {
    let mut visited = BTreeSet::new();
    let mut queue = vec!["index.html".to_string()];
    while let Some(page) = queue.pop() {
        if !visited.insert(page.clone()) {
            continue;
        }
        let url = format!("{base}{page}");
        let load = browser.load(tab, &url);
        assert_eq!(load.requests.first(), Some(&url));
        // Requests are observed from a folder too: the style sheet is one of them.
        assert!(
            load.requests.contains(&format!("{base}site/style.css")),
            "{url}: {:?}",
            load.requests
        );
        for request in &load.requests {
            assert!(request.starts_with(base), "{url} requested {request}");
        }
        let facts = browser.eval(
            tab,
            "(() => {
                const home = document.querySelector('header.site a').getBoundingClientRect();
                const article = document.querySelector('article');
                return {
                    lang: document.documentElement.lang,
                    direction: getComputedStyle(document.documentElement).direction,
                    article: article && getComputedStyle(article).direction,
                    styled: getComputedStyle(document.body).maxWidth,
                    home: [home.left, home.right],
                    width: document.documentElement.clientWidth,
                    images: Array.from(document.images).map(i => (i.complete && i.naturalWidth > 0) || [i.src, i.complete, i.naturalWidth, i.outerHTML]),
                    links: Array.from(document.querySelectorAll('a[href], link[rel=stylesheet], img[src]'))
                        .map(e => e.href || e.src),
                };
            })()",
        );
        assert_eq!(facts["lang"], "fa", "{url}");
        assert_eq!(facts["direction"], "rtl", "{url}");
        if !facts["article"].is_null() {
            assert_eq!(facts["article"], "rtl", "{url}");
        }
        // The style sheet applied (46rem), and the header starts at the right edge.
        assert_eq!(facts["styled"], "736px", "{url}");
        let (left, right) = (
            facts["home"][0].as_f64().unwrap(),
            facts["home"][1].as_f64().unwrap(),
        );
        let width = facts["width"].as_f64().unwrap();
        assert!(
            right > width - 40.0 && left > width / 2.0,
            "{url}: the header is not right-aligned: {left}..{right} of {width}"
        );
        for loaded in facts["images"].as_array().unwrap() {
            assert_eq!(loaded, &Value::Bool(true), "{url}: an image did not load");
        }
        for link in facts["links"].as_array().unwrap() {
            let link = link.as_str().unwrap();
            let link = link.split('#').next().unwrap();
            let rel = link
                .strip_prefix(base)
                .unwrap_or_else(|| panic!("{url} links outside the tree: {link}"));
            let rel = if rel.is_empty() { "index.html" } else { rel };
            assert!(tree.join(rel).is_file(), "{url}: {link} does not resolve");
            if rel.ends_with(".html") {
                queue.push(rel.to_string());
            }
        }
    }
    visited
}
