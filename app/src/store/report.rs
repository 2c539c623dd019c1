//! The figures of a terminal's day, added up from the stored sales, payments, movements, counts
//! and journal since the last Z. Sums of integers in SQL; litres (stored as exact decimal text)
//! added in Rust, never as floating point.

use super::*;
use crate::domain::cash::MovementKind;
use crate::domain::fuel::FuelFigures;
use crate::domain::report::{DrawerFigures, Figures, LineGroup};
use rusqlite::Row;

/// Which part of the terminal's day a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope<'a> {
    pub terminal_id: &'a str,
    /// Drawer sessions after this one (the last Z's), and journal entries after `after_seq`.
    pub after_shift: i64,
    pub after_seq: i64,
    /// One cashier's own: their drawer sessions and sales only.
    pub user: Option<(i64, &'a str)>,
}

/// The scope of the day in progress: everything since the terminal's last Z.
pub fn day_scope<'a>(conn: &Connection, terminal_id: &'a str) -> Result<Scope<'a>> {
    let last = cash::last_z_in(conn, terminal_id)?;
    let after_seq = match last {
        Some((z_no, _)) => conn.query_row(
            "SELECT journal_seq FROM z_reports WHERE terminal_id = ?1 AND z_no = ?2",
            params![terminal_id, z_no],
            |r| r.get(0),
        )?,
        None => 0,
    };
    Ok(Scope { terminal_id, after_shift: last.map(|l| l.1).unwrap_or(0), after_seq, user: None })
}

const SALES_IN: &str = "s.terminal_id = ?1 AND s.shift_id > ?2 AND (?3 IS NULL OR s.user_id = ?3)";

/// Every row of a query, mapped.
pub(super) fn rows<T>(
    conn: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
    f: impl FnMut(&Row) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let out = stmt.query_map(p, f)?.collect::<std::result::Result<Vec<T>, _>>()?;
    Ok(out)
}

