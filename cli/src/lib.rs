//! The article-sync command-line tool. Each command lives in a module of its own; `main.rs`
//! only parses arguments and prints the error.
//!
//! - [`commands`]: publisher commands (`keygen`, `publish`).
//! - [`comments`]: the publisher's comment endpoint (`inbox`), `relay` and moderation.
//! - [`serve`]: a tree on loopback with switchable faults.
//! - [`reader`]: the reader commands on a real database (`sync`, `status`, `list`, …).
//! - [`demo`]: the whole story in one command, on loopback.
//! - [`bench`]: the benchmark against newsboat and the floors.

use clap::{Parser, Subcommand};

pub mod bench;
pub mod commands;
pub mod comments;
pub mod corpus;
pub mod demo;
pub mod error;
pub mod photos;
pub mod reader;
pub mod serve;
pub mod text;

use error::Failure;

const AFTER_HELP: &str = "\
Exit status: 0 success; 1 the operation failed (no route, bad content, storage, no such \
article, a demo scenario not in its expected state); 2 bad flags or configuration (unknown \
flag, missing or invalid publisher key or main URL, unreadable configuration file). Errors are \
one line on stderr; -v adds the evidence.

Reader configuration, lowest to highest precedence: the configuration file \
($XDG_CONFIG_HOME/article-sync/config.toml, or --config FILE / ARTICLE_SYNC_CONFIG, TOML or \
JSON), environment variables (ARTICLE_SYNC_DB, ARTICLE_SYNC_KEY, ARTICLE_SYNC_MAIN, \
ARTICLE_SYNC_MIRRORS, ARTICLE_SYNC_PROBES_INTL, ARTICLE_SYNC_PROBES_DOMESTIC, \
ARTICLE_SYNC_CA; lists comma-separated), then flags. See `article-sync sync --help`.";

/// What `--version` prints after the name: this build's version and the bundled SQLite's.
fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        format!(
            "{} (SQLite {})",
            env!("CARGO_PKG_VERSION"),
            rusqlite::version()
        )
    })
}

/// Offline-first sync of a censored news site through untrusted mirrors.
#[derive(Debug, Parser)]
#[command(name = "article-sync", version = version(), about, after_help = AFTER_HELP)]
pub struct Cli {
    /// On failure, print the evidence (every route's attempt) after the one-line error, and
    /// log the core's work on stderr: -v sync phases, route failures, eviction and migrations;
    /// -vv every route attempt too.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // Parsed once per process.
pub enum Command {
    /// Walk through censorship scenarios on loopback: main site, two mirrors, a reader.
    Demo(demo::Args),
    /// Fetch what is new from the main site or a mirror (racing them), verify and store it.
    Sync(reader::SyncArgs),
    /// The connection state of the last sync with its evidence, and what is stored (offline).
    Status(reader::StatusArgs),
    /// Stored articles, newest first.
    List(reader::ListArgs),
    /// Print an article as text with its comments (marks it read).
    Read(reader::ReadArgs),
    /// Search stored articles (Persian-aware: ZWNJ, Arabic/Persian letters and digits).
    Search(reader::SearchArgs),
    /// Bookmark an article, or remove the bookmark.
    Bookmark(reader::BookmarkArgs),
    /// Write a comment; it waits in the outbox until it can be sent.
    Comment(reader::CommentArgs),
    /// The reader's comments and where each stands (waiting, sent, published, rejected).
    Outbox(reader::OutboxArgs),
    /// Mirrors the reader added by hand, and every route's health.
    Mirrors(reader::MirrorsArgs),
    /// Write the reader's verified copy as a mirror tree into a folder (offline): another
    /// reader syncs from it as a mirror (`file://…` or any static web server).
    Export(reader::ExportArgs),
    /// Serve the reader's verified copy over plain HTTP on the local network, with a landing
    /// page (Persian and English, key fingerprint, the copy's date, the URL as a QR code).
    Share(reader::ShareArgs),
    /// Delete the database and everything it holds.
    Wipe(reader::WipeArgs),
    /// Create a publisher key pair.
    Keygen(commands::keygen::Args),
    /// Build or update a signed mirror tree from article files or a feed.
    Publish(commands::publish::Args),
    /// Serve a tree on loopback, optionally behaving like a censor or a hostile mirror.
    Serve(serve::Args),
    /// Run the publisher's comment endpoint (POST /comments with sealed envelopes).
    Inbox(comments::inbox::Args),
    /// Forward comments to the inbox unchanged (for readers who cannot reach it).
    Relay(comments::relay::Args),
    /// Moderate the inbox: list, approve, reject.
    Comments(comments::moderate::Args),
    /// Measure sync, search and size against newsboat and the floors; table, JSON and PNG.
    Bench(bench::Args),
    /// One measured sync or cold open for `bench` (internal).
    #[command(hide = true)]
    BenchChild(bench::child::ChildArgs),
}

impl Command {
    /// Whether the command opens sockets (sync, serve, demo, bench): the other side may close
    /// them at any time, and a vectored write to a closed socket raises SIGPIPE.
    pub fn uses_network(&self) -> bool {
        matches!(
            self,
            Command::Sync(_)
                | Command::Serve(_)
                | Command::Share(_)
                | Command::Inbox(_)
                | Command::Relay(_)
                | Command::Demo(_)
                | Command::Bench(_)
                | Command::BenchChild(_)
        )
    }
}

pub fn run(cli: Cli) -> Result<(), Failure> {
    let verbose = cli.verbose > 0;
    match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Sync(args) => reader::sync::run(args, verbose),
        Command::Status(args) => reader::library::status(args),
        Command::List(args) => reader::library::list(args),
        Command::Read(args) => reader::library::read(args),
        Command::Search(args) => reader::library::search(args),
        Command::Bookmark(args) => reader::library::bookmark(args),
        Command::Comment(args) => reader::library::comment(args),
        Command::Outbox(args) => reader::library::outbox(args),
        Command::Mirrors(args) => reader::library::mirrors(args),
        Command::Export(args) => reader::share::export(args),
        Command::Share(args) => reader::share::share(args),
        Command::Wipe(args) => reader::library::wipe(args),
        Command::Keygen(args) => Ok(commands::keygen::run(args)?),
        Command::Publish(args) => Ok(commands::publish::run(args)?),
        Command::Serve(args) => Ok(serve::run(args)?),
        Command::Inbox(args) => Ok(comments::inbox::run(args)?),
        Command::Relay(args) => Ok(comments::relay::run(args)?),
        Command::Comments(args) => Ok(comments::moderate::run(args)?),
        Command::Bench(args) => bench::run(args),
        Command::BenchChild(args) => bench::child::run(args),
    }
}
