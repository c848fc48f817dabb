//! `article-sync demo`: the whole story on loopback in under a minute — a reader syncing
//! through a censor, the banner state changing, articles arriving incrementally. See
//! [`world`] for what runs and [`script`] for the scenarios.

pub mod report;
pub mod script;
pub mod world;

use std::io::{BufRead, Write};

use crate::error::Failure;
use crate::serve::Fault;
use world::{Host, World};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Switch the censor by hand at a prompt instead of running the scripted scenarios.
    #[arg(long)]
    pub interactive: bool,
    /// Generated Persian articles published besides the seed articles.
    #[arg(long, default_value_t = 300)]
    pub articles: u64,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        println!(
            "article-sync demo: publishing the seed articles and {} generated Persian articles, \
             starting a main site, two mirrors and two probe hosts on 127.0.0.1 (TLS, throw-away CA)…",
            args.articles
        );
        let world = World::start(args.articles).await?;
        for host in Host::ALL {
            println!("  {:<20} {}", host.label(), world.url(host));
        }
        println!("  reader databases in {}", world.folder().display());
        if args.interactive {
            interactive(world).await
        } else {
            let rows = script::run(world).await?;
            report::table(&rows);
            let failed = rows.iter().filter(|r| !r.ok).count();
            if failed == 0 {
                Ok(())
            } else {
                Err(Failure::failed(format!(
                    "demo: {failed} of {} scenarios did not end in the expected state",
                    rows.len()
                )))
            }
        }
    })
}

const HELP: &str = "\
commands:
  HOST FAULT      switch a host's behaviour; HOST: main, mirror1, mirror2, intl, domestic, all
                  FAULT: none, reset, blackhole, drip, blockpage, bad-cert, tamper, rollback,
                         stale, torn, 5xx
  publish [N]     publish N new articles (default 3)
  sync            the reader syncs and shows the banner state, route and downloads
  hosts           every host with its current fault
  help, quit";

async fn interactive(mut world: World) -> Result<(), Failure> {
    let reader = world.reader("reader")?;
    println!("\nThe reader's first sync:");
    report::sync_step(&world, &reader, "reader").await;
    println!("\n{HELP}");
    loop {
        print!("demo> ");
        let _ = std::io::stdout().flush();
        let line = tokio::task::block_in_place(|| {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map(|n| (n, line))
        });
        let line = match line {
            Ok((0, _)) | Err(_) => {
                println!();
                break;
            }
            Ok((_, line)) => line,
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => {}
            ["quit" | "exit" | "q"] => break,
            ["help" | "?"] => println!("{HELP}"),
            ["hosts"] => {
                for host in Host::ALL {
                    println!(
                        "  {:<20} {:<10} {}",
                        host.label(),
                        world.fault(host).name(),
                        world.url(host)
                    );
                }
            }
            ["sync"] => {
                report::sync_step(&world, &reader, "reader").await;
            }
            ["publish", rest @ ..] => {
                let n = rest.first().and_then(|n| n.parse().ok()).unwrap_or(3);
                match world.publish(n) {
                    Ok(r) => println!("published {n} article(s): head version {}", r.head_version),
                    Err(e) => println!("{e}"),
                }
            }
            [host, fault] => {
                let fault: Fault = match fault.parse() {
                    Ok(f) => f,
                    Err(e) => {
                        println!("{e}");
                        continue;
                    }
                };
                let hosts: Vec<Host> = if *host == "all" {
                    Host::ALL.to_vec()
                } else if let Some(h) = Host::parse(host) {
                    vec![h]
                } else {
                    println!(
                        "unknown host {host:?}; one of main, mirror1, mirror2, intl, domestic, all"
                    );
                    continue;
                };
                for h in hosts {
                    if let Err(e) = world.set_fault(h, fault) {
                        println!("{e}");
                    } else {
                        println!("  {} → {}", h.label(), fault);
                    }
                }
            }
            _ => println!("unknown command; type `help`"),
        }
    }
    world.shutdown().await;
    Ok(())
}
