//! The store's knowledge of itself: its identity and last receipt numbers kept beside the
//! database file (so an emptied, truncated or replaced file is refused), the file's own
//! integrity, the write-ahead log staying in place, and a digest of the rows each sale, refund
//! and shift journal entry stands for.

use super::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The identity file beside the database.
pub const ID_FILE: &str = "till.id";

/// What the identity file holds: which store this directory belongs to, and the last receipt
/// number each terminal has given (never more than the database's own counter).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    pub store_id: String,
    #[serde(default)]
    pub last_receipt: BTreeMap<String, i64>,
}

impl Identity {
    pub fn read(dir: &Path) -> Result<Option<Identity>> {
        let path = dir.join(ID_FILE);
        match std::fs::read(&path) {
            // A file cut short by a power cut (it is replaced without an fsync) is as good as
            // none: the database's own identity is taken again, as for a store from before
            // identities. Deleting the file has the same effect, so nothing is lost by this.
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(id) => Ok(Some(id)),
                Err(e) => {
                    tracing::warn!("{} cannot be read ({e}); the database's identity is used", path.display());
                    Ok(None)
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StoreError::DataDir { dir: dir.display().to_string(), source }),
        }
    }

    /// Replaces the file whole (a new file renamed over the old one, owner-only). No fsync: the
    /// sale is durable in the database already, and a file older than the database after a
    /// power cut is harmless (the check is that the database is not behind it).
    pub fn write(&self, dir: &Path) -> Result<()> {
        let tmp = dir.join(format!("{ID_FILE}.new"));
        let io = |source| StoreError::DataDir { dir: dir.display().to_string(), source };
        let bytes = serde_json::to_vec(self).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut f = private_file(&tmp).map_err(io)?;
        std::io::Write::write_all(&mut f, &bytes).map_err(io)?;
        std::fs::rename(&tmp, dir.join(ID_FILE)).map_err(io)
    }
}

/// Creates (or truncates) a file only its owner can read, whatever the umask.
fn private_file(path: &Path) -> std::io::Result<File> {
    let mut o = File::options();
    o.create(true).write(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(path)?;
    owner_only(path, 0o600)?;
    Ok(f)
}

/// Sets a path's mode (the data directory 0700, the store's files 0600).
pub(super) fn owner_only(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// The store's files made owner-only, those that exist.
pub(super) fn secure_files(dir: &Path) -> Result<()> {
    let io = |source| StoreError::DataDir { dir: dir.display().to_string(), source };
    owner_only(dir, 0o700).map_err(io)?;
    for name in [DB_FILE.to_string(), format!("{DB_FILE}-wal"), format!("{DB_FILE}-shm"), ID_FILE.to_string()] {
        let p = dir.join(name);
        if p.exists() {
            owner_only(&p, 0o600).map_err(io)?;
        }
    }
    Ok(())
}

/// Decides, before the database is opened, whether the file in `dir` is this store's: a
/// missing or empty file where an identity exists is refused (it would silently become a new
/// store with receipts from 1 again).
pub(super) fn check_before_open(dir: &Path) -> Result<Option<Identity>> {
    let id = Identity::read(dir)?;
    let db = dir.join(DB_FILE);
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    if let (Some(id), 0) = (&id, size) {
        let last = id.last_receipt.values().max().copied().unwrap_or(0);
        return Err(StoreError::Corrupt(format!(
            "{} is missing or empty, but this data directory holds store {} (last receipt {last}); \
             restore the database from a backup, or move {ID_FILE} away to start a new, empty store",
            db.display(),
            id.store_id
        )));
    }
    Ok(id)
}

/// After opening: the database's identity must be the directory's, and its receipt counters
/// no lower than the receipts already given. A new store (or one from before identities) gets
/// its identity here.
pub(super) fn check_after_open(conn: &Connection, dir: &Path, id: Option<Identity>) -> Result<Identity> {
    let stored: Option<String> =
        conn.query_row("SELECT store_id FROM store_meta WHERE id = 1", [], |r| r.get(0)).optional()?;
    let mut counters = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT terminal_id, last_no FROM receipt_counters")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (t, n) = row?;
        counters.insert(t, n);
    }
    let ident = match (stored, id) {
        (Some(s), Some(id)) if s != id.store_id => {
            return Err(StoreError::Corrupt(format!(
                "the database is store {s} but this data directory belongs to store {}: the file was \
                 replaced; put the right file back",
                id.store_id
            )))
        }
        (Some(_), Some(id)) => id,
        (None, Some(id)) => {
            conn.execute("INSERT INTO store_meta (id, store_id) VALUES (1, ?1)", [&id.store_id])?;
            id
        }
        (stored, None) => {
            let store_id = stored.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            conn.execute("INSERT OR IGNORE INTO store_meta (id, store_id) VALUES (1, ?1)", [&store_id])?;
            Identity { store_id, last_receipt: BTreeMap::new() }
        }
    };
    for (terminal, given) in &ident.last_receipt {
        let have = counters.get(terminal).copied().unwrap_or(0);
        if have < *given {
            return Err(StoreError::Corrupt(format!(
                "terminal {terminal} has given receipt {given} but the database ends at {have}: it is an \
                 older copy or was cut short; restore the latest database"
            )));
        }
    }
    let ident = Identity { last_receipt: counters, ..ident };
    ident.write(dir)?;
    Ok(ident)
}

/// `PRAGMA quick_check` (or the full `integrity_check`): "ok", or what is wrong.
pub(super) fn file_check(conn: &Connection, full: bool) -> Result<std::result::Result<(), String>> {
    let sql = if full { "PRAGMA integrity_check(20)" } else { "PRAGMA quick_check(20)" };
    let mut stmt = conn.prepare(sql)?;
    let lines: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
    Ok(if lines.len() == 1 && lines[0] == "ok" { Ok(()) } else { Err(lines.join("; ")) })
}

/// The write-ahead log's identity (its inode) while the writer is open.
pub(super) fn wal_id(db: &Path) -> Option<u64> {
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(wal).ok().map(|m| m.ino())
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(wal).ok().map(|_| 1)
    }
}

