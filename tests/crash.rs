//! Crash test: thousands of sales through `till exec`, the process killed with SIGKILL in the
//! middle, several times over. After each kill the store must hold every sale that was reported
//! complete, no half-stored sale, receipt numbers without gaps, and a journal that verifies.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

/// Runs sales until `kill_after` of them have been reported complete, then SIGKILLs the
/// process. Returns the reported sales (receipt number -> total).
fn sell_until_killed(dir: &std::path::Path, kill_after: usize, first_round: bool) -> BTreeMap<i64, String> {
    let mut child = till()
        .args(["exec", "--data-dir"])
        .arg(dir)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("till starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let writer = std::thread::spawn(move || {
        let mut head = vec![json!({"cmd":"login","pin":"1111"})];
        if first_round {
            head.push(json!({"cmd":"open_shift","float":"100.00"}));
        }
        for c in head {
            if writeln!(stdin, "{c}").is_err() {
                return;
            }
        }
        // Vary the baskets so that sales differ in lines and totals.
        let codes = ["4006381333931", "90162602"];
        for i in 0..1_000_000u64 {
            let mut batch = String::new();
            for k in 0..=(i % 3) {
                batch += &format!("{}\n", json!({"cmd":"scan","code":codes[((i + k) % 2) as usize]}));
            }
            if i % 5 == 0 {
                batch += &format!("{}\n", json!({"cmd":"add","sku":"BEV-0001","qty":"2"}));
            }
            batch += &format!("{}\n", json!({"cmd":"tender","method":"cash","amount":"50.00"}));
            // The cashier takes cash to the safe now and then, as the drawer limit asks (a
            // drop the drawer cannot cover is refused and changes nothing).
            if i % 5 == 4 {
                batch += &format!("{}\n", json!({"cmd":"safe_drop","amount":"25.00"}));
            }
            if stdin.write_all(batch.as_bytes()).is_err() {
                return; // the child was killed
            }
        }
    });
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            let Ok(v) = serde_json::from_str::<Value>(&line) else { return };
            if let Some(sale) = v.get("sale") {
                let _ = tx.send((
                    sale["receipt_no"].as_i64().unwrap_or(-1),
                    sale["total"].as_str().unwrap_or("").to_string(),
                ));
            }
        }
    });
    let mut reported = BTreeMap::new();
    while reported.len() < kill_after {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok((no, total)) => {
                reported.insert(no, total);
            }
            Err(e) => panic!("no sale completed for 60 s: {e}"),
        }
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let _ = writer.join();
    let _ = reader.join();
    // Sales reported between our count and the kill.
    while let Ok((no, total)) = rx.try_recv() {
        reported.insert(no, total);
    }
    reported
}

fn check_store(dir: &std::path::Path, reported: &BTreeMap<i64, String>) -> i64 {
    let conn = db(dir);
    // Every sale reported as completed is stored, with the total that was reported.
    for (no, total) in reported {
        let stored: i64 = conn
            .query_row("SELECT total_minor FROM sales WHERE receipt_no = ?1", [no], |r| r.get(0))
            .unwrap_or_else(|e| panic!("reported sale {no} is not stored: {e}"));
        assert_eq!(format!("{}.{:02}", stored / 100, stored % 100), *total, "sale {no}");
    }
    // Receipt numbers run 1..=n with no gap, and the counter agrees.
    let (count, max): (i64, i64) = conn
        .query_row("SELECT COUNT(*), COALESCE(MAX(receipt_no), 0) FROM sales", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(count, max, "receipt numbers have gaps");
    let counter: i64 = conn.query_row("SELECT last_no FROM receipt_counters", [], |r| r.get(0)).unwrap();
    assert_eq!(counter, max);
    // No sale is half-stored: each has lines, payments matching its paid amount, its journal
    // entry and its outbox row.
    let half: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sales s WHERE
                NOT EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id)
             OR s.paid_minor != (SELECT COALESCE(SUM(amount_minor), 0) FROM payments p WHERE p.sale_id = s.id)
             OR s.subtotal_minor != (SELECT COALESCE(SUM(amount_minor), 0) FROM sale_lines l WHERE l.sale_id = s.id)
             OR s.tax_minor != (SELECT COALESCE(SUM(amount_minor), 0) FROM sale_taxes t WHERE t.sale_id = s.id)
             OR NOT EXISTS (SELECT 1 FROM journal j WHERE j.seq = s.journal_seq AND j.kind = 'sale')
             OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = s.event_id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(half, 0, "half-stored sales");
    let outbox: i64 = conn.query_row("SELECT COUNT(*) FROM outbox WHERE kind = 'sale'", [], |r| r.get(0)).unwrap();
    assert_eq!(outbox, count, "one outbox event per sale");
    let out = run(&["journal", "verify", "--data-dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "journal: {}", String::from_utf8_lossy(&out.stderr));
    max
}

#[test]
fn sigkill_in_the_middle_of_thousands_of_sales_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut all = BTreeMap::new();
    let mut last = 0;
    for (round, kill_after) in [700usize, 900, 800].into_iter().enumerate() {
        let reported = sell_until_killed(dir.path(), kill_after, round == 0);
        if let Some((&first, _)) = reported.iter().next() {
            assert_eq!(first, last + 1, "numbering continues after the crash");
        }
        all.extend(reported);
        last = check_store(dir.path(), &all);
        assert!(last >= all.len() as i64);
    }
    assert!(all.len() >= 2400, "thousands of sales were made ({})", all.len());
}
