//! ESC/POS for receipt printers: the commands Till sends (text through a code page, emphasis,
//! cut, QR code, cash-drawer kick, real-time status) and a simulated printer that decodes them
//! back into text and events and answers status requests.
//!
//! Written out here rather than with the `escpos` crate: its `cash_drawer()` sends only
//! `1B 70 00` (drawers need the five bytes `1B 70 00 19 FA`), and its serial feature pulls in
//! libudev.

pub const ESC: u8 = 0x1B;
pub const GS: u8 = 0x1D;
pub const DLE: u8 = 0x10;
pub const EOT: u8 = 0x04;
pub const LF: u8 = 0x0A;

/// The drawer kick: pin 2, 50 ms on, 500 ms off.
pub const DRAWER_KICK: [u8; 5] = [ESC, b'p', 0x00, 0x19, 0xFA];
/// Real-time status request for the printer (`DLE EOT 1`): offline, drawer connector.
pub const STATUS_PRINTER: [u8; 3] = [DLE, EOT, 1];
/// Real-time status request for the cause of being offline (`DLE EOT 2`): cover open, paper end.
pub const STATUS_OFFLINE: [u8; 3] = [DLE, EOT, 2];
/// Real-time status request for the printer's paper sensors (`DLE EOT 4`).
pub const STATUS_PAPER: [u8; 3] = [DLE, EOT, 4];
/// The buzzer: `ESC B n t`, two beeps of 100 ms (printers without a buzzer ignore it).
pub const BEEP: [u8; 4] = [ESC, b'B', 2, 2];

/// Code page 858 (Latin 1 with the euro sign), selected with `ESC t 19`.
pub const CP858: u8 = 19;

/// Code page 858's characters 0x80 to 0xFF, in order.
const CP858_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈ€ÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u{AD}±‗¾¶§÷¸°¨·¹³²■\u{A0}";

/// Maps a character to code page 858; `None` when the page cannot show it.
pub fn cp858(c: char) -> Option<u8> {
    if c.is_ascii() {
        return Some(c as u8);
    }
    CP858_HIGH.chars().position(|h| h == c).map(|i| 0x80 + i as u8)
}

fn cp858_char(b: u8) -> char {
    if b < 0x80 {
        b as char
    } else {
        CP858_HIGH.chars().nth(usize::from(b - 0x80)).unwrap_or('?')
    }
}

/// Builds a print job.
#[derive(Debug, Default, Clone)]
pub struct Job {
    bytes: Vec<u8>,
}

impl Job {
    /// Initialises the printer and selects code page 858.
    pub fn new() -> Job {
        Job { bytes: vec![ESC, b'@', ESC, b't', CP858] }
    }

    /// A line of text; characters the code page cannot show are sent as `?` (callers print
    /// such text as a raster image instead, see `fits_code_page`).
    pub fn line(mut self, text: &str) -> Job {
        self.bytes.extend(text.chars().map(|c| cp858(c).unwrap_or(b'?')));
        self.bytes.push(LF);
        self
    }

    /// A centred, bold, double-height line.
    pub fn title(mut self, text: &str) -> Job {
        self.bytes.extend([ESC, b'a', 1, ESC, b'E', 1, GS, b'!', 0x01]);
        self = self.line(text);
        self.bytes.extend([GS, b'!', 0x00, ESC, b'E', 0, ESC, b'a', 0]);
        self
    }

