//! `uniffi-bindgen`: generates the Kotlin, Swift and Python bindings from the built
//! `article_sync` library (library mode). Kept in its own crate so the CLI's dependencies
//! (clap, the bindings generator) never end up in the mobile library.
//!
//! Use `scripts/generate-bindings.sh` rather than calling it directly.

fn main() {
    uniffi::uniffi_bindgen_main()
}
