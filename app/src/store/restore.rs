//! Restoring a copy made by `till backup`: only a copy of this terminal's own store, only one
//! whose journal verifies, never over a running Till, never losing receipts silently; the
//! current store is moved aside whole (database, write-ahead log, identity) before the copy
//! takes its place.

use super::backup::{give_to_owner_of, stamp, verify_copy, CopyInfo};
use super::*;
use std::collections::BTreeMap;

/// What [`restore`] did.
#[derive(Debug, Clone)]
pub struct Restored {
    /// Where the store that was replaced now is (a folder in the data directory).
    pub aside: Option<PathBuf>,
    pub info: CopyInfo,
    /// Receipts of the replaced store that the copy does not have (allowed with `allow_older`).
    pub lost: Vec<(String, i64, i64)>,
}

fn refused(msg: String) -> StoreError {
    StoreError::Refused(format!("{msg}; nothing was changed"))
}

/// The identity and receipt counters of the store in `dir` as it is now (read-only), or of its
/// `till.id` when the database cannot be read.
fn current(dir: &Path) -> Result<(Option<String>, BTreeMap<String, i64>)> {
    let db = dir.join(DB_FILE);
    let read = || -> Result<(Option<String>, BTreeMap<String, i64>)> {
        let conn =
            Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let id: Option<String> =
            conn.query_row("SELECT store_id FROM store_meta WHERE id = 1", [], |r| r.get(0)).optional()?;
        let mut counters = BTreeMap::new();
        let mut stmt = conn.prepare("SELECT terminal_id, last_no FROM receipt_counters")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (t, n) = row?;
            counters.insert(t, n);
        }
        Ok((id, counters))
    };
    match read() {
        Ok((Some(id), counters)) => Ok((Some(id), counters)),
        other => {
            // A damaged or foreign-looking file: what the directory itself says it holds.
            let ident = integrity::Identity::read(dir)?;
            let counters = other.map(|(_, c)| c).unwrap_or_default();
            Ok(match ident {
                Some(i) => (Some(i.store_id), i.last_receipt.into_iter().chain(counters).collect()),
                None => (None, counters),
            })
        }
    }
}

/// Replaces the store in `data_dir` with the copy `file`. Refused (with nothing changed) when
/// the copy does not verify, is another store's (or, with no store here yet, another
/// terminal's), is behind the current store's receipts without `allow_older`, or when Till is
/// running on the directory.
pub fn restore(
    data_dir: &Path,
    file: &Path,
    terminal_id: &str,
    allow_older: bool,
    now: time::OffsetDateTime,
) -> Result<Restored> {
    let io = |source| StoreError::DataDir { dir: data_dir.display().to_string(), source };
    let db = data_dir.join(DB_FILE);
    if !file.is_file() {
        return Err(refused(format!("{} is not a file", file.display())));
    }
    if db.exists() && std::fs::canonicalize(file).ok() == std::fs::canonicalize(&db).ok() {
        return Err(refused(format!("{} is the store itself, not a copy", file.display())));
    }
    let info = match verify_copy(file)? {
        Ok(info) => info,
        Err(why) => return Err(refused(format!("{} cannot be restored: {why}", file.display()))),
    };
    let Some(copy_id) = info.store_id.clone() else {
        return Err(refused(format!(
            "{} has no store identity; it is not a copy of a terminal's store",
            file.display()
        )));
    };
    let terminals = |r: &BTreeMap<String, i64>| r.keys().cloned().collect::<Vec<_>>().join(", ");
    std::fs::create_dir_all(data_dir).map_err(io)?;
    let exists = std::fs::metadata(&db).map(|m| m.len() > 0).unwrap_or(false);
    // The writer's lock, held until the copy is in place: a Till running here refuses this,
    // and a Till starting meanwhile waits for nothing: it is refused by the lock.
    let mut lock = None;
    let mut lost = Vec::new();
    let (here_id, here_receipts) = if exists { current(data_dir)? } else { (None, BTreeMap::new()) };
    let here_id = here_id.or(integrity::Identity::read(data_dir)?.map(|i| i.store_id));
    if exists {
        let f = File::options().read(true).write(true).open(&db).map_err(io)?;
        match f.try_lock() {
            Ok(()) => lock = Some(f),
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(refused(format!(
                    "Till is running on {} (stop it first: systemctl stop till)",
                    data_dir.display()
                )))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
    }
    match &here_id {
        Some(here) if *here != copy_id => {
            return Err(refused(format!(
                "{} is a copy of another store ({copy_id}, terminal {}), not of this terminal's store {here}",
                file.display(),
                terminals(&info.receipts)
            )))
        }
        Some(_) => {}
        None => {
            if let Some(other) = info.receipts.keys().find(|t| *t != terminal_id) {
                return Err(refused(format!(
                    "{} is a copy of terminal {other}'s store, and this is terminal {terminal_id}",
                    file.display()
                )));
            }
        }
    }
    for (terminal, here) in &here_receipts {
        let there = info.receipts.get(terminal).copied().unwrap_or(0);
        if there < *here {
            lost.push((terminal.clone(), there + 1, *here));
        }
    }
    if !lost.is_empty() && !allow_older {
        let list: Vec<String> =
            lost.iter().map(|(t, from, to)| format!("receipts {from} to {to} of terminal {t}")).collect();
        return Err(refused(format!(
            "{} is older than the store: restoring it would lose {} (they are in the current store). \
             Give --allow-older to restore it anyway; the current store is then kept aside",
            file.display(),
            list.join(", ")
        )));
    }
    let aside = if exists || data_dir.join(integrity::ID_FILE).exists() {
        let aside = data_dir.join(format!("replaced-{}", stamp(now)));
        std::fs::create_dir(&aside).map_err(io)?;
        integrity::owner_only(&aside, 0o700).map_err(io)?;
        for name in [DB_FILE.to_string(), format!("{DB_FILE}-wal"), format!("{DB_FILE}-shm"), integrity::ID_FILE.into()]
        {
            let from = data_dir.join(&name);
            if from.exists() {
                std::fs::rename(&from, aside.join(&name)).map_err(io)?;
            }
        }
        give_to_owner_of(data_dir, &aside);
        Some(aside)
    } else {
        None
    };
    let incoming = data_dir.join(format!("{DB_FILE}.restoring"));
    std::fs::copy(file, &incoming).map_err(io)?;
    integrity::owner_only(&incoming, 0o600).map_err(io)?;
    File::open(&incoming).and_then(|f| f.sync_all()).map_err(io)?;
    std::fs::rename(&incoming, &db).map_err(io)?;
    integrity::Identity { store_id: copy_id, last_receipt: info.receipts.clone() }.write(data_dir)?;
    File::open(data_dir).and_then(|d| d.sync_all()).map_err(io)?;
    drop(lock);
    // Opened once as the writer: migrated when the copy is older, and checked as at start.
    drop(Store::open_dir(data_dir)?);
    for name in [DB_FILE.to_string(), format!("{DB_FILE}-wal"), format!("{DB_FILE}-shm"), integrity::ID_FILE.into()] {
        let p = data_dir.join(name);
        if p.exists() {
            give_to_owner_of(data_dir, &p);
        }
    }
    Ok(Restored { aside, info, lost })
}
