//! The store: one SQLite file per terminal, one writer.
//!
//! `journal_mode=WAL`, `synchronous=FULL` (a committed sale survives a power cut),
//! `foreign_keys=ON`. A completed sale, its lines, taxes and payments, its journal entry and
//! its outbox row are written in one transaction.

mod held;
mod journal;
mod schema;
mod sync;

pub use held::{HeldRow, OpenPrepay};
pub use sync::{OutboxRow, ParkedEvent, PriceChange, SyncRecord};

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
    /// Commits since the last checkpoint; see [`Store::checkpoint_if_due`].
    commits: u32,
    /// Held for the life of the writer: a second writer on the same data dir is refused.
    _lock: Option<File>,
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

/// The count a shift is closed with, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShiftClosing {
    pub shift_id: i64,
    pub counted_minor: i64,
    pub expected_minor: i64,
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
    /// Opens (creating if needed) the store in `dir` as its one writer and migrates it.
    pub fn open_dir(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir)
            .map_err(|source| StoreError::DataDir { dir: dir.display().to_string(), source })?;
        let lock_path = dir.join("till.lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| StoreError::DataDir { dir: dir.display().to_string(), source })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(StoreError::Locked(dir.display().to_string())),
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StoreError::DataDir { dir: dir.display().to_string(), source })
            }
        }
        let mut s = Store::open_file(&dir.join(DB_FILE))?;
        s._lock = Some(lock);
        Ok(s)
    }

    /// Opens a database file directly (tests, benchmarks). No process lock is taken.
    pub fn open_file(path: &Path) -> Result<Store> {
        let mut conn = Connection::open(path)?;
        apply_pragmas(&conn)?;
        conn.pragma_update(None, "wal_autocheckpoint", SAFETY_AUTOCHECKPOINT)?;
        schema::migrations().to_latest(&mut conn)?;
        Ok(Store { conn, path: path.to_path_buf(), commits: 0, _lock: None })
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
        let conn =
            Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Store { conn, path, commits: 0, _lock: None })
    }

    /// Copies the WAL into the database once enough commits have gathered, so that the WAL is
    /// reused from its start and stays small. The service calls this when it is idle, after a
    /// command has been answered: SQLite's own automatic checkpoint would run inside a commit
    /// and make every few-hundredth sale the slowest by far. Durability does not depend on it;
    /// every commit is already durable in the WAL.
    pub fn checkpoint_if_due(&mut self) -> Result<bool> {
        if self.commits < CHECKPOINT_EVERY {
            return Ok(false);
        }
        self.commits = 0;
        self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(true)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    // -- catalog ---------------------------------------------------------------------------

    pub fn product_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM products", [], |r| r.get(0))?)
    }

    /// Replaces the whole catalog in one transaction, with a journal entry.
    pub fn replace_catalog(&mut self, products: &[Product], terminal_id: &str, at: &str, source: &str) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM barcodes", [])?;
        tx.execute("DELETE FROM products", [])?;
        {
            let mut ins = tx.prepare(
                "INSERT INTO products (sku, name, category, price, tax_class, unit, age_restriction) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut code = tx.prepare("INSERT INTO barcodes (code, sku) VALUES (?1, ?2)")?;
            for p in products {
                ins.execute(params![
                    p.sku,
                    p.name,
                    p.category,
                    p.price.to_string(),
                    p.tax_class,
                    p.unit.as_str(),
                    p.age_restriction
                ])?;
                for b in &p.barcodes {
                    code.execute(params![b, p.sku])?;
                }
            }
        }
        let payload = serde_json::json!({ "source": source, "products": products.len() });
        journal::append(&tx, terminal_id, at, "catalog_import", &payload.to_string())?;
        commit(tx, &mut self.commits)?;
        Ok(())
    }

    pub fn load_products(&self) -> Result<Vec<Product>> {
        let mut codes: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
        let mut stmt = self.conn.prepare("SELECT sku, code FROM barcodes ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (sku, code) = row?;
            codes.entry(sku).or_default().push(code);
        }
        let mut stmt = self.conn.prepare(
            "SELECT sku, name, category, price, tax_class, unit, age_restriction FROM products ORDER BY rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<u8>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (sku, name, category, price, tax_class, unit, age) = row?;
            let price = Decimal::from_str(&price)
                .map_err(|_| StoreError::Corrupt(format!("product {sku} has price '{price}'")))?;
            let unit = Unit::from_str(&unit).map_err(StoreError::Corrupt)?;
            let barcodes = codes.remove(&sku).unwrap_or_default();
            out.push(Product { sku, name, barcodes, category, price, tax_class, unit, age_restriction: age });
        }
        Ok(out)
    }

    // -- users -----------------------------------------------------------------------------

    pub fn user_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
    }

    pub fn add_user(&mut self, name: &str, role: Role, pin_hash: &str, terminal_id: &str, at: &str) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO users (name, role, pin_hash) VALUES (?1, ?2, ?3)",
            params![name, role.as_str(), pin_hash],
        )?;
        let id = tx.last_insert_rowid();
        let payload = serde_json::json!({ "user_id": id, "name": name, "role": role.as_str() });
        journal::append(&tx, terminal_id, at, "user_added", &payload.to_string())?;
        commit(tx, &mut self.commits)?;
        Ok(id)
    }

    pub fn active_users(&self) -> Result<Vec<UserAuth>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, role, pin_hash, failed_attempts, locked_until FROM users WHERE active = 1 ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, u32>(4)?,
                r.get::<_, Option<i64>>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, role, pin_hash, failed_attempts, locked_until) = row?;
            let role = Role::from_str(&role).map_err(StoreError::Corrupt)?;
            out.push(UserAuth { user: User { id, name, role }, pin_hash, failed_attempts, locked_until });
        }
        Ok(out)
    }

    /// Records a failed PIN for a user; locks them until `lock_until` once `max` is reached.
    /// Returns the attempts so far.
    pub fn record_failed_login(
        &mut self,
        user_id: i64,
        max: u32,
        lock_until: i64,
        terminal_id: &str,
        at: &str,
    ) -> Result<u32> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let attempts: u32 = tx.query_row(
            "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = ?1 RETURNING failed_attempts",
            [user_id],
            |r| r.get(0),
        )?;
        let locked = attempts >= max;
        if locked {
            tx.execute(
                "UPDATE users SET locked_until = ?2, failed_attempts = 0 WHERE id = ?1",
                params![user_id, lock_until],
            )?;
        }
        let payload = serde_json::json!({ "user_id": user_id, "attempts": attempts, "locked": locked });
        journal::append(&tx, terminal_id, at, "login_failed", &payload.to_string())?;
        commit(tx, &mut self.commits)?;
        Ok(attempts)
    }

    /// Journals an event that has no table of its own (login, logout, failed login...).
    pub fn journal_event(
        &mut self,
        kind: &str,
        payload: &serde_json::Value,
        terminal_id: &str,
        at: &str,
    ) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let seq = journal::append(&tx, terminal_id, at, kind, &payload.to_string())?;
        commit(tx, &mut self.commits)?;
        Ok(seq)
    }

    /// Journals an event and queues it for the central endpoint, in one transaction.
    pub fn record_event(&mut self, kind: &str, event: &serde_json::Value, terminal_id: &str, at: &str) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let seq = append_event(&tx, terminal_id, kind, event, at)?;
        commit(tx, &mut self.commits)?;
        Ok(seq)
    }

    pub fn record_login(&mut self, user_id: i64, terminal_id: &str, at: &str) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?1", [user_id])?;
        journal::append(&tx, terminal_id, at, "login", &serde_json::json!({ "user_id": user_id }).to_string())?;
        commit(tx, &mut self.commits)?;
        Ok(())
    }

    // -- shifts ----------------------------------------------------------------------------

    pub fn open_shift_of(&self, terminal_id: &str) -> Result<Option<OpenShift>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, opened_at, opened_by, float_minor FROM shifts WHERE terminal_id = ?1 AND closed_at IS NULL",
                [terminal_id],
                |r| Ok(OpenShift { id: r.get(0)?, opened_at: r.get(1)?, opened_by: r.get(2)?, float_minor: r.get(3)? }),
            )
            .optional()?)
    }

    /// Opens a shift with its float: the shift row, a journal entry and an outbox event.
    pub fn open_shift(
        &mut self,
        terminal_id: &str,
        user: &User,
        float_minor: i64,
        event: &serde_json::Value,
        at: &str,
    ) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let event_id = event_id_of(event)?;
        tx.execute(
            "INSERT INTO shifts (event_id, terminal_id, opened_by, opened_at, float_minor) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![event_id, terminal_id, user.id, at, float_minor],
        )?;
        let id = tx.last_insert_rowid();
        append_event(&tx, terminal_id, "shift_open", event, at)?;
        commit(tx, &mut self.commits)?;
        Ok(id)
    }

    /// Cash that moved through the drawer in a shift, in minor units: cash taken minus change
    /// minus cash paid out on refunds.
    pub fn shift_cash_net(&self, shift_id: i64) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COALESCE((SELECT SUM(p.amount_minor) FROM payments p JOIN sales s ON s.id = p.sale_id
                               WHERE s.shift_id = ?1 AND p.method = 'cash'), 0)
                  - COALESCE((SELECT SUM(change_minor) FROM sales WHERE shift_id = ?1), 0)",
            [shift_id],
            |r| r.get(0),
        )?)
    }

    /// Closes a shift with its count: the shift row, a journal entry and an outbox event.
    pub fn close_shift(
        &mut self,
        terminal_id: &str,
        user: &User,
        count: ShiftClosing,
        event: &serde_json::Value,
        at: &str,
    ) -> Result<()> {
        let ShiftClosing { shift_id, counted_minor, expected_minor } = count;
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE shifts SET closed_by = ?2, closed_at = ?3, counted_minor = ?4, expected_minor = ?5 WHERE id = ?1 AND closed_at IS NULL",
            params![shift_id, user.id, at, counted_minor, expected_minor],
        )?;
        if n != 1 {
            return Err(StoreError::Corrupt(format!("shift {shift_id} is not open")));
        }
        append_event(&tx, terminal_id, "shift_close", event, at)?;
        commit(tx, &mut self.commits)?;
        Ok(())
    }

    // -- sales -----------------------------------------------------------------------------

    /// Stores a completed sale or refund in one transaction: the next receipt number, the
    /// sale with its lines, taxes and payments, the journal entry and the outbox event.
    /// `build` is given the receipt number and returns the record to store; nothing is written
    /// if anything fails.
    pub fn complete_sale(
        &mut self,
        terminal_id: &str,
        shift_id: i64,
        user_id: i64,
        currency: &Currency,
        refund_of_id: Option<i64>,
        build: impl FnOnce(i64) -> SaleRecord,
    ) -> Result<SaleRecord> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let receipt_no: i64 = tx
            .prepare_cached(
                "INSERT INTO receipt_counters (terminal_id, last_no) VALUES (?1, 1)
             ON CONFLICT (terminal_id) DO UPDATE SET last_no = last_no + 1
             RETURNING last_no",
            )?
            .query_row([terminal_id], |r| r.get(0))?;
        let rec = build(receipt_no);
        let m = |v: Decimal| currency.to_minor(v).ok_or(StoreError::Amount(v));
        let payload = serde_json::to_string(&rec).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let seq = journal::append(&tx, terminal_id, &rec.at, &rec.kind, &payload)?;
        tx.prepare_cached(
            "INSERT INTO sales (event_id, terminal_id, receipt_no, kind, refund_of, shift_id, user_id, created_at, currency,
                                subtotal_minor, discount_minor, tax_minor, total_minor, cash_rounding_minor, paid_minor, change_minor, journal_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?
        .execute(params![
                rec.event_id,
                terminal_id,
                receipt_no,
                rec.kind,
                refund_of_id,
                shift_id,
                user_id,
                rec.at,
                rec.currency,
                m(rec.subtotal)?,
                m(rec.discount)?,
                m(rec.tax_total)?,
                m(rec.total)?,
                m(rec.cash_rounding)?,
                m(rec.paid)?,
                m(rec.change)?,
                seq
            ])?;
        let sale_id = tx.last_insert_rowid();
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO sale_lines (sale_id, line_no, kind, sku, name, unit, qty, unit_price, tax_class, gross_minor,
                                         discount_minor, amount_minor, ticket_discount_minor, voided, refund_of_line)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?;
            for l in &rec.lines {
                ins.execute(params![
                    sale_id,
                    l.line,
                    l.kind,
                    l.sku,
                    l.name,
                    l.unit,
                    l.qty.to_string(),
                    l.unit_price.to_string(),
                    l.tax_class,
                    m(l.amount + l.discount)?,
                    m(l.discount)?,
                    m(l.amount)?,
                    m(l.ticket_discount)?,
                    l.voided,
                    l.refund_of_line
                ])?;
            }
            let mut ins = tx.prepare_cached(
                "INSERT INTO sale_taxes (sale_id, seq, name, rate, amount_minor) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (i, t) in rec.tax.iter().enumerate() {
                ins.execute(params![sale_id, i, t.name, t.rate, m(t.amount)?])?;
            }
            let mut ins =
                tx.prepare_cached("INSERT INTO payments (sale_id, seq, method, amount_minor) VALUES (?1, ?2, ?3, ?4)")?;
            for (i, p) in rec.payments.iter().enumerate() {
                ins.execute(params![sale_id, i, p.method, m(p.amount)?])?;
            }
        }
        // The event wraps the journaled record; it is serialised once.
        let event = format!(
            "{{\"event_id\":{},\"kind\":{},\"terminal_id\":{},{}:{payload}}}",
            serde_json::Value::from(rec.event_id.as_str()),
            serde_json::Value::from(rec.kind.as_str()),
            serde_json::Value::from(terminal_id),
            serde_json::Value::from(rec.kind.as_str()),
        );
        outbox(&tx, &rec.event_id, &rec.kind, &event, &rec.at)?;
        commit(tx, &mut self.commits)?;
        Ok(rec)
    }

    /// The stored id of a sale by its receipt number.
    pub fn sale_id(&self, terminal_id: &str, receipt_no: i64) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM sales WHERE terminal_id = ?1 AND receipt_no = ?2",
                params![terminal_id, receipt_no],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Reads a stored sale back in the shape it was completed in.
    pub fn find_sale(&self, terminal_id: &str, receipt_no: i64, currency: &Currency) -> Result<Option<SaleRecord>> {
        let Some(id) = self.sale_id(terminal_id, receipt_no)? else { return Ok(None) };
        self.sale_by_id(id, currency).map(Some)
    }

    pub fn sale_by_id(&self, id: i64, currency: &Currency) -> Result<SaleRecord> {
        let c = |v: i64| currency.from_minor(v);
        let dec = |s: String| {
            Decimal::from_str(&s).map_err(|_| StoreError::Corrupt(format!("sale {id}: '{s}' is not a decimal")))
        };
        let (head, user) = self.conn.query_row(
            "SELECT s.event_id, s.receipt_no, s.kind, (SELECT o.receipt_no FROM sales o WHERE o.id = s.refund_of), s.terminal_id,
                    s.created_at, u.name, s.currency, s.subtotal_minor, s.discount_minor, s.tax_minor, s.total_minor,
                    s.cash_rounding_minor, s.paid_minor, s.change_minor
             FROM sales s JOIN users u ON u.id = s.user_id WHERE s.id = ?1",
            [id],
            |r| {
                Ok((
                    SaleRecord {
                        event_id: r.get(0)?,
                        receipt_no: r.get(1)?,
                        kind: r.get(2)?,
                        refund_of: r.get(3)?,
                        terminal_id: r.get(4)?,
                        at: r.get(5)?,
                        user: String::new(),
                        currency: r.get(7)?,
                        lines: Vec::new(),
                        subtotal: c(r.get(8)?),
                        discount: c(r.get(9)?),
                        tax: Vec::new(),
                        tax_total: c(r.get(10)?),
                        total: c(r.get(11)?),
                        cash_rounding: c(r.get(12)?),
                        payments: Vec::new(),
                        paid: c(r.get(13)?),
                        change: c(r.get(14)?),
                    },
                    r.get::<_, String>(6)?,
                ))
            },
        )?;
        let mut rec = SaleRecord { user, ..head };
        let mut stmt = self.conn.prepare(
            "SELECT line_no, kind, sku, name, unit, qty, unit_price, tax_class, discount_minor, amount_minor,
                    ticket_discount_minor, voided, refund_of_line
             FROM sale_lines WHERE sale_id = ?1 ORDER BY line_no",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, usize>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, i64>(9)?,
                r.get::<_, i64>(10)?,
                r.get::<_, bool>(11)?,
                r.get::<_, Option<usize>>(12)?,
            ))
        })?;
        for row in rows {
            let (line, kind, sku, name, unit, qty, unit_price, tax_class, disc, amount, tdisc, voided, refund_of_line) =
                row?;
            rec.lines.push(LineRecord {
                line,
                kind,
                sku,
                name,
                unit,
                qty: dec(qty)?,
                unit_price: dec(unit_price)?,
                tax_class,
                discount: c(disc),
                amount: c(amount),
                ticket_discount: c(tdisc),
                voided,
                refund_of_line,
            });
        }
        let mut stmt =
            self.conn.prepare("SELECT name, rate, amount_minor FROM sale_taxes WHERE sale_id = ?1 ORDER BY seq")?;
        for row in stmt.query_map([id], |r| Ok(TaxRecord { name: r.get(0)?, rate: r.get(1)?, amount: c(r.get(2)?) }))? {
            rec.tax.push(row?);
        }
        let mut stmt =
            self.conn.prepare("SELECT method, amount_minor FROM payments WHERE sale_id = ?1 ORDER BY seq")?;
        for row in stmt.query_map([id], |r| Ok(PaymentRecord { method: r.get(0)?, amount: c(r.get(1)?) }))? {
            rec.payments.push(row?);
        }
        Ok(rec)
    }

    /// Refunds already made against a sale: (original line numbers refunded, card refunded,
    /// cash refunded) in minor units, positive.
    pub fn refunds_of(&self, sale_id: i64) -> Result<(Vec<usize>, i64, i64)> {
        let mut stmt = self.conn.prepare(
            "SELECT l.refund_of_line FROM sale_lines l JOIN sales s ON s.id = l.sale_id
             WHERE s.refund_of = ?1 AND l.refund_of_line IS NOT NULL AND l.voided = 0",
        )?;
        let lines = stmt.query_map([sale_id], |r| r.get::<_, usize>(0))?.collect::<std::result::Result<Vec<_>, _>>()?;
        let (card, cash): (i64, i64) = self.conn.query_row(
            "SELECT COALESCE(SUM(CASE WHEN p.method = 'card' THEN -p.amount_minor END), 0),
                    COALESCE(SUM(CASE WHEN p.method = 'cash' THEN -p.amount_minor END), 0)
             FROM payments p JOIN sales s ON s.id = p.sale_id WHERE s.refund_of = ?1",
            [sale_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((lines, card, cash))
    }

    pub fn last_receipt_no(&self, terminal_id: &str) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT last_no FROM receipt_counters WHERE terminal_id = ?1", [terminal_id], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    /// Puts a receipt in the reprint queue (it did not print), with a journal entry.
    pub fn queue_reprint(&mut self, receipt_no: i64, reason: &str, terminal_id: &str, at: &str) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO reprint_queue (receipt_no, reason, queued_at) VALUES (?1, ?2, ?3)",
            params![receipt_no, reason, at],
        )?;
        let payload = serde_json::json!({ "receipt_no": receipt_no, "reason": reason });
        journal::append(&tx, terminal_id, at, "receipt_not_printed", &payload.to_string())?;
        commit(tx, &mut self.commits)
    }

    /// Assigns a device its port (and protocol) and journals who did it, in one transaction.
    pub fn set_device(&mut self, d: &DeviceSetting, user_id: i64, terminal_id: &str, at: &str) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO device_settings (device, port, protocol, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(device) DO UPDATE SET port = ?2, protocol = ?3, changed_by = ?4, changed_at = ?5",
            params![d.device, d.port, d.protocol, user_id, at],
        )?;
        let payload =
            serde_json::json!({ "device": d.device, "port": d.port, "protocol": d.protocol, "user_id": user_id });
        journal::append(&tx, terminal_id, at, "device_set", &payload.to_string())?;
        commit(tx, &mut self.commits)
    }

    /// The devices assigned on the settings screen.
    pub fn device_settings(&self) -> Result<Vec<DeviceSetting>> {
        let mut stmt = self.conn.prepare("SELECT device, port, protocol FROM device_settings ORDER BY device")?;
        let rows =
            stmt.query_map([], |r| Ok(DeviceSetting { device: r.get(0)?, port: r.get(1)?, protocol: r.get(2)? }))?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// Receipts waiting to be printed again, oldest first: (queue id, receipt number, reason).
    pub fn pending_reprints(&self) -> Result<Vec<(i64, i64, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, receipt_no, reason FROM reprint_queue WHERE printed_at IS NULL ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
    }

    pub fn reprinted(&mut self, id: i64, at: &str) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("UPDATE reprint_queue SET printed_at = ?2 WHERE id = ?1 AND printed_at IS NULL", params![id, at])?;
        commit(tx, &mut self.commits)
    }

    /// Events not yet delivered to the central endpoint (parked ones included: they are not
    /// delivered either).
    pub fn outbox_count(&self) -> Result<i64> {
        // Two counts that the partial indexes answer, not a scan of every event ever sent.
        let (pending, parked) = self.outbox_states()?;
        Ok(pending + parked)
    }

    // -- journal ---------------------------------------------------------------------------

    /// Walks the whole journal and checks the hash chain, the head and the sales' entries.
    pub fn verify_journal(&self) -> Result<std::result::Result<JournalReport, JournalFault>> {
        journal::verify(&self.conn)
    }
}

/// Commits a transaction and counts it towards the next checkpoint.
fn commit(tx: Transaction, commits: &mut u32) -> Result<()> {
    tx.commit()?;
    *commits = commits.saturating_add(1);
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
    let event_id = event_id_of(event)?;
    let body = event.to_string();
    let seq = journal::append(tx, terminal_id, at, kind, &body)?;
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
            }],
            subtotal: total,
            discount: dec!(0.00),
            tax: vec![],
            tax_total: dec!(0.00),
            total,
            cash_rounding: dec!(0.00),
            payments: vec![PaymentRecord { method: "card".into(), amount: total }],
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
}
