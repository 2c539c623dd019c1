//! Serial barcode scanners (RS-232 or USB-CDC): each code is sent as its characters followed by
//! CR, CR LF or LF. [`Decoder`] turns the byte stream into codes; [`SimScanner`] makes the bytes
//! a scanner sends. Whether a code is a valid barcode is not decided here.

/// The longest code a line may carry; a longer run without an end of line is noise, dropped.
pub const MAX_CODE: usize = 64;

/// Splits a scanner's byte stream into codes.
#[derive(Debug, Default)]
pub struct Decoder {
    line: Vec<u8>,
    /// Set while the rest of a runaway line is being skipped.
    skipping: bool,
}

/// What came off the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// A code, trimmed, printable ASCII only.
    Code(String),
    /// A line that is not a code: too long, or with bytes a barcode cannot carry.
    Garbage(usize),
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Feeds bytes; returns each line that ended in them.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Read> {
        let mut out = Vec::new();
        for &b in bytes {
            match b {
                b'\r' | b'\n' => {
                    if self.skipping {
                        self.skipping = false;
                        out.push(Read::Garbage(MAX_CODE + 1));
                    } else if !self.line.is_empty() {
                        let line = std::mem::take(&mut self.line);
                        let text: String = line.iter().map(|&c| c as char).collect();
                        let text = text.trim();
                        if line.iter().all(|c| (0x20..0x7f).contains(c)) {
                            if !text.is_empty() {
                                out.push(Read::Code(text.to_string()));
                            }
                        } else {
                            out.push(Read::Garbage(line.len()));
                        }
                    }
                }
                _ if self.skipping => {}
                _ if self.line.len() >= MAX_CODE => {
                    self.line.clear();
                    self.skipping = true;
                }
                _ => self.line.push(b),
            }
        }
        out
    }
}

/// A simulated scanner: the bytes it sends for a code.
#[derive(Debug, Default)]
pub struct SimScanner;

impl SimScanner {
    /// A code as the scanner sends it (its characters, then CR).
    pub fn scan(&self, code: &str) -> Vec<u8> {
        let mut b = code.as_bytes().to_vec();
        b.push(b'\r');
        b
    }

    /// The same code with a wrong check digit (the last digit moved by one).
    pub fn with_wrong_check_digit(code: &str) -> String {
        match code.char_indices().last() {
            Some((i, c)) if c.is_ascii_digit() => {
                let d = c.to_digit(10).unwrap_or(0);
                format!("{}{}", &code[..i], (d + 1) % 10)
            }
            _ => code.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_end_with_cr_lf_or_both_in_any_chunking() {
        let bytes = b"4006381333931\r90162602\r\n  123 \n\r\n";
        for split in 0..bytes.len() {
            let mut d = Decoder::new();
            let mut got = d.push(&bytes[..split]);
            got.extend(d.push(&bytes[split..]));
            assert_eq!(
                got,
                vec![Read::Code("4006381333931".into()), Read::Code("90162602".into()), Read::Code("123".into())]
            );
        }
    }

    #[test]
    fn noise_is_not_a_code() {
        let mut d = Decoder::new();
        let mut long = vec![b'7'; 200];
        long.push(b'\r');
        assert_eq!(d.push(&long), vec![Read::Garbage(MAX_CODE + 1)]);
        assert_eq!(d.push(b"40\xff06\r"), vec![Read::Garbage(5)]);
        assert_eq!(d.push(b"90162602\r"), vec![Read::Code("90162602".into())], "the next code reads again");
    }

    #[test]
    fn the_simulator_sends_what_the_decoder_reads() {
        let sim = SimScanner;
        let mut d = Decoder::new();
        assert_eq!(d.push(&sim.scan("4006381333931")), vec![Read::Code("4006381333931".into())]);
        assert_eq!(SimScanner::with_wrong_check_digit("4006381333931"), "4006381333932");
        assert_eq!(SimScanner::with_wrong_check_digit("4006381333939"), "4006381333930");
    }
}
