//! The reader commands on a real database. Every command flattens [`ReaderArgs`]; only `sync`
//! needs the publisher key and the main URL, the others read the database alone (offline).

pub mod config;
pub mod library;
pub mod share;
pub mod show;
pub mod sync;

use std::path::PathBuf;

pub use config::Settings;

/// Where the reader's database is and how to reach the publisher. Precedence: flags, then
/// environment, then the configuration file, then defaults.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReaderArgs {
    /// The reader's SQLite database (created by `sync`)
    /// [default: $XDG_DATA_HOME/article-sync/reader.db, else ~/.local/share/article-sync/reader.db].
    #[arg(long, env = "ARTICLE_SYNC_DB", value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// The publisher's public key: a file as written by `keygen` (`publisher.pub`), or the key
    /// itself (`ed25519:…`). Needed by `sync`.
    #[arg(long, env = "ARTICLE_SYNC_KEY", value_name = "PUBFILE")]
    pub key: Option<String>,
    /// The main site's tree base URL. Needed by `sync`.
    #[arg(long, env = "ARTICLE_SYNC_MAIN", value_name = "URL")]
    pub main: Option<String>,
    /// A mirror's tree base URL (repeat; replaces the configuration file's list).
    #[arg(
        long = "mirror",
        env = "ARTICLE_SYNC_MIRRORS",
        value_delimiter = ',',
        value_name = "URL"
    )]
    pub mirrors: Vec<String>,
    /// A neutral international URL (not the publisher's) to tell "blocked" from "cut off" (repeat).
    #[arg(
        long = "probe-intl",
        env = "ARTICLE_SYNC_PROBES_INTL",
        value_delimiter = ',',
        value_name = "URL"
    )]
    pub probes_intl: Vec<String>,
    /// A URL hosted inside the reader's country, to detect a national shutdown (repeat).
    #[arg(
        long = "probe-domestic",
        env = "ARTICLE_SYNC_PROBES_DOMESTIC",
        value_delimiter = ',',
        value_name = "URL"
    )]
    pub probes_domestic: Vec<String>,
    /// A PEM file of extra trusted root certificates (added to the built-in web roots).
    #[arg(long, env = "ARTICLE_SYNC_CA", value_name = "PEMFILE")]
    pub ca: Option<PathBuf>,
    /// The configuration file (TOML, or JSON when it ends in `.json`)
    /// [default: $XDG_CONFIG_HOME/article-sync/config.toml when it exists].
    #[arg(long, env = "ARTICLE_SYNC_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print JSON for scripts (one object or one array on stdout).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
#[command(after_help = config::FILE_HELP)]
pub struct SyncArgs {
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// Skip images (metered network).
    #[arg(long)]
    pub text_only: bool,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub reader: ReaderArgs,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// Only articles with this tag.
    #[arg(long, conflicts_with_all = ["bookmarked", "unread"])]
    pub tag: Option<String>,
    /// Only bookmarked articles.
    #[arg(long, conflicts_with = "unread")]
    pub bookmarked: bool,
    /// Only articles not read yet.
    #[arg(long)]
    pub unread: bool,
    /// How many articles at most (1 to 500).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

#[derive(Debug, clap::Args)]
pub struct ReadArgs {
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// The article's id (as `list` shows it).
    pub id: String,
}

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// Words to find (all of them; the last one may be a prefix).
    pub query: String,
    /// How many results at most (1 to 500).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

#[derive(Debug, clap::Args)]
pub struct BookmarkArgs {
    #[command(flatten)]
    pub reader: ReaderArgs,
    pub id: String,
    /// Remove the bookmark instead.
    #[arg(long)]
    pub remove: bool,
}

#[derive(Debug, clap::Args)]
pub struct CommentArgs {
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// The article commented on (or --article ID).
    #[arg(required_unless_present = "article", conflicts_with = "article")]
    pub id: Option<String>,
    /// The article commented on.
    #[arg(long)]
    pub article: Option<String>,
    /// The name shown with the comment.
    #[arg(long)]
    pub author: String,
    /// The comment (plain text).
    #[arg(long)]
    pub text: String,
}

#[derive(Debug, clap::Args)]
pub struct OutboxArgs {
    #[command(flatten)]
    pub reader: ReaderArgs,
}

#[derive(Debug, clap::Args)]
pub struct MirrorsArgs {
    #[command(subcommand)]
    pub action: MirrorsAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum MirrorsAction {
    /// Add a mirror URL (from a message or a QR code); the next sync races it too.
    Add {
        #[command(flatten)]
        reader: ReaderArgs,
        /// The mirror's tree base URL (`https://…/`), or an absolute folder path holding a copy.
        url: String,
    },
    /// Every known route with its health.
    List {
        #[command(flatten)]
        reader: ReaderArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// An existing, writable directory (a USB stick, an SD card) to write the tree into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ShareArgs {
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// Where to listen: `0.0.0.0:8080` for every interface (a phone's hotspot), the URL then
    /// names this device's address on the local network.
    #[arg(long, value_name = "HOST:PORT", default_value = "0.0.0.0:8080")]
    pub addr: std::net::SocketAddr,
}

#[derive(Debug, clap::Args)]
pub struct WipeArgs {
    #[command(flatten)]
    pub reader: ReaderArgs,
}
