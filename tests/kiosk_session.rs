//! The kiosk session as `installer/systemd/till.service` starts it (its ExecStart and
//! Environment lines, read from the unit), on cage's headless backend, with this test in
//! systemd's place: it listens on NOTIFY_SOCKET and gives a WATCHDOG_USEC. Till must say
//! READY=1 once its window has drawn and then ping WATCHDOG=1 from its event loop; when Till
//! stops answering (SIGSTOP) the pings stop, and after the watchdog's time the test does what
//! systemd does (the service's processes killed, the unit started again): the new Till comes
//! up on the same store and pings again.
//!
//! Needs cage and Xwayland and a user other than root (cage refuses root), so it is ignored by
//! `cargo test`; `installer/test.sh` runs it as root on the installed package:
//! TILL_KIOSK_BIN=/usr/bin/till TILL_KIOSK_USER=till cargo test -p till --test kiosk_session -- --ignored

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WATCHDOG: Duration = Duration::from_secs(2);

/// The unit's ExecStart (split on spaces) and Environment assignments.
fn unit() -> (Vec<String>, Vec<(String, String)>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../installer/systemd/till.service");
    let text = std::fs::read_to_string(&path).expect("the unit");
    let mut exec = Vec::new();
    let mut env = Vec::new();
    for line in text.lines() {
        if let Some(cmd) = line.strip_prefix("ExecStart=") {
            exec = cmd.split_whitespace().map(str::to_string).collect();
        } else if let Some(kv) = line.strip_prefix("Environment=") {
            let (k, v) = kv.split_once('=').expect("KEY=VALUE");
            env.push((k.to_string(), v.to_string()));
        }
    }
    assert!(!exec.is_empty(), "no ExecStart in {}", path.display());
    (exec, env)
}

struct Kiosk {
    child: Child,
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        // As systemd stops a service: every process of it (the session's process tree).
        for pid in tree(self.child.id()) {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
        let _ = self.child.wait();
    }
}

/// (pid, parent pid, command name) of every process.
fn processes() -> Vec<(u32, u32, String)> {
    let mut all = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { continue };
        // pid (comm) state ppid ...
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let comm = stat[open + 1..close].to_string();
        let ppid = stat[close + 1..].split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
        all.push((pid, ppid, comm));
    }
    all
}

/// `root` and its descendants.
fn tree(root: u32) -> Vec<u32> {
    let all = processes();
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(all.iter().filter(|(_, pp, _)| *pp == p).map(|(pid, _, _)| *pid));
        i += 1;
    }
    out
}

fn start(run: &Path, socket: &Path) -> Kiosk {
    let (exec, env) = unit();
    let bin = std::env::var("TILL_KIOSK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_till").to_string());
    let exec: Vec<String> = exec.into_iter().map(|a| if a == "/usr/bin/till" { bin.clone() } else { a }).collect();
    let mut cmd = match std::env::var("TILL_KIOSK_USER") {
        Ok(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", &user, "--", "env"]);
            c
        }
        Err(_) => Command::new("env"),
    };
    let installed = std::env::var_os("TILL_KIOSK_BIN").is_some();
    for (k, v) in &env {
        // Off the package, the binary under test runs in demo mode.
        if installed || k != "TILL_CONFIG" {
            cmd.arg(format!("{k}={v}"));
        }
    }
    cmd.arg(format!("XDG_RUNTIME_DIR={}", run.display()))
        .arg(format!("XDG_CACHE_HOME={}", run.join("cache").display()))
        .arg("WLR_BACKENDS=headless")
        .arg("WLR_RENDERER=pixman")
        .arg(format!("NOTIFY_SOCKET={}", socket.display()))
        .arg(format!("WATCHDOG_USEC={}", WATCHDOG.as_micros()))
        .args(&exec);
    if !installed {
        // The binary under test, on a demo store of its own.
        cmd.arg("--data-dir").arg(run.join("data"));
    }
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the kiosk session starts");
    Kiosk { child }
}

