//! `article-sync keygen --out DIR`: a publisher key pair.

use std::path::PathBuf;

use anyhow::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for `publisher.key` (secret, mode 0600) and `publisher.pub` (pin it in the app).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let public =
        article_sync_core::publish::keygen(&args.out).context("cannot create the key pair")?;
    println!("{}", public);
    eprintln!(
        "wrote {0}/publisher.key (keep it secret) and {0}/publisher.pub (key id {1})",
        args.out.display(),
        public.id()
    );
    Ok(())
}
