//! Card payment intents: written before the card terminal is asked, moved on as it answers,
//! and tied to the sale they paid for exactly once (`card_payments.intent_id` is unique).

use super::{begin, commit, Result, Store, StoreError};
use crate::domain::record::CardAuth;
use rusqlite::{params, OptionalExtension, Transaction};

/// One intent as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CardIntent {
    pub id: i64,
    pub reference: String,
    pub kind: String,
    /// "card" (the card terminal) or "qr" (a QR wallet payment through the provider).
    pub method: String,
    pub amount_minor: i64,
    pub state: String,
    /// The ticket as it was when the payment was asked for (JSON), to finish it after a crash.
    #[serde(skip)]
    pub ticket: Option<String>,
    /// What the terminal said of it so far.
    #[serde(flatten)]
    pub answer: TerminalAnswer,
    pub sale_id: Option<i64>,
}

impl CardIntent {
    pub fn auth(&self) -> CardAuth {
        let a = &self.answer;
        CardAuth {
            reference: self.reference.clone(),
            terminal_receipt: a.pt_receipt,
            trace: a.trace,
            pan: a.pan.clone(),
            card_name: a.card_name.clone(),
            auth_code: a.auth_code.clone(),
        }
    }
}

const COLUMNS: &str =
    "id, reference, kind, amount_minor, state, ticket, result_code, pt_receipt, trace, pan, card_name,
                       auth_code, sale_id, method";

fn row(r: &rusqlite::Row) -> rusqlite::Result<CardIntent> {
    row_at(r, 0)
}

/// An intent from the columns starting at `o`.
fn row_at(r: &rusqlite::Row, o: usize) -> rusqlite::Result<CardIntent> {
    Ok(CardIntent {
        id: r.get(o)?,
        reference: r.get(o + 1)?,
        kind: r.get(o + 2)?,
        amount_minor: r.get(o + 3)?,
        state: r.get(o + 4)?,
        ticket: r.get(o + 5)?,
        answer: TerminalAnswer {
            result_code: r.get(o + 6)?,
            pt_receipt: r.get(o + 7)?,
            trace: r.get(o + 8)?,
            pan: r.get(o + 9)?,
            card_name: r.get(o + 10)?,
            auth_code: r.get(o + 11)?,
        },
        sale_id: r.get(o + 12)?,
        method: r.get(o + 13)?,
    })
}

/// A card terminal's end-of-day against the till's journal (minor units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardDay {
    pub terminal_minor: i64,
    pub till_minor: i64,
    /// The till's card transactions in the day.
    pub count: i64,
}

/// What the terminal said about an intent.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TerminalAnswer {
    pub result_code: Option<i64>,
    pub pt_receipt: Option<i64>,
    pub trace: Option<i64>,
    pub pan: Option<String>,
    pub card_name: Option<String>,
    pub auth_code: Option<String>,
}

