//! The two ZVT transports: bare APDUs over TCP, and framed APDUs with ACK/NAK over a serial line
//! (PA00P016). Both are driven one APDU at a time with a deadline.

use super::apdu::{Apdu, ApduReader};
use super::frame::{self, FrameReader, LineEvent, ACK, NAK};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// T1: the longest gap between two bytes of one serial frame.
pub const T1: Duration = Duration::from_millis(200);
/// T2: how long a sender waits for ACK/NAK, and how often it repeats (at most twice).
pub const T2: Duration = Duration::from_secs(5);
pub const REPEATS: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("the card terminal's link failed: {0}")]
    Io(io::Error),
    #[error("the card terminal closed the connection")]
    Closed,
    #[error("the card terminal did not acknowledge (NAK or no ACK after {0} tries)")]
    NotAcknowledged(usize),
    #[error("the message is too long for ZVT")]
    TooLong,
}

impl From<io::Error> for LinkError {
    /// A peer that went away (reset, aborted, broken pipe, end of stream) is `Closed`,
    /// however the operating system reported it.
    fn from(e: io::Error) -> Self {
        use io::ErrorKind as K;
        match e.kind() {
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof | K::NotConnected => {
                LinkError::Closed
            }
            _ => LinkError::Io(e),
        }
    }
}

/// A byte stream whose reads wait at most a set time.
pub trait Wire: Read + Write + Send {
    fn set_wait(&mut self, wait: Duration) -> io::Result<()>;
}

impl Wire for TcpStream {
    fn set_wait(&mut self, wait: Duration) -> io::Result<()> {
        self.set_read_timeout(Some(wait.max(Duration::from_millis(1))))
    }
}

impl Wire for Box<dyn serialport::SerialPort> {
    fn set_wait(&mut self, wait: Duration) -> io::Result<()> {
        self.set_timeout(wait).map_err(io::Error::other)
    }
}

/// Sends and receives whole APDUs.
pub trait Transport: Send {
    fn send(&mut self, apdu: &Apdu) -> Result<(), LinkError>;
    /// The next APDU, or `None` when `wait` passed without one.
    fn recv(&mut self, wait: Duration) -> Result<Option<Apdu>, LinkError>;
}

fn read_some(w: &mut dyn Wire, wait: Duration, buf: &mut [u8]) -> Result<Option<usize>, LinkError> {
    w.set_wait(wait)?;
    match w.read(buf) {
        Ok(0) => Err(LinkError::Closed),
        Ok(n) => Ok(Some(n)),
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Bare APDUs over TCP (any fragmentation).
pub struct TcpTransport<W: Wire> {
    wire: W,
    reader: ApduReader,
}

impl<W: Wire> TcpTransport<W> {
    pub fn new(wire: W) -> Self {
        TcpTransport { wire, reader: ApduReader::default() }
    }
}

impl TcpTransport<TcpStream> {
    pub fn connect(addr: &str, wait: Duration) -> Result<Self, LinkError> {
        use std::net::ToSocketAddrs;
        let mut last = io::Error::new(io::ErrorKind::NotFound, format!("{addr} names no address"));
        for a in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&a, wait) {
                Ok(s) => {
                    s.set_nodelay(true)?;
                    return Ok(TcpTransport::new(s));
                }
                Err(e) => last = e,
            }
        }
        Err(last.into())
    }
}

impl<W: Wire> Transport for TcpTransport<W> {
    fn send(&mut self, apdu: &Apdu) -> Result<(), LinkError> {
        let bytes = apdu.encode().map_err(|_| LinkError::TooLong)?;
        self.wire.write_all(&bytes)?;
        self.wire.flush()?;
        Ok(())
    }

    fn recv(&mut self, wait: Duration) -> Result<Option<Apdu>, LinkError> {
        let deadline = Instant::now() + wait;
        let mut buf = [0u8; 1024];
        loop {
            if let Some(a) = self.reader.next_apdu() {
                return Ok(Some(a));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            if let Some(n) = read_some(&mut self.wire, left, &mut buf)? {
                self.reader.push(&buf[..n]);
            }
        }
    }
}

/// Framed APDUs over a serial line: every frame is acknowledged, a NAK or a missing ACK makes
/// the sender repeat it (twice at most).
pub struct SerialTransport<W: Wire> {
    wire: W,
    reader: FrameReader,
    /// Frames received while waiting for an ACK, kept in order.
    early: std::collections::VecDeque<Vec<u8>>,
    last_byte: Instant,
}

impl<W: Wire> SerialTransport<W> {
    pub fn new(wire: W) -> Self {
        SerialTransport { wire, reader: FrameReader::default(), early: Default::default(), last_byte: Instant::now() }
    }

    /// The events of the next bytes, waiting at most `wait`; drops a frame broken off for T1.
    fn events(&mut self, wait: Duration) -> Result<Vec<LineEvent>, LinkError> {
        let mut buf = [0u8; 512];
        let wait = if self.reader.in_frame() { wait.min(T1) } else { wait };
        match read_some(&mut self.wire, wait, &mut buf)? {
            Some(n) => {
                self.last_byte = Instant::now();
                Ok(self.reader.push(&buf[..n]))
            }
            None => {
                if self.reader.in_frame() && self.last_byte.elapsed() >= T1 {
                    self.reader.reset();
                }
                Ok(Vec::new())
            }
        }
    }

    fn answer(&mut self, e: &LineEvent) -> Result<(), LinkError> {
        match e {
            LineEvent::Frame(body) => {
                self.wire.write_all(&[ACK])?;
                self.early.push_back(body.clone());
            }
            LineEvent::Damaged => self.wire.write_all(&[NAK])?,
            _ => {}
        }
        Ok(())
    }
}

impl<W: Wire> Transport for SerialTransport<W> {
    fn send(&mut self, apdu: &Apdu) -> Result<(), LinkError> {
        let bytes = frame::frame(&apdu.encode().map_err(|_| LinkError::TooLong)?);
        for _ in 0..=REPEATS {
            self.wire.write_all(&bytes)?;
            self.wire.flush()?;
            let deadline = Instant::now() + T2;
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                let (mut ack, mut nak) = (false, false);
                // Frames that came in the same read as the ACK are kept, not lost.
                for e in self.events(left)? {
                    match e {
                        LineEvent::Ack if !nak => ack = true,
                        LineEvent::Nak if !ack => nak = true,
                        LineEvent::Ack | LineEvent::Nak => {}
                        other => self.answer(&other)?,
                    }
                }
                if ack {
                    return Ok(());
                }
                if nak {
                    break;
                }
            }
        }
        Err(LinkError::NotAcknowledged(REPEATS + 1))
    }

    fn recv(&mut self, wait: Duration) -> Result<Option<Apdu>, LinkError> {
        let deadline = Instant::now() + wait;
        loop {
            while let Some(body) = self.early.pop_front() {
                // A frame that is not an APDU is acknowledged on the line and dropped here.
                if let Ok(a) = Apdu::decode(&body) {
                    return Ok(Some(a));
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            for e in self.events(left)? {
                self.answer(&e)?;
            }
        }
    }
}

#[cfg(unix)]
impl Wire for serialport::TTYPort {
    fn set_wait(&mut self, wait: Duration) -> io::Result<()> {
        serialport::SerialPort::set_timeout(self, wait).map_err(io::Error::other)
    }
}