/// Adds up the figures of a scope.
pub fn figures(conn: &Connection, s: &Scope) -> Result<Figures> {
    let user = s.user.map(|u| u.0);
    let p = params![s.terminal_id, s.after_shift, user];
    let mut f = Figures::default();
    let sum = |sql: &str| -> Result<(i64, i64)> {
        Ok(conn.query_row(&sql.replace("{IN}", SALES_IN), p, |r| Ok((r.get(0)?, r.get(1)?)))?)
    };
    f.sales = sum("SELECT COUNT(*), COALESCE(SUM(total_minor), 0) FROM sales s WHERE {IN} AND kind = 'sale'")?;
    f.refunds = sum("SELECT COUNT(*), COALESCE(SUM(total_minor), 0) FROM sales s WHERE {IN} AND kind = 'refund'")?;
    (f.tax_minor, f.cash_rounding_minor) =
        sum("SELECT COALESCE(SUM(tax_minor), 0), COALESCE(SUM(cash_rounding_minor), 0) FROM sales s WHERE {IN}")?;
    f.change_minor = sum("SELECT COALESCE(SUM(change_minor), 0), 0 FROM sales s WHERE {IN}")?.0;
    (f.first_receipt, f.last_receipt) =
        conn.query_row(&format!("SELECT MIN(receipt_no), MAX(receipt_no) FROM sales s WHERE {SALES_IN}"), p, |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    f.discounts = sum(
        "SELECT COUNT(*), COALESCE(SUM(l.discount_minor + l.ticket_discount_minor), 0) FROM sale_lines l
         JOIN sales s ON s.id = l.sale_id WHERE {IN} AND l.voided = 0 AND (l.discount_minor != 0 OR l.ticket_discount_minor != 0)",
    )?;
    f.voids =
        sum("SELECT COUNT(*), COALESCE(SUM(l.gross_minor), 0) FROM sale_lines l JOIN sales s ON s.id = l.sale_id
         WHERE {IN} AND l.voided = 1")?;
    f.lines = rows(
        conn,
        &format!(
            "SELECT l.kind, l.sku, l.tax_class, COALESCE(pr.category, ''),
                    SUM(l.amount_minor - l.ticket_discount_minor), COUNT(*)
             FROM sale_lines l JOIN sales s ON s.id = l.sale_id LEFT JOIN products pr ON pr.sku = l.sku
             WHERE {SALES_IN} AND l.voided = 0 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        ),
        p,
        |r| {
            Ok(LineGroup {
                kind: r.get(0)?,
                sku: r.get(1)?,
                tax_class: r.get(2)?,
                category: r.get(3)?,
                net_minor: r.get(4)?,
                count: r.get(5)?,
            })
        },
    )?;
    f.taxes = rows(
        conn,
        &format!(
            "SELECT t.name, t.rate, SUM(t.amount_minor) FROM sale_taxes t JOIN sales s ON s.id = t.sale_id
             WHERE {SALES_IN} GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        p,
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    f.payments = rows(
        conn,
        &format!(
            "SELECT pm.method, COALESCE(SUM(CASE WHEN s.kind = 'sale' THEN pm.amount_minor END), 0),
                    COALESCE(SUM(CASE WHEN s.kind = 'refund' THEN pm.amount_minor END), 0)
             FROM payments pm JOIN sales s ON s.id = pm.sale_id WHERE {SALES_IN} GROUP BY 1 ORDER BY 1"
        ),
        p,
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let fuel: Vec<(String, String, String, i64)> = rows(
        conn,
        &format!(
            "SELECT l.sku, l.qty, s.kind, l.amount_minor FROM sale_lines l JOIN sales s ON s.id = l.sale_id
             WHERE {SALES_IN} AND l.voided = 0 AND l.unit IN ('litre', 'l') AND l.kind IN ('fuel', 'refund')"
        ),
        p,
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    for (sku, qty, _kind, amount) in fuel {
        let q =
            Decimal::from_str(&qty).map_err(|e| StoreError::Corrupt(format!("a fuel line's litres '{qty}': {e}")))?;
        // A refunded fuel line gives its litres back.
        f.fuel_litres.push((sku, if amount < 0 { -q } else { q }));
    }
    f.hourly = rows(
        conn,
        &format!(
            "SELECT CAST(strftime('%H', s.created_at, 'localtime') AS INTEGER), COUNT(*), SUM(s.total_minor) FROM sales s
             WHERE {SALES_IN} AND s.kind = 'sale' GROUP BY 1 ORDER BY 1"
        ),
        p,
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let moves: Vec<(String, i64, i64)> = rows(
        conn,
        "SELECT m.kind, COUNT(*), SUM(m.amount_minor) FROM cash_movements m JOIN shifts sh ON sh.id = m.shift_id
         WHERE sh.terminal_id = ?1 AND m.shift_id > ?2 AND (?3 IS NULL OR m.user_id = ?3) GROUP BY 1 ORDER BY 1",
        p,
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    f.movements = moves.into_iter().filter_map(|(k, n, a)| MovementKind::parse(&k).map(|k| (k, n, a))).collect();
    f.drawers = drawers(conn, s)?;
    let events: Vec<(String, String)> = rows(
        conn,
        "SELECT kind, payload FROM journal WHERE seq > ?1 AND terminal_id = ?2
         AND kind IN ('drive_off', 'pump_test', 'discount_override', 'ticket_cancelled')
         ORDER BY seq",
        params![s.after_seq, s.terminal_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    for (kind, payload) in events {
        let v: serde_json::Value = serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null);
        if let Some((id, name)) = s.user {
            let by = v.get("user").and_then(|u| u.as_str()) == Some(name)
                || v.get("user_id").and_then(|u| u.as_i64()) == Some(id);
            if !by {
                continue;
            }
        }
        f.events.push((kind, v));
    }
    if s.user.is_none() {
        let since: Option<String> = conn.query_row(
            "SELECT MIN(opened_at) FROM shifts WHERE terminal_id = ?1 AND id > ?2",
            params![s.terminal_id, s.after_shift],
            |r| r.get(0),
        )?;
        if let Some(since) = since {
            f.card_days = rows(
                conn,
                "SELECT at, terminal_minor, till_minor, count FROM card_days WHERE terminal_id = ?1 AND at >= ?2 ORDER BY id",
                params![s.terminal_id, since],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
            f.fuel = fuel_figures(conn, s, &since, &f.events)?;
        }
    }
    Ok(f)
}

fn litres(text: &str) -> Result<Decimal> {
    Decimal::from_str(text).map_err(|e| StoreError::Corrupt(format!("litres '{text}': {e}")))
}

/// The first and the last reading of each pump or tank since `since`.
fn first_last(
    conn: &Connection,
    table: &str,
    key: &str,
    value: &str,
    s: &Scope,
    since: &str,
) -> Result<[Vec<(u8, Decimal)>; 2]> {
    let mut out = [Vec::new(), Vec::new()];
    for (i, pick) in ["MIN", "MAX"].iter().enumerate() {
        let sql = format!(
            "SELECT r.{key}, r.{value} FROM {table} r JOIN (SELECT {key} AS k, {pick}(id) AS id FROM {table}
             WHERE terminal_id = ?1 AND at >= ?2 GROUP BY {key}) x ON x.id = r.id ORDER BY r.{key}"
        );
        let list: Vec<(u8, String)> = rows(conn, &sql, params![s.terminal_id, since], |r| Ok((r.get(0)?, r.get(1)?)))?;
        for (k, v) in list {
            out[i].push((k, litres(&v)?));
        }
    }
    Ok(out)
}

type Meters = Vec<((u8, u8), Decimal)>;

/// Each meter's first and last volume since `since`, by (pump, nozzle; 0 the pump's own), and
/// the nozzles' grades.
fn meters(conn: &Connection, s: &Scope, since: &str, grades: &mut Vec<((u8, u8), String)>) -> Result<[Meters; 2]> {
    let mut out = [Vec::new(), Vec::new()];
    for (i, pick) in ["MIN", "MAX"].iter().enumerate() {
        let sql = format!(
            "SELECT r.pump, COALESCE(r.nozzle, 0), r.grade, r.volume FROM meter_readings r
             JOIN (SELECT {pick}(id) AS id FROM meter_readings WHERE terminal_id = ?1 AND at >= ?2
                   GROUP BY pump, COALESCE(nozzle, 0)) x ON x.id = r.id
             ORDER BY r.pump, COALESCE(r.nozzle, 0)"
        );
        let list: Vec<(u8, u8, Option<String>, String)> =
            rows(conn, &sql, params![s.terminal_id, since], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        for (pump, nozzle, grade, v) in list {
            out[i].push(((pump, nozzle), litres(&v)?));
            if let (1, Some(g)) = (i, grade) {
                grades.push(((pump, nozzle), g));
            }
        }
    }
    Ok(out)
}

fn fuel_figures(
    conn: &Connection,
    s: &Scope,
    since: &str,
    events: &[(String, serde_json::Value)],
) -> Result<FuelFigures> {
    let mut f = FuelFigures::default();
    [f.meter_first, f.meter_last] = meters(conn, s, since, &mut f.nozzle_grades)?;
    [f.tank_first, f.tank_last] = first_last(conn, "tank_readings", "tank", "volume", s, since)?;
    let series: Vec<(u8, String, String)> = rows(
        conn,
        "SELECT tank, at, volume FROM tank_readings WHERE terminal_id = ?1 AND at >= ?2 ORDER BY id",
        params![s.terminal_id, since],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    for (t, at, v) in series {
        f.tank_series.push((t, at, litres(&v)?));
    }
    let deliveries: Vec<(u8, String)> = rows(
        conn,
        "SELECT tank, litres FROM deliveries WHERE terminal_id = ?1 AND at >= ?2 AND counted = 1",
        params![s.terminal_id, since],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    for (t, l) in deliveries {
        f.deliveries.push((t, litres(&l)?));
    }
    let sold: Vec<(String, Option<u8>, String)> = rows(
        conn,
        &format!(
            "SELECT l.sku, l.pump, l.qty FROM sale_lines l JOIN sales s ON s.id = l.sale_id
             WHERE {SALES_IN} AND l.voided = 0 AND l.kind = 'fuel'"
        ),
        params![s.terminal_id, s.after_shift, None::<i64>],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    for (grade, pump, qty) in sold {
        let q = litres(&qty)?;
        if let Some(p) = pump {
            f.pump_sold.push(((p, grade.clone()), q));
        }
        f.grade_sold.push((grade, q));
    }
    for (kind, e) in events {
        let (Some(pump), Some(grade), Some(l)) = (
            e.get("pump").and_then(|v| v.as_u64()).and_then(|p| u8::try_from(p).ok()),
            e.get("grade").and_then(|v| v.as_str()),
            e.get("litres").and_then(|v| v.as_str()).and_then(|v| Decimal::from_str(v).ok()),
        ) else {
            continue;
        };
        match kind.as_str() {
            "drive_off" => f.drive_offs.push((pump, grade.to_string(), l)),
            "pump_test" => f.pump_tests.push((pump, grade.to_string(), l)),
            _ => {}
        }
    }
    Ok(f)
}

fn drawers(conn: &Connection, s: &Scope) -> Result<Vec<DrawerFigures>> {
    type Row = (i64, String, String, Option<String>, Option<String>, i64, Option<String>, i64);
    let list: Vec<Row> = rows(
        conn,
        "SELECT sh.id, u.name, sh.opened_at, sh.closed_at, sh.close_kind, sh.float_minor, a.name,
                (SELECT COUNT(DISTINCT attempt) FROM counts c WHERE c.shift_id = sh.id)
         FROM shifts sh JOIN users u ON u.id = sh.opened_by LEFT JOIN users a ON a.id = sh.approved_by
         WHERE sh.terminal_id = ?1 AND sh.id > ?2 AND (?3 IS NULL OR sh.opened_by = ?3) ORDER BY sh.id",
        params![s.terminal_id, s.after_shift, s.user.map(|u| u.0)],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
    )?;
    let mut out = Vec::with_capacity(list.len());
    for (shift_id, user, opened_at, closed_at, close_kind, float_minor, approved_by, counts) in list {
        let counted = rows(
            conn,
            "SELECT method, counted_minor, expected_minor FROM counts
             WHERE shift_id = ?1 AND attempt = (SELECT MAX(attempt) FROM counts WHERE shift_id = ?1) ORDER BY id",
            [shift_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        out.push(DrawerFigures {
            shift_id,
            user,
            opened_at,
            closed_at,
            close_kind,
            float_minor,
            expected: cash::expected_in(conn, shift_id, float_minor)?,
            counted,
            counts,
            approved_by,
        });
    }
    Ok(out)
}

impl Store {
    /// The figures of the day in progress (since the last Z), of one user or of the terminal.
    pub fn day_figures(&self, terminal_id: &str, user: Option<(i64, &str)>) -> Result<Figures> {
        let mut scope = day_scope(&self.conn, terminal_id)?;
        scope.user = user;
        figures(&self.conn, &scope)
    }

    /// The stored Z numbers of a terminal, newest first.
    pub fn z_numbers(&self, terminal_id: &str) -> Result<Vec<(i64, String)>> {
        rows(
            &self.conn,
            "SELECT z_no, at FROM z_reports WHERE terminal_id = ?1 ORDER BY z_no DESC",
            [terminal_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }
}
