//! Offline search on the seed page's text.

use super::*;
use article_sync_test_support::seed::{SEED_PAGE, seed_paragraphs};

/// The seed page as an article with its reader comment.
fn seed_store() -> (TempDir, Store) {
    let (dir, path) = temp();
    let store = open(&path);
    let paras = seed_paragraphs();
    let mut seed = article("seed", 1, 1_531_800_000);
    seed.title = paras[0].to_owned();
    seed.summary = paras[1].to_owned();
    seed.body_html = paras[2..].iter().map(|p| format!("<p>{p}</p>")).collect();
    let reader_comment = SEED_PAGE
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .expect("the seed ends with a comment");
    let mut joined = article("zwnj", 1, 10);
    joined.title = "خبری که نمی‌شود گفت".into();
    joined.body_html = "<p>این متن نیم‌فاصله دارد: سه‌شنبه و گفت‌وگو.</p>".into();
    let mut arabic = article("arabic", 1, 20);
    arabic.title = "كتاب علي".into();
    arabic.body_html = "<p>مُحَمَّد و كـــتاب</p>".into();
    apply(
        &store,
        vec![
            put(seed),
            put(joined),
            put(arabic),
            Change::PutComment {
                comment: comment("karo", "seed", reader_comment),
            },
        ],
    )
    .unwrap();
    (dir, store)
}

#[test]
fn zwnj_and_its_absence_find_each_other_both_ways() {
    let (_dir, store) = seed_store();
    // The seed page lost its ZWNJs; the "zwnj" article has them.
    for q in ["گفت‌وگو", "گفتوگو"] {
        let hits = found(&store, q);
        assert!(
            hits.contains(&"seed".to_string()),
            "{q} finds the seed: {hits:?}"
        );
        assert!(
            hits.contains(&"zwnj".to_string()),
            "{q} finds the zwnj article: {hits:?}"
        );
    }
    for q in ["سه‌شنبه", "سهشنبه", "سه شنبه"] {
        assert_eq!(found(&store, q).len(), 2, "{q}");
    }
    for q in ["نمی‌شود", "نمیشود", "نمی شود"] {
        assert_eq!(found(&store, q), ["zwnj"], "{q}");
    }
}

#[test]
fn arabic_and_persian_letter_variants_find_each_other() {
    let (_dir, store) = seed_store();
    assert_eq!(found(&store, "رئيس جمهور"), ["seed"]);
    assert_eq!(found(&store, "كشور"), ["seed"]);
    assert_eq!(found(&store, "کتاب علی"), ["arabic"]);
    assert_eq!(found(&store, "كتاب"), ["arabic"]);
}

#[test]
fn persian_arabic_indic_and_latin_digits_find_the_date() {
    let (_dir, store) = seed_store();
    for q in ["۱۷ ژوئیه", "17 ژوئیه", "١٧ ژوئیه"] {
        let hits = store.search(q, &SearchOptions::default()).unwrap();
        assert_eq!(hits.len(), 1, "{q}");
        assert!(
            hits[0].snippet.contains("[۱۷] [ژوئیه]"),
            "{q}: {}",
            hits[0].snippet
        );
    }
}

#[test]
fn diacritics_and_tatweel_are_ignored() {
    let (_dir, store) = seed_store();
    assert_eq!(found(&store, "پوتِین"), ["seed"]);
    assert_eq!(found(&store, "محمد"), ["arabic"]);
    assert_eq!(found(&store, "مُحَمَّد"), ["arabic"]);
    assert_eq!(found(&store, "کتاب"), ["arabic"]);
}

#[test]
fn snippets_show_the_original_text_with_configurable_markers() {
    let (_dir, store) = seed_store();
    let opts = SearchOptions {
        open: "<b>".into(),
        close: "</b>".into(),
        ..SearchOptions::default()
    };
    let hits = store.search("سهشنبه", &opts).unwrap();
    let zwnj = hits.iter().find(|h| h.article.id == "zwnj").unwrap();
    // The reader typed no ZWNJ; the snippet shows the article's own spelling.
    assert!(zwnj.snippet.contains("<b>سه‌شنبه</b>"), "{}", zwnj.snippet);
    let hits = store.search("نمیشود", &opts).unwrap();
    let zwnj = hits.iter().find(|h| h.article.id == "zwnj").unwrap();
    assert_eq!(zwnj.title, "خبری که <b>نمی‌شود</b> گفت");
}

#[test]
fn a_query_typed_differently_highlights_the_text_as_written() {
    let (_dir, store) = seed_store();
    let snippet = |query: &str, id: &str| {
        let hits = store.search(query, &SearchOptions::default()).unwrap();
        let hit = hits.iter().find(|h| h.article.id == id);
        hit.unwrap_or_else(|| panic!("{query} finds {id}: {hits:?}"))
            .snippet
            .clone()
    };
    // Typed with a space: the ZWNJ spelling and the joined one are marked whole.
    let s = snippet("سه شنبه", "zwnj");
    assert!(s.contains("[سه‌شنبه]"), "{s}");
    let s = snippet("سه شنبه", "seed");
    assert!(s.contains("[سهشنبه]"), "{s}");
    let s = snippet("گفت و گو", "zwnj");
    assert!(s.contains("[گفت‌وگو]"), "{s}");

    // Written with a space, typed with ZWNJ: the two parts are marked as one word.
    let mut apart = article("apart", 1, 30);
    apart.body_html = "<p>تجمع صبح سه شنبه و گفت و گو با کارگران</p>".into();
    apply(&store, vec![put(apart)]).unwrap();
    let s = snippet("سه‌شنبه گفت‌وگو", "apart");
    assert!(s.contains("[سه شنبه] و [گفت و گو]"), "{s}");
}

