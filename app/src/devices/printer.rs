//! The receipt printer: a thread that owns the printer's port, prints jobs and then asks the
//! printer whether it really printed (`DLE EOT 4`); between jobs it asks how the printer is
//! (online, paper, cover, drawer), and reconnects a printer that went away. A receipt that did not print goes to the
//! reprint queue in the store; the sale itself is already durable.

use crate::config::StoreInfo;
use crate::devices::link::{self, Health, Link, Port, Status};
use crate::domain::money::Currency;
use crate::domain::record::SaleRecord;
use crate::i18n::I18n;
use crate::receipt::{self, ReceiptLine};
use std::io::{Read, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};
use till_hardware::escpos::{self, Job};

/// How a print ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintResult {
    Printed,
    /// It did not print: "paper_out", "no_answer" or an I/O error.
    Failed(String),
}

/// The ESC/POS job for a receipt; `kick` opens the cash drawer after the cut. Text the printer's
/// code page cannot show (Devanagari, say) is printed as a raster image rendered from the UI's
/// fonts; consecutive such lines share one image.
pub fn receipt_job(rec: &SaleRecord, store: &StoreInfo, i18n: &I18n, cur: &Currency, width: usize, kick: bool) -> Job {
    lines_job(receipt::layout(rec, store, i18n, cur, width), width, kick)
}

/// The ESC/POS job for laid-out lines (a receipt, a slip, a report).
pub fn lines_job(lines: Vec<ReceiptLine>, width: usize, kick: bool) -> Job {
    let mut job = Job::new();
    let mut pending: Vec<String> = Vec::new();
    for l in lines {
        let text = match &l {
            ReceiptLine::Title(t) | ReceiptLine::Text(t) => Some(t),
            _ => None,
        };
        if let Some(t) = text.filter(|t| !escpos::fits_code_page(t)) {
            if matches!(l, ReceiptLine::Title(_)) {
                job = image(job, &pending, width, false);
                pending.clear();
                job = image(job, std::slice::from_ref(t), width, true);
            } else {
                pending.push(t.clone());
            }
            continue;
        }
        job = image(job, &pending, width, false);
        pending.clear();
        job = match l {
            ReceiptLine::Title(t) => job.title(&t),
            ReceiptLine::Text(t) => job.line(&t),
            ReceiptLine::Rule => job.line(&"-".repeat(width)),
            ReceiptLine::Qr(payload) => job.qr(&payload),
        };
    }
    job = image(job, &pending, width, false);
    job = job.cut();
    if kick {
        job = job.kick_drawer();
    }
    job
}

/// Dots across the paper for a receipt of `columns` characters (12 dots each: 576 on 80 mm
/// paper, 384 on 58 mm), and the pixel size that gives a monospaced character those 12 dots.
const DOTS_PER_COLUMN: usize = 12;
const TEXT_PX: f32 = 20.0;
const TITLE_PX: f32 = 30.0;

thread_local! {
    /// Parsing the fonts takes a few milliseconds: once per thread.
    static RENDERER: std::cell::RefCell<Option<crate::devices::raster::TextRenderer>> = const { std::cell::RefCell::new(None) };
}

/// The UI's fonts, for receipts.
fn fonts() -> [&'static [u8]; 5] {
    [
        include_bytes!("../../../assets/fonts/DejaVuSansMono.ttf"),
        include_bytes!("../../../assets/fonts/NotoSans-Regular.ttf"),
        include_bytes!("../../../assets/fonts/NotoSans-Bold.ttf"),
        include_bytes!("../../../assets/fonts/NotoSansDevanagari-Regular.ttf"),
        include_bytes!("../../../assets/fonts/NotoSansDevanagari-Bold.ttf"),
    ]
}

