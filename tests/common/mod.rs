//! Helpers shared by the integration tests: run the real `till` binary on a temporary data dir.
#![allow(dead_code)]

pub mod ui;

use serde_json::Value;
use std::io::Write;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};

pub fn till() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_till"));
    // Never pick up a developer's own configuration.
    c.env_remove("TILL_CONFIG");
    // Nor the system's, on a machine where the package is installed.
    c.env("TILL_SYSTEM_CONFIG", std::env::temp_dir().join("till-test-home/no-system-config.toml"));
    c.env("HOME", std::env::temp_dir().join("till-test-home"));
    c.env("XDG_CONFIG_HOME", std::env::temp_dir().join("till-test-home/config"));
    c
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(name)
}

/// Runs `till exec -` with the given commands and returns one answer per command.
pub fn exec(data_dir: &Path, config: Option<&Path>, commands: &[Value]) -> Vec<Value> {
    let mut cmd = till();
    cmd.arg("exec").arg("--data-dir").arg(data_dir);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    cmd.arg("-").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("till starts");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        for c in commands {
            writeln!(stdin, "{c}").expect("write command");
        }
    }
    let out = child.wait_with_output().expect("till runs");
    assert!(out.status.success(), "till exec failed: {}", String::from_utf8_lossy(&out.stderr));
    let answers: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("answer is not JSON ({e}): {l}")))
        .collect();
    assert_eq!(answers.len(), commands.len(), "one answer per command");
    answers
}

pub fn run(args: &[&str]) -> Output {
    till().args(args).output().expect("till runs")
}

pub fn ok(v: &Value) -> &Value {
    assert_eq!(v["ok"], Value::Bool(true), "command failed: {v}");
    v
}

pub fn err(v: &Value) -> String {
    assert_eq!(v["ok"], Value::Bool(false), "command should have failed: {v}");
    v["error"].as_str().unwrap_or_default().to_string()
}

pub fn db(data_dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(data_dir.join("till.sqlite")).expect("open store")
}

/// Simulated DART pumps serving one end of a pseudo-terminal; the other end is for Till.
/// Stops when dropped.
pub struct SimLine {
    pub bus: std::sync::Arc<std::sync::Mutex<till_hardware::dart::sim::SimBus>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for SimLine {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn sim_line(pumps: Vec<till_hardware::dart::sim::SimPump>) -> (SimLine, serialport::TTYPort) {
    use serialport::SerialPort;
    use std::sync::{atomic::AtomicBool, Arc, Mutex};
    let (mut sim_end, mut till_end) = serialport::TTYPort::pair().expect("pty pair");
    sim_end.set_timeout(std::time::Duration::from_millis(2)).expect("timeout");
    till_end.set_timeout(std::time::Duration::from_millis(2)).expect("timeout");
    let bus = Arc::new(Mutex::new(till_hardware::dart::sim::SimBus::new(pumps)));
    let stop = Arc::new(AtomicBool::new(false));
    let (b, s) = (bus.clone(), stop.clone());
    let thread = std::thread::spawn(move || {
        till_hardware::dart::sim::serve(&mut sim_end, &b, &s, std::time::Duration::from_millis(10))
    });
    (SimLine { bus, stop, thread: Some(thread) }, till_end)
}

/// `till exec --config C --data-dir D -` kept running: one command in, its answer out.
/// Killed when dropped.
pub struct Exec {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub stdout: BufReader<ChildStdout>,
}

impl Exec {
    pub fn start(config: &Path, data: &Path) -> Exec {
        let mut child = till()
            .arg("exec")
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(data)
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("till starts");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Exec { stdin: child.stdin.take(), child, stdout }
    }

    /// Sends a command without waiting for its answer.
    pub fn send(&mut self, cmd: Value) {
        let stdin = self.stdin.as_mut().expect("open");
        writeln!(stdin, "{cmd}").expect("write");
        stdin.flush().expect("flush");
    }

    pub fn ask(&mut self, cmd: Value) -> Value {
        self.send(cmd);
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("answer");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// Asks for the pumps until `pump` is in `state`; the last answer.
    pub fn wait_pump(&mut self, pump: usize, state: &str) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let a = self.ask(serde_json::json!({"cmd":"pumps"}));
            if a["pumps"][pump - 1]["state"] == state {
                return a;
            }
            assert!(std::time::Instant::now() < deadline, "pump {pump} never {state}: {a}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Closes the input and waits: the session ends by itself, successfully.
    pub fn end(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("till ends");
        assert!(status.success(), "till exec failed");
    }
}

impl Drop for Exec {
    fn drop(&mut self) {
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A simulator process on a pty with a stable link; takes operator commands on stdin.
pub struct Sim {
    child: Child,
    stdin: ChildStdin,
}

impl Sim {
    pub fn start(args: &[&str], link: &Path) -> Sim {
        let mut child = till()
            .args(args)
            .arg("--link")
            .arg(link)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("simulator starts");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        out.read_line(&mut first).expect("the pty's path");
        assert!(first.starts_with("/dev/"), "{first}");
        std::thread::spawn(move || for _ in out.lines() {});
        let stdin = child.stdin.take().expect("stdin");
        Sim { child, stdin }
    }

    pub fn say(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("simulator takes a command");
        self.stdin.flush().expect("flush");
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.child.wait();
    }
}

/// A site configuration made from the demo one (`edit` changes its text) in `dir/site.toml`,
/// with a store in `dir/data` holding Manager (9999), Cashier (1111) and the demo catalog.
pub fn demo_site(dir: &Path, edit: impl FnOnce(String) -> String) -> (PathBuf, PathBuf) {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo/demo.toml"))
        .expect("demo config");
    let config = dir.join("site.toml");
    std::fs::write(&config, edit(text)).expect("config");
    let data = dir.join("data");
    let args = |extra: &[&str]| {
        let mut c = till();
        c.arg("--config").arg(&config).arg("--data-dir").arg(&data).args(extra);
        let out = c.output().expect("till runs");
        assert!(out.status.success(), "{extra:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    args(&["user", "add", "--name", "Manager", "--role", "manager", "--pin", "9999"]);
    args(&["user", "add", "--name", "Cashier", "--role", "cashier", "--pin", "1111", "--manager-pin", "9999"]);
    let catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo/catalog.csv");
    args(&["catalog", "import", catalog.to_str().expect("path")]);
    (config, data)
}

/// A simulated ZVT card terminal on a free loopback port (bare APDUs), in this process, so it
/// outlives a Till that is killed; its `tcp://` address and its state (journal, faults).
pub fn card_terminal() -> (String, till_hardware::zvt::sim::Shared) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = format!("tcp://{}", listener.local_addr().expect("its address"));
    let state = till_hardware::zvt::sim::Shared::default();
    let s = state.clone();
    std::thread::spawn(move || till_hardware::zvt::sim::serve_tcp(listener, s));
    (addr, state)
}
