use std::process::ExitCode;

use clap::Parser;

use article_sync_cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match article_sync_cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("article-sync: {err:#}");
            ExitCode::FAILURE
        }
    }
}