#[test]
fn a_hamza_seat_and_the_other_spellings_find_and_mark_each_other() {
    let (_dir, store) = seed_store();
    let spellings = [("ya", "مسئله"), ("alef", "مسأله"), ("none", "مساله")];
    let mut puts = Vec::new();
    for (id, word) in spellings {
        let mut a = article(id, 1, 40);
        a.body_html = format!("<p>کارشناسان درباره {word} آب هشدار دادند</p>");
        puts.push(put(a));
    }
    let mut rais = article("rais", 1, 50);
    rais.body_html = "<p>رئیس سازمان آب</p>".into();
    puts.push(put(rais));
    apply(&store, puts).unwrap();
    for query in ["مسئله", "مسأله", "مساله آب"] {
        let hits = store.search(query, &SearchOptions::default()).unwrap();
        let mut ids: Vec<&str> = hits.iter().map(|h| h.article.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["alef", "none", "ya"], "{query}");
        for hit in &hits {
            // Each article's own spelling is marked.
            let (_, word) = spellings
                .iter()
                .find(|(id, _)| *id == hit.article.id)
                .unwrap();
            assert!(
                hit.snippet.contains(&format!("[{word}]")),
                "{query}: {}",
                hit.snippet
            );
        }
    }
    // Before `ی` only the fold's spelling: `رئیس` is `رییس`, never `رایس` (Rice).
    assert_eq!(found(&store, "رییس سازمان"), ["rais"]);
    assert!(found(&store, "رایس").is_empty());
}

#[test]
fn plural_and_possessive_suffixes_find_each_other() {
    let (_dir, path) = temp();
    let store = open(&path);
    let mut plural = article("plural", 1, 1);
    plural.title = "کتاب‌های ممنوع".into();
    let mut apart = article("apart", 1, 2);
    apart.title = "کتاب ها در انبار".into();
    let mut single = article("single", 1, 3);
    single.title = "یک کتاب تازه".into();
    let mut other = article("other", 1, 4);
    other.title = "کتابخانه ملی".into();
    apply(
        &store,
        vec![put(plural), put(apart), put(single), put(other)],
    )
    .unwrap();
    for q in ["کتابها", "کتاب ها", "کتاب‌های"] {
        let mut hits = found(&store, q);
        hits.sort();
        assert_eq!(hits, ["apart", "plural", "single"], "{q}");
    }
    // Not the last word: no prefix, so `کتابخانه` is not `کتاب`.
    assert_eq!(found(&store, "کتاب ممنوع"), ["plural"]);
}

#[test]
fn comments_are_searched() {
    let (_dir, store) = seed_store();
    // Only the reader comment says "همۀ نیروهای خارجی" (with ۀ).
    let hits = store
        .search("همه نیروهای خارجی", &SearchOptions::default())
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert!(
        hits[0].snippet.contains("[همۀ] [نیروهای] [خارجی]"),
        "{}",
        hits[0].snippet
    );
}

#[test]
fn the_last_word_matches_as_a_prefix() {
    let (_dir, store) = seed_store();
    assert_eq!(found(&store, "هلسین"), ["seed"]);
    assert_eq!(found(&store, "هلسینکی ترام"), ["seed"]);
    assert_eq!(found(&store, "هلسینکی ترامپ کشو"), ["seed"]);
    assert!(
        found(&store, "هلسین ترامپ").is_empty(),
        "only the last word is a prefix"
    );
}

#[test]
fn title_matches_rank_above_body_matches() {
    let (_dir, path) = temp();
    let store = open(&path);
    let mut body = article("body", 1, 2);
    body.body_html = "<p>گزارشی درباره اجلاس هلسینکی و دیگر موضوعات</p>".into();
    let mut title = article("title", 1, 1);
    title.title = "اجلاس هلسینکی".into();
    apply(&store, vec![put(body), put(title)]).unwrap();
    assert_eq!(found(&store, "هلسینکی"), ["title", "body"]);
}

