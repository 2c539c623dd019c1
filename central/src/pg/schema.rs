//! The head office's migrations: the SQL files of `central/migrations/`, applied in order, each
//! once, each in its own transaction, recorded in `till_schema`. Two head offices starting at
//! once take turns (an advisory lock).

use deadpool_postgres::Object;

/// Months of event partitions made ahead of time.
pub const MONTHS_AHEAD: i32 = 3;

/// Every migration, by number; never edit one that has shipped, add the next.
pub const MIGRATIONS: &[(i32, &str)] =
    &[(1, include_str!("../../migrations/0001_schema.sql")), (2, include_str!("../../migrations/0002_figures.sql"))];

/// An arbitrary number that names the migration lock.
const LOCK: i64 = 0x7411_0001;

/// Applies the migrations not applied yet; returns their numbers.
pub async fn migrate(client: &mut Object) -> anyhow::Result<Vec<i32>> {
    let exists: bool = client.query_one("SELECT to_regclass('till_schema') IS NOT NULL", &[]).await?.get(0);
    if !exists {
        create_ledger(client).await?;
    }
    let mut applied = Vec::new();
    for (version, sql) in MIGRATIONS {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK]).await?;
        let done = tx.query_opt("SELECT 1 FROM till_schema WHERE version = $1", &[version]).await?.is_some();
        if !done {
            tx.batch_execute(sql).await.map_err(|e| anyhow::anyhow!("migration {version}: {}", describe(&e)))?;
            tx.execute("INSERT INTO till_schema (version) VALUES ($1)", &[version]).await?;
            applied.push(*version);
        }
        tx.commit().await?;
    }
    client.execute("SELECT till_ensure_partitions($1)", &[&MONTHS_AHEAD]).await?;
    Ok(applied)
}

async fn create_ledger(client: &mut Object) -> anyhow::Result<()> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS till_schema (
                 version    int PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await
        .or_else(|e| match e.code() {
            // Two head offices creating it at once: the other one won.
            Some(c) if *c == tokio_postgres::error::SqlState::UNIQUE_VIOLATION => Ok(()),
            _ => Err(e),
        })?;
    Ok(())
}

/// The schema's version: the highest migration applied, 0 for none.
pub async fn version(client: &Object) -> anyhow::Result<i32> {
    let exists: bool = client.query_one("SELECT to_regclass('till_schema') IS NOT NULL", &[]).await?.get(0);
    if !exists {
        return Ok(0);
    }
    Ok(client.query_one("SELECT coalesce(max(version), 0) FROM till_schema", &[]).await?.get(0))
}

/// A database error with PostgreSQL's own message, not just "db error".
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => e.to_string(),
    }
}
