use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::*;
use crate::format::MediaRef;
use crate::format::head::{LogState, TreeFormat};
use crate::format::note::SecretKey;
use crate::publish::source::{SourceArticle, SourceComment};
use crate::publish::{PublishOptions, publish};

const JULY_17_2018: i64 = 1_531_855_800;

fn article(id: &str, title: &str, published_at: i64) -> Article {
    Article {
        id: id.into(),
        revision: 1,
        title: title.into(),
        summary: format!("خلاصهٔ {id}"),
        body_html: "<p>متن</p>".into(),
        author: None,
        language: "fa".into(),
        published_at,
        updated_at: published_at,
        tags: vec![],
        url: None,
        lead_image: None,
        images: vec![],
        related: vec![],
        links: vec![],
    }
}

fn head() -> Head {
    Head {
        kind: "head".into(),
        format: TreeFormat::CURRENT,
        publisher: "رادیو <b>".into(),
        version: 3,
        issued_at: JULY_17_2018,
        expires_at: JULY_17_2018 + 3600,
        root_version: 1,
        log: LogState {
            size: 0,
            tip: String::new(),
        },
        files: vec![],
        snapshot: None,
        mirrors: None,
    }
}

/// Two articles, one with a hostile title, author, caption and comment, an image, a related
/// article and a link to the other's address on the publisher's site.
fn fixture() -> (BTreeMap<String, Article>, BTreeMap<String, Comment>) {
    let mut a = article("a1", "<script>alert(1)</script> همکاری نظامی", JULY_17_2018);
    a.author = Some("\"><img src=x onerror=alert(2)>".into());
    a.lead_image = Some(MediaRef {
        hash: "a".repeat(64),
        size: 3,
        mime: "image/jpeg".into(),
        caption: Some("نیروهای روسی در سوریه ـ عکس از آرشیو".into()),
        original: None,
    });
    a.related = vec!["b2".into(), "gone".into()];
    a.links = vec!["b2".into()];
    a.body_html = format!(
        "<p>بیشتر: <a href=\"https://www.example.org/fa/b2\" rel=\"noopener\">هلسینکی</a> \
         <img src=\"media/{}.png\"></p>",
        "b".repeat(64)
    );
    let mut b = article("b2", "نشست هلسینکی", JULY_17_2018 - 86_400);
    b.url = Some("https://www.example.org/fa/b2".into());
    let comment = Comment {
        id: "c1".into(),
        article_id: "a1".into(),
        author: "کارو".into(),
        body: "</p><script>alert(3)</script>".into(),
        posted_at: JULY_17_2018 + 60,
    };
    (
        [("a1".to_string(), a), ("b2".to_string(), b)].into(),
        [("c1".to_string(), comment)].into(),
    )
}

fn rendered() -> BTreeMap<String, String> {
    let (articles, comments) = fixture();
    let key = SecretKey::generate().public();
    let head = head();
    let mirrors = vec!["https://mirror.example/<x>".to_string()];
    render(&SiteInput {
        publisher: "رادیو <b>",
        key: &key,
        head: &head,
        mirrors: &mirrors,
        articles: &articles,
        comments: &comments,
    })
    .into_iter()
    .map(|(p, b)| (p, String::from_utf8(b).unwrap()))
    .collect()
}

