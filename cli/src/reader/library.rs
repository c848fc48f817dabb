//! The reader commands that work on the database alone, offline: `status`, `list`, `read`,
//! `search`, `bookmark`, `comment`, `outbox`, `mirrors`, `wipe`.

use serde_json::{Value, json};

use article_sync_core::net::{Route, RouteHealth, RouteSource};
use article_sync_core::reader::{self, OfflineConfig, Reader, ReaderError};
use article_sync_core::store::{self, ListFilter, OutboxState, SearchOptions};

use super::show::{self, print_json};
use super::{
    BookmarkArgs, CommentArgs, ListArgs, MirrorsAction, MirrorsArgs, OutboxArgs, ReadArgs,
    SearchArgs, Settings, StatusArgs, WipeArgs,
};
use crate::error::Failure;
use crate::say;
use crate::text;

/// Opens the reader's database offline (no routes, no key needed); it must exist unless
/// `create` is set.
pub(crate) fn open(settings: &Settings, create: bool) -> Result<Reader, Failure> {
    let config = OfflineConfig {
        database: settings.database.clone(),
        storage_budget_bytes: settings.budget_bytes,
        create,
    };
    Reader::open_offline(config).map_err(|e| match e {
        ReaderError::Store(e) => super::sync::open_failure(&settings.database, &e),
        e => e.into(),
    })
}

