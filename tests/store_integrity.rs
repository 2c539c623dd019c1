//! A store that knows itself, tried through the store file as an unlucky or hostile operator
//! would: emptied, replaced, rolled back, edited with plain SQL, damaged, its log deleted while
//! Till runs, its lock files removed, read by other local users.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Stdio};

fn sales(dir: &Path, n: usize) -> Vec<Value> {
    let mut cmds = vec![json!({"cmd":"login","pin":"1111"}), json!({"cmd":"open_shift","float":"100.00"})];
    for _ in 0..n {
        cmds.push(json!({"cmd":"scan","code":"4006381333931"}));
        cmds.push(json!({"cmd":"tender","method":"card","amount":"1.29"}));
    }
    cmds.push(json!({"cmd":"close_shift","counted":"100.00"}));
    exec(dir, None, &cmds)
}

fn verify(dir: &Path) -> (bool, String) {
    let out = run(&["journal", "verify", "--data-dir", dir.to_str().unwrap()]);
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// `till exec` that fails to start: its error text.
fn refused(dir: &Path) -> String {
    let out = till()
        .args(["exec", "--data-dir", dir.to_str().unwrap(), "-"])
        .stdin(Stdio::null())
        .output()
        .expect("till runs");
    assert!(!out.status.success(), "Till must refuse this store");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn an_emptied_or_missing_store_is_refused_not_made_new() {
    let dir = tempfile::tempdir().unwrap();
    sales(dir.path(), 3);
    let db = dir.path().join("till.sqlite");
    std::fs::write(&db, b"").unwrap();
    let _ = std::fs::remove_file(dir.path().join("till.sqlite-wal"));
    let e = refused(dir.path());
    assert!(e.contains("missing or empty") && e.contains("last receipt 3"), "{e}");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "nothing was created in its place");
    std::fs::remove_file(&db).unwrap();
    assert!(refused(dir.path()).contains("missing or empty"));
}

#[test]
fn a_replaced_or_older_store_is_refused() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    sales(b.path(), 1);
    sales(a.path(), 1);
    let older = tempfile::tempdir().unwrap();
    for f in ["till.sqlite", "till.sqlite-wal"] {
        if a.path().join(f).exists() {
            std::fs::copy(a.path().join(f), older.path().join(f)).unwrap();
        }
    }
    sales(a.path(), 2);
    // Another store's file.
    std::fs::copy(b.path().join("till.sqlite"), a.path().join("till.sqlite")).unwrap();
    let _ = std::fs::remove_file(a.path().join("till.sqlite-wal"));
    let _ = std::fs::copy(b.path().join("till.sqlite-wal"), a.path().join("till.sqlite-wal"));
    assert!(refused(a.path()).contains("was replaced"));
    // This store's own file from before its last sales.
    for f in ["till.sqlite", "till.sqlite-wal"] {
        let _ = std::fs::remove_file(a.path().join(f));
        if older.path().join(f).exists() {
            std::fs::copy(older.path().join(f), a.path().join(f)).unwrap();
        }
    }
    let e = refused(a.path());
    assert!(e.contains("has given receipt 3") && e.contains("ends at 1"), "{e}");
}

/// Plain SQL on the file, as someone with a copy of it would.
fn edit(dir: &Path, sql: &str) {
    db(dir).execute_batch(sql).unwrap();
}

