//! `article-sync serve`: a tree on loopback, behaving like a real mirror or a censor on demand.

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
