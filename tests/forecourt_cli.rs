//! `till sim forecourt` and `till hw pump` together: a technician drives a simulated pump over a
//! pseudo-terminal, from prices to a preset filling of exactly 20.00.

mod common;

use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

fn hw(port: &str, address: &str, args: &[&str]) -> (bool, Value, String) {
    let mut all = vec!["hw", "pump", "--port", port, "--address", address, "--json"];
    all.extend(args);
    let out = run(&all);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let v = serde_json::from_str(text.trim()).unwrap_or(Value::Null);
    (out.status.success(), v, String::from_utf8_lossy(&out.stderr).to_string())
}

fn statuses(v: &Value) -> Vec<String> {
    v["answers"].as_array().into_iter().flatten().filter_map(|a| a["status"].as_str().map(str::to_string)).collect()
}

#[test]
fn a_technician_presets_and_fills_a_simulated_pump() {
    let mut sim = till()
        .args(["sim", "forecourt", "--pumps", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(sim.stdout.take().unwrap());
    let mut path = String::new();
    out.read_line(&mut path).unwrap();
    let path = path.trim().to_string();
    assert!(path.starts_with("/dev/pts/"), "{path}");
    let mut stdin = sim.stdin.take().unwrap();

    let (ok, v, err) = hw(&path, "0x50", &["prices", "1.739,1.659"]);
    assert!(ok, "{err}");
    assert!(statuses(&v).contains(&"FillingCompleted".to_string()), "{v}");
    let (ok, v, _) = hw(&path, "0x50", &["reset"]);
    assert!(ok && statuses(&v).contains(&"Reset".to_string()), "{v}");
    let (ok, _, err) = hw(&path, "0x50", &["preset-amount", "20.00"]);
    assert!(ok, "{err}");
    let (ok, v, _) = hw(&path, "0x50", &["authorize"]);
    assert!(ok && statuses(&v).contains(&"Authorized".to_string()), "{v}");

    writeln!(stdin, "flow 1 400").unwrap();
    writeln!(stdin, "lift 1 1").unwrap();
    let mut done = Value::Null;
    for _ in 0..20 {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let (ok, v, err) = hw(&path, "0x50", &["status"]);
        assert!(ok, "{err}");
        if statuses(&v).contains(&"MaxReached".to_string()) {
            done = v;
            break;
        }
    }
    let filling = done["answers"].as_array().and_then(|a| a.iter().find(|x| x.get("amount").is_some())).cloned();
    let filling = filling.unwrap_or_else(|| panic!("no filling reported: {done}"));
    assert_eq!(filling["amount"], "20.00");
    assert_eq!(filling["volume"], "11.50");

    // A pump that is not on the line: a clear message and a non-zero exit.
    let (ok, _, err) = hw(&path, "0x55", &["status"]);
    assert!(!ok);
    assert!(err.contains("did not answer"), "{err}");
    let (ok, _, err) = hw(&path, "0x20", &["status"]);
    assert!(!ok && err.contains("0x50 to 0x6F"), "{err}");
    let (ok, _, err) = hw("/dev/nonexistent-tty", "0x50", &["status"]);
    assert!(!ok && err.contains("cannot open serial port"), "{err}");

    writeln!(stdin, "quit").unwrap();
    assert!(sim.wait().unwrap().success());
}

#[test]
fn the_tank_gauge_inventory_with_alarms() {
    let mut sim = till()
        .args(["sim", "tank", "--tanks", "4"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(sim.stdout.take().unwrap());
    let mut path = String::new();
    out.read_line(&mut path).unwrap();
    let path = path.trim().to_string();
    let mut stdin = sim.stdin.take().unwrap();
    let inventory = || {
        let o = run(&["hw", "tank", "--port", &path, "--json", "inventory"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    let v = inventory();
    assert_eq!(v["tanks"].as_array().unwrap().len(), 4);
    assert_eq!(v["tanks"][0]["volume"], 18000.0);
    assert_eq!(v["tanks"][0]["alarms"], serde_json::json!([]));
    writeln!(stdin, "level 2 900").unwrap();
    writeln!(stdin, "water 3 45").unwrap();
    // Wait for the simulator to echo both changes.
    let mut echo = String::new();
    out.read_line(&mut echo).unwrap();
    out.read_line(&mut echo).unwrap();
    let v = inventory();
    assert_eq!(v["tanks"][1]["alarms"], serde_json::json!(["low_level"]));
    assert_eq!(v["tanks"][2]["alarms"], serde_json::json!(["high_water"]));
    writeln!(stdin, "quit").unwrap();
    assert!(sim.wait().unwrap().success());
    let o = run(&["hw", "tank", "--port", "/dev/nonexistent-tty", "inventory"]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("cannot open serial port"));
}

#[test]
fn the_printer_cli_prints_a_test_page_and_reports_paper_out() {
    let mut sim = till()
        .args(["sim", "printer"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(sim.stdout.take().unwrap());
    let mut path = String::new();
    out.read_line(&mut path).unwrap();
    let path = path.trim().to_string();
    let mut stdin = sim.stdin.take().unwrap();
    let o = run(&["hw", "printer", "--port", &path, "test-page"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut printed = Vec::new();
    while printed.len() < 4 {
        let mut l = String::new();
        out.read_line(&mut l).unwrap();
        printed.push(l.trim_end().to_string());
    }
    assert_eq!(printed[0], "| Till test page");
    assert_eq!(printed[2], "| Äöü ß é è ñ € £", "accented Latin through code page 858");
    writeln!(stdin, "paper out").unwrap();
    let mut l = String::new();
    while !l.contains("paper out") {
        l.clear();
        out.read_line(&mut l).unwrap();
    }
    let o = run(&["hw", "printer", "--port", &path, "status"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("paper_out"));
    let o = run(&["hw", "printer", "--port", &path, "open-drawer"]);
    assert!(o.status.success(), "the drawer opens without paper");
    writeln!(stdin, "quit").unwrap();
    assert!(sim.wait().unwrap().success());
}
