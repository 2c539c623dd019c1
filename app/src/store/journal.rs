//! The hash-chained journal: entry n's hash is SHA-256 over entry n-1's hash and entry n's
//! fields, so editing, deleting or reordering any entry breaks the chain from there on.

use super::Result;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The "previous hash" of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 over the previous hash and the entry, fields separated so that no two different
/// entries hash the same bytes.
#[cfg(test)]
pub fn entry_hash(prev_hash: &str, seq: i64, at: &str, terminal_id: &str, kind: &str, payload: &str) -> String {
    entry_hash_rows(prev_hash, seq, at, terminal_id, kind, payload, None)
}

/// The entry's hash when it also holds the digest of the rows it stands for (entries written
/// before digests existed have none, and hash as they always did).
pub fn entry_hash_rows(
    prev_hash: &str,
    seq: i64,
    at: &str,
    terminal_id: &str,
    kind: &str,
    payload: &str,
    rows_hash: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    for part in [prev_hash, &seq.to_string(), at, terminal_id, kind] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.update((payload.len() as u64).to_be_bytes());
    h.update(payload.as_bytes());
    if let Some(r) = rows_hash {
        h.update(b"rows");
        h.update((r.len() as u64).to_be_bytes());
        h.update(r.as_bytes());
    }
    hex::encode(h.finalize())
}

