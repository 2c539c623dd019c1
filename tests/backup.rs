//! `till backup` and `till restore` against the real binary and real SQLite files: a copy taken
//! while another process keeps making sales verifies and holds every sale up to a point and
//! nothing after it; restoring it works; a copy of another store or terminal, a tampered copy
//! and a damaged file are refused with nothing changed.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

fn till_in(data: &Path, args: &[&str]) -> Output {
    let out = till().arg("--data-dir").arg(data).args(args).output().expect("till runs");
    eprintln!("till {args:?}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `till backup --to DIR` and the copy's path, from its answer.
fn backup(data: &Path, to: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec!["backup", "--to", to.to_str().expect("path")];
    args.extend_from_slice(extra);
    let out = till_in(data, &args);
    assert!(out.status.success(), "backup failed: {}", stderr(&out));
    let text = stdout(&out);
    let path = text.strip_prefix("backup: ").and_then(|t| t.split(" (").next()).expect("the copy's path");
    assert!(text.contains("journal verified"), "{text}");
    PathBuf::from(path)
}

/// Sales (receipt number, event id, total) in a store file, read directly.
fn sales_in(file: &Path) -> Vec<(i64, String, i64)> {
    let conn = rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let mut stmt = conn.prepare("SELECT receipt_no, event_id, total_minor FROM sales ORDER BY receipt_no").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

/// `till journal verify` on a copy, from a directory of its own.
fn journal_verifies(copy: &Path) -> bool {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(copy, dir.path().join("till.sqlite")).unwrap();
    let out = till_in(dir.path(), &["journal", "verify"]);
    out.status.success() && stdout(&out).starts_with("journal OK")
}

fn sell(data: &Path, n: usize, first: bool) -> Vec<Value> {
    let mut cmds = vec![json!({"cmd":"login","pin":"1111"})];
    if first {
        cmds.push(json!({"cmd":"open_shift","float":"100.00"}));
    }
    for _ in 0..n {
        cmds.push(json!({"cmd":"scan","code":"4006381333931"}));
        cmds.push(json!({"cmd":"tender","method":"card","amount":"1.29"}));
    }
    exec(data, None, &cmds)
}

fn digest(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read")
}

/// A seller in another process: sales until stopped; the receipts it was told are stored.
struct Seller {
    stop: Arc<AtomicBool>,
    writer: std::thread::JoinHandle<()>,
    reader: std::thread::JoinHandle<Vec<i64>>,
    child: std::process::Child,
    sold: mpsc::Receiver<i64>,
}

fn start_seller(data: &Path) -> Seller {
    let mut child = till()
        .args(["exec", "--data-dir"])
        .arg(data)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("till starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let out = child.stdout.take().expect("stdout");
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let writer = std::thread::spawn(move || {
        let _ = writeln!(stdin, "{}", json!({"cmd":"login","pin":"1111"}));
        let mut i = 0u64;
        while !s.load(Ordering::SeqCst) {
            let code = if i.is_multiple_of(2) { "4006381333931" } else { "90162602" };
            let batch = format!(
                "{}\n{}\n",
                json!({"cmd":"scan","code":code}),
                json!({"cmd":"tender","method":"cash","amount":"50.00"})
            );
            if stdin.write_all(batch.as_bytes()).is_err() {
                return;
            }
            if i % 4 == 3 {
                let _ = writeln!(stdin, "{}", json!({"cmd":"safe_drop","amount":"40.00"}));
            }
            i += 1;
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    let (tx, sold) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut receipts = Vec::new();
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            if let Some(no) = v["sale"]["receipt_no"].as_i64() {
                receipts.push(no);
                let _ = tx.send(no);
            }
        }
        receipts
    });
    Seller { stop, writer, reader, child, sold }
}

impl Seller {
    fn wait_for(&self, n: usize) {
        for _ in 0..n {
            self.sold.recv_timeout(Duration::from_secs(60)).expect("sales go on");
        }
    }

    fn finish(mut self) -> Vec<i64> {
        self.stop.store(true, Ordering::SeqCst);
        self.writer.join().unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the seller failed");
        self.reader.join().unwrap()
    }
}

#[test]
fn a_copy_taken_while_sales_are_made_holds_a_prefix_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let copies = dir.path().join("copies");
    sell(&data, 3, true);
    let seller = start_seller(&data);
    seller.wait_for(20);
    let mut taken = Vec::new();
    let mut sold_during = 0;
    for _ in 0..3 {
        while seller.sold.try_recv().is_ok() {}
        taken.push(backup(&data, &copies, &["--keep", "10"]));
        sold_during += seller.sold.try_iter().count();
        seller.wait_for(5);
    }
    assert!(sold_during > 0, "sales were committed while the copies were taken");
    let told = seller.finish();
    let store = sales_in(&data.join("till.sqlite"));
    assert_eq!(store.len(), 3 + told.len(), "every sale the seller was told of is stored");
    let mut last = 0;
    for copy in &taken {
        let held = sales_in(copy);
        assert!(held.len() > last, "each later copy holds more");
        last = held.len();
        assert!(held.len() < store.len(), "sales went on after the copy");
        assert_eq!(held[..], store[..held.len()], "a prefix of the store's sales, row for row");
        assert!(journal_verifies(copy), "{}", copy.display());
        let name = copy.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with("till-DEMO-01-") && name.ends_with(".sqlite"), "{name}");
        // A copy is one self-contained file.
        let bytes = std::fs::read(copy).unwrap();
        assert_eq!((bytes[18], bytes[19]), (1, 1), "rollback-journal file format, not WAL");
        assert!(!PathBuf::from(format!("{}-wal", copy.display())).exists());
    }
    // Rotation: three nightly copies, keep two.
    let fourth = backup(&data, &copies, &["--keep", "2"]);
    let mut left: Vec<PathBuf> = std::fs::read_dir(&copies)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .collect();
    left.sort();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.contains(&fourth) && left.contains(&taken[2]), "the newest two are kept: {left:?}");

    // Restoring the newest copy: no receipt is lost, so no question asked.
    let out = till_in(&data, &["restore", fourth.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("kept in"), "{}", stdout(&out));
    assert_eq!(sales_in(&data.join("till.sqlite")), store);
    let aside: Vec<PathBuf> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("replaced-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(sales_in(&aside[0].join("till.sqlite")), store, "the replaced store is kept whole");
    // Till goes on selling on the restored store.
    let answers = sell(&data, 1, false);
    assert_eq!(answers[2]["sale"]["receipt_no"].as_i64(), Some(store.len() as i64 + 1), "{}", answers[2]);
    assert!(till_in(&data, &["journal", "verify"]).status.success());
}

#[test]
fn an_older_copy_is_restored_only_when_asked_and_the_lost_receipts_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let copies = dir.path().join("copies");
    sell(&data, 2, true);
    let copy = backup(&data, &copies, &[]);
    sell(&data, 2, false);
    let before = digest(&data.join("till.sqlite"));
    let out = till_in(&data, &["restore", copy.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("receipts 3 to 4 of terminal DEMO-01"), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing was changed"), "{}", stderr(&out));
    assert_eq!(digest(&data.join("till.sqlite")), before);
    let out = till_in(&data, &["restore", "--allow-older", copy.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("receipts 3 to 4 of terminal DEMO-01"), "{}", stdout(&out));
    assert_eq!(sales_in(&data.join("till.sqlite")).len(), 2);
    assert!(till_in(&data, &["journal", "verify"]).status.success());
}

#[test]
fn a_copy_of_another_store_or_terminal_and_a_bad_copy_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let copies = dir.path().join("copies");
    sell(&data, 2, true);
    let ours = backup(&data, &copies, &[]);
    // Another store, same terminal id: its own identity.
    let other = dir.path().join("other");
    sell(&other, 1, true);
    let theirs = backup(&other, &dir.path().join("other-copies"), &[]);
    let before = digest(&data.join("till.sqlite"));
    let refused = |file: &Path, target: &Path, why: &str| {
        let out = till_in(target, &["restore", file.to_str().unwrap()]);
        assert!(!out.status.success(), "restored {}", file.display());
        assert!(stderr(&out).contains(why), "{} -> {}", file.display(), stderr(&out));
    };
    refused(&theirs, &data, "a copy of another store");
    assert_eq!(digest(&data.join("till.sqlite")), before, "nothing was changed");
    // Onto a machine with no store yet: another terminal's copy is refused.
    let site = dir.path().join("t2-site");
    std::fs::create_dir(&site).unwrap();
    let (config, t2) = demo_site(&site, |t| t.replace("id = \"DEMO-01\"", "id = \"T2\""));
    let t2_sale = [
        json!({"cmd":"login","pin":"1111"}),
        json!({"cmd":"open_shift","float":"100.00"}),
        json!({"cmd":"scan","code":"4006381333931"}),
        json!({"cmd":"tender","method":"card","amount":"1.29"}),
    ];
    assert_eq!(exec(&t2, Some(&config), &t2_sale)[3]["sale"]["receipt_no"], 1);
    let t2_copy = backup_with_config(&config, &t2, &dir.path().join("t2-copies"));
    let empty = dir.path().join("new-pc");
    refused(&t2_copy, &empty, "terminal T2's store, and this is terminal DEMO-01");
    assert!(!empty.join("till.sqlite").exists());
    // ...and this terminal's own copy restores there.
    let out = till_in(&empty, &["restore", ours.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sales_in(&empty.join("till.sqlite")).len(), 2);

    // A copy whose sale was edited: its journal does not verify.
    let edited = dir.path().join("edited.sqlite");
    std::fs::copy(&ours, &edited).unwrap();
    let conn = rusqlite::Connection::open(&edited).unwrap();
    conn.execute("UPDATE sales SET created_at = '2020-01-01T00:00:00Z' WHERE receipt_no = 1", []).unwrap();
    drop(conn);
    refused(&edited, &data, "its journal does not verify");
    // A damaged file: pages overwritten in the middle.
    let damaged = dir.path().join("damaged.sqlite");
    let mut bytes = std::fs::read(&ours).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 8192].fill(0x5a);
    std::fs::write(&damaged, bytes).unwrap();
    refused(&damaged, &data, "cannot be restored");
    refused(&dir.path().join("no-such-file.sqlite"), &data, "is not a file");
    assert_eq!(digest(&data.join("till.sqlite")), before, "nothing was changed");
    assert_eq!(
        std::fs::read_dir(&data)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("replaced-"))
            .count(),
        0,
        "nothing was moved aside"
    );
}

fn backup_with_config(config: &Path, data: &Path, to: &Path) -> PathBuf {
    let out = till()
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .arg("backup")
        .arg("--to")
        .arg(to)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    PathBuf::from(text.strip_prefix("backup: ").and_then(|t| t.split(" (").next()).expect("path"))
}

#[test]
fn restore_refuses_while_till_runs_and_migrate_reports_an_up_to_date_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    sell(&data, 1, true);
    let copy = backup(&data, &dir.path().join("copies"), &[]);
    let mut running = Exec::start(&fixture_demo_config(dir.path()), &data);
    assert_eq!(running.ask(json!({"cmd":"login","pin":"1111"}))["ok"], true);
    let out = till_in(&data, &["restore", copy.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("Till is running"), "{}", stderr(&out));
    // The backup itself works while Till runs.
    backup(&data, &dir.path().join("copies"), &[]);
    running.end();
    let out = till_in(&data, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("up to date"), "{}", stdout(&out));
    let out = till_in(&dir.path().join("nothing-here"), &["migrate"]);
    assert!(stdout(&out).contains("nothing to migrate"), "{}", stdout(&out));
    let out = till_in(&dir.path().join("nothing-here"), &["backup"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no store to copy"), "{}", stderr(&out));
}

/// The demo configuration as a file (a running `Exec` needs one).
fn fixture_demo_config(dir: &Path) -> PathBuf {
    let p = dir.join("demo.toml");
    std::fs::write(
        &p,
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo/demo.toml")).unwrap(),
    )
    .unwrap();
    p
}

#[test]
fn the_system_configuration_names_the_store_and_its_copies() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo/demo.toml")).unwrap();
    let data = dir.path().join("var-lib-till");
    let copies = dir.path().join("copies");
    let text = demo.replace("id = \"DEMO-01\"", &format!("id = \"COUNTER-01\"\ndata_dir = \"{}\"", data.display()))
        + &format!("\n[backup]\ndir = \"{}\"\nkeep = 3\n", copies.display());
    let system = dir.path().join("etc-till-config.toml");
    std::fs::write(&system, text).unwrap();
    // No --config, no $TILL_CONFIG, no user configuration: the system's.
    let out = till().env("TILL_SYSTEM_CONFIG", &system).args(["config", "check"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!("config: {}", system.display())), "{text}");
    assert!(text.contains(&format!("data dir: {}", data.display())), "{text}");
    assert!(text.contains(&format!("backups: {} (keeping 3)", copies.display())), "{text}");
    let out = till()
        .env("TILL_SYSTEM_CONFIG", &system)
        .args(["user", "add", "--name", "M", "--role", "manager", "--pin", "9999"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = till().env("TILL_SYSTEM_CONFIG", &system).arg("backup").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("backup: {}/till-COUNTER-01-", copies.display())), "{}", stdout(&out));
    // A relative data_dir is refused, naming the key.
    std::fs::write(&system, demo.replace("id = \"DEMO-01\"", "id = \"X\"\ndata_dir = \"relative\"")).unwrap();
    let out = till().env("TILL_SYSTEM_CONFIG", &system).args(["config", "check"]).output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("terminal.data_dir"), "{}", stderr(&out));
}