pub fn status(args: StatusArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let reader = open(&settings, false)?;
    let connection = reader.connection()?;
    let position = reader.sync_position()?;
    let counts = reader.counts()?;
    let usage = reader.usage()?;
    let routes = reader.routes()?;
    let queued = reader
        .outbox()?
        .iter()
        .filter(|i| i.state != store::OutboxState::Sent)
        .count();
    let (state, route) = (&connection.state, connection.route.clone());
    let at = (connection.checked_at != 0).then_some(connection.checked_at);
    if settings.json {
        let mut v = show::connection_json(state, route.as_deref());
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
                json!({"bodies": usage.bodies, "media": usage.media, "copy": usage.copy,
                       "budget": usage.budget,
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
    let [fa, en] = show::banner_lines(state);
    say!("{fa}");
    say!("{en}");
    match (&route, at) {
        (Some(r), Some(at)) => say!("last sync {} via {r}", text::date(at)),
        (None, Some(at)) => say!("last sync {} found no route", text::date(at)),
        _ => say!("no sync yet"),
    }
    for line in show::evidence_lines(state) {
        say!("  {line}");
    }
    say!(
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
        say!("routes:");
        for r in &routes {
            say!("  {}", show::route_line(r));
        }
    }
    Ok(())
}

pub fn list(args: ListArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let reader = open(&settings, false)?;
    let filter = match (&args.tag, args.bookmarked, args.unread) {
        (Some(tag), _, _) => ListFilter::Tag(tag.clone()),
        (None, true, _) => ListFilter::Bookmarked,
        (None, false, true) => ListFilter::Unread,
        _ => ListFilter::All,
    };
    let page = reader.list(&filter, None, args.limit)?;
    if settings.json {
        print_json(&Value::Array(
            page.items.iter().map(show::summary_json).collect(),
        ));
    } else if page.items.is_empty() {
        say!("no articles");
    } else {
        for a in &page.items {
            say!("{}", show::summary_line(a));
        }
    }
    Ok(())
}

pub fn read(args: ReadArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let reader = open(&settings, false)?;
    let view = reader
        .article(&args.id)?
        .ok_or_else(|| ReaderError::NotFound {
            what: format!("article {:?}", args.id),
        })?;
    reader.set_read(&args.id, true)?;
    if settings.json {
        print_json(&show::article_json(&view));
    } else {
        say!("{}", show::article_text(&view));
    }
    Ok(())
}

pub fn search(args: SearchArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let reader = open(&settings, false)?;
    let options = SearchOptions {
        limit: args.limit,
        ..SearchOptions::default()
    };
    let hits = reader.search(&args.query, &options)?;
    if settings.json {
        print_json(&Value::Array(hits.iter().map(show::hit_json).collect()));
    } else if hits.is_empty() {
        say!("nothing found for «{}»", args.query);
    } else {
        for h in &hits {
            say!(
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
    let reader = open(&settings, false)?;
    reader.set_bookmarked(&args.id, !args.remove)?;
    if settings.json {
        print_json(&json!({"id": args.id, "bookmarked": !args.remove}));
    } else if args.remove {
        say!("bookmark removed: {}", args.id);
    } else {
        say!("bookmarked: {}", args.id);
    }
    Ok(())
}

pub fn comment(args: CommentArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let reader = open(&settings, false)?;
    let article = args.id.or(args.article).unwrap_or_default();
    let item = reader.compose_comment(&article, &args.author, &args.text)?;
    if settings.json {
        print_json(&show::outbox_json(&item));
    } else {
        say!(
            "queued comment {} on {} (the next sync sends it to the publisher)",
            item.id,
            item.article_id
        );
    }
    Ok(())
}

pub fn outbox(args: OutboxArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let reader = open(&settings, false)?;
    let items = reader.outbox()?;
    if settings.json {
        print_json(&Value::Array(items.iter().map(show::outbox_json).collect()));
    } else if items.is_empty() {
        say!("the outbox is empty");
    } else {
        for i in &items {
            let why = match (i.state, &i.reason, &i.last_error) {
                (OutboxState::Rejected, Some(reason), _) => format!(": {reason}"),
                (OutboxState::Waiting, _, Some(error)) => {
                    format!(" ({} failed attempt(s): {error})", i.attempts)
                }
                (OutboxState::Sent | OutboxState::Published, _, _) => {
                    format!(" via {}", i.route.as_deref().unwrap_or("?"))
                }
                _ => String::new(),
            };
            say!(
                "#{} {}{} on {} by {}\n    {}",
                i.id,
                i.state.as_str(),
                why,
                i.article_id,
                i.author,
                i.body
            );
        }
    }
    Ok(())
}

pub fn mirrors(args: MirrorsArgs) -> Result<(), Failure> {
    match args.action {
        MirrorsAction::Add { reader: args, url } => {
            let settings = Settings::resolve(&args)?;
            let reader = open(&settings, true)?;
            let known: Vec<String> = reader.routes()?.into_iter().map(|h| h.url).collect();
            let id = reader.add_mirror(&url).map_err(|e| match e {
                ReaderError::BadArgument { reason, .. } => {
                    Failure::usage(format!("not a mirror: {reason}"))
                }
                e => e.into(),
            })?;
            let added = !known.contains(&id);
            let source = reader
                .routes()?
                .into_iter()
                .find(|h| h.url == id)
                .map_or("user", |h| h.source.as_str());
            if settings.json {
                print_json(&json!({"url": id, "source": source, "added": added}));
            } else if added {
                say!("added {id}; the next sync races it too");
            } else {
                say!("{id} is already known");
            }
            Ok(())
        }
        MirrorsAction::List { reader: args } => {
            let settings = Settings::resolve(&args)?;
            let mut routes = if settings.database.is_file() {
                open(&settings, false)?.routes()?
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
                say!(
                    "no routes known; pass --main URL or add one with `article-sync mirrors add URL`"
                );
            } else {
                for r in &routes {
                    say!("{}", show::route_line(r));
                }
            }
            Ok(())
        }
    }
}

pub fn wipe(args: WipeArgs) -> Result<(), Failure> {
    let settings = Settings::resolve(&args.reader)?;
    let path = &settings.database;
    let existed = reader::wipe_database(path).map_err(|e| {
        Failure::failed(format!(
            "cannot delete the database {}: {e}",
            path.display()
        ))
    })?;
    if settings.json {
        print_json(&json!({"database": path, "wiped": existed}));
    } else if existed {
        say!("deleted {} and its journal files", path.display());
    } else {
        say!("nothing to delete at {}", path.display());
    }
    Ok(())
}
