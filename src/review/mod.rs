//! The terminal app: Model, Action, pure update, effects, keymap, views and the loop.

pub mod action;
pub mod editor;
pub mod effect;
pub mod keymap;
pub mod layout;
pub mod markdown;
pub mod model;
pub mod text;
pub mod update;
pub mod view;

use crate::cli::ConnectArgs;

/// Opens the reviewer. With no API key configured, or with `demo`, starts the local
/// server in-process on the demo transcripts.
pub async fn run(_connect: &ConnectArgs, _demo: bool) -> anyhow::Result<()> {
    anyhow::bail!("the reviewer is not built yet")
}
