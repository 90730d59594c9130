//! `verdict serve`, `keys create`, `import` and `seed`.

use crate::cli::{ConnectArgs, ImportArgs, SeedArgs, ServeArgs};
use std::path::Path;

pub async fn serve(_connect: &ConnectArgs, _args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("serve is not built yet")
}

pub fn keys_create(
    _connect: &ConnectArgs,
    _namespace: &str,
    _db: Option<&Path>,
) -> anyhow::Result<()> {
    anyhow::bail!("keys create is not built yet")
}

pub fn import(_connect: &ConnectArgs, _args: ImportArgs) -> anyhow::Result<()> {
    anyhow::bail!("import is not built yet")
}

pub fn seed(_args: SeedArgs) -> anyhow::Result<()> {
    anyhow::bail!("seed is not built yet")
}
