//! A serial scanner over a pty: codes followed by CR reach the sale; a wrong check digit is
//! refused with a reason and changes nothing.

use serde_json::json;
use serialport::{SerialPort, TTYPort};
use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;
use till::config::Config;
use till::service::{Command, Session};

#[test]
fn codes_from_a_serial_scanner_are_scanned() {
    let (mut scanner_end, mut till_end) = TTYPort::pair().unwrap();
    scanner_end.set_timeout(Duration::from_millis(2)).unwrap();
    till_end.set_timeout(Duration::from_millis(2)).unwrap();
    let (tx, rx) = mpsc::channel();
    let scanner = till::devices::scanner::Scanner::start(till_end, move |code| {
        let _ = tx.send(code);
    });
    scanner_end.write_all(b"4006381333931\r90162602\r\n4006381333932\r").unwrap();
    let codes: Vec<String> = (0..3).map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap()).collect();
    assert_eq!(codes, ["4006381333931", "90162602", "4006381333932"]);
    assert!(scanner.health.get().online);

    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::open(Config::demo().unwrap(), dir.path()).unwrap();
    let cmd = |v: serde_json::Value| -> Command { serde_json::from_value(v).unwrap() };
    session.execute(cmd(json!({"cmd":"login","pin":"1111"}))).unwrap();
    session.execute(cmd(json!({"cmd":"open_shift","float":"0"}))).unwrap();
    let mut last = None;
    for code in &codes {
        match session.execute(cmd(json!({"cmd":"scan","code":code}))) {
            Ok(out) => last = out.ticket,
            Err(e) => assert!(e.to_string().contains("check digit"), "{e}"),
        }
    }
    assert_eq!(last.unwrap().lines.len(), 2, "the bad code added nothing");
}

#[test]
fn till_hw_scanner_reads_codes_and_says_which_are_valid() {
    let (mut scanner_end, till_end) = TTYPort::pair().unwrap();
    let path = till_end.name().unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_till"))
        .args(["hw", "scanner", "--port", &path, "--count", "3", "--seconds", "10", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    scanner_end.write_all(b"4006381333931\r4006381333932\r\xff\xfe\r").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!((lines[0]["code"].as_str(), lines[0]["valid"].as_bool()), (Some("4006381333931"), Some(true)));
    assert_eq!(lines[1]["valid"], false);
    assert!(lines[1]["detail"].as_str().unwrap().contains("check digit"), "{}", lines[1]);
    assert_eq!(lines[2]["valid"], false, "noise is no code");
    drop(till_end);
}
