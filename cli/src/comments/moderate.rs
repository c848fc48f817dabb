//! `article-sync comments`: moderation of the inbox (list, approve, reject). Decisions reach
//! readers with the next `publish --inbox`.

use std::path::PathBuf;

use article_sync_core::comments::inbox::Inbox;

use crate::say;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inbox database (as `article-sync inbox --db` writes it).
    #[arg(long)]
    pub inbox: PathBuf,
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Every comment with its id and status, oldest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Publish comment ID with the next `publish --inbox`.
    Approve { id: i64 },
    /// Decline comment ID; the reader is told REASON.
    Reject {
        id: i64,
        #[arg(long)]
        reason: String,
    },
}

pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.inbox.exists(),
        "{}: no inbox database here",
        args.inbox.display()
    );
    let inbox = Inbox::open(&args.inbox, Vec::new())?;
    match args.action {
        Action::List { json } => {
            let comments = inbox.list()?;
            if json {
                let items: Vec<_> = comments
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "id": c.id,
                            "key": c.key,
                            "article_id": c.article_id,
                            "author": c.author,
                            "text": c.text,
                            "client_time": c.client_time,
                            "received_at": c.received_at,
                            "status": c.status.as_str(),
                            "reason": c.reason,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(items));
            } else if comments.is_empty() {
                println!("the inbox is empty");
            } else {
                for c in comments {
                    say!(
                        "#{} [{}] {} on {}: {}",
                        c.id,
                        c.status.as_str(),
                        c.author,
                        c.article_id,
                        c.text
                    );
                }
            }
        }
        Action::Approve { id } => {
            inbox.approve(id)?;
            println!("comment {id} approved; `publish --inbox` publishes it");
        }
        Action::Reject { id, reason } => {
            inbox.reject(id, &reason)?;
            println!("comment {id} rejected; `publish --inbox` tells the reader");
        }
    }
    Ok(())
}
