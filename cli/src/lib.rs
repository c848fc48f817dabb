//! The article-sync command-line tool. Each command lives in a module of its own; `main.rs`
//! only parses arguments and prints the error.

use clap::{Parser, Subcommand};

pub mod commands;
pub mod corpus;
pub mod serve;

/// Offline-first sync of a censored news site through untrusted mirrors.
#[derive(Debug, Parser)]
#[command(name = "article-sync", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // Parsed once per process.
pub enum Command {
    /// Create a publisher key pair.
    Keygen(commands::keygen::Args),
    /// Build or update a signed mirror tree from article files or a feed.
    Publish(commands::publish::Args),
    /// Serve a tree on loopback, optionally behaving like a censor or a hostile mirror.
    Serve(serve::Args),
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Keygen(args) => commands::keygen::run(args),
        Command::Publish(args) => commands::publish::run(args),
        Command::Serve(args) => serve::run(args),
    }
}
