//! The reader commands that work on the database alone, offline: `status`, `list`, `read`,
//! `search`, `bookmark`, `comment`, `outbox`, `mirrors`, `wipe`.

use serde_json::{Value, json};

use article_sync_core::net::{ConnectionState, Route, RouteHealth, RouteSource};
use article_sync_core::store::{self, ListFilter, SearchOptions, Store, StoreConfig};

use super::show::{self, print_json};
use super::{
    BookmarkArgs, CommentArgs, ListArgs, MirrorsAction, MirrorsArgs, OutboxArgs, ReadArgs,
    SearchArgs, Settings, StatusArgs, WipeArgs,
};
use crate::error::Failure;
use crate::text;

/// Opens the database, which must exist (only `sync` and `mirrors add` create it).
fn open_existing(settings: &Settings) -> Result<Store, Failure> {
    let path = &settings.database;
    if !path.is_file() {
        return Err(Failure::failed(format!(
            "no database at {}; run `article-sync sync --db {0} --key PUBFILE --main URL` first",
            path.display()
        )));
    }
    open(settings)
}

/// Opens (or creates) the database, creating its folder.
pub fn open(settings: &Settings) -> Result<Store, Failure> {
    let path = &settings.database;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            Failure::failed(format!("cannot create the folder {}: {e}", dir.display()))
        })?;
    }
    let config = StoreConfig {
        budget_bytes: settings.budget_bytes,
        ..StoreConfig::default()
    };
    Store::open(path, config).map_err(|e| {
        Failure::failed(format!(
            "cannot open the database {}: {e} (`article-sync wipe` deletes it)",
            path.display()
        ))
    })
}

fn article_exists(store: &Store, id: &str) -> Result<(), Failure> {
    match store.article(id)? {
        Some(_) => Ok(()),
        None => Err(no_such_article(id)),
    }
}

fn no_such_article(id: &str) -> Failure {
    Failure::failed(format!(
        "no article {id:?} in the database; `article-sync list` or `search` shows the ids"
    ))
}

pub fn status(args: StatusArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let store = open_existing(&settings)?;
    let last = store.last_connection()?;
    let position = store.sync_position()?;
    let counts = store.counts()?;
    let usage = store.usage()?;
    let routes = store.routes()?;
    let queued = store
        .outbox()?
        .iter()
        .filter(|i| i.state != store::OutboxState::Sent)
        .count();
    let (state, route, at) = match &last {
        Some(l) => (l.state.clone(), l.route.clone(), Some(l.at)),
        None => (ConnectionState::Unknown, None, None),
    };
    if settings.json {
        let mut v = show::connection_json(&state, route.as_deref());
        if let Some(obj) = v.as_object_mut() {
            obj.insert("last_sync_at".into(), json!(at));
            obj.insert("head_version".into(), json!(position.head_version));
            obj.insert("log_seq".into(), json!(position.log_seq));
            obj.insert(
                "articles".into(),
                json!({"total": counts.total, "unread": counts.unread, "bookmarked": counts.bookmarked}),
            );
            obj.insert("outbox".into(), json!(queued));
            obj.insert(
                "storage".into(),
                json!({"bodies": usage.bodies, "media": usage.media, "budget": usage.budget,
                       "evicted_articles": usage.evicted_articles}),
            );
            obj.insert(
                "routes".into(),
                Value::Array(routes.iter().map(show::route_json).collect()),
            );
        }
        print_json(&v);
        return Ok(());
    }
    let [fa, en] = show::banner_lines(&state);
    println!("{fa}");
    println!("{en}");
    match (&route, at) {
        (Some(r), Some(at)) => println!("last sync {} via {r}", text::date(at)),
        (None, Some(at)) => println!("last sync {} found no route", text::date(at)),
        _ => println!("no sync yet"),
    }
    for line in show::evidence_lines(&state) {
        println!("  {line}");
    }
    println!(
        "{} articles ({} unread, {} bookmarked), head version {}, {} of {} used, {} comment(s) in the outbox",
        counts.total,
        counts.unread,
        counts.bookmarked,
        position.head_version,
        text::bytes(usage.total()),
        text::bytes(usage.budget),
        queued
    );
    if !routes.is_empty() {
        println!("routes:");
        for r in &routes {
            println!("  {}", show::route_line(r));
        }
    }
    Ok(())
}

pub fn list(args: ListArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let store = open_existing(&settings)?;
    let filter = match (&args.tag, args.bookmarked, args.unread) {
        (Some(tag), _, _) => ListFilter::Tag(tag.clone()),
        (None, true, _) => ListFilter::Bookmarked,
        (None, false, true) => ListFilter::Unread,
        _ => ListFilter::All,
    };
    let page = store.list(&filter, None, args.limit)?;
    if settings.json {
        print_json(&Value::Array(
            page.items.iter().map(show::summary_json).collect(),
        ));
    } else if page.items.is_empty() {
        println!("no articles");
    } else {
        for a in &page.items {
            println!("{}", show::summary_line(a));
        }
    }
    Ok(())
}

