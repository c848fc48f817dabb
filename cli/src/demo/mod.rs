//! placeholder
#[derive(Debug, clap::Args)]
pub struct Args {}
pub fn run(_args: Args) -> Result<(), crate::error::Failure> {
    Ok(())
}
