//! SIGKILL in the middle of a push: `till console` with a central endpoint configured is killed
//! while its upload is in flight (the receiver answers slowly), then started again. The receiver
//! ends with every event exactly once, in order.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use till_central::{Central, Fault};

fn console(config: &std::path::Path, data: &std::path::Path) -> Child {
    common::till()
        .args(["--config"])
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .arg("console")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn outbox(data: &std::path::Path) -> Vec<(i64, String, String)> {
    let db = rusqlite::Connection::open(data.join("till.sqlite")).unwrap();
    let mut stmt = db.prepare("SELECT id, event_id, state FROM outbox ORDER BY id").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn a_till_killed_mid_push_delivers_everything_exactly_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let central =
        Central::open(&dir.path().join("central.sqlite"), HashMap::from([("DEMO-01".into(), "t0ken".into())])).unwrap();
    let addr = central.clone().spawn("127.0.0.1:0").unwrap();
    // Every upload is slow: there is always one in flight when the kill comes.
    central.inject(std::iter::repeat_n(Fault::Delay(Duration::from_millis(400)), 1000));

    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/demo/demo.toml")).unwrap();
    let config = dir.path().join("till.toml");
    std::fs::write(
        &config,
        format!(
            "{demo}\n[sync]\nurl = \"http://{addr}\"\ntoken = \"t0ken\"\ninterval_seconds = 1\nbatch_size = 20\nretry_base_ms = 50\n"
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        let o = common::till().arg("--config").arg(&config).arg("--data-dir").arg(&data).args(args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&["user", "add", "--name", "Ann", "--role", "cashier", "--pin", "4321"]);
    run(&["catalog", "import", concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/demo/catalog.csv")]);

    let mut till = console(&config, &data);
    let mut stdin = till.stdin.take().unwrap();
    let mut answers = BufReader::new(till.stdout.take().unwrap()).lines();
    let mut say = |line: &str| {
        writeln!(stdin, "{line}").unwrap();
        let a = answers.next().unwrap().unwrap();
        assert!(a.contains("\"ok\":true"), "{line} -> {a}");
    };
    say(r#"{"cmd":"login","pin":"4321"}"#);
    say(r#"{"cmd":"open_shift","float":"50.00"}"#);
    for _ in 0..60 {
        say(r#"{"cmd":"add","sku":"BEV-0001"}"#);
        say(r#"{"cmd":"tender","method":"cash"}"#);
    }
    // Kill it while a push is on its way (some sent, some not).
    let t = Instant::now();
    while central.events("DEMO-01").unwrap().is_empty() {
        assert!(t.elapsed() < Duration::from_secs(20), "nothing was pushed");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(250));
    till.kill().unwrap();
    till.wait().unwrap();
    let before = outbox(&data);
    let sent_before = before.iter().filter(|e| e.2 == "sent").count();
    assert!(sent_before < before.len(), "the kill came before the end of the push");

    // Started again: it sends what is left; what the receiver already had comes back as duplicates.
    let mut again = console(&config, &data);
    let t = Instant::now();
    loop {
        let stored = central.events("DEMO-01").unwrap();
        if stored.len() == before.len() && outbox(&data).iter().all(|e| e.2 == "sent") {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "{} of {} delivered", stored.len(), before.len());
        std::thread::sleep(Duration::from_millis(50));
    }
    again.kill().unwrap();
    again.wait().unwrap();
    let stored = central.events("DEMO-01").unwrap();
    let ids: Vec<&str> = stored.iter().map(|e| e.event_id.as_str()).collect();
    let expected: Vec<&str> = before.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(ids, expected, "each event once, in outbox order");
}
