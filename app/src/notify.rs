//! systemd's service notifications (`sd_notify`): `READY=1` once the window has drawn its first
//! frame, and `WATCHDOG=1` from the window's event loop at half of `WATCHDOG_USEC`, so that a
//! window that stops answering stops the pings and systemd restarts it (`WatchdogSec=` in
//! the unit). Nothing happens when Till is not run by systemd (no `NOTIFY_SOCKET`).
//!
//! The package runs Till inside the cage kiosk compositor, whose process is the service's main
//! process: a watchdog meant for that process (`WATCHDOG_PID` = Till's parent) is taken as
//! Till's, and the unit says `NotifyAccess=all`.

use std::ffi::OsStr;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

/// Where notifications go.
pub struct Notifier {
    socket: UnixDatagram,
    addr: SocketAddr,
}

impl Notifier {
    /// The notifier `NOTIFY_SOCKET` names (a path, or `@name` for an abstract socket).
    pub fn from_env() -> Option<Notifier> {
        Notifier::new(&std::env::var_os("NOTIFY_SOCKET")?)
    }

    pub fn new(socket: &OsStr) -> Option<Notifier> {
        let bytes = socket.as_encoded_bytes();
        let addr = match bytes.split_first() {
            None => return None,
            Some((b'@', name)) => abstract_addr(name)?,
            Some((b'/', _)) => SocketAddr::from_pathname(socket).ok()?,
            Some(_) => return None,
        };
        let socket = UnixDatagram::unbound().ok()?;
        Some(Notifier { socket, addr })
    }

    /// Sends one notification (`READY=1`, `WATCHDOG=1`, `STATUS=...`); a failure is logged.
    pub fn notify(&self, message: &str) {
        if let Err(e) = self.socket.send_to_addr(message.as_bytes(), &self.addr) {
            tracing::warn!("systemd notification '{message}' not sent: {e}");
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn abstract_addr(name: &[u8]) -> Option<SocketAddr> {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    SocketAddr::from_abstract_name(name).ok()
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn abstract_addr(_: &[u8]) -> Option<SocketAddr> {
    None
}

/// How often to ping: half of `usec` (`WATCHDOG_USEC`), when the watchdog is this process's
/// (`WATCHDOG_PID` unset, this process, or its parent: the kiosk compositor).
pub fn ping_interval(usec: Option<&str>, pid: Option<&str>, me: u32, parent: u32) -> Option<Duration> {
    let usec: u64 = usec?.trim().parse().ok().filter(|u| *u > 0)?;
    if let Some(pid) = pid {
        let pid: u32 = pid.trim().parse().ok()?;
        if pid != me && pid != parent {
            return None;
        }
    }
    Some(Duration::from_micros(usec / 2).max(Duration::from_millis(10)))
}

/// The watchdog's ping interval from the environment, if systemd asked for one.
pub fn watchdog_from_env() -> Option<Duration> {
    let get = |k| std::env::var(k).ok();
    ping_interval(
        get("WATCHDOG_USEC").as_deref(),
        get("WATCHDOG_PID").as_deref(),
        std::process::id(),
        std::os::unix::process::parent_id(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_half_the_watchdog_and_only_for_this_process() {
        assert_eq!(ping_interval(Some("10000000"), None, 7, 1), Some(Duration::from_secs(5)));
        assert_eq!(ping_interval(Some("10000000"), Some("7"), 7, 1), Some(Duration::from_secs(5)));
        assert_eq!(ping_interval(Some("10000000"), Some("1"), 7, 1), Some(Duration::from_secs(5)), "the compositor's");
        assert_eq!(ping_interval(Some("10000000"), Some("9"), 7, 1), None, "another process's");
        for bad in ["", "0", "-5", "ten", "1e6"] {
            assert_eq!(ping_interval(Some(bad), None, 7, 1), None, "{bad}");
        }
        assert_eq!(ping_interval(None, None, 7, 1), None);
        assert_eq!(ping_interval(Some("1000"), None, 7, 1), Some(Duration::from_millis(10)));
    }

    #[test]
    fn notifications_reach_the_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        listener.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let n = Notifier::new(path.as_os_str()).unwrap();
        n.notify("READY=1");
        n.notify("WATCHDOG=1");
        let mut buf = [0u8; 64];
        let got: Vec<String> = (0..2)
            .map(|_| {
                let k = listener.recv(&mut buf).unwrap();
                String::from_utf8_lossy(&buf[..k]).into_owned()
            })
            .collect();
        assert_eq!(got, ["READY=1", "WATCHDOG=1"]);
        assert!(Notifier::new(OsStr::new("")).is_none());
        assert!(Notifier::new(OsStr::new("relative/path")).is_none());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_abstract_socket_is_reached_too() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("till-notify-test-{}", std::process::id());
        let listener = UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap()).unwrap();
        listener.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Notifier::new(OsStr::new(&format!("@{name}"))).unwrap().notify("WATCHDOG=1");
        let mut buf = [0u8; 16];
        let k = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..k], b"WATCHDOG=1");
    }
}
