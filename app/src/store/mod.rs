//! The store: one SQLite file per terminal, one writer.
//!
//! `journal_mode=WAL`, `synchronous=FULL` (a committed sale survives a power cut),
//! `foreign_keys=ON`. A completed sale, its lines, taxes and payments, its journal entry and
//! its outbox row are written in one transaction.

pub mod backup;
mod cards;
mod cash;
mod catalog;
pub mod export;
mod held;
pub mod integrity;
mod journal;
mod looks;
pub mod report;
mod reservations;
pub mod restore;
mod sales;
pub mod schema;
mod settings;
mod shifts;
mod sync;
mod users;

pub use cards::{CardDay, CardIntent, TerminalAnswer};
pub use cash::{CountRow, GaugeDeliveryRow, LatestCount, MeterRow, ShiftEnd, ShiftStart, ZStart};
pub use held::{HeldRow, OpenPrepay};
pub use looks::StoredLook;
pub use reservations::Reservation;
pub use sync::{OutboxRow, ParkedEvent, PriceChange, SyncRecord};
pub use users::UserChange;

pub use journal::{JournalFault, JournalReport, GENESIS_HASH};

use crate::domain::catalog::{Product, Unit};
use crate::domain::money::Currency;
use crate::domain::record::{LineRecord, PaymentRecord, SaleRecord, TaxRecord};
use crate::domain::users::{Role, User};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use rust_decimal::Decimal;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("cannot use data directory {dir}: {source}")]
    DataDir { dir: String, source: std::io::Error },
    #[error("another Till process is already using {0}")]
    Locked(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("an amount of {0} does not fit the currency")]
    Amount(Decimal),
    #[error("the store has stopped taking sales: {0}")]
    Halted(String),
    /// A backup or restore that was not done, and why.
    #[error("{0}")]
    Refused(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A device's port as assigned on the device settings screen ("" = not attached).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceSetting {
    pub device: String,
    pub port: String,
    #[serde(default)]
    pub protocol: Option<String>,
}

/// The writer's handle on the store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    guard: Guard,
    /// An OS lock on the database file itself, held for the life of the writer: a second
    /// writer is refused whatever files are deleted.
    _lock: Option<File>,
    /// A private copy a read-only store was opened from, removed with it.
    _copy: Option<tempfile::TempDir>,
}

/// What the writer watches across commits.
#[derive(Default)]
struct Guard {
    /// Commits since the last checkpoint; see [`Store::checkpoint_if_due`].
    commits: u32,
    /// The write-ahead log's path and inode at open: a log deleted or replaced under a running
    /// writer is noticed after the next commit.
    wal: Option<(PathBuf, u64)>,
    /// Why the writer stopped taking writes (and whether what it had was saved into the file).
    halted: Option<String>,
    rescued: bool,
    /// Receipt numbers given since `till.id` was last written.
    identity_dirty: bool,
    /// The identity file and what it holds (writers opened on a data directory only).
    identity: Option<(PathBuf, integrity::Identity)>,
}

/// Starts a write, unless the writer has stopped.
fn begin<'c>(conn: &'c mut Connection, guard: &Guard) -> Result<Transaction<'c>> {
    if let Some(why) = &guard.halted {
        return Err(StoreError::Halted(why.clone()));
    }
    Ok(conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
}

/// WAL pages after which the writer checkpoints inside a commit, as a safety net for a caller
/// that never calls [`Store::checkpoint_if_due`] (SQLite's default is 1000).
const SAFETY_AUTOCHECKPOINT: i64 = 20_000;

/// Commits after which [`Store::checkpoint_if_due`] moves the WAL into the database.
const CHECKPOINT_EVERY: u32 = 32;

