//! Sales and refunds: stored whole in one transaction with their journal entry and outbox event, and read back exactly as answered.

use super::*;

impl Store {
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
        let tx = begin(&mut self.conn, &self.guard)?;
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
        let seq = journal::next_seq(&tx)?;
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
                                         discount_minor, amount_minor, ticket_discount_minor, voided, refund_of_line, pump)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
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
                    l.refund_of_line,
                    l.pump
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
        let cards: Vec<(usize, &str)> = rec
            .payments
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((i, p.card.as_ref()?.reference.as_str())))
            .collect();
        super::cards::commit_card_payments(&tx, sale_id, &cards, &rec.at)?;
        // The entry comes after the rows it stands for, and holds their digest.
        let digest = integrity::rows_digest(&tx, integrity::Rows::Sale(sale_id))?;
        if journal::append_rows(&tx, terminal_id, &rec.at, &rec.kind, &payload, Some(&digest))? != seq {
            return Err(StoreError::Corrupt("the journal moved while a sale was stored".into()));
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
        commit(tx, &mut self.guard)?;
        self.note_receipt(terminal_id, receipt_no);
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
                    ticket_discount_minor, voided, refund_of_line, pump
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
                r.get::<_, Option<u8>>(13)?,
            ))
        })?;
        for row in rows {
            let (
                line,
                kind,
                sku,
                name,
                unit,
                qty,
                unit_price,
                tax_class,
                disc,
                amount,
                tdisc,
                voided,
                refund_of_line,
                pump,
            ) = row?;
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
                pump,
            });
        }
        let mut stmt =
            self.conn.prepare("SELECT name, rate, amount_minor FROM sale_taxes WHERE sale_id = ?1 ORDER BY seq")?;
        for row in stmt.query_map([id], |r| Ok(TaxRecord { name: r.get(0)?, rate: r.get(1)?, amount: c(r.get(2)?) }))? {
            rec.tax.push(row?);
        }
        let mut stmt =
            self.conn.prepare("SELECT method, amount_minor FROM payments WHERE sale_id = ?1 ORDER BY seq")?;
        for row in
            stmt.query_map([id], |r| Ok(PaymentRecord { method: r.get(0)?, amount: c(r.get(1)?), card: None }))?
        {
            rec.payments.push(row?);
        }
        for (seq, intent) in self.sale_cards(id)? {
            if let Some(p) = usize::try_from(seq).ok().and_then(|i| rec.payments.get_mut(i)) {
                p.card = Some(intent.auth());
            }
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

    /// Sales and refunds found by receipt number, UTC date (YYYY-MM-DD) or total, newest first
    /// (at most `limit`).
    pub fn find_sales(
        &self,
        terminal_id: &str,
        receipt_no: Option<i64>,
        date: Option<&str>,
        total_minor: Option<i64>,
        limit: i64,
    ) -> Result<Vec<FoundRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.receipt_no, s.kind, s.created_at, s.total_minor, u.name FROM sales s JOIN users u ON u.id = s.user_id
             WHERE s.terminal_id = ?1 AND (?2 IS NULL OR s.receipt_no = ?2)
               AND (?3 IS NULL OR s.created_at >= ?3 || 'T00:00:00' AND s.created_at < ?3 || 'T99')
               AND (?4 IS NULL OR s.total_minor = ?4 OR s.total_minor = -?4)
             ORDER BY s.id DESC LIMIT ?5",
        )?;
        let rows = stmt
            .query_map(params![terminal_id, receipt_no, date, total_minor, limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<std::result::Result<_, _>>()?;
        Ok(rows)
    }
}

/// A sale found: receipt number, kind, time, total (minor units), cashier.
pub type FoundRow = (i64, String, String, i64, String);
