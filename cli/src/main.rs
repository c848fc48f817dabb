use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use article_sync_cli::Cli;
use article_sync_cli::error::exit;
use article_sync_cli::text;

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
    // Like other command-line tools, a command that prints its result stops quietly when
    // whoever reads the output goes away (`article-sync list | head`) instead of panicking on
    // the failed write. Commands with sockets keep SIGPIPE ignored: a peer that hangs up is an
    // error on that connection (EPIPE), never the end of the process.
    #[cfg(unix)]
    if !cli.command.uses_network() {
        // SAFETY: restores a signal's default action before any other thread exists.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let verbose = cli.verbose > 0;
    if let Some(level) = match cli.verbose {
        0 => None,
        1 => Some(tracing::Level::INFO),
        _ => Some(tracing::Level::DEBUG),
    } {
        tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
    match article_sync_cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let line = failure.line();
            eprintln!("article-sync: {}", text::terminal(&line));
            if verbose {
                for line in &failure.details {
                    eprintln!("  {}", text::terminal(line));
                }
            }
            ExitCode::from(failure.code)
        }
    }
}
