//! Re-signs a published tree's head, in place, with the publisher's key as a head of the tree
//! format after the one this build reads (`craft::raise_format`): a site that moved to a newer
//! format, which readers of this build refuse with "update the app". Prints that format.
//! scripts/loopback-servers.sh serves such a copy of the seed tree as ARTICLE_SYNC_TEST_FUTURE.
//!
//! Usage: future-head PUBLISHER_KEY_FILE TREE

use article_sync_core::format::note::SecretKey;
use article_sync_tests::craft;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [key, tree] = args.as_slice() else {
        eprintln!("usage: future-head PUBLISHER_KEY_FILE TREE");
        std::process::exit(2);
    };
    let key = std::fs::read_to_string(key).expect("the publisher key file");
    let key = SecretKey::parse(key.trim()).expect("a publisher secret key");
    println!("{}", craft::raise_format(tree.as_ref(), &key));
}
