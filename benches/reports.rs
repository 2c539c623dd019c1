//! X and Z reports on a store with 1,000,000 sale lines (a year of a busy station: 365 days of
//! about 685 sales of four lines each), and the sale's commit latency on that store against an
//! empty one. Targets: X and Z under 100 ms; the commit no slower for the reports' indexes.
//!
//! The year is written straight into the store's tables (bulk inserts in a few transactions;
//! the sales themselves are not what is measured), every past day closed by a Z. Two cases:
//! the day in progress as a normal day (about 2,700 lines since the last Z), and the worst
//! case of a terminal that never took a Z (all 1,000,000 lines in the open day).
//!
//! `cargo bench --bench reports`.

use rusqlite::{params, Connection};
use serde_json::json;
use std::time::{Duration, Instant};
use till::config::Config;
use till::service::{Command, Session};

fn cmd(v: serde_json::Value) -> Command {
    serde_json::from_value(v).expect("command")
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Writes `days` days of `per_day` sales (4 lines, one tax row, one payment each) into the
/// store; every day but the last is closed and covered by a Z when `with_z`.
fn fill(db: &std::path::Path, days: i64, per_day: i64, with_z: bool) -> i64 {
    let mut conn = Connection::open(db).expect("open");
    conn.pragma_update(None, "synchronous", "OFF").expect("pragma");
    let skus = ["BEV-0001", "BEV-0002", "SNK-0001", "E10"];
    let mut receipt = 0i64;
    let mut lines = 0i64;
    for day in 0..days {
        let tx = conn.transaction().expect("tx");
        let date = time_of(day);
        let open = day == days - 1;
        tx.execute(
            "INSERT INTO shifts (event_id, terminal_id, opened_by, opened_at, float_minor, closed_by, closed_at,
                                 counted_minor, expected_minor, open_seq, close_seq, close_kind)
             VALUES (?1, 'DEMO-01', 1, ?2, 10000, ?3, ?4, 0, 0, 0, 0, ?5)",
            params![
                format!("bench-shift-{day}"),
                format!("{date}T06:00:00Z"),
                if open { None } else { Some(1) },
                if open { None } else { Some(format!("{date}T22:00:00Z")) },
                if open { None } else { Some("z") }
            ],
        )
        .expect("shift");
        let shift = tx.last_insert_rowid();
        {
            let mut sale = tx
                .prepare(
                    "INSERT INTO sales (event_id, terminal_id, receipt_no, kind, shift_id, user_id, created_at, currency,
                     subtotal_minor, discount_minor, tax_minor, total_minor, cash_rounding_minor, paid_minor, change_minor, journal_seq)
                     VALUES (?1, 'DEMO-01', ?2, 'sale', ?3, 1, ?4, 'EUR', ?5, 0, ?6, ?5, 0, ?5, 0, 0)",
                )
                .expect("prepare");
            let mut line = tx
                .prepare(
                    "INSERT INTO sale_lines (sale_id, line_no, kind, sku, name, unit, qty, unit_price, tax_class, gross_minor,
                     discount_minor, amount_minor, ticket_discount_minor, voided)
                     VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, '2.19', ?7, 219, 0, 219, 0, 0)",
                )
                .expect("prepare");
            let mut tax = tx
                .prepare(
                    "INSERT INTO sale_taxes (sale_id, seq, name, rate, amount_minor) VALUES (?1, 0, 'VAT', '19%', ?2)",
                )
                .expect("prepare");
            let mut pay = tx
                .prepare("INSERT INTO payments (sale_id, seq, method, amount_minor) VALUES (?1, 0, ?2, ?3)")
                .expect("prepare");
            for i in 0..per_day {
                receipt += 1;
                let at = format!("{date}T{:02}:{:02}:00Z", 6 + (i * 16 / per_day), i % 60);
                sale.execute(params![format!("bench-sale-{receipt}"), receipt, shift, at, 876, 140]).expect("sale");
                let id = tx.last_insert_rowid();
                for (n, sku) in skus.iter().enumerate() {
                    let (kind, unit, qty, class) =
                        if *sku == "E10" { ("fuel", "litre", "1.000", "FUEL") } else { ("shop", "each", "1", "STD") };
                    line.execute(params![id, n as i64 + 1, kind, sku, unit, qty, class]).expect("line");
                    lines += 1;
                }
                tax.execute(params![id, 140]).expect("tax");
                pay.execute(params![id, if i % 2 == 0 { "cash" } else { "card" }, 876]).expect("pay");
            }
        }
        if with_z && !open {
            tx.execute(
                "INSERT INTO z_reports (terminal_id, z_no, event_id, at, user_id, last_shift, report, journal_seq)
                 VALUES ('DEMO-01', ?1, ?2, ?3, 1, ?4, '{}', 0)",
                params![day + 1, format!("bench-z-{day}"), format!("{date}T22:00:00Z"), shift],
            )
            .expect("z");
        }
        tx.commit().expect("commit");
    }
    conn.execute(
        "INSERT INTO receipt_counters (terminal_id, last_no) VALUES ('DEMO-01', ?1)
         ON CONFLICT (terminal_id) DO UPDATE SET last_no = ?1",
        [receipt],
    )
    .expect("counter");
    conn.execute_batch("ANALYZE").expect("analyze");
    lines
}

