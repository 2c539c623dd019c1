//! A device's link: the port of one device, opened by its address, closed when it fails and
//! opened again when the device comes back (a cable pulled and plugged in again, a USB adapter
//! re-enumerated, a network printer restarted), without restarting Till. Each device thread owns
//! one link and publishes what it knows in a [`Health`] the screen reads.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A byte stream to a device.
pub trait Port: Read + Write + Send {}
impl<T: Read + Write + Send> Port for T {}

/// How long a device is left alone after it failed before the link tries it again.
pub const RETRY: Duration = Duration::from_millis(400);

enum Address {
    /// A serial port (or a pseudo-terminal, or a symbolic link to one).
    Serial { path: PathBuf, baud: u32, parity: serialport::Parity },
    /// A raw TCP port (`tcp://HOST:PORT`).
    Tcp(String),
    /// A file that takes what is written (`file:///PATH`); it never answers.
    File(PathBuf),
    /// A port handed over already open (demo devices, tests); it cannot be opened again.
    Fixed,
}

pub struct Link {
    /// The address as configured, for messages.
    pub spec: String,
    address: Address,
    port: Option<Box<dyn Port>>,
    read_timeout: Duration,
    next_try: Instant,
    /// Why the link is down, when it is.
    pub error: Option<String>,
}

impl Link {
    /// A link to `spec`: a serial port path, `tcp://HOST:PORT` or `file:///PATH`. Nothing is
    /// opened until the port is first needed.
    pub fn new(spec: &str, baud: u32, read_timeout: Duration) -> Link {
        let address = if let Some(addr) = spec.strip_prefix("tcp://") {
            Address::Tcp(addr.to_string())
        } else if let Some(path) = spec.strip_prefix("file://") {
            Address::File(PathBuf::from(path))
        } else {
            Address::Serial { path: PathBuf::from(spec), baud, parity: serialport::Parity::None }
        };
        Link { spec: spec.to_string(), address, port: None, read_timeout, next_try: Instant::now(), error: None }
    }

    /// The same, for a serial line with parity (DART pumps use odd parity).
    pub fn with_parity(spec: &str, baud: u32, parity: serialport::Parity, read_timeout: Duration) -> Link {
        let mut link = Link::new(spec, baud, read_timeout);
        if let Address::Serial { parity: p, .. } = &mut link.address {
            *p = parity;
        }
        link
    }

    /// A link over a port that is already open (and cannot be opened again once it fails).
    pub fn fixed<P: Port + 'static>(port: P, name: &str) -> Link {
        Link {
            spec: name.to_string(),
            address: Address::Fixed,
            port: Some(Box::new(port)),
            read_timeout: Duration::ZERO,
            next_try: Instant::now(),
            error: None,
        }
    }

    /// Whether the device can answer (a file cannot).
    pub fn two_way(&self) -> bool {
        !matches!(self.address, Address::File(_))
    }

    pub fn is_open(&self) -> bool {
        self.port.is_some()
    }

    /// The open port, opening it first if it is closed and the last attempt is long enough ago.
    pub fn port(&mut self) -> Option<&mut Box<dyn Port>> {
        if self.port.is_none() && Instant::now() >= self.next_try {
            match self.open() {
                Ok(p) => {
                    if self.error.is_some() {
                        tracing::info!("{}: back", self.spec);
                    }
                    self.port = Some(p);
                    self.error = None;
                }
                Err(e) => {
                    self.next_try = Instant::now() + RETRY;
                    if self.error.as_deref() != Some(&e) {
                        tracing::warn!("{}: {e}", self.spec);
                    }
                    self.error = Some(e);
                }
            }
        }
        self.port.as_mut()
    }

    /// Closes the port after a failure; it is tried again after [`RETRY`].
    pub fn lost(&mut self, why: impl Into<String>) {
        let why = why.into();
        if self.port.take().is_some() {
            tracing::warn!("{}: lost: {why}", self.spec);
        }
        self.error = Some(why);
        self.next_try = Instant::now() + RETRY;
    }

    /// Whether the device file went away (a USB adapter unplugged, a simulator stopped): its
    /// port is closed then, so that it can be opened again when it comes back.
    pub fn check_vanished(&mut self) -> bool {
        if let Address::Serial { path, .. } = &self.address {
            if self.port.is_some() && std::fs::metadata(path).is_err() {
                self.lost("the device is gone");
                return true;
            }
        }
        false
    }

    /// The port if the device is there (a vanished device file is closed first); without one,
    /// `health` says offline.
    pub fn ready(&mut self, health: &Health) -> Option<&mut Box<dyn Port>> {
        self.check_vanished();
        if self.port().is_none() {
            health.offline();
        }
        self.port.as_mut()
    }

    /// Closes the port after a failure, and says so in `health`.
    pub fn fail(&mut self, why: impl Into<String>, health: &Health) {
        self.lost(why);
        health.offline();
    }

    fn open(&self) -> Result<Box<dyn Port>, String> {
        match &self.address {
            Address::Serial { path, baud, parity } => {
                let name = path.to_string_lossy();
                serialport::new(name.as_ref(), *baud)
                    .parity(*parity)
                    .timeout(self.read_timeout)
                    .open_native()
                    .map(|p| Box::new(p) as Box<dyn Port>)
                    .map_err(|e| format!("cannot open {name}: {e}"))
            }
            Address::Tcp(addr) => {
                use std::net::ToSocketAddrs;
                let sock = addr
                    .to_socket_addrs()
                    .map_err(|e| format!("{addr}: {e}"))?
                    .next()
                    .ok_or_else(|| format!("no address for {addr}"))?;
                let stream = std::net::TcpStream::connect_timeout(&sock, Duration::from_secs(1))
                    .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
                stream
                    .set_read_timeout(Some(self.read_timeout.max(Duration::from_millis(1))))
                    .map_err(|e| e.to_string())?;
                stream.set_write_timeout(Some(Duration::from_secs(2))).map_err(|e| e.to_string())?;
                Ok(Box::new(stream))
            }
            Address::File(path) => std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map(|f| Box::new(FileSink(f)) as Box<dyn Port>)
                .map_err(|e| format!("cannot open {}: {e}", path.display())),
            Address::Fixed => Err("the device is gone".to_string()),
        }
    }
}