/// A user row with what login needs.
#[derive(Debug, Clone)]
pub struct UserAuth {
    pub user: User,
    pub pin_hash: String,
    pub failed_attempts: u32,
    pub locked_until: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenShift {
    pub id: i64,
    pub opened_at: String,
    pub opened_by: i64,
    pub float_minor: i64,
}

pub const DB_FILE: &str = "till.sqlite";

fn apply_pragmas(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_handler(Some(wait_for_writer))?;
    Ok(())
}

/// When the other connection (the push task's) is writing: look again every 200 us, for up to
/// about 5 s. SQLite's own busy timeout sleeps 1, 2, 5, 10 ms..., which a sale would feel; the
/// other writer's transactions take about a millisecond.
fn wait_for_writer(attempt: i32) -> bool {
    if attempt >= 25_000 {
        return false;
    }
    std::thread::sleep(std::time::Duration::from_micros(200));
    true
}

impl Store {
    /// Opens (creating if needed) the store in `dir` as its one writer and migrates it. The
    /// directory is made owner-only (0700) and its files 0600. A missing, emptied, replaced or
    /// older database file is refused (see [`integrity`]), and so is a damaged one.
    pub fn open_dir(dir: &Path) -> Result<Store> {
        let io = |source| StoreError::DataDir { dir: dir.display().to_string(), source };
        std::fs::create_dir_all(dir).map_err(io)?;
        integrity::secure_files(dir)?;
        let identity = integrity::check_before_open(dir)?;
        let db = dir.join(DB_FILE);
        let mut o = File::options();
        o.create(true).truncate(false).read(true).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let lock = o.open(&db).map_err(io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(StoreError::Locked(dir.display().to_string())),
            Err(std::fs::TryLockError::Error(source)) => return Err(io(source)),
        }
        let mut s = Store::open_file(&db)?;
        s._lock = Some(lock);
        if let Err(e) = integrity::file_check(&s.conn, false)? {
            return Err(StoreError::Corrupt(format!(
                "{} failed its integrity check ({e}); Till will not sell on a damaged file: restore it from a backup",
                db.display()
            )));
        }
        // The log and index SQLite makes take the database file's mode (0600) already.
        let identity = integrity::check_after_open(&s.conn, dir, identity)?;
        s.guard.identity = Some((dir.to_path_buf(), identity));
        if let Some(ino) = integrity::wal_id(&db) {
            s.guard.wal = Some((db.clone(), ino));
        }
        Ok(s)
    }

    /// The store's identity, for a writer opened on a data directory.
    pub fn store_id(&self) -> Option<&str> {
        self.guard.identity.as_ref().map(|(_, i)| i.store_id.as_str())
    }

    /// Why the writer has stopped taking writes, if it has.
    pub fn halted(&self) -> Option<&str> {
        self.guard.halted.as_deref()
    }

    /// After a command: when the write-ahead log vanished under the writer, everything it held
    /// is copied into the database file at once (the writer still has the log open), so that
    /// no answered sale is lost; the writer takes no more writes until Till is restarted.
    pub fn rescue_if_halted(&mut self) {
        if self.guard.halted.is_none() || self.guard.rescued {
            return;
        }
        self.guard.rescued = true;
        match self.conn.query_row("PRAGMA wal_checkpoint(FULL)", [], |r| r.get::<_, i64>(0)) {
            Ok(0) => tracing::error!("store halted; everything written was saved into the database file"),
            Ok(_) => tracing::error!("store halted; the database file could not take everything written"),
            Err(e) => tracing::error!("store halted; saving into the database file failed: {e}"),
        }
    }

    /// Notes a receipt number to keep beside the database too; written by
    /// [`Store::keep_identity`] once the sale has been answered, off the sale's path.
    fn note_receipt(&mut self, terminal_id: &str, receipt_no: i64) {
        if let Some((_, id)) = &mut self.guard.identity {
            id.last_receipt.insert(terminal_id.to_string(), receipt_no);
            self.guard.identity_dirty = true;
        }
    }