#[test]
fn pages_are_persian_right_to_left_with_both_calendars() {
    let pages = rendered();
    let names: BTreeSet<&str> = pages.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            INDEX,
            STYLE,
            ABOUT,
            "site/page-1.html",
            "site/article-a1.html",
            "site/article-b2.html",
        ])
    );
    for (path, text) in pages.iter().filter(|(p, _)| p.ends_with(".html")) {
        assert!(
            text.starts_with("<!DOCTYPE html>\n<html lang=\"fa\" dir=\"rtl\">"),
            "{path}"
        );
        assert_eq!(
            text.contains("<base href=\"../\">"),
            path.starts_with("site/"),
            "{path}"
        );
    }
    let page = &pages["site/article-a1.html"];
    // 17 July / 26 Tir 1397, in Persian digits, as the seed writes it.
    assert!(page.contains("۱۷ ژوئیه ۲۰۱۸/ ۲۶ تیر ۱۳۹۷"), "{page}");
    assert!(page.contains("<article lang=\"fa\" dir=\"rtl\">"));
    assert!(page.contains(&format!("<img src=\"media/{}.jpg\"", "a".repeat(64))));
    assert!(page.contains("<figcaption>نیروهای روسی در سوریه ـ عکس از آرشیو</figcaption>"));
    assert!(page.contains("<h2>بیشتر بخوانید:</h2>"));
    assert!(page.contains("<a href=\"site/article-b2.html\">نشست هلسینکی</a>"));
    // The body's link to the publisher's own article opens the copy here.
    assert!(page.contains("<a href=\"site/article-b2.html\" rel=\"noopener\">هلسینکی</a>"));
    assert!(
        !page.contains("article-gone"),
        "a missing related article is left out"
    );
    assert!(page.contains("<h2>نظرها</h2>") && page.contains("کارو"));
    // Newest first on the front page.
    let index = &pages[INDEX];
    assert!(index.find("article-a1").unwrap() < index.find("article-b2").unwrap());
}

#[test]
fn everything_but_the_sanitised_body_is_escaped() {
    let pages = rendered();
    for (path, text) in &pages {
        assert!(!text.contains("<script"), "{path}");
        assert!(!text.contains("<img src=x"), "{path}");
        assert!(!text.contains("<b>"), "{path}");
    }
    let page = &pages["site/article-a1.html"];
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; همکاری نظامی"));
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert!(page.contains("&lt;/p&gt;&lt;script&gt;alert(3)&lt;/script&gt;"));
    assert!(pages[INDEX].contains("&lt;script&gt;alert(1)"));
    assert!(pages[ABOUT].contains("https://mirror.example/&lt;x&gt;"));
}

/// Every `href` and `src` of the generated HTML (attribute values in double quotes).
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    out
}