/// A link as a byte stream, for protocol code that wants `Read + Write` (the DART master, the
/// tank gauge's inventory): reads and writes go to the open port, a closed link answers
/// `NotConnected` at once (and is tried again after [`RETRY`]), and a failure closes it and
/// says offline in `health`. A vanished device file is noticed on the next read.
pub struct LinkIo {
    pub link: Link,
    pub health: Health,
}

impl LinkIo {
    pub fn new(link: Link, health: Health) -> LinkIo {
        LinkIo { link, health }
    }

    fn with_port<T>(&mut self, f: impl FnOnce(&mut Box<dyn Port>) -> std::io::Result<T>) -> std::io::Result<T> {
        let Some(port) = self.link.ready(&self.health) else {
            let why = self.link.error.clone().unwrap_or_else(|| "not connected".into());
            return Err(std::io::Error::new(std::io::ErrorKind::NotConnected, why));
        };
        match f(port) {
            Err(e) if fatal(&e) => {
                self.link.fail(e.to_string(), &self.health);
                Err(e)
            }
            other => other,
        }
    }
}

impl Read for LinkIo {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.with_port(|p| p.read(buf))
    }
}

impl Write for LinkIo {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.with_port(|p| p.write(buf))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.with_port(|p| p.flush())
    }
}

/// A file that takes print jobs; it never answers.
struct FileSink(std::fs::File);

impl Read for FileSink {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Ok(0)
    }
}

impl Write for FileSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// What a device thread knows about its device, read by the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub online: bool,
    /// A word the screen translates (`device-<detail>`): "ready", "offline", "paper_out", ...
    pub detail: String,
    /// The printer's cash drawer, where the printer reports it.
    pub drawer_open: bool,
}

impl Default for Status {
    fn default() -> Status {
        Status { online: false, detail: "connecting".into(), drawer_open: false }
    }
}

/// A device's status, shared between its thread and the screen.
#[derive(Clone, Default)]
pub struct Health(Arc<Mutex<Status>>);

impl Health {
    pub fn get(&self) -> Status {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn set(&self, status: Status) {
        if let Ok(mut s) = self.0.lock() {
            *s = status;
        }
    }

    pub fn online(&self, detail: &str) {
        let drawer_open = self.get().drawer_open;
        self.set(Status { online: true, detail: detail.into(), drawer_open });
    }

    pub fn offline(&self) {
        self.set(Status { online: false, detail: "offline".into(), drawer_open: false });
    }
}

/// Empties what a device sent that nobody asked for.
pub fn drain<P: Read + ?Sized>(port: &mut P) -> std::io::Result<()> {
    let mut junk = [0u8; 64];
    for _ in 0..64 {
        match port.read(&mut junk) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if !fatal(&e) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Whether a read error means the device is gone (not just that nothing arrived in time).
pub fn fatal(e: &std::io::Error) -> bool {
    !matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted)
}
