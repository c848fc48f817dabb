use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use article_sync_cli::Cli;
use article_sync_cli::error::exit;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => match err.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => err.exit(),
            _ => {
                // One line: clap's first line without its `error: ` prefix.
                let text = err.render().to_string();
                let first = text.lines().next().unwrap_or("invalid arguments");
                let first = first.strip_prefix("error: ").unwrap_or(first);
                eprintln!("article-sync: {first} (see --help)");
                return ExitCode::from(exit::USAGE);
            }
        },
    };
    let verbose = cli.verbose;
    match article_sync_cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("article-sync: {}", failure.line());
            if verbose {
                for line in &failure.details {
                    eprintln!("  {line}");
                }
            }
            ExitCode::from(failure.code)
        }
    }
}