fn head(tx: &Transaction) -> Result<(i64, String)> {
    let head: Option<(i64, String)> = tx
        .prepare_cached("SELECT seq, hash FROM journal_head WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(head.unwrap_or((0, GENESIS_HASH.to_string())))
}

/// The seq the next entry will get (rows that name their entry are written before it).
pub fn next_seq(tx: &Transaction) -> Result<i64> {
    Ok(head(tx)?.0 + 1)
}

/// Appends an entry inside the caller's transaction and moves the head. Returns its seq.
pub fn append(tx: &Transaction, terminal_id: &str, at: &str, kind: &str, payload: &str) -> Result<i64> {
    append_rows(tx, terminal_id, at, kind, payload, None)
}

/// Appends an entry that holds the digest of the rows it stands for.
pub fn append_rows(
    tx: &Transaction,
    terminal_id: &str,
    at: &str,
    kind: &str,
    payload: &str,
    rows_hash: Option<&str>,
) -> Result<i64> {
    let (prev_seq, prev_hash) = head(tx)?;
    let seq = prev_seq + 1;
    let hash = entry_hash_rows(&prev_hash, seq, at, terminal_id, kind, payload, rows_hash);
    tx.prepare_cached("INSERT INTO journal (seq, at, terminal_id, kind, payload, prev_hash, hash, rows_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?
        .execute(params![seq, at, terminal_id, kind, payload, prev_hash, hash, rows_hash])?;
    tx.prepare_cached("INSERT INTO journal_head (id, seq, hash) VALUES (1, ?1, ?2) ON CONFLICT (id) DO UPDATE SET seq = ?1, hash = ?2")?
        .execute(params![seq, hash])?;
    Ok(seq)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalReport {
    pub entries: i64,
    pub head_hash: String,
}

/// The first thing found wrong, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
pub enum JournalFault {
    #[error("journal entry {expected} is missing (the next entry found is {found})")]
    Missing { expected: i64, found: i64 },
    #[error("journal entry {seq} does not link to the entry before it (its previous hash differs)")]
    BrokenLink { seq: i64 },
    #[error("journal entry {seq} was altered (its content does not match its hash)")]
    Altered { seq: i64 },
    #[error("the journal ends at entry {last} but its head says {head}: entries after {last} were removed")]
    Truncated { last: i64, head: i64 },
    #[error("the journal's last entry {seq} does not match the recorded head")]
    HeadMismatch { seq: i64 },
    #[error("sale with receipt {receipt_no} points at journal entry {seq}, which is not its entry")]
    SaleWithoutEntry { receipt_no: i64, seq: i64 },
    #[error("the stored rows of {what} differ from what journal entry {seq} recorded (edited in the database)")]
    RowsAltered { what: String, seq: i64 },
    #[error("journal entry {seq} records {what}, whose rows are gone from the database")]
    RowsMissing { what: String, seq: i64 },
    #[error("{what} has no journal entry (added to the database by hand)")]
    RowsUnjournaled { what: String },
    #[error("terminal {terminal}'s receipts are not 1 to {counter} without gaps (receipt {missing} is missing)")]
    ReceiptGap { terminal: String, counter: i64, missing: i64 },
    #[error("the database file is damaged: {0}")]
    File(String),
}

pub fn verify(conn: &Connection) -> Result<std::result::Result<JournalReport, JournalFault>> {
    if let Err(e) = super::integrity::file_check(conn, true)? {
        return Ok(Err(JournalFault::File(e)));
    }
    let mut stmt = conn
        .prepare("SELECT seq, at, terminal_id, kind, payload, prev_hash, hash, rows_hash FROM journal ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1;
    let mut prev = GENESIS_HASH.to_string();
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let at: String = r.get(1)?;
        let terminal_id: String = r.get(2)?;
        let kind: String = r.get(3)?;
        let payload: String = r.get(4)?;
        let prev_hash: String = r.get(5)?;
        let hash: String = r.get(6)?;
        let rows_hash: Option<String> = r.get(7)?;
        if seq != expected_seq {
            return Ok(Err(JournalFault::Missing { expected: expected_seq, found: seq }));
        }
        if prev_hash != prev {
            return Ok(Err(JournalFault::BrokenLink { seq }));
        }
        if entry_hash_rows(&prev_hash, seq, &at, &terminal_id, &kind, &payload, rows_hash.as_deref()) != hash {
            return Ok(Err(JournalFault::Altered { seq }));
        }
        prev = hash;
        expected_seq += 1;
    }
    let last = expected_seq - 1;
    let head: Option<(i64, String)> = conn
        .query_row("SELECT seq, hash FROM journal_head WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match head {
        Some((head_seq, _)) if head_seq != last => return Ok(Err(JournalFault::Truncated { last, head: head_seq })),
        Some((_, head_hash)) if head_hash != prev => return Ok(Err(JournalFault::HeadMismatch { seq: last })),
        None if last != 0 => return Ok(Err(JournalFault::HeadMismatch { seq: last })),
        _ => {}
    }
    // Every stored sale must have its own entry: deleting a sale's entry together with the
    // head is caught here.
    let mut stmt = conn.prepare(
        "SELECT s.receipt_no, s.journal_seq FROM sales s
         LEFT JOIN journal j ON j.seq = s.journal_seq AND j.kind = s.kind
         WHERE j.seq IS NULL OR instr(j.payload, s.event_id) = 0
         ORDER BY s.journal_seq LIMIT 1",
    )?;
    if let Some((receipt_no, seq)) = stmt.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional()? {
        return Ok(Err(JournalFault::SaleWithoutEntry { receipt_no, seq }));
    }
    if let Some(fault) = super::integrity::verify_rows(conn)? {
        return Ok(Err(fault));
    }
    Ok(Ok(JournalReport { entries: last, head_hash: prev }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_depends_on_every_field_and_the_previous_hash() {
        let base = entry_hash(GENESIS_HASH, 1, "t", "T1", "sale", "{}");
        assert_eq!(base.len(), 64);
        assert_ne!(base, entry_hash(GENESIS_HASH, 2, "t", "T1", "sale", "{}"));
        assert_ne!(base, entry_hash(GENESIS_HASH, 1, "u", "T1", "sale", "{}"));
        assert_ne!(base, entry_hash(GENESIS_HASH, 1, "t", "T2", "sale", "{}"));
        assert_ne!(base, entry_hash(GENESIS_HASH, 1, "t", "T1", "refund", "{}"));
        assert_ne!(base, entry_hash(GENESIS_HASH, 1, "t", "T1", "sale", "{ }"));
        assert_ne!(base, entry_hash(&base, 1, "t", "T1", "sale", "{}"));
        // Field boundaries matter: moving a character from one field to the next changes it.
        assert_ne!(entry_hash(GENESIS_HASH, 1, "ab", "c", "k", "p"), entry_hash(GENESIS_HASH, 1, "a", "bc", "k", "p"));
    }
}