impl Store {
    /// Writes a pending intent (durable on return).
    pub fn create_intent(
        &mut self,
        terminal_id: &str,
        (method, kind): (&str, &str),
        amount_minor: i64,
        ticket: Option<&str>,
        at: &str,
    ) -> Result<CardIntent> {
        let reference = uuid::Uuid::new_v4().to_string();
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute(
            "INSERT INTO card_intents (reference, terminal_id, kind, amount_minor, state, ticket, created_at, updated_at, method)
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?6, ?7)",
            params![reference, terminal_id, kind, amount_minor, ticket, at, method],
        )?;
        let id = tx.last_insert_rowid();
        commit(tx, &mut self.guard)?;
        self.intent(id)?.ok_or_else(|| StoreError::Corrupt("an intent vanished".into()))
    }

    pub fn intent(&self, id: i64) -> Result<Option<CardIntent>> {
        Ok(self.conn.query_row(&format!("SELECT {COLUMNS} FROM card_intents WHERE id = ?1"), [id], row).optional()?)
    }

    /// Intents of this terminal not yet settled one way or the other (after a crash).
    pub fn open_intents(&self, terminal_id: &str) -> Result<Vec<CardIntent>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM card_intents WHERE terminal_id = ?1 AND state IN ('pending', 'approved', 'unclear')
             ORDER BY id"
        ))?;
        let rows = stmt.query_map([terminal_id], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The terminal receipt numbers already accounted for by earlier intents.
    pub fn known_pt_receipts(&self, terminal_id: &str, except: i64) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT pt_receipt FROM card_intents WHERE terminal_id = ?1 AND id <> ?2 AND pt_receipt IS NOT NULL
             ORDER BY id DESC LIMIT 500",
        )?;
        let rows = stmt.query_map(params![terminal_id, except], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Moves an open intent to `state` with what the terminal said; refuses to move one that
    /// is already settled (committed, declined, reversed).
    pub fn settle_intent(&mut self, id: i64, state: &str, answer: &TerminalAnswer, at: &str) -> Result<CardIntent> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let n = tx.execute(
            "UPDATE card_intents SET state = ?2, result_code = COALESCE(?3, result_code),
                    pt_receipt = COALESCE(?4, pt_receipt), trace = COALESCE(?5, trace), pan = COALESCE(?6, pan),
                    card_name = COALESCE(?7, card_name), auth_code = COALESCE(?8, auth_code), updated_at = ?9
             WHERE id = ?1 AND state IN ('pending', 'approved', 'unclear')",
            params![
                id,
                state,
                answer.result_code,
                answer.pt_receipt,
                answer.trace,
                answer.pan,
                answer.card_name,
                answer.auth_code,
                at
            ],
        )?;
        if n != 1 {
            return Err(StoreError::Corrupt(format!("card payment {id} is already settled")));
        }
        commit(tx, &mut self.guard)?;
        self.intent(id)?.ok_or_else(|| StoreError::Corrupt("an intent vanished".into()))
    }

    /// Closes the card terminal's day in the store: the till's net card total (payments minus
    /// refunds and reversals, as committed) since the last close, against the terminal's.
    pub fn close_card_day(&mut self, terminal_id: &str, terminal_minor: i64, at: &str) -> Result<CardDay> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let since: i64 = tx.query_row(
            "SELECT COALESCE(MAX(last_intent), 0) FROM card_days WHERE terminal_id = ?1",
            [terminal_id],
            |r| r.get(0),
        )?;
        let (till_minor, count, last): (i64, i64, i64) = tx.query_row(
            "SELECT COALESCE(SUM(CASE kind WHEN 'payment' THEN amount_minor ELSE -amount_minor END), 0), COUNT(*),
                    COALESCE((SELECT MAX(id) FROM card_intents WHERE terminal_id = ?1), ?2)
             FROM card_intents WHERE terminal_id = ?1 AND id > ?2 AND state = 'committed' AND method = 'card'",
            params![terminal_id, since],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        // Fuel paid at the pump: the reservations booked since.
        let since_res: i64 = tx.query_row(
            "SELECT COALESCE(MAX(last_reservation), 0) FROM card_days WHERE terminal_id = ?1",
            [terminal_id],
            |r| r.get(0),
        )?;
        let (booked, booked_n, last_res) = Store::booked_since(&tx, terminal_id, since_res)?;
        let (till_minor, count) = (till_minor + booked, count + booked_n);
        tx.execute(
            "INSERT INTO card_days (terminal_id, at, terminal_minor, till_minor, count, last_intent, last_reservation)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![terminal_id, at, terminal_minor, till_minor, count, last, last_res],
        )?;
        commit(tx, &mut self.guard)?;
        Ok(CardDay { terminal_minor, till_minor, count })
    }

    /// Approved card payments handed back to the customer (the ticket was cancelled, or the
    /// payment taken off it): never taken up again after a restart. With `event`, the event
    /// that says so is journaled and queued in the same transaction.
    pub fn return_intents(
        &mut self,
        ids: &[i64],
        at: &str,
        event: Option<(&str, &serde_json::Value, &str)>,
    ) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        for id in ids {
            tx.execute(
                "UPDATE card_intents SET state = 'returned', updated_at = ?2 WHERE id = ?1 AND state = 'approved'",
                params![id, at],
            )?;
        }
        if let Some((kind, event, terminal_id)) = event {
            super::append_event(&tx, terminal_id, kind, event, at)?;
        }
        commit(tx, &mut self.guard)?;
        Ok(())
    }

    /// The receipt lines the terminal sent for an intent (kept, never changed once set).
    pub fn set_intent_lines(&mut self, id: i64, lines: &[String]) -> Result<()> {
        let text = serde_json::to_string(lines).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute(
            "UPDATE card_intents SET receipt_lines = ?2 WHERE id = ?1 AND receipt_lines IS NULL",
            params![id, text],
        )?;
        commit(tx, &mut self.guard)?;
        Ok(())
    }

    /// A QR payment that ended unpaid: failed, expired or cancelled (settled as declined).
    pub fn end_qr_intent(&mut self, id: i64, ending: &str, at: &str) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        let n = tx.execute(
            "UPDATE card_intents SET state = 'declined', ending = ?2, updated_at = ?3
             WHERE id = ?1 AND method = 'qr' AND state IN ('pending', 'unclear')",
            params![id, ending, at],
        )?;
        if n != 1 {
            return Err(StoreError::Corrupt(format!("QR payment {id} is already settled")));
        }
        commit(tx, &mut self.guard)?;
        Ok(())
    }

    /// A committed intent whose payment the terminal reversed after the sale was stored
    /// (`reversed`), or could not confirm.
    pub fn mark_intent_after_sale(&mut self, id: i64, reversed: bool) -> Result<()> {
        let state = if reversed { "reversed_after_sale" } else { "unconfirmed" };
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute("UPDATE card_intents SET state = ?2 WHERE id = ?1 AND state = 'committed'", params![id, state])?;
        commit(tx, &mut self.guard)?;
        Ok(())
    }

    /// The card details of a stored sale's payments, by payment position.
    pub(super) fn sale_cards(&self, sale_id: i64) -> Result<Vec<(i64, CardIntent)>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT p.seq, {} FROM card_payments p JOIN card_intents i ON i.id = p.intent_id WHERE p.sale_id = ?1",
            COLUMNS.split(',').map(|c| format!("i.{}", c.trim())).collect::<Vec<_>>().join(", ")
        ))?;
        let rows = stmt.query_map([sale_id], |r| Ok((r.get(0)?, row_at(r, 1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Inside a sale's transaction: ties each card payment to its intent and marks the intent
/// committed. An intent already tied to a sale makes the whole sale fail (never twice).
pub(super) fn commit_card_payments(tx: &Transaction, sale_id: i64, payments: &[(usize, &str)], at: &str) -> Result<()> {
    for &(seq, reference) in payments {
        if super::reservations::book_in_sale(tx, sale_id, seq, reference, at)? {
            continue;
        }
        let intent: Option<i64> = tx
            .query_row(
                "UPDATE card_intents SET state = 'committed', sale_id = ?2, updated_at = ?3
                 WHERE reference = ?1 AND state IN ('pending', 'approved', 'unclear') RETURNING id",
                params![reference, sale_id, at],
                |r| r.get(0),
            )
            .optional()?;
        let Some(intent) = intent else {
            return Err(StoreError::Corrupt(format!(
                "card payment {reference} is already settled or unknown; the sale is not stored"
            )));
        };
        tx.execute(
            "INSERT INTO card_payments (sale_id, seq, intent_id) VALUES (?1, ?2, ?3)",
            params![sale_id, seq, intent],
        )?;
    }
    Ok(())
}
