//! Reader settings from flags, environment and a configuration file.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ReaderArgs;
use crate::error::Failure;

/// Documents the configuration file in `sync --help`.
pub const FILE_HELP: &str = "\
Configuration file (TOML; JSON with the same keys when the name ends in .json), every key \
optional, relative paths relative to the file:

  database = \"reader.db\"
  key = \"publisher.pub\"            # or the key itself: \"ed25519:…\"
  main = \"https://www.example-news.org/tree/\"
  mirrors = [\"https://mirror.example.net/tree/\"]
  probes_international = [\"https://www.example.com/\"]
  probes_domestic = [\"https://www.example.ir/\"]
  ca = \"ca.pem\"                    # extra trusted roots
  text_only = false
  budget_mb = 256                   # articles and images kept, at most

Without probes, `no_route` is told from `offline` by any HTTP answer from a route.";

/// The configuration file's keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database: Option<PathBuf>,
    key: Option<String>,
    main: Option<String>,
    #[serde(default)]
    mirrors: Vec<String>,
    #[serde(default)]
    probes_international: Vec<String>,
    #[serde(default)]
    probes_domestic: Vec<String>,
    ca: Option<PathBuf>,
    text_only: Option<bool>,
    budget_mb: Option<u64>,
}

/// Resolved reader settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: PathBuf,
    /// The key as given: a path or `ed25519:…`.
    pub key: Option<String>,
    pub main: Option<String>,
    pub mirrors: Vec<String>,
    pub probes_intl: Vec<String>,
    pub probes_domestic: Vec<String>,
    pub ca: Option<PathBuf>,
    pub text_only: bool,
    pub budget_bytes: u64,
    pub json: bool,
}

impl Settings {
    /// Merges the configuration file (explicit, or the default one when it exists) under the
    /// flags and environment.
    pub fn resolve(args: &ReaderArgs) -> Result<Settings, Failure> {
        let (file, base) = match &args.config {
            Some(path) => (read_file(path)?, parent(path)),
            None => match default_config_path().filter(|p| p.is_file()) {
                Some(path) => (read_file(&path)?, parent(&path)),
                None => (FileConfig::default(), PathBuf::from(".")),
            },
        };
        let rel = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        let key = args.key.clone().or(file.key.map(|k| {
            if k.trim_start().starts_with("ed25519:") {
                k
            } else {
                rel(PathBuf::from(k)).to_string_lossy().into_owned()
            }
        }));
        let or_file = |flag: &Vec<String>, file: Vec<String>| {
            if flag.is_empty() { file } else { flag.clone() }
        };
        Ok(Settings {
            database: args
                .db
                .clone()
                .or(file.database.map(rel))
                .unwrap_or_else(default_database_path),
            key,
            main: args.main.clone().or(file.main),
            mirrors: or_file(&args.mirrors, file.mirrors),
            probes_intl: or_file(&args.probes_intl, file.probes_international),
            probes_domestic: or_file(&args.probes_domestic, file.probes_domestic),
            ca: args.ca.clone().or(file.ca.map(rel)),
            text_only: file.text_only.unwrap_or(false),
            budget_bytes: file.budget_mb.unwrap_or(256).saturating_mul(1024 * 1024),
            json: args.json,
        })
    }

    /// The publisher key in text form, read from its file if a path was given.
    pub fn publisher_key(&self) -> Result<String, Failure> {
        let Some(key) = &self.key else {
            return Err(Failure::usage(
                "no publisher key: pass --key PUBFILE (the publisher.pub from `article-sync keygen`), \
                 set ARTICLE_SYNC_KEY, or put `key` in the configuration file",
            ));
        };
        let text = if key.trim_start().starts_with("ed25519:") {
            key.trim().to_string()
        } else {
            std::fs::read_to_string(key)
                .map_err(|e| Failure::usage(format!("cannot read the publisher key {key}: {e}")))?
                .trim()
                .to_string()
        };
        article_sync_core::format::note::PublicKey::parse(&text).map_err(|e| {
            Failure::usage(format!(
                "the publisher key {key} is not a public key ({e}); pass the publisher.pub file"
            ))
        })?;
        Ok(text)
    }

    pub fn main_url(&self) -> Result<&str, Failure> {
        self.main.as_deref().ok_or_else(|| {
            Failure::usage(
                "no main site URL: pass --main URL, set ARTICLE_SYNC_MAIN, or put `main` in the \
                 configuration file",
            )
        })
    }
}

fn parent(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn read_file(path: &Path) -> Result<FileConfig, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(format!(
            "cannot read the configuration file {}: {e}",
            path.display()
        ))
    })?;
    let parsed = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    } else {
        toml::from_str(&text).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| Failure::usage(format!("configuration file {}: {e}", path.display())))
}

fn home_dir(var: &str, fallback: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(fallback))
        })
}

/// `$XDG_CONFIG_HOME/article-sync/config.toml` (or `~/.config/…`).
pub fn default_config_path() -> Option<PathBuf> {
    home_dir("XDG_CONFIG_HOME", ".config").map(|d| d.join("article-sync/config.toml"))
}

/// `$XDG_DATA_HOME/article-sync/reader.db` (or `~/.local/share/…`, else `./reader.db`).
pub fn default_database_path() -> PathBuf {
    home_dir("XDG_DATA_HOME", ".local/share").map_or_else(
        || PathBuf::from("reader.db"),
        |d| d.join("article-sync/reader.db"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file_and_relative_paths_follow_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(
            &file,
            "database = \"r.db\"\nkey = \"pub.key\"\nmain = \"https://main.test/\"\n\
             mirrors = [\"https://m1.test/\"]\nbudget_mb = 10\n",
        )
        .unwrap();
        let args = ReaderArgs {
            config: Some(file.clone()),
            mirrors: vec!["https://m2.test/".into()],
            ..ReaderArgs::default()
        };
        let s = Settings::resolve(&args).unwrap();
        assert_eq!(s.database, dir.path().join("r.db"));
        assert_eq!(s.key.as_deref(), dir.path().join("pub.key").to_str());
        assert_eq!(s.main.as_deref(), Some("https://main.test/"));
        assert_eq!(s.mirrors, vec!["https://m2.test/".to_string()]);
        assert_eq!(s.budget_bytes, 10 * 1024 * 1024);

        std::fs::write(&file, "mian = \"typo\"\n").unwrap();
        let err = Settings::resolve(&args).unwrap_err();
        assert_eq!(err.code, crate::error::exit::USAGE);
        assert!(err.message.contains("mian"), "{}", err.message);
    }

    #[test]
    fn a_json_file_has_the_same_keys() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.json");
        std::fs::write(
            &file,
            r#"{"main": "https://main.test/", "key": "ed25519:abc"}"#,
        )
        .unwrap();
        let args = ReaderArgs {
            config: Some(file),
            ..ReaderArgs::default()
        };
        let s = Settings::resolve(&args).unwrap();
        assert_eq!(s.key.as_deref(), Some("ed25519:abc"));
        assert!(s.publisher_key().is_err(), "not a valid key");
    }
}