/// Messages on the socket until `until` (or the deadline).
fn listen(sock: &UnixDatagram, within: Duration, until: impl Fn(&[String]) -> bool) -> Vec<String> {
    let end = Instant::now() + within;
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while Instant::now() < end && !until(&got) {
        sock.set_read_timeout(Some((end - Instant::now()).max(Duration::from_millis(1)))).unwrap();
        if let Ok(n) = sock.recv(&mut buf) {
            got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    }
    got
}

/// The till process of the session.
fn till_pid(session: u32) -> Option<u32> {
    let all = processes();
    tree(session).into_iter().find(|p| all.iter().any(|(pid, _, comm)| pid == p && comm == "till"))
}

fn count(msgs: &[String], m: &str) -> usize {
    msgs.iter().filter(|x| x.as_str() == m).count()
}

#[test]
#[ignore = "needs cage, Xwayland and a non-root user: run by installer/test.sh"]
fn the_kiosk_session_shows_the_window_and_the_watchdog_catches_a_hung_till() {
    let run = PathBuf::from(std::env::var("TILL_KIOSK_RUN").unwrap_or_else(|_| {
        std::env::temp_dir().join(format!("till-kiosk-{}", std::process::id())).display().to_string()
    }));
    let _ = std::fs::remove_dir_all(&run);
    std::fs::create_dir_all(&run).unwrap();
    let socket = run.join("notify");
    let sock = UnixDatagram::bind(&socket).expect("the notify socket");
    if let Ok(user) = std::env::var("TILL_KIOSK_USER") {
        // The session's user owns its runtime folder and may write to the socket.
        assert!(Command::new("chown").args(["-R", &user]).arg(&run).status().unwrap().success());
        assert!(Command::new("chmod").args(["0700"]).arg(&run).status().unwrap().success());
        assert!(Command::new("chmod").args(["0666"]).arg(&socket).status().unwrap().success());
    }

    let kiosk = start(&run, &socket);
    eprintln!("kiosk session started (pid {})", kiosk.child.id());
    let first = listen(&sock, Duration::from_secs(90), |m| count(m, "READY=1") == 1 && count(m, "WATCHDOG=1") >= 2);
    assert_eq!(count(&first, "READY=1"), 1, "the window drew its first frame: {first:?}");
    assert!(count(&first, "WATCHDOG=1") >= 2, "pings from the event loop: {first:?}");
    let pinging = listen(&sock, WATCHDOG * 2, |_| false);
    assert!(count(&pinging, "WATCHDOG=1") >= 3, "a ping every {:?}: {pinging:?}", WATCHDOG / 2);

    // Till stops answering: the pings stop for longer than the watchdog's time.
    let pid = till_pid(kiosk.child.id()).expect("till runs in the session");
    eprintln!("READY and pings received; stopping till (pid {pid})");
    assert!(Command::new("kill").args(["-STOP", &pid.to_string()]).status().unwrap().success());
    let _ = listen(&sock, Duration::from_millis(200), |_| false);
    eprintln!("listening for {:?}", WATCHDOG * 2);
    let silent = listen(&sock, WATCHDOG * 2, |_| false);
    assert_eq!(count(&silent, "WATCHDOG=1"), 0, "a stopped Till does not ping: {silent:?}");

    // systemd's part: the service killed and started again (Restart=always); the new Till gets
    // the store (the old one's lock went with it) and draws and pings again.
    drop(kiosk);
    eprintln!("no pings while stopped; the session killed, starting it again");
    let again = start(&run, &socket);
    let second = listen(&sock, Duration::from_secs(90), |m| count(m, "READY=1") == 1 && count(m, "WATCHDOG=1") >= 2);
    assert_eq!(count(&second, "READY=1"), 1, "restarted: {second:?}");
    assert!(count(&second, "WATCHDOG=1") >= 2, "{second:?}");
    assert!(till_pid(again.child.id()).is_some_and(|p| p != pid));
}