/// Appends `lines` as a raster image (nothing when there are none); a title is larger and centred.
fn image(job: Job, lines: &[String], columns: usize, title: bool) -> Job {
    if lines.is_empty() {
        return job;
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let dots = (columns * DOTS_PER_COLUMN) as u32;
    let bitmap = RENDERER.with(|r| {
        let mut r = r.borrow_mut();
        let renderer = r.get_or_insert_with(|| crate::devices::raster::TextRenderer::new(&fonts()));
        if title {
            renderer.render(&refs, dots, TITLE_PX, "Noto Sans")
        } else {
            renderer.render(&refs, dots, TEXT_PX, "DejaVu Sans Mono")
        }
    });
    let bitmap = if title { bitmap.cropped() } else { bitmap };
    let job = if title { job.raw(&[escpos::ESC, b'a', 1]) } else { job };
    let job = job.image(bitmap.width_bytes(), bitmap.height as usize, &bitmap.bits);
    if title {
        job.raw(&[escpos::ESC, b'a', 0])
    } else {
        job
    }
}

type Request = (Vec<u8>, bool, Sender<PrintResult>);

/// How often an idle printer is asked for its status.
const POLL: Duration = Duration::from_millis(500);
/// How long the printer has to answer a status request.
const ANSWER: Duration = Duration::from_millis(400);

#[derive(Clone)]
pub struct Printer {
    tx: Sender<Request>,
    /// What the printer last said about itself (online, paper, cover, drawer).
    pub health: Health,
}

impl Printer {
    /// Starts the printer thread on a port that is already open (demo mode, tests).
    pub fn start<P: Read + Write + Send + 'static>(port: P) -> Printer {
        Printer::on_link(Link::fixed(port, "printer"))
    }

    /// Starts the printer thread for a configured address: a serial port path, `tcp://HOST:PORT`
    /// (raw port 9100 printers) or `file:///PATH` (the job bytes are appended to the file, and
    /// not confirmed). The printer need not be there yet: it is shown offline until it answers,
    /// and reconnected whenever it comes back.
    pub fn open(spec: &str) -> Printer {
        Printer::on_link(Link::new(spec, 9600, Duration::from_millis(5)))
    }

    fn on_link(mut link: Link) -> Printer {
        let (tx, rx) = mpsc::channel::<Request>();
        let health = Health::default();
        let h = health.clone();
        std::thread::Builder::new()
            .name("till-printer".into())
            .spawn(move || {
                probe(&mut link, &h);
                loop {
                    match rx.recv_timeout(POLL) {
                        Ok((bytes, confirm, reply)) => {
                            let confirm = confirm && link.two_way();
                            let result = print(&mut link, &bytes, confirm);
                            let _ = reply.send(result);
                            probe(&mut link, &h);
                        }
                        Err(RecvTimeoutError::Timeout) => probe(&mut link, &h),
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            .ok();
        Printer { tx, health }
    }

    /// Sends a job; the answer arrives on the returned channel.
    pub fn submit(&self, bytes: Vec<u8>) -> Receiver<PrintResult> {
        let (reply, rx) = mpsc::channel();
        if self.tx.send((bytes, true, reply.clone())).is_err() {
            let _ = reply.send(PrintResult::Failed("offline".into()));
        }
        rx
    }

    /// Prints and waits for the outcome (for the CLI and tests). The printer thread answers
    /// every job (a job is bounded by its write deadline and the status wait).
    pub fn print(&self, bytes: Vec<u8>) -> PrintResult {
        self.submit(bytes).recv().unwrap_or(PrintResult::Failed("offline".into()))
    }

    /// Opens the cash drawer (a "no sale" or a cash tender).
    pub fn kick_drawer(&self) {
        let (reply, _rx) = mpsc::channel();
        let _ = self.tx.send((escpos::DRAWER_KICK.to_vec(), false, reply));
    }

    /// Sounds the printer's buzzer (a rejected scan).
    pub fn beep(&self) {
        let (reply, _rx) = mpsc::channel();
        let _ = self.tx.send((escpos::BEEP.to_vec(), false, reply));
    }
}

/// Writes everything, waiting while the device's buffer is full, until `deadline`.
fn write_patiently(port: &mut dyn Port, bytes: &[u8], deadline: Instant) -> std::io::Result<()> {
    use std::io::ErrorKind as K;
    let mut rest = bytes;
    while !rest.is_empty() {
        match port.write(rest) {
            Ok(0) => return Err(std::io::Error::new(K::WriteZero, "the printer takes nothing")),
            Ok(n) => rest = &rest[n..],
            Err(e) if matches!(e.kind(), K::TimedOut | K::WouldBlock | K::Interrupted) => {
                if Instant::now() > deadline {
                    return Err(std::io::Error::new(K::TimedOut, "the printer takes too long"));
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(e),
        }
    }
    port.flush()
}

/// Sends a real-time status request and reads the status byte it answers. A byte without the
/// fixed bits of a status (noise on the line, the tail of something else) is not taken for one:
/// it is skipped, and a printer that sends nothing else before the deadline has not answered.
fn ask(port: &mut Box<dyn Port>, request: &[u8]) -> std::io::Result<Option<escpos::Status>> {
    link::drain(port.as_mut())?;
    port.write_all(request)?;
    let deadline = Instant::now() + ANSWER;
    let mut b = [0u8; 1];
    while Instant::now() < deadline {
        match port.read(&mut b) {
            Ok(1) => {
                if let Some(status) = escpos::Status::from_byte(b[0]) {
                    return Ok(Some(status));
                }
                tracing::debug!("printer: {:02X} is not a status byte, skipped", b[0]);
            }
            // A serial port that reads nothing without timing out has hung up.
            Ok(_) => return Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the device hung up")),
            Err(e) if link::fatal(&e) => return Err(e),
            Err(_) => {}
        }
    }
    Ok(None)
}

/// Asks the printer how it is (`DLE EOT 1` drawer, `DLE EOT 2` cover, `DLE EOT 4` paper) and
/// publishes it. A printer that does not answer, or whose port failed, is offline.
fn probe(link: &mut Link, health: &Health) {
    let two_way = link.two_way();
    let Some(port) = link.ready(health) else { return };
    if !two_way {
        health.online("ready");
        return;
    }
    let answers = (|| -> std::io::Result<Option<(escpos::Status, escpos::Status, escpos::Status)>> {
        let Some(printer) = ask(port, &escpos::STATUS_PRINTER)? else { return Ok(None) };
        let Some(cover) = ask(port, &escpos::STATUS_OFFLINE)? else { return Ok(None) };
        let Some(paper) = ask(port, &escpos::STATUS_PAPER)? else { return Ok(None) };
        Ok(Some((printer, cover, paper)))
    })();
    match answers {
        Ok(Some((printer, cover, paper))) => {
            let detail = if cover.cover_open() {
                "cover_open"
            } else if paper.paper_out() {
                "paper_out"
            } else {
                "ready"
            };
            health.set(Status { online: true, detail: detail.into(), drawer_open: printer.drawer_open() });
        }
        Ok(None) => {
            // Still connected, but silent (switched off, or not a printer).
            health.set(Status { online: false, detail: "no_answer".into(), drawer_open: false });
        }
        Err(e) => link.fail(e.to_string(), health),
    }
}

/// Writes a job, then asks for the paper status and waits for the answer.
fn print(link: &mut Link, bytes: &[u8], confirm: bool) -> PrintResult {
    link.check_vanished();
    let Some(port) = link.port() else { return PrintResult::Failed("offline".into()) };
    // A long raster job on a 9600-baud line takes seconds: short write timeouts are waited out.
    let deadline = Instant::now() + Duration::from_secs(10) + Duration::from_millis(bytes.len() as u64 * 2);
    let written = link::drain(port.as_mut()).and_then(|_| write_patiently(port.as_mut(), bytes, deadline));
    if let Err(e) = written {
        link.lost(e.to_string());
        return PrintResult::Failed("offline".into());
    }
    if !confirm {
        return PrintResult::Printed;
    }
    let answers = ask(port, &escpos::STATUS_OFFLINE).and_then(|cover| Ok(cover.zip(ask(port, &escpos::STATUS_PAPER)?)));
    match answers {
        Ok(Some((cover, _))) if cover.cover_open() => PrintResult::Failed("cover_open".into()),
        Ok(Some((_, paper))) if paper.paper_out() => PrintResult::Failed("paper_out".into()),
        Ok(Some(_)) => PrintResult::Printed,
        Ok(None) => PrintResult::Failed("no_answer".into()),
        Err(e) => {
            link.lost(e.to_string());
            PrintResult::Failed("offline".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A printer that answers every status request with the next of its scripted answers.
    struct Scripted {
        answers: VecDeque<Vec<u8>>,
        pending: VecDeque<u8>,
    }

    impl Read for Scripted {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.pending.pop_front() {
                Some(b) if !buf.is_empty() => {
                    buf[0] = b;
                    Ok(1)
                }
                _ => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "nothing")),
            }
        }
    }

    impl Write for Scripted {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.starts_with(&[escpos::DLE, escpos::EOT]) {
                self.pending.extend(self.answers.pop_front().unwrap_or_default());
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn answering(answers: &[&[u8]]) -> Box<dyn Port> {
        Box::new(Scripted { answers: answers.iter().map(|a| a.to_vec()).collect(), pending: VecDeque::new() })
    }

    #[test]
    fn a_byte_without_the_fixed_bits_is_not_a_status() {
        // 0x00 would read as "paper present, cover shut", 0xFF as "cover open": neither is a status.
        for noise in [0x00u8, 0xFF, 0x01, 0x80, 0x0C] {
            let mut port = answering(&[&[noise]]);
            assert_eq!(ask(&mut port, &escpos::STATUS_PAPER).unwrap(), None, "{noise:02X}");
        }
    }

    #[test]
    fn noise_before_a_status_is_skipped() {
        let mut port = answering(&[&[0x00, 0xFF, 0x72]]);
        let status = ask(&mut port, &escpos::STATUS_PAPER).unwrap().unwrap();
        assert_eq!(status.byte(), 0x72);
        assert!(status.paper_out());
    }

    #[test]
    fn a_print_confirmed_only_by_noise_has_no_answer() {
        let mut link =
            Link::fixed(Scripted { answers: VecDeque::from([vec![0x00], vec![0x00]]), pending: VecDeque::new() }, "p");
        assert_eq!(print(&mut link, b"x\n", true), PrintResult::Failed("no_answer".into()));
        let mut link =
            Link::fixed(Scripted { answers: VecDeque::from([vec![0x12], vec![0x12]]), pending: VecDeque::new() }, "p");
        assert_eq!(print(&mut link, b"x\n", true), PrintResult::Printed);
    }
}