fn time_of(day: i64) -> String {
    let d = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date") + chrono::Duration::days(day);
    d.format("%Y-%m-%d").to_string()
}

/// Times `runs` X reports, then one Z (the Z ends the day, so it runs once).
fn reports(session: &mut Session, runs: usize) -> (Vec<Duration>, Duration) {
    let mut xs = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let out = session.execute(cmd(json!({"cmd":"x_report"}))).expect("x");
        xs.push(t.elapsed());
        assert!(out.report.is_some());
    }
    xs.sort();
    session.execute(cmd(json!({"cmd":"count","tenders":[{"method":"cash","amount":"100.00"}]}))).expect("count");
    let t = Instant::now();
    let z = session.execute(cmd(json!({"cmd":"z_report"})));
    let took = t.elapsed();
    assert!(z.is_ok(), "{z:?}");
    (xs, took)
}

fn sales(session: &mut Session, n: usize) -> Vec<Duration> {
    session.execute(cmd(json!({"cmd":"open_shift","float":"100.00"}))).expect("shift");
    let mut d = Vec::with_capacity(n);
    for _ in 0..n {
        session.execute(cmd(json!({"cmd":"add","sku":"BEV-0001"}))).expect("add");
        let t = Instant::now();
        session.execute(cmd(json!({"cmd":"tender","method":"card"}))).expect("tender");
        d.push(t.elapsed());
        session.idle();
    }
    d.sort();
    d
}

fn open(dir: &std::path::Path) -> Session {
    let mut config = Config::demo().expect("demo");
    // The bench's made-up drawers are counted at 100.00 whatever they hold.
    config.cash.tolerance_minor = None;
    config.cash.drawer_limit_minor = None;
    let mut s = Session::open(config, dir).expect("session");
    s.execute(cmd(json!({"cmd":"login","pin":"9999"}))).expect("login");
    s
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (days, per_day, runs, n) = if full { (365, 685, 20, 500) } else { (3, 20, 2, 10) };
    let base = std::env::var_os("TILL_BENCH_DIR").map(Into::into).unwrap_or_else(std::env::temp_dir);

    // The idle figure: sales on an empty store.
    let empty = tempfile::tempdir_in(&base).expect("dir");
    let mut s = open(empty.path());
    let idle = sales(&mut s, n);
    drop(s);

    for (case, with_z) in [("a year, every day closed by a Z", true), ("a year, never a Z", false)] {
        let dir = tempfile::tempdir_in(&base).expect("dir");
        drop(open(dir.path())); // the schema and the demo users
        let t = Instant::now();
        let lines = fill(&dir.path().join("till.sqlite"), days, per_day, with_z);
        println!("{case}: {lines} sale lines written in {:.1} s", t.elapsed().as_secs_f64());
        let mut s = open(dir.path());
        let (xs, z) = reports(&mut s, runs);
        println!(
            "  X report: p50 {:>7.2} ms  max {:>7.2} ms ({runs} runs)    Z report: {:>7.2} ms",
            ms(pct(&xs, 0.5)),
            ms(pct(&xs, 1.0)),
            ms(z)
        );
        if with_z {
            let busy = sales(&mut s, n);
            println!(
                "  sale commit on this store: p50 {:.3} ms  p99 {:.3} ms;  on an empty store: p50 {:.3} ms  p99 {:.3} ms",
                ms(pct(&busy, 0.5)),
                ms(pct(&busy, 0.99)),
                ms(pct(&idle, 0.5)),
                ms(pct(&idle, 0.99))
            );
        }
    }
}