pub fn read(args: ReadArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let store = open_existing(&settings)?;
    let view = store
        .article(&args.id)?
        .ok_or_else(|| no_such_article(&args.id))?;
    store.set_read(&args.id, true)?;
    if settings.json {
        print_json(&show::article_json(&view));
    } else {
        println!("{}", show::article_text(&view));
    }
    Ok(())
}

pub fn search(args: SearchArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let store = open_existing(&settings)?;
    let options = SearchOptions {
        limit: args.limit,
        ..SearchOptions::default()
    };
    let hits = store.search(&args.query, &options)?;
    if settings.json {
        print_json(&Value::Array(hits.iter().map(show::hit_json).collect()));
    } else if hits.is_empty() {
        println!("nothing found for «{}»", args.query);
    } else {
        for h in &hits {
            println!(
                "{}  {}\n    {}\n    {}",
                text::date(h.article.published_at),
                h.article.id,
                h.title,
                h.snippet
            );
        }
    }
    Ok(())
}

pub fn bookmark(args: BookmarkArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let store = open_existing(&settings)?;
    article_exists(&store, &args.id)?;
    store.set_bookmarked(&args.id, !args.remove)?;
    if settings.json {
        print_json(&json!({"id": args.id, "bookmarked": !args.remove}));
    } else if args.remove {
        println!("bookmark removed: {}", args.id);
    } else {
        println!("bookmarked: {}", args.id);
    }
    Ok(())
}

pub fn comment(args: CommentArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let (author, body) = (args.author.trim(), args.text.trim());
    if author.is_empty() || body.is_empty() {
        return Err(Failure::usage(
            "a comment needs a non-empty --author and --text",
        ));
    }
    let store = open_existing(&settings)?;
    article_exists(&store, &args.id)?;
    let item = store.queue_comment(&args.id, author, body)?;
    if settings.json {
        print_json(&show::outbox_json(&item));
    } else {
        println!(
            "queued comment {} on {} (it is sent when a route to the publisher accepts comments)",
            item.id, item.article_id
        );
    }
    Ok(())
}

pub fn outbox(args: OutboxArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let store = open_existing(&settings)?;
    let items = store.outbox()?;
    if settings.json {
        print_json(&Value::Array(items.iter().map(show::outbox_json).collect()));
    } else if items.is_empty() {
        println!("the outbox is empty");
    } else {
        for i in &items {
            println!(
                "#{} {} on {} by {} ({} attempt(s))\n    {}",
                i.id,
                i.state.as_str(),
                i.article_id,
                i.author,
                i.attempts,
                i.body
            );
        }
    }
    Ok(())
}

pub fn mirrors(args: MirrorsArgs) -> Result<(), Failure> {
    match args.action {
        MirrorsAction::Add { reader, url } => {
            let settings = Settings::resolve(&reader)?;
            let route = if url.starts_with('/') {
                Route::folder(std::path::Path::new(&url))
            } else {
                Route::parse(&url, RouteSource::User)
            }
            .map_err(|e| Failure::usage(format!("not a mirror: {e}")))?;
            let store = open(&settings)?;
            let known = store.routes()?.into_iter().find(|h| h.url == route.id());
            let added = known.is_none();
            if added {
                store.save_route(&RouteHealth::new(route.id(), route.source()))?;
            }
            if settings.json {
                print_json(
                    &json!({"url": route.id(), "source": route.source().as_str(), "added": added}),
                );
            } else if added {
                println!("added {}; the next sync races it too", route.id());
            } else {
                println!("{} is already known", route.id());
            }
            Ok(())
        }
        MirrorsAction::List { reader } => {
            let settings = Settings::resolve(&reader)?;
            let mut routes = if settings.database.is_file() {
                open(&settings)?.routes()?
            } else {
                Vec::new()
            };
            // Configured routes not tried yet.
            let configured = settings
                .main
                .iter()
                .map(|m| (m.clone(), RouteSource::Main))
                .chain(
                    settings
                        .mirrors
                        .iter()
                        .map(|m| (m.clone(), RouteSource::BuiltIn)),
                );
            for (url, source) in configured {
                if let Ok(route) = Route::parse(&url, source)
                    && !routes.iter().any(|h| h.url == route.id())
                {
                    routes.push(RouteHealth::new(route.id(), source));
                }
            }
            if settings.json {
                print_json(&Value::Array(routes.iter().map(show::route_json).collect()));
            } else if routes.is_empty() {
                println!(
                    "no routes known; pass --main URL or add one with `article-sync mirrors add URL`"
                );
            } else {
                for r in &routes {
                    println!("{}", show::route_line(r));
                }
            }
            Ok(())
        }
    }
}

pub fn wipe(args: WipeArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let path = &settings.database;
    let existed = path.exists();
    store::wipe_files(path).map_err(|e| {
        Failure::failed(format!(
            "cannot delete the database {}: {e}",
            path.display()
        ))
    })?;
    if settings.json {
        print_json(&json!({"database": path, "wiped": existed}));
    } else if existed {
        println!("deleted {} and its journal files", path.display());
    } else {
        println!("nothing to delete at {}", path.display());
    }
    Ok(())
}
