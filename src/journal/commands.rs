//! `verdict rate`, `export` and `status`.

use crate::cli::{ConnectArgs, ExportArgs, RateArgs};

pub async fn rate(_connect: &ConnectArgs, _args: RateArgs) -> anyhow::Result<()> {
    anyhow::bail!("rate is not built yet")
}

pub async fn export(_connect: &ConnectArgs, _args: ExportArgs) -> anyhow::Result<()> {
    anyhow::bail!("export is not built yet")
}

pub async fn status(_connect: &ConnectArgs) -> anyhow::Result<()> {
    anyhow::bail!("status is not built yet")
}