/// Columns of a sale's rows, in a fixed order, for its digest.
const SALE_ROWS: [&str; 4] = [
    "SELECT id, event_id, terminal_id, receipt_no, kind, refund_of, shift_id, user_id, created_at, currency,
            subtotal_minor, discount_minor, tax_minor, total_minor, cash_rounding_minor, paid_minor, change_minor,
            journal_seq FROM sales WHERE id = ?1",
    "SELECT line_no, kind, sku, name, unit, qty, unit_price, tax_class, gross_minor, discount_minor, amount_minor,
            ticket_discount_minor, voided, refund_of_line FROM sale_lines WHERE sale_id = ?1 ORDER BY line_no",
    "SELECT seq, name, rate, amount_minor FROM sale_taxes WHERE sale_id = ?1 ORDER BY seq",
    "SELECT seq, method, amount_minor FROM payments WHERE sale_id = ?1 ORDER BY seq",
];
const SHIFT_OPEN_ROWS: [&str; 1] =
    ["SELECT id, event_id, terminal_id, opened_by, opened_at, float_minor FROM shifts WHERE id = ?1"];
const SHIFT_CLOSE_ROWS: [&str; 1] = ["SELECT id, event_id, terminal_id, opened_by, opened_at, float_minor, closed_by,
            closed_at, counted_minor, expected_minor FROM shifts WHERE id = ?1"];

/// What a journal entry's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    Sale(i64),
    ShiftOpen(i64),
    ShiftClose(i64),
}

/// SHA-256 over the rows an entry stands for: every value typed and length-framed, every row
/// and table counted, so that any edited, added or removed row changes it.
pub fn rows_digest(conn: &Connection, rows: Rows) -> Result<String> {
    let (queries, id): (&[&str], i64) = match rows {
        Rows::Sale(id) => (&SALE_ROWS, id),
        Rows::ShiftOpen(id) => (&SHIFT_OPEN_ROWS, id),
        Rows::ShiftClose(id) => (&SHIFT_CLOSE_ROWS, id),
    };
    let mut h = Sha256::new();
    for q in queries {
        let mut stmt = conn.prepare_cached(q)?;
        let cols = stmt.column_count();
        let mut rs = stmt.query([id])?;
        let mut n: u64 = 0;
        while let Some(r) = rs.next()? {
            n += 1;
            h.update(b"R");
            for i in 0..cols {
                match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => h.update(b"N"),
                    rusqlite::types::ValueRef::Integer(v) => {
                        h.update(b"I");
                        h.update(v.to_be_bytes());
                    }
                    rusqlite::types::ValueRef::Real(v) => {
                        h.update(b"F");
                        h.update(v.to_be_bytes());
                    }
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        h.update(b"T");
                        h.update((t.len() as u64).to_be_bytes());
                        h.update(t);
                    }
                }
            }
        }
        h.update(b"E");
        h.update(n.to_be_bytes());
    }
    Ok(hex::encode(h.finalize()))
}