    /// A QR code (model 2, module size 6, error correction M) holding `data`.
    pub fn qr(mut self, data: &str) -> Job {
        let d = data.as_bytes();
        let len = d.len() + 3;
        self.bytes.extend([ESC, b'a', 1]);
        self.bytes.extend([GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
        self.bytes.extend([GS, b'(', b'k', 3, 0, 49, 67, 6]);
        self.bytes.extend([GS, b'(', b'k', 3, 0, 49, 69, 49]);
        self.bytes.extend([GS, b'(', b'k', (len % 256) as u8, (len / 256) as u8, 49, 80, 48]);
        self.bytes.extend(d);
        self.bytes.extend([GS, b'(', b'k', 3, 0, 49, 81, 48, LF]);
        self.bytes.extend([ESC, b'a', 0]);
        self
    }

    /// Feeds and cuts the paper.
    pub fn cut(mut self) -> Job {
        self.bytes.extend([ESC, b'd', 4, GS, b'V', 66, 0]);
        self
    }

    /// A raster image (text the code page cannot show, rendered from the UI's fonts); see [`raster`].
    pub fn image(mut self, width_bytes: usize, height: usize, data: &[u8]) -> Job {
        // Printers take at most a few hundred rows per command: send bands of 256.
        let w = width_bytes.max(1);
        let rows = data.get(..w * height).unwrap_or(data).chunks(w * 256);
        for band in rows {
            self.bytes.extend(raster(width_bytes, band.len() / width_bytes.max(1), band));
        }
        self
    }

    /// Bytes as they are (alignment and the like).
    pub fn raw(mut self, bytes: &[u8]) -> Job {
        self.bytes.extend(bytes);
        self
    }

    pub fn kick_drawer(mut self) -> Job {
        self.bytes.extend(DRAWER_KICK);
        self
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Whether every character of `text` can be printed through code page 858.
pub fn fits_code_page(text: &str) -> bool {
    text.chars().all(|c| cp858(c).is_some())
}

/// A real-time status byte, the answer to `DLE EOT n`. ESC/POS fixes four of its bits for every
/// `n`: bit 1 and bit 4 are 1, bit 0 and bit 7 are 0 (`0xx1 xx10`). A byte that does not have
/// them is not a status (line noise, a byte left from something else) and is never read as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status(u8);

impl Status {
    /// The bits every status byte has: bits 0, 1, 4 and 7 ...
    pub const FIXED_MASK: u8 = 0x93;
    /// ... set to 0, 1, 1 and 0.
    pub const FIXED_BITS: u8 = 0x12;

    /// The status in `byte`, or `None` when the fixed bits say it is not one.
    pub fn from_byte(byte: u8) -> Option<Status> {
        (byte & Status::FIXED_MASK == Status::FIXED_BITS).then_some(Status(byte))
    }

    pub fn byte(self) -> u8 {
        self.0
    }

    /// What `DLE EOT 4` answers about the paper: bits 5 and 6 set when the paper has run out.
    pub fn paper_out(self) -> bool {
        self.0 & 0x60 == 0x60
    }

    /// What `DLE EOT 2` answers: bit 2 set when the cover is open.
    pub fn cover_open(self) -> bool {
        self.0 & 0x04 != 0
    }

    /// What `DLE EOT 1` answers: bit 2 is the drawer connector's pin 3, high when the drawer is
    /// open (for the common drawers whose switch closes when the drawer shuts).
    pub fn drawer_open(self) -> bool {
        self.0 & 0x04 != 0
    }
}

/// A raster image, `GS v 0 m xL xH yL yH data`: `width_bytes` bytes per row, 1 = black, MSB left.
pub fn raster(width_bytes: usize, height: usize, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 8);
    out.extend([GS, b'v', b'0', 0]);
    out.extend([(width_bytes % 256) as u8, (width_bytes / 256) as u8, (height % 256) as u8, (height / 256) as u8]);
    out.extend(data);
    out
}

/// What the simulated printer saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printed {
    Line(String),
    Cut,
    DrawerKick {
        pin: u8,
        on_ms: u32,
        off_ms: u32,
    },
    Qr(String),
    /// A raster image: its size in dots and how many of them are black.
    Image {
        width: usize,
        height: usize,
        black: usize,
    },
    Beep,
}

/// A simulated ESC/POS printer: decodes jobs into lines and events; paper can run out.
#[derive(Debug, Default)]
pub struct SimPrinter {
    pub out: Vec<Printed>,
    pub paper_out: bool,
    pub cover_open: bool,
    /// Set by a drawer kick; the operator (or `drawer_closes`) shuts it.
    pub drawer_open: bool,
    buf: Vec<u8>,
    line: String,
    qr: Option<String>,
}

impl SimPrinter {
    pub fn new() -> SimPrinter {
        SimPrinter::default()
    }

    /// Feeds bytes; returns what the printer answers (status bytes).
    pub fn on_bytes(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.buf.extend_from_slice(bytes);
        let mut answer = Vec::new();
        while let Some(n) = self.step(&mut answer) {
            self.buf.drain(..n);
        }
        answer
    }

    /// Consumes one command or character from the buffer; `None` when more bytes are needed.
    fn step(&mut self, answer: &mut Vec<u8>) -> Option<usize> {
        let b = &self.buf;
        let first = *b.first()?;
        let need = |n: usize| if b.len() >= n { Some(n) } else { None };
        match first {
            DLE => {
                let n = need(3)?;
                if b[1] == EOT {
                    answer.push(match b[2] {
                        1 => 0x12 | if self.drawer_open { 0x04 } else { 0 } | if self.stopped() { 0x08 } else { 0 },
                        2 => 0x12 | if self.cover_open { 0x04 } else { 0 } | if self.paper_out { 0x20 } else { 0 },
                        _ => 0x12 | if self.paper_out { 0x60 } else { 0 },
                    });
                }
                Some(n)
            }
            ESC => {
                let cmd = *b.get(1)?;
                match cmd {
                    b'@' => Some(2),
                    b'p' => {
                        let n = need(5)?;
                        // The drawer opens with or without paper.
                        self.drawer_open = true;
                        self.out.push(Printed::DrawerKick {
                            pin: b[2],
                            on_ms: u32::from(b[3]) * 2,
                            off_ms: u32::from(b[4]) * 2,
                        });
                        Some(n)
                    }
                    b'B' => {
                        let n = need(4)?;
                        self.out.push(Printed::Beep);
                        Some(n)
                    }
                    b't' | b'a' | b'E' | b'd' | b'!' => need(3),
                    _ => need(2),
                }
            }
            GS => {
                let cmd = *b.get(1)?;
                match cmd {
                    b'!' => need(3),
                    b'v' => {
                        let head = need(8)?;
                        let (w, h) =
                            (usize::from(b[4]) + 256 * usize::from(b[5]), usize::from(b[6]) + 256 * usize::from(b[7]));
                        let total = need(head + w * h)?;
                        if !self.stopped() {
                            let black = b[head..total].iter().map(|x| x.count_ones() as usize).sum();
                            self.out.push(Printed::Image { width: w * 8, height: h, black });
                        }
                        Some(total)
                    }
                    b'V' => {
                        let n = need(4)?;
                        if !self.stopped() {
                            self.out.push(Printed::Cut);
                        }
                        Some(n)
                    }
                    b'(' => {
                        need(5)?;
                        let len = usize::from(b[3]) + 256 * usize::from(b[4]);
                        let total = need(5 + len)?;
                        let (cn, fun) = (b.get(5).copied(), b.get(6).copied());
                        if b[2] == b'k' && cn == Some(49) {
                            match fun {
                                Some(80) if len >= 3 => {
                                    self.qr = Some(String::from_utf8_lossy(&b[8..5 + len]).to_string())
                                }
                                Some(81) => {
                                    if let Some(q) = self.qr.take() {
                                        if !self.stopped() {
                                            self.out.push(Printed::Qr(q));
                                        }
                                    }
                                }
                                _ => {}
                            }
                        }
                        Some(total)
                    }
                    _ => need(2),
                }
            }
            LF => {
                let line = std::mem::take(&mut self.line);
                if !self.stopped() {
                    self.out.push(Printed::Line(line));
                }
                Some(1)
            }
            other => {
                self.line.push(cp858_char(other));
                Some(1)
            }
        }
    }

    /// Nothing prints without paper or with the cover open.
    fn stopped(&self) -> bool {
        self.paper_out || self.cover_open
    }

    /// The printed text, one line per entry.
    pub fn text(&self) -> Vec<String> {
        self.out
            .iter()
            .filter_map(|p| match p {
                Printed::Line(l) => Some(l.clone()),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_decodes_back_into_its_lines_and_events() {
        let job = Job::new().title("Till Demo").line("Brötchen 2 × 0,45 €").qr("TILL:DEMO-01:42").cut().kick_drawer();
        let mut p = SimPrinter::new();
        assert!(p.on_bytes(job.bytes()).is_empty());
        assert_eq!(p.text(), ["Till Demo", "Brötchen 2 × 0,45 €", ""]);
        assert!(p.out.contains(&Printed::Qr("TILL:DEMO-01:42".into())));
        assert!(p.out.contains(&Printed::Cut));
        assert_eq!(p.out.last(), Some(&Printed::DrawerKick { pin: 0, on_ms: 50, off_ms: 500 }));
        assert!(job.bytes().ends_with(&[0x1B, 0x70, 0x00, 0x19, 0xFA]));
    }

    fn status(p: &mut SimPrinter, request: &[u8]) -> Status {
        let answer = p.on_bytes(request);
        assert_eq!(answer.len(), 1);
        Status::from_byte(answer[0]).expect("the simulator answers status bytes")
    }

    #[test]
    fn only_bytes_with_the_fixed_bits_are_a_status() {
        assert_eq!(Status::from_byte(0x12).map(Status::byte), Some(0x12));
        assert!(Status::from_byte(0x12 | 0x04 | 0x08 | 0x20 | 0x40).is_some());
        for b in [0x00, 0xFF, 0x13, 0x92, 0x10, 0x02, b'A', 0x7F] {
            assert_eq!(Status::from_byte(b), None, "{b:02X}");
        }
        assert_eq!((0..=255u8).filter(|&b| Status::from_byte(b).is_some()).count(), 16);
    }

    #[test]
    fn status_reports_paper_out_and_nothing_prints_without_paper() {
        let mut p = SimPrinter::new();
        assert!(!status(&mut p, &STATUS_PAPER).paper_out());
        p.paper_out = true;
        assert!(status(&mut p, &STATUS_PAPER).paper_out());
        p.on_bytes(Job::new().line("lost").cut().bytes());
        assert!(p.text().is_empty());
    }

    #[test]
    fn status_reports_cover_and_drawer_and_images_decode() {
        let mut p = SimPrinter::new();
        assert!(!status(&mut p, &STATUS_PRINTER).drawer_open());
        p.on_bytes(&DRAWER_KICK);
        assert!(status(&mut p, &STATUS_PRINTER).drawer_open());
        assert!(!status(&mut p, &STATUS_OFFLINE).cover_open());
        p.cover_open = true;
        assert!(status(&mut p, &STATUS_OFFLINE).cover_open());
        p.on_bytes(Job::new().line("lost").bytes());
        assert!(p.text().is_empty());
        p.cover_open = false;
        // 600 rows go out in three bands and come back as three images.
        let data = vec![0x81u8; 2 * 600];
        p.on_bytes(Job::new().image(2, 600, &data).bytes());
        p.on_bytes(&BEEP);
        let images: Vec<_> = p.out.iter().filter(|e| matches!(e, Printed::Image { .. })).collect();
        assert_eq!(images.len(), 3);
        assert_eq!(images[0], &Printed::Image { width: 16, height: 256, black: 2 * 2 * 256 });
        assert_eq!(images[2], &Printed::Image { width: 16, height: 88, black: 2 * 2 * 88 });
        assert_eq!(p.out.last(), Some(&Printed::Beep));
    }

    #[test]
    fn code_page_coverage() {
        assert!(fits_code_page("Äpfel €2,50 ñ"));
        assert!(!fits_code_page("नमस्ते"));
        assert_eq!(cp858('€'), Some(0xD5));
        assert_eq!(cp858('é'), Some(0x82));
    }

    #[test]
    fn garbage_never_panics_the_decoder() {
        let mut p = SimPrinter::new();
        p.on_bytes(&[GS, b'(', b'k', 1, 0, 49, 80, GS, b'(', b'k', 0, 0, 49, 81, ESC, 0xFF, DLE, 0, 0, 0x99, LF]);
        assert_eq!(p.text().len(), 1);
    }

    #[test]
    fn bytes_split_anywhere_decode_the_same() {
        let job = Job::new().line("Cola 2.19").qr("X").cut();
        let mut whole = SimPrinter::new();
        whole.on_bytes(job.bytes());
        let mut split = SimPrinter::new();
        for b in job.bytes() {
            split.on_bytes(&[*b]);
        }
        assert_eq!(whole.out, split.out);
    }
}
