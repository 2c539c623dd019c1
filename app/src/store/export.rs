//! What the tax-office export reads: each Z of a period with the receipts, lines, taxes and
//! payments of the drawer sessions it closed, the cash movements, opening floats and count
//! differences. Amounts in minor units, quantities as stored.

use super::report::rows;
use super::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExLine {
    pub line_no: i64,
    pub kind: String,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub qty: String,
    pub unit_price: String,
    pub tax_class: String,
    /// After the line's and the ticket's discounts.
    pub amount_minor: i64,
    pub voided: bool,
    pub category: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExSale {
    pub id: i64,
    pub receipt_no: i64,
    pub kind: String,
    pub at: String,
    pub user_id: i64,
    pub user: String,
    pub total_minor: i64,
    pub change_minor: i64,
    pub lines: Vec<ExLine>,
    pub taxes: Vec<(String, String, i64)>,
    pub payments: Vec<(String, i64)>,
}

/// Something that moved cash without a sale: (id, DSFinV-K business case, amount signed for
/// the drawer, text, time, user id, user).
pub type ExCash = (String, &'static str, i64, String, String, i64, String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExZ {
    pub z_no: i64,
    pub at: String,
    pub sales: Vec<ExSale>,
    pub cash: Vec<ExCash>,
}

impl Store {
    /// The Z reports taken on the UTC dates `from` to `to` (YYYY-MM-DD, both included).
    pub fn export_zs(&self, terminal_id: &str, from: &str, to: &str) -> Result<Vec<ExZ>> {
        let zs: Vec<(i64, String, i64)> = rows(
            &self.conn,
            "SELECT z_no, at, last_shift FROM z_reports WHERE terminal_id = ?1 AND substr(at, 1, 10) BETWEEN ?2 AND ?3
             ORDER BY z_no",
            params![terminal_id, from, to],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut out = Vec::with_capacity(zs.len());
        for (z_no, at, last) in zs {
            let first: i64 = self
                .conn
                .query_row(
                    "SELECT last_shift FROM z_reports WHERE terminal_id = ?1 AND z_no = ?2",
                    params![terminal_id, z_no - 1],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0);
            out.push(ExZ {
                z_no,
                at,
                sales: self.export_sales(terminal_id, first, last)?,
                cash: self.export_cash(terminal_id, first, last)?,
            });
        }
        Ok(out)
    }

    fn export_sales(&self, terminal_id: &str, after: i64, last: i64) -> Result<Vec<ExSale>> {
        let p = params![terminal_id, after, last];
        let mut sales: Vec<ExSale> = rows(
            &self.conn,
            "SELECT s.id, s.receipt_no, s.kind, s.created_at, s.user_id, u.name, s.total_minor, s.change_minor
             FROM sales s JOIN users u ON u.id = s.user_id
             WHERE s.terminal_id = ?1 AND s.shift_id > ?2 AND s.shift_id <= ?3 ORDER BY s.id",
            p,
            |r| {
                Ok(ExSale {
                    id: r.get(0)?,
                    receipt_no: r.get(1)?,
                    kind: r.get(2)?,
                    at: r.get(3)?,
                    user_id: r.get(4)?,
                    user: r.get(5)?,
                    total_minor: r.get(6)?,
                    change_minor: r.get(7)?,
                    lines: Vec::new(),
                    taxes: Vec::new(),
                    payments: Vec::new(),
                })
            },
        )?;
        let index: std::collections::HashMap<i64, usize> = sales.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        let lines: Vec<(i64, ExLine)> = rows(
            &self.conn,
            "SELECT l.sale_id, l.line_no, l.kind, l.sku, l.name, l.unit, l.qty, l.unit_price, l.tax_class,
                    l.amount_minor - l.ticket_discount_minor, l.voided, COALESCE(p.category, '')
             FROM sale_lines l JOIN sales s ON s.id = l.sale_id LEFT JOIN products p ON p.sku = l.sku
             WHERE s.terminal_id = ?1 AND s.shift_id > ?2 AND s.shift_id <= ?3 ORDER BY l.sale_id, l.line_no",
            p,
            |r| {
                Ok((
                    r.get(0)?,
                    ExLine {
                        line_no: r.get(1)?,
                        kind: r.get(2)?,
                        sku: r.get(3)?,
                        name: r.get(4)?,
                        unit: r.get(5)?,
                        qty: r.get(6)?,
                        unit_price: r.get(7)?,
                        tax_class: r.get(8)?,
                        amount_minor: r.get(9)?,
                        voided: r.get(10)?,
                        category: r.get(11)?,
                    },
                ))
            },
        )?;
        for (id, l) in lines {
            if let Some(i) = index.get(&id) {
                sales[*i].lines.push(l);
            }
        }
        let taxes: Vec<(i64, String, String, i64)> = rows(
            &self.conn,
            "SELECT t.sale_id, t.name, t.rate, t.amount_minor FROM sale_taxes t JOIN sales s ON s.id = t.sale_id
             WHERE s.terminal_id = ?1 AND s.shift_id > ?2 AND s.shift_id <= ?3 ORDER BY t.sale_id, t.seq",
            p,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        for (id, name, rate, amount) in taxes {
            if let Some(i) = index.get(&id) {
                sales[*i].taxes.push((name, rate, amount));
            }
        }
        let pays: Vec<(i64, String, i64)> = rows(
            &self.conn,
            "SELECT pm.sale_id, pm.method, pm.amount_minor FROM payments pm JOIN sales s ON s.id = pm.sale_id
             WHERE s.terminal_id = ?1 AND s.shift_id > ?2 AND s.shift_id <= ?3 ORDER BY pm.sale_id, pm.seq",
            p,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        for (id, method, amount) in pays {
            if let Some(i) = index.get(&id) {
                sales[*i].payments.push((method, amount));
            }
        }
        Ok(sales)
    }

    fn export_cash(&self, terminal_id: &str, after: i64, last: i64) -> Result<Vec<ExCash>> {
        let p = params![terminal_id, after, last];
        let mut out: Vec<ExCash> = Vec::new();
        let floats: Vec<(i64, i64, String, i64, String)> = rows(
            &self.conn,
            "SELECT sh.id, sh.float_minor, sh.opened_at, sh.opened_by, u.name FROM shifts sh JOIN users u ON u.id = sh.opened_by
             WHERE sh.terminal_id = ?1 AND sh.id > ?2 AND sh.id <= ?3 ORDER BY sh.id",
            p,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        for (id, float, at, uid, user) in floats {
            out.push((format!("F{id}"), "Anfangsbestand", float, String::new(), at, uid, user));
        }
        let moves: Vec<(i64, String, i64, String, String, i64, String)> = rows(
            &self.conn,
            "SELECT m.id, m.kind, m.amount_minor, m.reason, m.at, m.user_id, u.name FROM cash_movements m
             JOIN shifts sh ON sh.id = m.shift_id JOIN users u ON u.id = m.user_id
             WHERE sh.terminal_id = ?1 AND m.shift_id > ?2 AND m.shift_id <= ?3 AND m.kind != 'no_sale' ORDER BY m.id",
            p,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )?;
        for (id, kind, amount, reason, at, uid, user) in moves {
            let Some(k) = crate::domain::cash::MovementKind::parse(&kind) else { continue };
            let Some(case) = k.dsfinvk_type() else { continue };
            out.push((format!("M{id}"), case, k.drawer_sign() * amount, reason, at, uid, user));
        }
        // The drawer's over or short when it closed: counted - expected.
        let diffs: Vec<(i64, i64, String, i64, String)> = rows(
            &self.conn,
            "SELECT sh.id, sh.counted_minor - sh.expected_minor, sh.closed_at, sh.closed_by, u.name FROM shifts sh
             JOIN users u ON u.id = sh.closed_by
             WHERE sh.terminal_id = ?1 AND sh.id > ?2 AND sh.id <= ?3 AND sh.counted_minor != sh.expected_minor ORDER BY sh.id",
            p,
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        for (id, diff, at, uid, user) in diffs {
            out.push((format!("D{id}"), "DifferenzSollIst", diff, String::new(), at, uid, user));
        }
        Ok(out)
    }
}
