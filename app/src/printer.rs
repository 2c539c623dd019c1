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
        Printer { tx }
    }

    /// Sends a job; the answer arrives on the returned channel.
    pub fn submit(&self, bytes: Vec<u8>) -> Receiver<PrintResult> {
        let (reply, rx) = mpsc::channel();
        if self.tx.send((bytes, true, reply.clone())).is_err() {
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
