//! What the tests share, and nothing ships: the seed page's text ([`seed`]), a certificate
//! authority made for one test ([`tls::TestCa`]) and a loopback server that serves, resets,
//! holds connections open or drips ([`server::TestServer`]), a small web server with content
//! types, ETags, gzip and stalling pages ([`web::WebServer`]), a proxy that cuts connections
//! where a test says and keeps what clients sent ([`proxy::Proxy`]), reproducible noise
//! ([`noise::noise`]) and a kubo IPFS node on loopback ([`kubo::Kubo`]).
//!
//! It depends on no crate of the workspace, so the core's own unit tests can use it too.

pub mod kubo;
pub mod noise;
pub mod proxy;
pub mod seed;
pub mod server;
pub mod tls;
pub mod web;