#[test]
fn verify_checks_the_tables_against_the_journal_both_ways() {
    let cases: [(&str, &str); 7] = [
        ("UPDATE sales SET total_minor = 29, paid_minor = 29 WHERE receipt_no = 2", "rows of receipt 2"),
        ("UPDATE sale_lines SET name = 'Nothing' WHERE line_no = 1 AND sale_id = 1", "rows of receipt 1"),
        ("DELETE FROM payments WHERE sale_id = 3", "rows of receipt 3"),
        ("PRAGMA foreign_keys = OFF; DELETE FROM sale_lines WHERE sale_id = 3; DELETE FROM payments WHERE sale_id = 3;
          DELETE FROM sales WHERE receipt_no = 3", "whose rows are gone"),
        ("UPDATE shifts SET counted_minor = 99999", "rows of shift 1"),
        ("UPDATE shifts SET float_minor = 0", "rows of shift 1"),
        ("INSERT INTO shifts (event_id, terminal_id, opened_by, opened_at, float_minor) VALUES ('x', 'DEMO-01', 1, 't', 0)",
         "shift 2 has no journal entry"),
    ];
    for (sql, expect) in cases {
        let dir = tempfile::tempdir().unwrap();
        sales(dir.path(), 3);
        let (ok, msg) = verify(dir.path());
        assert!(ok, "untouched: {msg}");
        edit(dir.path(), sql);
        let (ok, msg) = verify(dir.path());
        assert!(!ok && msg.contains(expect), "{sql}: {msg}");
    }
}

#[test]
fn a_damaged_file_fails_verify_and_is_not_sold_on() {
    let dir = tempfile::tempdir().unwrap();
    sales(dir.path(), 40);
    // Everything into the file, then a page in the middle of it flipped.
    db(dir.path()).query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    let path = dir.path().join("till.sqlite");
    let mut bytes = std::fs::read(&path).unwrap();
    let pages = bytes.len() / 4096;
    assert!(pages > 4, "{pages} pages");
    let at = (pages / 2) * 4096;
    for b in &mut bytes[at..at + 4096] {
        *b ^= 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let (ok, msg) = verify(dir.path());
    assert!(!ok, "verify must see the damage: {msg}");
    let e = refused(dir.path());
    assert!(e.contains("integrity check") || e.contains("malformed") || e.contains("damaged"), "{e}");
}

#[test]
fn verify_works_on_a_read_only_copy() {
    let dir = tempfile::tempdir().unwrap();
    sales(dir.path(), 2);
    let copy = tempfile::tempdir().unwrap();
    for f in ["till.sqlite", "till.sqlite-wal"] {
        if dir.path().join(f).exists() {
            std::fs::copy(dir.path().join(f), copy.path().join(f)).unwrap();
        }
    }
    use std::os::unix::fs::PermissionsExt;
    for f in std::fs::read_dir(copy.path()).unwrap() {
        std::fs::set_permissions(f.unwrap().path(), std::fs::Permissions::from_mode(0o400)).unwrap();
    }
    std::fs::set_permissions(copy.path(), std::fs::Permissions::from_mode(0o500)).unwrap();
    let (ok, msg) = verify(copy.path());
    std::fs::set_permissions(copy.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(ok && msg.contains("journal OK"), "{msg}");
}

struct Running {
    child: Child,
    answers: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Running {
    fn start(dir: &Path) -> Running {
        let mut child = till()
            .args(["exec", "--data-dir", dir.to_str().unwrap(), "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let answers = BufReader::new(child.stdout.take().unwrap()).lines();
        Running { child, answers }
    }

    fn ask(&mut self, v: Value) -> Value {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{v}").unwrap();
        stdin.flush().unwrap();
        serde_json::from_str(&self.answers.next().expect("an answer").unwrap()).unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_deleted_log_stops_selling_and_loses_no_answered_sale() {
    let dir = tempfile::tempdir().unwrap();
    let mut till = Running::start(dir.path());
    ok(&till.ask(json!({"cmd":"login","pin":"1111"})));
    ok(&till.ask(json!({"cmd":"open_shift","float":"100.00"})));
    ok(&till.ask(json!({"cmd":"scan","code":"4006381333931"})));
    ok(&till.ask(json!({"cmd":"tender","method":"card"})));
    std::fs::remove_file(dir.path().join("till.sqlite-wal")).unwrap();
    ok(&till.ask(json!({"cmd":"scan","code":"4006381333931"})));
    // The sale after the log went is answered and kept; the next one is refused.
    assert_eq!(ok(&till.ask(json!({"cmd":"tender","method":"card"})))["sale"]["receipt_no"], 2);
    ok(&till.ask(json!({"cmd":"scan","code":"4006381333931"})));
    let e = err(&till.ask(json!({"cmd":"tender","method":"card"})));
    assert!(e.contains("stopped taking sales") && e.contains("write-ahead log"), "{e}");
    // A crash now loses nothing that was answered.
    let _ = till.child.kill();
    let _ = till.child.wait();
    let n: i64 = db(dir.path()).query_row("SELECT MAX(receipt_no) FROM sales", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 2);
    let (ok_, msg) = verify(dir.path());
    assert!(ok_, "{msg}");
}

#[test]
fn deleting_files_lets_no_second_writer_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Running::start(dir.path());
    ok(&first.ask(json!({"cmd":"login","pin":"1111"})));
    for f in std::fs::read_dir(dir.path()).unwrap() {
        let p = f.unwrap().path();
        if !p.ends_with("till.sqlite") {
            let _ = std::fs::remove_file(p);
        }
    }
    let e = refused(dir.path());
    assert!(e.contains("already using"), "{e}");
}

#[test]
fn the_store_is_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000 && exec {} exec --data-dir {} - < /dev/null",
            env!("CARGO_BIN_EXE_till"),
            data.display()
        ))
        .env("HOME", std::env::temp_dir().join("till-test-home"))
        .env_remove("TILL_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    for f in std::fs::read_dir(&data).unwrap() {
        let p = f.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
}

#[test]
fn an_identity_file_cut_short_by_a_power_cut_is_taken_again_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    sales(dir.path(), 2);
    let id_before = std::fs::read_to_string(dir.path().join("till.id")).unwrap();
    std::fs::write(dir.path().join("till.id"), b"{\"store_id\":\"").unwrap();
    let a = exec(dir.path(), None, &[json!({"cmd":"login","pin":"1111"})]);
    ok(&a[0]);
    let id_after = std::fs::read_to_string(dir.path().join("till.id")).unwrap();
    let store = |t: &str| serde_json::from_str::<Value>(t).unwrap()["store_id"].clone();
    assert_eq!(store(&id_before), store(&id_after), "the same store, its receipts kept");
    assert!(id_after.contains("\"DEMO-01\":2"), "{id_after}");
}
