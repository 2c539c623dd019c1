//! Tamper tests: edit, delete, reorder or cut journal rows with plain SQL; `till journal verify`
//! must fail and name the first bad entry.

mod common;

use common::*;
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

/// A store with a few sales and other events; returns the number of journal entries.
fn store_with_sales(dir: &Path) -> i64 {
    let mut cmds = vec![json!({"cmd":"login","pin":"1111"}), json!({"cmd":"open_shift","float":"100.00"})];
    for _ in 0..4 {
        cmds.push(json!({"cmd":"scan","code":"4006381333931"}));
        cmds.push(json!({"cmd":"tender","method":"cash","amount":"5.00"}));
    }
    exec(dir, None, &cmds);
    let out = verify(dir);
    assert!(out.0, "an untouched journal verifies: {}", out.1);
    db(dir).query_row("SELECT MAX(seq) FROM journal", [], |r| r.get(0)).unwrap()
}

fn verify(dir: &Path) -> (bool, String) {
    let out = run(&["journal", "verify", "--data-dir", dir.to_str().unwrap()]);
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn sale_seq(dir: &Path, receipt_no: i64) -> i64 {
    db(dir).query_row("SELECT journal_seq FROM sales WHERE receipt_no = ?1", [receipt_no], |r| r.get(0)).unwrap()
}

/// Plain SQL, as an attacker with the file would do it: the append-only triggers go first.
fn tamper(dir: &Path, sql: &str) {
    let conn = db(dir);
    conn.execute_batch("DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;").unwrap();
    conn.execute_batch(sql).unwrap();
}

#[test]
fn the_journal_refuses_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    store_with_sales(dir.path());
    let conn = db(dir.path());
    let e = conn.execute("UPDATE journal SET payload = '{}' WHERE seq = 3", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = conn.execute("DELETE FROM journal WHERE seq = 3", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

#[test]
fn an_edited_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    store_with_sales(dir.path());
    let seq = sale_seq(dir.path(), 2);
    tamper(dir.path(), &format!("UPDATE journal SET payload = replace(payload, '\"total\":\"1.29\"', '\"total\":\"0.29\"') WHERE seq = {seq}"));
    let (ok, msg) = verify(dir.path());
    assert!(!ok);
    assert!(msg.contains(&format!("journal entry {seq} was altered")), "{msg}");
}

#[test]
fn an_edited_timestamp_is_named() {
    let dir = tempfile::tempdir().unwrap();
    store_with_sales(dir.path());
    tamper(dir.path(), "UPDATE journal SET at = '2020-01-01T00:00:00Z' WHERE seq = 2");
    let (ok, msg) = verify(dir.path());
    assert!(!ok);
    assert!(msg.contains("journal entry 2 was altered"), "{msg}");
}

#[test]
fn a_deleted_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    store_with_sales(dir.path());
    let seq = sale_seq(dir.path(), 3);
    tamper(dir.path(), &format!("DELETE FROM journal WHERE seq = {seq}"));
    let (ok, msg) = verify(dir.path());
    assert!(!ok);
    assert!(msg.contains(&format!("journal entry {seq} is missing")), "{msg}");
}

#[test]
fn reordered_entries_are_named() {
    let dir = tempfile::tempdir().unwrap();
    store_with_sales(dir.path());
    let (a, b) = (sale_seq(dir.path(), 1), sale_seq(dir.path(), 2));
    // Swap the two sales' entries, hashes and all.
    tamper(
        dir.path(),
        &format!(
            "UPDATE journal SET seq = -1 WHERE seq = {a};
             UPDATE journal SET seq = {a} WHERE seq = {b};
             UPDATE journal SET seq = {b} WHERE seq = -1;"
        ),
    );
    let (ok, msg) = verify(dir.path());
    assert!(!ok);
    assert!(msg.contains(&format!("journal entry {a} ")), "the first swapped entry is named: {msg}");
}

#[test]
fn a_cut_off_end_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let last = store_with_sales(dir.path());
    tamper(dir.path(), &format!("DELETE FROM journal WHERE seq = {last}"));
    let (ok, msg) = verify(dir.path());
    assert!(!ok);
    assert!(msg.contains(&format!("entries after {}", last - 1)), "{msg}");
    // Cutting the head too still leaves the sale without its entry.
    let conn = db(dir.path());
    conn.execute("UPDATE journal_head SET seq = ?1, hash = (SELECT hash FROM journal WHERE seq = ?1)", [last - 1])
        .unwrap();
    let (ok, msg) = verify(dir.path());
    assert!(!ok);
    assert!(msg.contains("receipt 4"), "{msg}");
}

#[test]
fn verify_works_while_a_writer_holds_the_store() {
    let dir = tempfile::tempdir().unwrap();
    store_with_sales(dir.path());
    // A second writer is refused, a reader is not.
    let mut child = till()
        .args(["exec", "--data-dir", dir.path().to_str().unwrap(), "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once it answers a command it holds the store.
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", json!({"cmd":"ticket"})).unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.contains("\"ok\""), "{first}");
    let out = run(&["exec", "--data-dir", dir.path().to_str().unwrap(), "-"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another Till process"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(verify(dir.path()).0);
    drop(stdin);
    child.wait().unwrap();
}