/// Checks that every reference in every page of the tree at `dir` is relative and names a file
/// of the tree (resolved against `<base href="../">` for pages under `site/`).
pub(crate) fn assert_links_resolve(dir: &Path) {
    let mut pages = vec![dir.join(INDEX)];
    for entry in std::fs::read_dir(dir.join(DIR)).unwrap() {
        pages.push(entry.unwrap().path());
    }
    let mut checked = 0;
    for page in pages
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
    {
        let html = std::fs::read_to_string(page).unwrap();
        let based = html.contains("<base href=\"../\">");
        for reference in references(&html.replace("<base href=\"../\">", "")) {
            if reference == "data:," {
                continue; // the empty icon: no favicon request to the host's root
            }
            if reference.starts_with("https://") && !reference.contains("example.org/fa/b2") {
                continue; // a link in an article body, to another site: followed only by choice
            }
            assert!(
                !reference.contains(':') && !reference.starts_with('/'),
                "{}: {reference} is not relative",
                page.display()
            );
            let base: PathBuf = if page.parent() == Some(dir) || based {
                dir.to_path_buf()
            } else {
                page.parent().unwrap().to_path_buf()
            };
            let target = base.join(&reference);
            assert!(
                target.is_file(),
                "{}: {reference} does not resolve",
                page.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}

#[test]
fn every_link_resolves_to_a_file_of_the_tree() {
    let (mut articles, comments) = fixture();
    for n in 0..45 {
        let a = article(&format!("n{n}"), "خبر", JULY_17_2018 + n * 3600);
        articles.insert(a.id.clone(), a);
    }
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    std::fs::write(media.join(format!("{}.jpg", "a".repeat(64))), b"jpg").unwrap();
    std::fs::write(media.join(format!("{}.png", "b".repeat(64))), b"png").unwrap();
    let key = SecretKey::generate().public();
    let head = head();
    let report = write(
        dir.path(),
        &SiteInput {
            publisher: "p",
            key: &key,
            head: &head,
            mirrors: &[],
            articles: &articles,
            comments: &comments,
        },
    )
    .unwrap();
    // 47 articles: three archive pages.
    assert!(report.written.contains(&"site/page-3.html".to_string()));
    assert!(!dir.path().join("site/page-4.html").exists());
    assert_links_resolve(dir.path());
}

#[test]
fn only_generated_names_are_site_paths() {
    for ok in [
        INDEX,
        STYLE,
        ABOUT,
        "site/page-12.html",
        "site/article-a.b_c-1.html",
    ] {
        assert!(is_site_path(ok), "{ok}");
    }
    for bad in [
        "site/page-01.html",
        "site/page-.html",
        "site/article-.html",
        "site/article-..html",
        "site/other.html",
        "site/article-a/b.html",
        "site/x.css",
        "index.htm",
        "site/",
        "../index.html",
    ] {
        assert!(!is_site_path(bad), "{bad}");
    }
}

fn source(n: u64) -> SourceArticle {
    let at = JULY_17_2018 + n as i64 * 3600;
    SourceArticle {
        comments: vec![SourceComment {
            id: format!("c{n}"),
            author: "کارو".into(),
            body: "نظر".into(),
            posted_at: at + 60,
        }],
        ..SourceArticle::numbered(n, at)
    }
}

/// Each site file's bytes and modification time.
fn site_files(dir: &Path) -> BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut paths = vec![INDEX.to_string()];
    for entry in std::fs::read_dir(dir.join(DIR)).unwrap() {
        paths.push(format!(
            "{DIR}/{}",
            entry.unwrap().file_name().to_str().unwrap()
        ));
    }
    for p in paths {
        let path = dir.join(&p);
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        out.insert(p, (std::fs::read(&path).unwrap(), modified));
    }
    out
}

#[test]
fn a_publish_of_ten_more_articles_rewrites_only_the_pages_that_change() {
    let dir = tempfile::tempdir().unwrap();
    let key = SecretKey::generate();
    let now = JULY_17_2018 + 100 * 3600;
    let first = publish(
        dir.path(),
        &key,
        (0..30).map(source).collect(),
        &PublishOptions::new(now, "رادیو"),
    )
    .unwrap();
    // The style, the index, 2 archive pages, 30 articles, the about page.
    assert_eq!(first.site.written.len(), 35);
    let before = site_files(dir.path());

    let second = publish(
        dir.path(),
        &key,
        (0..40).map(source).collect(),
        &PublishOptions::new(now + 60, "رادیو"),
    )
    .unwrap();
    let mut expected: BTreeSet<String> = (30..40).map(|n| article_page(&format!("a{n}"))).collect();
    // The front page, the newest archive page (now full) and the about page (a new head).
    expected.extend([INDEX.into(), archive_page(2), ABOUT.into()]);
    let written: BTreeSet<String> = second.site.written.iter().cloned().collect();
    assert_eq!(written, expected);
    assert_eq!(second.site.unchanged, 32);
    let after = site_files(dir.path());
    assert_eq!(after.len(), before.len() + 10);
    for (path, (bytes, modified)) in &before {
        if !expected.contains(path) {
            assert_eq!(
                &after[path],
                &(bytes.clone(), *modified),
                "{path} was rewritten"
            );
        } else {
            assert_ne!(&after[path].0, bytes, "{path} was expected to change");
        }
    }

    // An article that leaves the tree takes its page with it.
    let third = publish(
        dir.path(),
        &key,
        (1..40).map(source).collect(),
        &PublishOptions::new(now + 120, "رادیو"),
    )
    .unwrap();
    assert_eq!(third.site.removed, vec![article_page("a0")]);
    assert!(!dir.path().join(article_page("a0")).exists());
    assert_links_resolve(dir.path());

    // Nothing new: nothing written.
    let fourth = publish(
        dir.path(),
        &key,
        (1..40).map(source).collect(),
        &PublishOptions::new(now + 180, "رادیو"),
    )
    .unwrap();
    assert!(fourth.site.written.is_empty());
    assert!(fourth.site.removed.is_empty());
}
