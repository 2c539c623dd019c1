//! Copies of the store taken while Till runs (SQLite's online backup API, from one read
//! snapshot), their verification and rotation. Restoring one is in `restore.rs`.
//!
//! The copy is read inside one read transaction on its own read-only connection: in WAL mode
//! that snapshot never blocks the writer, and a sale committed while the copy is made is simply
//! not in it (the copy holds every sale up to a point, and no part of a later one). The pages
//! go over in steps with a pause between, so the copy's writes do not crowd a sale's fsync.

use super::*;
use rusqlite::backup::{Backup, StepResult};
use std::collections::BTreeMap;
use std::time::Duration;

/// Pages copied per step (256 KiB of 4 KiB pages), and the pause after each step. Each step's
/// pages are flushed to the disk before the pause: a sale's fsync then never waits behind more
/// than one step of the copy (one flush of the whole copy at the end would hold up every sale
/// committed meanwhile).
const STEP_PAGES: i32 = 64;
const STEP_PAUSE: Duration = Duration::from_millis(50);

/// What a verified copy holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyInfo {
    /// The store's identity (`store_meta`), absent in a store never opened as a data directory.
    pub store_id: Option<String>,
    /// Its schema version (`PRAGMA user_version`); [`schema::LATEST`] for a current store.
    pub schema: i64,
    /// The last receipt number of each terminal.
    pub receipts: BTreeMap<String, i64>,
    /// Sales and refunds stored.
    pub sales: i64,
    /// The verified journal.
    pub journal: JournalReport,
}

/// A copy taken by [`take`].
#[derive(Debug, Clone)]
pub struct Taken {
    pub path: PathBuf,
    pub bytes: u64,
    pub info: CopyInfo,
    /// Older copies removed by the rotation.
    pub removed: Vec<PathBuf>,
}

fn io_err(dir: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::DataDir { dir: dir.display().to_string(), source }
}

