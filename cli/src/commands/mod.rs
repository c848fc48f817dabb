//! Publisher and reader commands.

pub mod keygen;
pub mod publish;
