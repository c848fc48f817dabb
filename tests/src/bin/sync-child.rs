//! A reader process for the kill tests: syncs `DB` from `MAIN_URL`, trusting the CA in
//! `CA_PEM_FILE` and the publisher key in `PUBLIC_KEY_FILE`, and exits 0 when done.
//!
//! Usage: sync-child DB MAIN_URL CA_PEM_FILE PUBLIC_KEY_FILE

use std::time::Duration;

use article_sync_core::net::NetConfig;
use article_sync_core::reader::{Reader, ReaderConfig};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db, main, ca, key] = args.as_slice() else {
        eprintln!("usage: sync-child DB MAIN_URL CA_PEM_FILE PUBLIC_KEY_FILE");
        std::process::exit(2);
    };
    let net = NetConfig {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(5),
        extra_root_certs_pem: vec![std::fs::read(ca).expect("CA file")],
        webpki_roots: false,
        ..NetConfig::default()
    };
    let reader = Reader::open(ReaderConfig {
        database: db.into(),
        publisher_keys: vec![
            std::fs::read_to_string(key)
                .expect("key file")
                .trim()
                .to_string(),
        ],
        main_url: main.clone(),
        mirrors: vec![],
        storage_budget_bytes: 1 << 30,
        text_only: true,
        net,
    })
    .expect("reader opens");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    if let Err(e) = runtime.block_on(reader.syncer().unwrap().sync()) {
        eprintln!("sync failed: {e}");
        std::process::exit(1);
    }
}