/// `YYYYMMDDTHHMMSSZ`, the copies' timestamp (sorts as it reads).
pub fn stamp(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Whether `tag` may be part of a file name: letters, digits, `.`, `-`, `_`, `+`, `~` (a
/// Debian version), starting with a letter (so a tagged copy is never taken for a nightly one).
pub fn valid_tag(tag: &str) -> bool {
    tag.len() <= 64
        && tag.starts_with(|c: char| c.is_ascii_alphabetic())
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+' | b'~'))
}

/// Copies the store in `data_dir` into `out_dir` while it may be in use, verifies the copy and
/// removes the oldest nightly copies beyond `keep` (a tagged copy is kept). The copy is
/// `till-<terminal>-<UTC stamp>[-<tag>].sqlite`, a single file (no write-ahead log), 0600.
pub fn take(
    data_dir: &Path,
    out_dir: &Path,
    terminal_id: &str,
    tag: Option<&str>,
    keep: usize,
    now: time::OffsetDateTime,
) -> Result<Taken> {
    let db = data_dir.join(DB_FILE);
    if std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) == 0 {
        return Err(StoreError::Refused(format!("there is no store to copy: {} is missing or empty", db.display())));
    }
    if let Some(t) = tag.filter(|t| !valid_tag(t)) {
        return Err(StoreError::Refused(format!("'{t}' cannot be part of a file name")));
    }
    let io = io_err(out_dir);
    std::fs::create_dir_all(out_dir).map_err(&io)?;
    integrity::owner_only(out_dir, 0o700).map_err(&io)?;
    // One backup at a time into a folder: a second waits for nothing, it is refused.
    let lock = File::options().create(true).truncate(false).write(true).open(out_dir.join(".lock")).map_err(&io)?;
    if lock.try_lock().is_err() {
        return Err(StoreError::Refused(format!("another backup is being written to {}", out_dir.display())));
    }
    let base = format!("till-{terminal_id}-{}{}", stamp(now), tag.map(|t| format!("-{t}")).unwrap_or_default());
    let mut name = format!("{base}.sqlite");
    for n in 2.. {
        if !out_dir.join(&name).exists() {
            break;
        }
        name = format!("{base}-{n}.sqlite");
    }
    let partial = out_dir.join(format!(".{name}.partial"));
    let _ = std::fs::remove_file(&partial);
    let copied = copy_into(&db, &partial);
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    let path = out_dir.join(&name);
    integrity::owner_only(&partial, 0o600).map_err(&io)?;
    std::fs::rename(&partial, &path).map_err(&io)?;
    File::open(out_dir).and_then(|d| d.sync_all()).map_err(&io)?;
    give_to_owner_of(out_dir, &path);
    let info = match verify_copy(&path)? {
        Ok(info) => info,
        Err(why) => {
            let bad = out_dir.join(format!("{name}.bad"));
            let _ = std::fs::rename(&path, &bad);
            return Err(StoreError::Corrupt(format!(
                "the copy did not verify ({why}); it is kept as {}",
                bad.display()
            )));
        }
    };
    let bytes = std::fs::metadata(&path).map_err(&io)?.len();
    let removed = rotate(out_dir, terminal_id, keep)?;
    Ok(Taken { path, bytes, info, removed })
}

/// The online backup of `db` into a new file `to`, from one read snapshot, made a
/// self-contained file (rollback journal mode) and synced.
fn copy_into(db: &Path, to: &Path) -> Result<()> {
    let src = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    src.busy_timeout(Duration::from_secs(10))?;
    // The snapshot: everything committed before this point, nothing after.
    src.execute_batch("BEGIN")?;
    src.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    let mut dst = Connection::open(to)?;
    dst.pragma_update(None, "synchronous", "OFF")?;
    {
        let backup = Backup::new(&src, &mut dst)?;
        let mut written: Option<File> = None;
        loop {
            match backup.step(STEP_PAGES)? {
                StepResult::Done => break,
                StepResult::More => {
                    if written.is_none() {
                        written = Some(File::open(to).map_err(io_err(to))?);
                    }
                    if let Some(f) = &written {
                        f.sync_data().map_err(io_err(to))?;
                    }
                    std::thread::sleep(STEP_PAUSE);
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
    src.execute_batch("COMMIT")?;
    drop(src);
    // The copy carries the source's WAL flag; a copy is one file.
    let mode: String = dst.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(StoreError::Corrupt(format!("the copy stayed in journal mode {mode}")));
    }
    dst.close().map_err(|(_, e)| e)?;
    File::open(to).and_then(|f| f.sync_all()).map_err(io_err(to))?;
    Ok(())
}

/// A file made by root in a folder of Till's belongs to Till's user, as the folder does.
pub(super) fn give_to_owner_of(dir: &Path, path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(d), Ok(f)) = (std::fs::metadata(dir), std::fs::metadata(path)) {
            if (d.uid(), d.gid()) != (f.uid(), f.gid()) {
                let _ = std::os::unix::fs::chown(path, Some(d.uid()), Some(d.gid()));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, path);
}

/// When `name` is one of `terminal_id`'s nightly copies (no tag): its stamp and its number in
/// that second (1 for the first).
fn nightly(name: &str, terminal_id: &str) -> Option<(String, u32)> {
    let rest = name.strip_prefix(&format!("till-{terminal_id}-"))?.strip_suffix(".sqlite")?;
    let stamp = rest.get(..16)?;
    let stamp_ok = stamp.bytes().enumerate().all(|(i, b)| match i {
        8 => b == b'T',
        15 => b == b'Z',
        _ => b.is_ascii_digit(),
    });
    let n = match &rest[16..] {
        "" => 1,
        more => {
            let digits = more.strip_prefix('-')?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.parse().ok()?
        }
    };
    stamp_ok.then(|| (stamp.to_string(), n))
}

/// Removes the oldest nightly copies of `terminal_id` in `dir` beyond the newest `keep`.
pub fn rotate(dir: &Path, terminal_id: &str, keep: usize) -> Result<Vec<PathBuf>> {
    let io = io_err(dir);
    let mut copies: Vec<((String, u32), PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(&io)? {
        let entry = entry.map_err(&io)?;
        if let Some(key) = nightly(&entry.file_name().to_string_lossy(), terminal_id) {
            copies.push((key, entry.path()));
        }
    }
    copies.sort();
    let surplus = copies.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for (_, path) in copies.into_iter().take(surplus) {
        std::fs::remove_file(&path).map_err(&io)?;
        removed.push(path);
    }
    Ok(removed)
}

/// Reads a copy and verifies it: the file's integrity, the journal's chain and every sale's
/// and shift's rows against it, as `till journal verify` does. A copy from before the latest
/// migration is verified on a migrated private copy (the copy itself is never written).
/// `Ok(Err(why))` for a copy that does not verify or is not a store at all.
pub fn verify_copy(path: &Path) -> Result<std::result::Result<CopyInfo, String>> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let opened = Connection::open_with_flags(path, flags).and_then(|c| {
        let v = c.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))?;
        Ok((c, v))
    });
    let (conn, schema) = match opened {
        Ok(x) => x,
        Err(e) => return Ok(Err(format!("{} is not a readable Till store ({e})", path.display()))),
    };
    if schema == 0 {
        return Ok(Err(format!("{} is not a Till store", path.display())));
    }
    if schema > schema::LATEST {
        return Ok(Err(format!(
            "{} was made by a newer Till (schema {schema}; this Till knows {})",
            path.display(),
            schema::LATEST
        )));
    }
    let journal_mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap_or_default();
    if schema == schema::LATEST && !journal_mode.eq_ignore_ascii_case("wal") {
        return Ok(inspect(&conn, schema));
    }
    drop(conn);
    // An older schema (or a file in WAL mode, which a read-only reader may not be able to
    // open): verified on a private, migrated copy.
    let tmp = tempfile::tempdir().map_err(io_err(path))?;
    let private = tmp.path().join(DB_FILE);
    std::fs::copy(path, &private).map_err(io_err(path))?;
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    if wal.exists() {
        std::fs::copy(&wal, tmp.path().join(format!("{DB_FILE}-wal"))).map_err(io_err(path))?;
    }
    let store = match Store::open_file(&private) {
        Ok(s) => s,
        Err(e) => return Ok(Err(format!("{} cannot be brought to the current schema: {e}", path.display()))),
    };
    Ok(inspect(&store.conn, schema))
}

fn inspect(conn: &Connection, schema: i64) -> std::result::Result<CopyInfo, String> {
    let read = || -> Result<std::result::Result<CopyInfo, String>> {
        let journal = match journal::verify(conn)? {
            Ok(j) => j,
            Err(fault) => return Ok(Err(format!("its journal does not verify: {fault}"))),
        };
        let store_id: Option<String> =
            conn.query_row("SELECT store_id FROM store_meta WHERE id = 1", [], |r| r.get(0)).optional()?;
        let mut receipts = BTreeMap::new();
        let mut stmt = conn.prepare("SELECT terminal_id, last_no FROM receipt_counters")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (t, n) = row?;
            receipts.insert(t, n);
        }
        let sales = conn.query_row("SELECT COUNT(*) FROM sales", [], |r| r.get(0))?;
        Ok(Ok(CopyInfo { store_id, schema, receipts, sales, journal }))
    };
    read().unwrap_or_else(|e| Err(format!("it cannot be read as a Till store: {e}")))
}

/// The schema version of the store in `data_dir` and whether migrations are waiting for it;
/// `None` when there is no store yet.
pub fn schema_of(data_dir: &Path) -> Result<Option<i64>> {
    let db = data_dir.join(DB_FILE);
    if std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) == 0 {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(Some(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nightly_copies_are_told_from_tagged_ones() {
        assert_eq!(nightly("till-T1-20260101T020000Z.sqlite", "T1"), Some(("20260101T020000Z".into(), 1)));
        assert_eq!(nightly("till-T1-20260101T020000Z-12.sqlite", "T1").map(|k| k.1), Some(12));
        for not in [
            "till-T1-20260101T020000Z-pre-upgrade-0.1.0.sqlite",
            "till-T2-20260101T020000Z.sqlite",
            "till-T1-2026010xT020000Z.sqlite",
            "till-T1-20260101T020000Z.sqlite.bad",
            "till-T1-20260101T020000Z-.sqlite",
            "till-T1-2026.sqlite",
            "till-T1-é0260101T020000Z.sqlite",
        ] {
            assert_eq!(nightly(not, "T1"), None, "{not}");
        }
        assert!(valid_tag("pre-upgrade-0.1.0"));
        assert!(valid_tag("pre-upgrade-from-0.1.0~rc1+deb12u1"));
        assert!(!valid_tag("pre-upgrade-from-1:0.1.0"));
        assert!(!valid_tag("1abc"));
        assert!(!valid_tag("a/b"));
        assert!(!valid_tag(""));
    }

    #[test]
    fn rotation_keeps_the_newest_and_every_tagged_copy() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "till-T1-20260101T020000Z.sqlite",
            "till-T1-20260102T020000Z.sqlite",
            "till-T1-20260102T020000Z-2.sqlite",
            "till-T1-20260102T020000Z-10.sqlite",
            "till-T1-20260103T020000Z.sqlite",
            "till-T1-20250101T020000Z-pre-upgrade-0.1.0.sqlite",
            "till-T2-20250101T020000Z.sqlite",
        ];
        for n in names {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        let removed = rotate(dir.path(), "T1", 2).unwrap();
        let removed: Vec<String> = removed.iter().map(|p| p.file_name().unwrap().to_string_lossy().into()).collect();
        assert_eq!(
            removed,
            ["till-T1-20260101T020000Z.sqlite", "till-T1-20260102T020000Z.sqlite", "till-T1-20260102T020000Z-2.sqlite"]
        );
        let mut left: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        left.sort();
        assert_eq!(
            left,
            [
                "till-T1-20250101T020000Z-pre-upgrade-0.1.0.sqlite",
                "till-T1-20260102T020000Z-10.sqlite",
                "till-T1-20260103T020000Z.sqlite",
                "till-T2-20250101T020000Z.sqlite"
            ]
        );
    }

    #[test]
    fn a_store_from_before_the_latest_migration_is_copied_and_verified() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let mut conn = Connection::open(data.join(DB_FILE)).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        schema::migrations().to_version(&mut conn, 10).unwrap();
        conn.execute("INSERT INTO store_meta (id, store_id) VALUES (1, 'S-old')", []).unwrap();
        drop(conn);
        assert_eq!(schema_of(&data).unwrap(), Some(10));
        let now = time::macros::datetime!(2026-03-01 02:00 UTC);
        let taken = take(&data, &dir.path().join("b"), "T1", Some("pre-migration-v10"), 3, now).unwrap();
        assert_eq!(taken.path.file_name().unwrap(), "till-T1-20260301T020000Z-pre-migration-v10.sqlite");
        assert_eq!((taken.info.schema, taken.info.store_id.as_deref()), (10, Some("S-old")));
        // Verifying it migrated a private copy; the copy itself is untouched.
        let copy = Connection::open(&taken.path).unwrap();
        let v: i64 = copy.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 10);
        // Migrating the store itself afterwards works on the original.
        let s = Store::open_dir(&data).unwrap();
        assert_eq!(s.store_id(), Some("S-old"));
        drop(s);
        assert_eq!(schema_of(&data).unwrap(), Some(schema::LATEST));
    }

    #[test]
    fn nothing_and_garbage_are_not_copies() {
        let dir = tempfile::tempdir().unwrap();
        let e = take(dir.path(), &dir.path().join("b"), "T1", None, 3, time::OffsetDateTime::now_utc()).unwrap_err();
        assert!(matches!(e, StoreError::Refused(_)), "{e}");
        let junk = dir.path().join("junk.sqlite");
        std::fs::write(&junk, b"this is not a database at all, just some bytes......").unwrap();
        assert!(verify_copy(&junk).unwrap().is_err());
        let empty = dir.path().join("empty.sqlite");
        Connection::open(&empty).unwrap().execute_batch("CREATE TABLE t(x)").unwrap();
        assert!(verify_copy(&empty).unwrap().unwrap_err().contains("not a Till store"));
    }
}