    /// Between commands: writes the receipt numbers beside the database (the file renamed over
    /// the old one, then the directory synced, so that the rename is not left for the next
    /// sale's fsync to carry). A failure is logged, never a sale's.
    pub fn keep_identity(&mut self) {
        if !std::mem::take(&mut self.guard.identity_dirty) {
            return;
        }
        if let Some((dir, id)) = &self.guard.identity {
            let synced = id.write(dir).and_then(|()| {
                File::open(dir)
                    .and_then(|d| d.sync_all())
                    .map_err(|source| StoreError::DataDir { dir: dir.display().to_string(), source })
            });
            if let Err(e) = synced {
                tracing::error!("the receipt numbers could not be kept beside the store: {e}");
            }
        }
    }

    /// Opens a database file directly (tests, benchmarks). No process lock is taken.
    pub fn open_file(path: &Path) -> Result<Store> {
        let mut conn = Connection::open(path)?;
        apply_pragmas(&conn)?;
        conn.pragma_update(None, "wal_autocheckpoint", SAFETY_AUTOCHECKPOINT)?;
        schema::migrations().to_latest(&mut conn)?;
        Ok(Store { conn, path: path.to_path_buf(), guard: Guard::default(), _lock: None, _copy: None })
    }

    /// Opens an existing store read-only (journal verification, reports) without taking the
    /// writer's lock, so it works while Till runs.
    pub fn open_read_only(dir: &Path) -> Result<Store> {
        let path = dir.join(DB_FILE);
        if !path.exists() {
            return Err(StoreError::DataDir {
                dir: dir.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, format!("no {DB_FILE} here")),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let readable = |p: &Path, flags: OpenFlags| -> Result<Connection> {
            let conn = Connection::open_with_flags(p, flags)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
            Ok(conn)
        };
        let (conn, copy) = match readable(&path, flags) {
            Ok(conn) => (conn, None),
            // A copy on read-only media (or without write access to its directory) cannot get
            // the shared-memory index WAL mode needs: it is read from a private copy instead.
            Err(first) => {
                let tmp = tempfile::tempdir()
                    .map_err(|source| StoreError::DataDir { dir: dir.display().to_string(), source })?;
                for name in [DB_FILE.to_string(), format!("{DB_FILE}-wal")] {
                    let from = dir.join(&name);
                    if from.exists() {
                        std::fs::copy(&from, tmp.path().join(&name))
                            .map_err(|source| StoreError::DataDir { dir: dir.display().to_string(), source })?;
                    }
                }
                let rw = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let conn = readable(&tmp.path().join(DB_FILE), rw).map_err(|_| first)?;
                (conn, Some(tmp))
            }
        };
        Ok(Store { conn, path, guard: Guard::default(), _lock: None, _copy: copy })
    }

    /// Copies the WAL into the database once enough commits have gathered, so that the WAL is
    /// reused from its start and stays small. The service calls this when it is idle, after a
    /// command has been answered: SQLite's own automatic checkpoint would run inside a commit
    /// and make every few-hundredth sale the slowest by far. Durability does not depend on it;
    /// every commit is already durable in the WAL.
    pub fn checkpoint_if_due(&mut self) -> Result<bool> {
        if self.guard.commits < CHECKPOINT_EVERY {
            return Ok(false);
        }
        self.guard.commits = 0;
        self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(true)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Journals an event that has no table of its own (login, logout, failed login...).
    pub fn journal_event(
        &mut self,
        kind: &str,
        payload: &serde_json::Value,
        terminal_id: &str,
        at: &str,
    ) -> Result<i64> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let seq = journal::append(&tx, terminal_id, at, kind, &payload.to_string())?;
        commit(tx, &mut self.guard)?;
        Ok(seq)
    }

    /// Journals an event and queues it for the central endpoint, in one transaction.
    pub fn record_event(&mut self, kind: &str, event: &serde_json::Value, terminal_id: &str, at: &str) -> Result<i64> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let seq = append_event(&tx, terminal_id, kind, event, at)?;
        commit(tx, &mut self.guard)?;
        Ok(seq)
    }

    /// Events not yet delivered to the central endpoint (parked ones included: they are not
    /// delivered either).
    pub fn outbox_count(&self) -> Result<i64> {
        // Two counts that the partial indexes answer, not a scan of every event ever sent.
        let (pending, parked) = self.outbox_states()?;
        Ok(pending + parked)
    }

    /// Rows of (integer, text) from a query, for the tests' checks over the stored data.
    #[cfg(test)]
    pub fn query_strings(&self, sql: &str) -> Result<Vec<(i64, String)>> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Walks the whole journal and checks the hash chain, the head and the sales' entries.
    pub fn verify_journal(&self) -> Result<std::result::Result<JournalReport, JournalFault>> {
        journal::verify(&self.conn)
    }
}

impl Drop for Store {
    /// Receipt numbers not yet written beside the database (a writer closed right after a sale).
    fn drop(&mut self) {
        self.keep_identity();
    }
}

/// Commits a transaction and counts it towards the next checkpoint. A write-ahead log gone
/// from under the writer stops further writes (the commit itself is in the log the writer
/// still holds open, and [`Store::rescue_if_halted`] saves it into the file).
fn commit(tx: Transaction, guard: &mut Guard) -> Result<()> {
    tx.commit()?;
    guard.commits = guard.commits.saturating_add(1);
    if let Some((db, ino)) = &guard.wal {
        if integrity::wal_id(db) != Some(*ino) && guard.halted.is_none() {
            let why = format!(
                "the write-ahead log beside {} was deleted or replaced while Till ran; restart Till",
                db.display()
            );
            tracing::error!("{why}");
            guard.halted = Some(why);
        }
    }
    Ok(())
}

fn event_id_of(event: &serde_json::Value) -> Result<String> {
    event
        .get("event_id")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| StoreError::Corrupt("an outbox event has no event_id".into()))
}

/// Journals an event and queues it for the central endpoint, inside the caller's transaction;
/// returns its journal sequence number.
fn append_event(tx: &Transaction, terminal_id: &str, kind: &str, event: &serde_json::Value, at: &str) -> Result<i64> {
    append_event_rows(tx, terminal_id, kind, event, at, None)
}

/// [`append_event`] for an entry that holds the digest of the rows it stands for.
fn append_event_rows(
    tx: &Transaction,
    terminal_id: &str,
    kind: &str,
    event: &serde_json::Value,
    at: &str,
    rows_hash: Option<&str>,
) -> Result<i64> {
    let event_id = event_id_of(event)?;
    let body = event.to_string();
    let seq = journal::append_rows(tx, terminal_id, at, kind, &body, rows_hash)?;
    outbox(tx, &event_id, kind, &body, at)?;
    Ok(seq)
}

fn outbox(tx: &Transaction, event_id: &str, kind: &str, payload: &str, at: &str) -> Result<()> {
    tx.prepare_cached("INSERT INTO outbox (event_id, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![event_id, kind, payload, at])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::SaleRecord;
    use rust_decimal_macros::dec;

    fn eur() -> Currency {
        Currency { code: "EUR".into(), minor_units: 2, cash_increment: None }
    }

    fn record(receipt_no: i64, total: Decimal) -> SaleRecord {
        SaleRecord {
            event_id: uuid::Uuid::new_v4().to_string(),
            receipt_no,
            kind: "sale".into(),
            refund_of: None,
            terminal_id: "T1".into(),
            at: "2026-11-24T12:00:00Z".into(),
            user: "Ann".into(),
            currency: "EUR".into(),
            lines: vec![LineRecord {
                line: 1,
                kind: "shop".into(),
                sku: "A".into(),
                name: "A".into(),
                unit: "each".into(),
                qty: dec!(1),
                unit_price: total,
                tax_class: "STD".into(),
                discount: dec!(0.00),
                amount: total,
                ticket_discount: dec!(0.00),
                voided: false,
                refund_of_line: None,
                pump: None,
            }],
            subtotal: total,
            discount: dec!(0.00),
            tax: vec![],
            tax_total: dec!(0.00),
            total,
            cash_rounding: dec!(0.00),
            payments: vec![PaymentRecord { method: "card".into(), amount: total, card: None }],
            paid: total,
            change: dec!(0.00),
        }
    }

    fn store_with_shift(dir: &Path) -> (Store, i64, i64) {
        let mut s = Store::open_file(&dir.join("t.sqlite")).unwrap();
        let uid = s.add_user("Ann", Role::Cashier, "x", "T1", "t").unwrap();
        let user = User { id: uid, name: "Ann".into(), role: Role::Cashier };
        let shift = s.open_shift("T1", &user, 0, &serde_json::json!({ "event_id": "shift-1" }), "t").unwrap();
        (s, uid, shift)
    }

    #[test]
    fn pragmas_are_durable() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_file(&dir.path().join("t.sqlite")).unwrap();
        let mode: String = s.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        let sync: i64 = s.conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        let fk: i64 = s.conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
    }

    #[test]
    fn a_sale_that_fails_to_store_leaves_no_trace_and_no_gap() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, uid, shift) = store_with_shift(dir.path());
        let journal_before: i64 = s.conn.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap();
        // An amount finer than the currency cannot be stored: the whole transaction rolls back.
        let err = s.complete_sale("T1", shift, uid, &eur(), None, |n| record(n, dec!(1.005))).unwrap_err();
        assert!(matches!(err, StoreError::Amount(_)), "{err}");
        assert_eq!(s.last_receipt_no("T1").unwrap(), 0);
        let journal_after: i64 = s.conn.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap();
        assert_eq!(journal_before, journal_after);
        assert_eq!(s.outbox_count().unwrap(), 1, "only the shift's event");
        let ok = s.complete_sale("T1", shift, uid, &eur(), None, |n| record(n, dec!(2.50))).unwrap();
        assert_eq!(ok.receipt_no, 1);
        assert_eq!(s.find_sale("T1", 1, &eur()).unwrap().unwrap(), ok);
        assert!(s.verify_journal().unwrap().is_ok());
    }

    #[test]
    fn receipt_numbers_are_per_terminal() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, uid, shift) = store_with_shift(dir.path());
        for expected in 1..=3 {
            let r = s.complete_sale("T1", shift, uid, &eur(), None, |n| record(n, dec!(1.00))).unwrap();
            assert_eq!(r.receipt_no, expected);
        }
        let r = s.complete_sale("T2", shift, uid, &eur(), None, |n| record(n, dec!(1.00))).unwrap();
        assert_eq!(r.receipt_no, 1);
    }

    #[test]
    fn a_second_writer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Store::open_dir(dir.path()).unwrap();
        assert!(matches!(Store::open_dir(dir.path()), Err(StoreError::Locked(_))));
    }

    #[test]
    fn a_gauges_deliveries_are_taken_once_and_its_history_is_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_file(&dir.path().join("t.sqlite")).unwrap();
        let row = |n: u32, end: &str| GaugeDeliveryRow {
            tank: 1,
            litres: format!("{n}"),
            start: "2612040800".into(),
            end: end.into(),
            event: serde_json::json!({ "event_id": format!("d-{end}"), "kind": "delivery" }),
        };
        // First contact: what the gauge keeps is history.
        assert_eq!(s.record_gauge_deliveries("T1", &[row(3000, "2612030900")], "a").unwrap(), 0);
        let later = [row(3000, "2612030900"), row(2000, "2612040900")];
        assert_eq!(s.record_gauge_deliveries("T1", &later, "b").unwrap(), 1, "only the new one");
        assert_eq!(s.record_gauge_deliveries("T1", &later, "c").unwrap(), 0, "never twice");
        let mut stmt = s.conn.prepare("SELECT litres, counted FROM deliveries ORDER BY id").unwrap();
        let counted: Vec<(String, bool)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect();
        drop(stmt);
        assert_eq!(counted, [("3000".to_string(), false), ("2000".to_string(), true)]);
        let queued: i64 =
            s.conn.query_row("SELECT COUNT(*) FROM outbox WHERE kind = 'delivery'", [], |r| r.get(0)).unwrap();
        assert_eq!(queued, 1);
    }
}