#[test]
fn no_user_input_is_an_fts_syntax_error() {
    let (_dir, store) = seed_store();
    for q in [
        "\"",
        "'",
        "*",
        "(",
        ")",
        "AND",
        "OR NOT",
        "NEAR(a b)",
        "a:b",
        "-x",
        "^x",
        "{a}",
        "",
        "   ",
        "\u{200C}",
        "ـــ",
        "\"سوریه",
        "سوریه\" OR",
        "title:سوریه",
        "سوریه*",
    ] {
        store
            .search(q, &SearchOptions::default())
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
    assert_eq!(found(&store, "(سوریه\""), ["seed"]);
}

#[test]
fn html_is_stripped_before_indexing() {
    let (_dir, path) = temp();
    let store = open(&path);
    let mut a = article("a", 1, 1);
    a.body_html = r#"<p class="lead">سلام&nbsp;دنیا</p><figure><img src="x.jpg" alt="تصویر"><figcaption>عکس از آرشیو</figcaption></figure>"#.into();
    apply(&store, vec![put(a)]).unwrap();
    assert!(
        found(&store, "lead").is_empty(),
        "attribute values are not text"
    );
    assert!(found(&store, "class").is_empty());
    assert_eq!(found(&store, "دنیا"), ["a"]);
    assert_eq!(found(&store, "آرشیو"), ["a"]);
}

#[test]
fn an_ampersand_before_persian_text_is_kept_not_a_panic() {
    use crate::content::html_to_text;
    assert_eq!(html_to_text("&nbsp; الفوعه"), "\u{a0} الفوعه");
    assert_eq!(html_to_text("a & الفوعه; b"), "a & الفوعه; b");
    assert_eq!(html_to_text("&الف;"), "&الف;");
}

#[test]
fn after_a_snapshot_the_index_is_rebuilt_in_resumable_batches() {
    let (_dir, path) = temp();
    let store = open(&path);
    apply(&store, vec![put(article("old", 1, 1))]).unwrap();
    assert_eq!(found(&store, "عنوان"), ["old"]);

    let articles: Vec<Article> = (0..5)
        .map(|i| {
            let mut a = article(&format!("s{i}"), 1, 10 + i);
            a.title = format!("هلسینکی {i}");
            a
        })
        .collect();
    let items: Vec<PartItem> = articles.iter().cloned().map(PartItem::Article).collect();
    store.apply_snapshot_items(10, "s", 0, &items).unwrap();
    store.finish_snapshot(10, "ff").unwrap();
    assert!(store.search_rebuild_pending().unwrap());
    assert_eq!(
        store.counts().unwrap().total,
        5,
        "readable before searchable"
    );
    assert!(found(&store, "هلسینکی").is_empty(), "not indexed yet");

    let step = store.rebuild_search_step(2).unwrap().unwrap();
    assert_eq!((step.indexed, step.finished), (2, false));
    assert_eq!(found(&store, "هلسینکی").len(), 2);
    assert_eq!(
        merging(&store),
        (0, 1000),
        "segments wait for the final merge"
    );
    assert!(found(&store, "عنوان").is_empty(), "the old index is gone");

    // An edit of an article the rebuild has not reached yet, then a reopen (a killed app).
    let mut edited = articles[4].clone();
    edited.revision = 2;
    edited.title = "ترامپ و پوتین".into();
    store
        .apply_entries(
            &[Entry {
                seq: 11,
                change: Change::PutArticle { article: edited },
            }],
            11,
            "ee",
        )
        .unwrap();
    drop(store);
    let store = open(&path);
    assert!(store.search_rebuild_pending().unwrap());
    while !store.rebuild_search_step(2).unwrap().unwrap().finished {}
    assert!(!store.search_rebuild_pending().unwrap());
    assert_eq!(store.rebuild_search_step(2).unwrap(), None);
    assert_eq!(found(&store, "هلسینکی").len(), 4);
    assert_eq!(found(&store, "پوتین"), ["s4"]);
    assert_eq!(merging(&store), (4, 16), "FTS5's defaults are back");
}

/// The search table's `automerge` and `crisismerge` settings.
fn merging(store: &Store) -> (i64, i64) {
    let setting = |c: &rusqlite::Connection, k: &str| -> rusqlite::Result<i64> {
        c.query_row("SELECT v FROM search_config WHERE k = ?1", [k], |r| {
            r.get(0)
        })
    };
    store
        .db
        .read(|c| Ok((setting(c, "automerge")?, setting(c, "crisismerge")?)))
        .unwrap()
}

#[test]
fn a_rebuild_step_stops_after_a_few_mebibytes_of_text_and_goes_on_from_there() {
    let (_dir, path) = temp();
    let store = open(&path);
    // Four articles of 3 MiB each: the third passes the step's 8 MiB, the fourth waits.
    let words = "هلسینکی ".repeat((3 << 20) / "هلسینکی ".len());
    let items: Vec<PartItem> = (0..4)
        .map(|i| {
            let mut a = article(&format!("big{i}"), 1, 10 + i);
            a.body_html = format!("<p>{words}</p>");
            PartItem::Article(a)
        })
        .collect();
    store.apply_snapshot_items(10, "s", 0, &items).unwrap();
    store.finish_snapshot(10, "ff").unwrap();
    let step = store.rebuild_search_step(500).unwrap().unwrap();
    assert_eq!((step.indexed, step.finished), (3, false));
    let step = store.rebuild_search_step(500).unwrap().unwrap();
    assert_eq!((step.indexed, step.finished), (1, true));
    assert_eq!(found(&store, "هلسینکی").len(), 4);
}