/// The tables against the journal, both ways: every sale, refund and shift has its entry and
/// its rows still hash to what the entry recorded; every such entry still has its rows; every
/// terminal's receipts run from 1 to its counter without a gap.
pub(super) fn verify_rows(conn: &Connection) -> Result<Option<JournalFault>> {
    let mut stmt = conn.prepare(
        "SELECT s.id, s.receipt_no, s.terminal_id, s.journal_seq, j.rows_hash FROM sales s
         JOIN journal j ON j.seq = s.journal_seq ORDER BY s.id",
    )?;
    let sales: Vec<(i64, i64, String, i64, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<std::result::Result<_, _>>()?;
    for (id, receipt_no, terminal, seq, recorded) in sales {
        if let Some(h) = recorded {
            if rows_digest(conn, Rows::Sale(id))? != h {
                return Ok(Some(JournalFault::RowsAltered {
                    what: format!("receipt {receipt_no} of {terminal}"),
                    seq,
                }));
            }
        }
    }
    let gone: Option<i64> = conn
        .query_row(
            "SELECT j.seq FROM journal j LEFT JOIN sales s ON s.journal_seq = j.seq
             WHERE j.rows_hash IS NOT NULL AND j.kind IN ('sale', 'refund') AND s.id IS NULL ORDER BY j.seq LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(seq) = gone {
        return Ok(Some(JournalFault::RowsMissing { what: "a sale".into(), seq }));
    }
    if let Some(f) = verify_shifts(conn)? {
        return Ok(Some(f));
    }
    verify_receipts(conn)
}

fn verify_shifts(conn: &Connection) -> Result<Option<JournalFault>> {
    let mut stmt = conn.prepare(
        "SELECT s.id, s.closed_at IS NOT NULL, s.open_seq, s.close_seq, o.kind, o.rows_hash, c.kind, c.rows_hash
         FROM shifts s LEFT JOIN journal o ON o.seq = s.open_seq LEFT JOIN journal c ON c.seq = s.close_seq
         ORDER BY s.id",
    )?;
    type Row = (i64, bool, Option<i64>, Option<i64>, Option<String>, Option<String>, Option<String>, Option<String>);
    let shifts: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
        })?
        .collect::<std::result::Result<_, _>>()?;
    for (id, closed, open_seq, close_seq, open_kind, open_hash, close_kind, close_hash) in shifts {
        let what = format!("shift {id}");
        let (Some(open_seq), Some("shift_open")) = (open_seq, open_kind.as_deref()) else {
            return Ok(Some(JournalFault::RowsUnjournaled { what }));
        };
        let legacy = open_hash.is_none();
        if let Some(h) = open_hash {
            if rows_digest(conn, Rows::ShiftOpen(id))? != h {
                return Ok(Some(JournalFault::RowsAltered { what, seq: open_seq }));
            }
        }
        match (closed, close_seq, close_kind.as_deref(), close_hash) {
            (false, None, _, _) => {}
            (true, Some(seq), Some("shift_close"), Some(h)) => {
                if rows_digest(conn, Rows::ShiftClose(id))? != h {
                    return Ok(Some(JournalFault::RowsAltered { what, seq }));
                }
            }
            (true, Some(_), Some("shift_close"), None) if legacy => {}
            (true, None, _, _) if legacy => {}
            _ => return Ok(Some(JournalFault::RowsUnjournaled { what: format!("the close of shift {id}") })),
        }
    }
    let gone: Option<(i64, String)> = conn
        .query_row(
            "SELECT j.seq, j.kind FROM journal j
             WHERE j.rows_hash IS NOT NULL AND j.kind IN ('shift_open', 'shift_close')
               AND NOT EXISTS (SELECT 1 FROM shifts s WHERE s.open_seq = j.seq OR s.close_seq = j.seq)
             ORDER BY j.seq LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(gone.map(|(seq, kind)| JournalFault::RowsMissing { what: format!("a shift ({kind})"), seq }))
}

fn verify_receipts(conn: &Connection) -> Result<Option<JournalFault>> {
    let mut stmt = conn.prepare("SELECT terminal_id, last_no FROM receipt_counters ORDER BY terminal_id")?;
    let counters: Vec<(String, i64)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<std::result::Result<_, _>>()?;
    let mut numbers = conn.prepare("SELECT receipt_no FROM sales WHERE terminal_id = ?1 ORDER BY receipt_no")?;
    for (terminal, counter) in counters {
        let mut expected = 1;
        let mut rows = numbers.query([&terminal])?;
        while let Some(r) = rows.next()? {
            let n: i64 = r.get(0)?;
            if n != expected {
                break;
            }
            expected += 1;
        }
        if expected != counter + 1 {
            return Ok(Some(JournalFault::ReceiptGap { terminal, counter, missing: expected }));
        }
    }
    Ok(None)
}
