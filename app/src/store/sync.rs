//! The store's side of central sync: the outbox's send state (pending, sent, parked), the sync
//! status, and the price book's schedule. The push task works on its own connection to the same
//! file; every change here is one short transaction.

use super::{begin, commit, journal, Result, Store, StoreError};
use rusqlite::{params, OptionalExtension};

/// An event waiting to be sent, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// The outbox sequence number (`seq` on the wire).
    pub seq: i64,
    pub event_id: String,
    pub kind: String,
    pub payload: String,
    pub created_at: String,
}

/// An event the server refused, with why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ParkedEvent {
    pub seq: i64,
    pub event_id: String,
    pub kind: String,
    pub created_at: String,
    pub reason: String,
    pub attempts: i64,
}

/// The sync's state as stored: last success, the price book's tag and version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncRecord {
    pub last_success_at: Option<String>,
    pub pricebook_etag: Option<String>,
    pub pricebook_version: Option<String>,
}

/// A price to apply: an item's (by SKU) or a fuel grade's (by code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceChange {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub price: String,
    pub effective_at: String,
    /// Whether it was applied before.
    pub applied: bool,
}

impl Store {
    /// The oldest pending events, in outbox order, at most `limit` of them.
    pub fn pending_events(&self, limit: usize) -> Result<Vec<OutboxRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, event_id, kind, payload, created_at FROM outbox WHERE state = 'pending' ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(OutboxRow {
                seq: r.get(0)?,
                event_id: r.get(1)?,
                kind: r.get(2)?,
                payload: r.get(3)?,
                created_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// Counts of pending and parked events.
    pub fn outbox_states(&self) -> Result<(i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'pending'), (SELECT COUNT(*) FROM outbox WHERE state = 'parked')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// The server took these events (accepted or already had them): sent, and the sync succeeded.
    pub fn mark_sent(&mut self, seqs: &[i64], at: &str) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1 WHERE id = ?1 AND state = 'pending'",
            )?;
            for s in seqs {
                stmt.execute(params![s, at])?;
            }
        }
        tx.execute("UPDATE sync_status SET last_success_at = ?1, last_error = NULL WHERE id = 1", [at])?;
        commit(tx, &mut self.guard)
    }

    /// The server refused an event: it is kept with the reason, for the manager.
    pub fn park(&mut self, seq: i64, reason: &str, at: &str) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute(
            "UPDATE outbox SET state = 'parked', last_error = ?2, attempts = attempts + 1 WHERE id = ?1 AND state = 'pending'",
            params![seq, reason],
        )?;
        tx.execute("UPDATE sync_status SET last_success_at = ?1 WHERE id = 1", [at])?;
        commit(tx, &mut self.guard)
    }

    /// A send of these events failed as a whole (network, 5xx, a bad answer): counted, kept.
    pub fn note_failure(&mut self, seqs: &[i64], error: &str, at: &str) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1 AND state = 'pending'",
            )?;
            for s in seqs {
                stmt.execute(params![s, error])?;
            }
        }
        tx.execute("UPDATE sync_status SET last_error = ?1, last_error_at = ?2 WHERE id = 1", params![error, at])?;
        commit(tx, &mut self.guard)
    }

    /// The endpoint answered (a price book, or "unchanged"): the sync is working.
    pub fn sync_reached(&mut self, at: &str) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute("UPDATE sync_status SET last_success_at = ?1 WHERE id = 1", [at])?;
        commit(tx, &mut self.guard)
    }

    pub fn sync_record(&self) -> Result<SyncRecord> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_success_at, pricebook_etag, pricebook_version FROM sync_status WHERE id = 1",
                [],
                |r| {
                    Ok(SyncRecord {
                        last_success_at: r.get(0)?,
                        pricebook_etag: r.get(1)?,
                        pricebook_version: r.get(2)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    /// Events the server refused, oldest first.
    pub fn parked_events(&self) -> Result<Vec<ParkedEvent>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, event_id, kind, created_at, COALESCE(last_error, ''), attempts FROM outbox WHERE state = 'parked' ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ParkedEvent {
                seq: r.get(0)?,
                event_id: r.get(1)?,
                kind: r.get(2)?,
                created_at: r.get(3)?,
                reason: r.get(4)?,
                attempts: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// A manager sends parked events again (all when `seqs` is empty); journaled with the user.
    pub fn retry_parked(&mut self, seqs: &[i64], user_id: i64, terminal_id: &str, at: &str) -> Result<usize> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let n = if seqs.is_empty() {
            tx.execute("UPDATE outbox SET state = 'pending' WHERE state = 'parked'", [])?
        } else {
            let mut n = 0;
            for s in seqs {
                n += tx.execute("UPDATE outbox SET state = 'pending' WHERE id = ?1 AND state = 'parked'", [s])?;
            }
            n
        };
        let payload = serde_json::json!({ "seqs": seqs, "count": n, "user_id": user_id });
        journal::append(&tx, terminal_id, at, "sync_retry", &payload.to_string())?;
        commit(tx, &mut self.guard)?;
        Ok(n)
    }

    /// Stores a validated price book in one transaction: it replaces the previous book's
    /// entries (an entry already applied keeps that mark when the new book has it unchanged, so
    /// nothing is applied twice), and its tag and version are remembered.
    pub fn schedule_prices(
        &mut self,
        version: &str,
        etag: Option<&str>,
        entries: &[(String, String, String, String)],
        terminal_id: &str,
        at: &str,
    ) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let applied: std::collections::HashMap<(String, String, String, String), String> = {
            let mut stmt = tx.prepare(
                "SELECT kind, key, price, effective_at, applied_at FROM price_schedule WHERE applied_at IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?)))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let previous: Option<String> = tx
            .query_row("SELECT pricebook_version FROM sync_status WHERE id = 1", [], |r| r.get(0))
            .optional()?
            .flatten();
        tx.execute("DELETE FROM price_schedule", [])?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO price_schedule (kind, key, price, effective_at, version, applied_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for e in entries {
                stmt.execute(params![e.0, e.1, e.2, e.3, version, applied.get(e)])?;
            }
        }
        tx.execute(
            "UPDATE sync_status SET pricebook_etag = ?1, pricebook_version = ?2 WHERE id = 1",
            params![etag, version],
        )?;
        if previous.as_deref() != Some(version) {
            let payload = serde_json::json!({ "version": version, "entries": entries.len() });
            journal::append(&tx, terminal_id, at, "pricebook_received", &payload.to_string())?;
        }
        commit(tx, &mut self.guard)
    }

    /// The price in force for each item or grade of `kind` at `now`: its latest entry that is not
    /// in the future (whether or not it was applied before: applying it again changes nothing).
    pub fn prices_in_force(&self, kind: &str, now: &str) -> Result<Vec<PriceChange>> {
        let mut stmt = self.conn.prepare(
            "SELECT p.id, p.kind, p.key, p.price, p.effective_at, p.applied_at FROM price_schedule p
             WHERE p.kind = ?1 AND p.effective_at <= ?2 AND p.effective_at =
                   (SELECT MAX(q.effective_at) FROM price_schedule q WHERE q.kind = p.kind AND q.key = p.key AND q.effective_at <= ?2)
             ORDER BY p.key",
        )?;
        let rows = stmt.query_map(params![kind, now], |r| {
            Ok(PriceChange {
                id: r.get(0)?,
                kind: r.get(1)?,
                key: r.get(2)?,
                price: r.get(3)?,
                effective_at: r.get(4)?,
                applied: r.get::<_, Option<String>>(5)?.is_some(),
            })
        })?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// Sets the catalog prices in force in one transaction; returns the items whose price
    /// changed (an SKU the catalog does not have is skipped).
    pub fn apply_item_prices(
        &mut self,
        prices: &[PriceChange],
        terminal_id: &str,
        at: &str,
    ) -> Result<Vec<(String, String)>> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let mut changed = Vec::new();
        for p in prices {
            if p.kind != "item" {
                return Err(StoreError::Corrupt(format!("price {} is not an item price", p.id)));
            }
            if tx.execute("UPDATE products SET price = ?2 WHERE sku = ?1 AND price != ?2", params![p.key, p.price])? > 0
            {
                changed.push((p.key.clone(), p.price.clone()));
            }
            if !p.applied {
                mark_applied(&tx, p.id, at)?;
            }
        }
        if !changed.is_empty() {
            let payload = serde_json::json!({ "changed": changed.len(), "items": changed });
            journal::append(&tx, terminal_id, at, "pricebook_applied", &payload.to_string())?;
        }
        commit(tx, &mut self.guard)?;
        Ok(changed)
    }

    /// A fuel price is set (by a manager, or by the price book when its time came): kept, journaled
    /// and queued for the central endpoint in one transaction; `schedule_id` marks the price
    /// book's entry as applied.
    #[allow(clippy::too_many_arguments)]
    pub fn record_fuel_price(
        &mut self,
        grade: &str,
        price: &str,
        source: &str,
        schedule_id: Option<i64>,
        event: &serde_json::Value,
        terminal_id: &str,
        at: &str,
    ) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute(
            "INSERT INTO fuel_prices (grade, price, changed_at, source) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (grade) DO UPDATE SET price = ?2, changed_at = ?3, source = ?4",
            params![grade, price, at, source],
        )?;
        if let Some(id) = schedule_id {
            mark_applied(&tx, id, at)?;
        }
        super::append_event(&tx, terminal_id, "fuel_price", event, at)?;
        commit(tx, &mut self.guard)
    }

    /// Marks a price book entry as applied (a fuel price that was already in force).
    pub fn price_applied(&mut self, id: i64, at: &str) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        mark_applied(&tx, id, at)?;
        commit(tx, &mut self.guard)
    }

    /// The fuel prices set since the configuration was written: (grade, price).
    pub fn fuel_prices(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare("SELECT grade, price FROM fuel_prices ORDER BY grade")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// How an item is sold (`each`, `kg`, `litre`), if the catalog has it.
    pub fn product_unit(&self, sku: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT unit FROM products WHERE sku = ?1", [sku], |r| r.get(0)).optional()?)
    }
}

fn mark_applied(tx: &rusqlite::Transaction, id: i64, at: &str) -> Result<()> {
    tx.execute("UPDATE price_schedule SET applied_at = ?2 WHERE id = ?1", params![id, at])?;
    Ok(())
}
