//! The receipt printer: a thread that owns the printer's port, prints jobs and then asks the
//! printer whether it really printed (`DLE EOT 4`). A receipt that did not print goes to the
//! reprint queue in the store; the sale itself is already durable.

use crate::config::StoreInfo;
use crate::domain::money::Currency;
use crate::domain::record::SaleRecord;
use crate::i18n::I18n;
use crate::receipt::{self, ReceiptLine};
use std::io::{Read, Write};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};
use till_hardware::escpos::{self, Job};

/// How a print ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintResult {
    Printed,
    /// It did not print: "paper_out", "no_answer" or an I/O error.
    Failed(String),
}

/// The ESC/POS job for a receipt; `kick` opens the cash drawer after the cut.
pub fn receipt_job(rec: &SaleRecord, store: &StoreInfo, i18n: &I18n, cur: &Currency, width: usize, kick: bool) -> Job {
    let mut job = Job::new();
    for l in receipt::layout(rec, store, i18n, cur, width) {
        job = match l {
            ReceiptLine::Title(t) => job.title(&t),
            ReceiptLine::Text(t) => job.line(&t),
            ReceiptLine::Rule => job.line(&"-".repeat(width)),
            ReceiptLine::Qr(payload) => job.qr(&payload),
        };
    }
    job = job.cut();
    if kick {
        job = job.kick_drawer();
    }
    job
}

type Request = (Vec<u8>, bool, Sender<PrintResult>);

#[derive(Clone)]
pub struct Printer {
    tx: Sender<Request>,
    /// Whether the printer can be asked for its status (not through a file).
    confirm: bool,
}

impl Printer {
    /// Starts the printer thread on an open port (which must return from `read` quickly when
    /// nothing arrives).
    pub fn start<P: Read + Write + Send + 'static>(mut port: P) -> Printer {
        let (tx, rx) = mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("till-printer".into())
            .spawn(move || {
                while let Ok((bytes, confirm, reply)) = rx.recv() {
                    let _ = reply.send(print(&mut port, &bytes, confirm));
                }
            })
            .ok();
        Printer { tx, confirm: true }
    }

    /// A printer that cannot answer (a file or a one-way spool): jobs are written, not confirmed.
    pub fn start_unconfirmed<P: Read + Write + Send + 'static>(port: P) -> Printer {
        Printer { confirm: false, ..Printer::start(port) }
    }

    /// Opens a printer by its configured address: a serial port path, `tcp://HOST:PORT` (raw
    /// port 9100 printers) or `file:///PATH` (the job bytes are appended to the file).
    pub fn open(spec: &str) -> std::io::Result<Printer> {
        if let Some(addr) = spec.strip_prefix("tcp://") {
            use std::net::ToSocketAddrs;
            let sock = addr
                .to_socket_addrs()?
                .next()
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, format!("no address for {addr}")))?;
            let stream = std::net::TcpStream::connect_timeout(&sock, Duration::from_secs(2))?;
            stream.set_read_timeout(Some(Duration::from_millis(5)))?;
            return Ok(Printer::start(stream));
        }
        if let Some(path) = spec.strip_prefix("file://") {
            let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
            return Ok(Printer::start_unconfirmed(FileSink(file)));
        }
        let port = serialport::new(spec, 9600)
            .timeout(Duration::from_millis(5))
            .open_native()
            .map_err(|e| std::io::Error::other(format!("{spec}: {e}")))?;
        Ok(Printer::start(port))
    }

    /// Sends a job; the answer arrives on the returned channel.
    pub fn submit(&self, bytes: Vec<u8>) -> Receiver<PrintResult> {
        let (reply, rx) = mpsc::channel();
        if self.tx.send((bytes, self.confirm, reply.clone())).is_err() {
            let _ = reply.send(PrintResult::Failed("printer thread stopped".into()));
        }
        rx
    }

    /// Prints and waits for the outcome (for the CLI and tests).
    pub fn print(&self, bytes: Vec<u8>) -> PrintResult {
        self.submit(bytes).recv_timeout(Duration::from_secs(5)).unwrap_or(PrintResult::Failed("no_answer".into()))
    }

    /// Opens the cash drawer (a "no sale" or a cash tender).
    pub fn kick_drawer(&self) {
        let (reply, _rx) = mpsc::channel();
        let _ = self.tx.send((escpos::DRAWER_KICK.to_vec(), false, reply));
    }
}

/// Writes a job, then asks for the paper status and waits up to 500 ms for the answer.
fn print<P: Read + Write>(port: &mut P, bytes: &[u8], confirm: bool) -> PrintResult {
    let mut junk = [0u8; 64];
    while port.read(&mut junk).unwrap_or(0) > 0 {}
    if let Err(e) = port.write_all(bytes).and_then(|_| port.flush()) {
        return PrintResult::Failed(format!("write: {e}"));
    }
    if !confirm {
        return PrintResult::Printed;
    }
    if let Err(e) = port.write_all(&escpos::STATUS_PAPER) {
        return PrintResult::Failed(format!("write: {e}"));
    }
    let deadline = Instant::now() + Duration::from_millis(500);
    let mut b = [0u8; 1];
    while Instant::now() < deadline {
        if let Ok(1) = port.read(&mut b) {
            return if escpos::paper_out(b[0]) {
                PrintResult::Failed("paper_out".into())
            } else {
                PrintResult::Printed
            };
        }
    }
    PrintResult::Failed("no_answer".into())
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
