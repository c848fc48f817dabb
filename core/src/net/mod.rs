//! Routes and connectivity: the only part of the core that opens sockets.
//!
//! - [`route`]: routes (main site, mirrors, folders), their persisted health and failure kinds.

pub mod route;
