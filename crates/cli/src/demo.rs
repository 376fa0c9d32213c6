use anyhow::Result;
use voronka_store::Db;
pub async fn run(_db: &Db, _deals: u64, _seed: u64) -> Result<()> {
    anyhow::bail!("demo: not yet")
}
