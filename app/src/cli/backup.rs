//! `till backup`, `till restore` and `till migrate` (which the package runs on upgrade).

use crate::config::Config;
use crate::store::{backup, restore, schema, Store};
use std::path::Path;
use std::process::ExitCode;

/// `till backup [--to DIR] [--keep N] [--tag TAG]`.
pub(super) fn backup(
    cfg: &Config,
    data_dir: &Path,
    to: Option<&Path>,
    keep: Option<usize>,
    tag: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let out = to.map(Path::to_path_buf).unwrap_or_else(|| cfg.backup.dir_for(data_dir));
    let keep = keep.unwrap_or(cfg.backup.keep);
    let started = std::time::Instant::now();
    let taken = backup::take(data_dir, &out, &cfg.terminal_id, tag, keep, time::OffsetDateTime::now_utc())?;
    let receipts: Vec<String> = taken.info.receipts.iter().map(|(t, n)| format!("{t} to receipt {n}")).collect();
    println!(
        "backup: {} ({} bytes, {} sales{}; journal verified: {} entries) in {:.1} s",
        taken.path.display(),
        taken.bytes,
        taken.info.sales,
        if receipts.is_empty() { String::new() } else { format!(", {}", receipts.join(", ")) },
        taken.info.journal.entries,
        started.elapsed().as_secs_f64()
    );
    for old in &taken.removed {
        println!("removed old copy {}", old.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `till restore FILE [--allow-older]`.
pub(super) fn restore(cfg: &Config, data_dir: &Path, file: &Path, allow_older: bool) -> anyhow::Result<ExitCode> {
    let done = restore::restore(data_dir, file, &cfg.terminal_id, allow_older, time::OffsetDateTime::now_utc())?;
    if let Some(aside) = &done.aside {
        println!("the store that was here is kept in {}", aside.display());
    }
    for (t, from, to) in &done.lost {
        println!(
            "not in the restored copy: receipts {from} to {to} of terminal {t} (they are in the store kept aside)"
        );
    }
    println!(
        "restored {} into {}: {} sales, journal verified ({} entries)",
        file.display(),
        data_dir.display(),
        done.info.sales,
        done.info.journal.entries
    );
    Ok(ExitCode::SUCCESS)
}

/// `till migrate`: brings the store to the current schema, after a verified copy of it when
/// there is anything to migrate. Nothing to do without a store.
pub(super) fn migrate(cfg: &Config, data_dir: &Path) -> anyhow::Result<ExitCode> {
    match backup::schema_of(data_dir)? {
        None => println!("no store in {} yet; nothing to migrate", data_dir.display()),
        Some(v) if v >= schema::LATEST => println!("the store is up to date (schema {v})"),
        Some(v) => {
            let tag = format!("pre-migration-v{v}");
            let out = cfg.backup.dir_for(data_dir);
            let now = time::OffsetDateTime::now_utc();
            let taken = backup::take(data_dir, &out, &cfg.terminal_id, Some(&tag), cfg.backup.keep, now)?;
            println!("backup before the migration: {} ({} sales)", taken.path.display(), taken.info.sales);
            drop(Store::open_dir(data_dir)?);
            println!("migrated the store from schema {v} to {}", schema::LATEST);
        }
    }
    Ok(ExitCode::SUCCESS)
}
