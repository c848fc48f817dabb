//! The publisher's comment commands: [`inbox`] (the endpoint readers post sealed comments to),
//! [`relay`] (a forwarder for readers who cannot reach the inbox) and [`moderate`]
//! (`comments list | approve | reject`). `publish --inbox` carries the decisions to readers.

pub mod inbox;
mod listener;
pub mod moderate;
pub mod relay;

pub use listener::Listener;
