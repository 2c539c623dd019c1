//! ZVT application protocol data units: `CLASS INSTR LEN DATA`, where a LEN of `FF` is followed
//! by a two-byte length, low byte first (PA00P015 2.2).

/// The longest APDU data Till takes: the two-byte length's range.
pub const MAX_DATA: usize = 0xFFFF;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    #[error("an APDU of {0} data bytes is longer than ZVT allows")]
    TooLong(usize),
    #[error("{extra} byte(s) follow the APDU's {len} data bytes")]
    Trailing { len: usize, extra: usize },
    #[error("the APDU ends after {have} of {need} bytes")]
    Short { have: usize, need: usize },
}

/// One APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apdu {
    pub class: u8,
    pub instr: u8,
    pub data: Vec<u8>,
}

impl Apdu {
    pub fn new(class: u8, instr: u8, data: Vec<u8>) -> Apdu {
        Apdu { class, instr, data }
    }

    /// The positive answer `80 00 00`.
    pub fn ack() -> Apdu {
        Apdu::new(0x80, 0x00, Vec::new())
    }

    /// A negative answer `84 <code> 00`.
    pub fn nak(code: u8) -> Apdu {
        Apdu::new(0x84, code, Vec::new())
    }

    pub fn command(&self) -> [u8; 2] {
        [self.class, self.instr]
    }

    /// `80 00` or `84 00`: both are positive answers.
    pub fn is_positive(&self) -> bool {
        (self.class == 0x80 || self.class == 0x84) && self.instr == 0x00
    }

    /// `84 xx` with xx not 00: a negative answer with its error code.
    pub fn negative_code(&self) -> Option<u8> {
        (self.class == 0x84 && self.instr != 0x00).then_some(self.instr)
    }

    pub fn encode(&self) -> Result<Vec<u8>, ApduError> {
        let n = self.data.len();
        if n > MAX_DATA {
            return Err(ApduError::TooLong(n));
        }
        let mut out = Vec::with_capacity(n + 5);
        out.extend([self.class, self.instr]);
        if n < 0xFF {
            out.push(n as u8);
        } else {
            out.extend([0xFF, (n & 0xFF) as u8, (n >> 8) as u8]);
        }
        out.extend(&self.data);
        Ok(out)
    }

    /// Reads one APDU from the start of `buf`: `Ok(None)` while more bytes are needed, else the
    /// APDU and how many bytes it took. Any byte sequence is either an APDU or needs more.
    pub fn parse_prefix(buf: &[u8]) -> Option<(Apdu, usize)> {
        if buf.len() < 3 {
            return None;
        }
        let (len, head) = if buf[2] == 0xFF {
            if buf.len() < 5 {
                return None;
            }
            (usize::from(buf[3]) | usize::from(buf[4]) << 8, 5)
        } else {
            (usize::from(buf[2]), 3)
        };
        let end = head + len;
        if buf.len() < end {
            return None;
        }
        Some((Apdu::new(buf[0], buf[1], buf[head..end].to_vec()), end))
    }

    /// Decodes exactly one APDU.
    pub fn decode(buf: &[u8]) -> Result<Apdu, ApduError> {
        match Apdu::parse_prefix(buf) {
            Some((a, n)) if n == buf.len() => Ok(a),
            Some((a, n)) => Err(ApduError::Trailing { len: a.data.len(), extra: buf.len() - n }),
            None => Err(ApduError::Short { have: buf.len(), need: needed(buf) }),
        }
    }
}

fn needed(buf: &[u8]) -> usize {
    match buf {
        [_, _, 0xFF, lo, hi, ..] => 5 + (usize::from(*lo) | usize::from(*hi) << 8),
        [_, _, 0xFF, ..] => 5,
        [_, _, n, ..] => 3 + usize::from(*n),
        _ => 3,
    }
}

/// Collects APDUs from a byte stream however it is fragmented (TCP).
#[derive(Debug, Default)]
pub struct ApduReader {
    buf: Vec<u8>,
}

impl ApduReader {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete APDU, if the bytes so far hold one.
    pub fn next_apdu(&mut self) -> Option<Apdu> {
        let (apdu, n) = Apdu::parse_prefix(&self.buf)?;
        self.buf.drain(..n);
        Some(apdu)
    }

    /// Bytes received that are not yet a whole APDU.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_and_long_lengths() {
        let a = Apdu::new(0x06, 0x01, vec![0x04, 0, 0, 0, 0, 0x10, 0]);
        assert_eq!(a.encode().unwrap(), [0x06, 0x01, 0x07, 0x04, 0, 0, 0, 0, 0x10, 0]);
        let long = Apdu::new(0x06, 0xD3, vec![0x20; 300]);
        let bytes = long.encode().unwrap();
        assert_eq!(&bytes[..5], &[0x06, 0xD3, 0xFF, 0x2C, 0x01]);
        assert_eq!(Apdu::decode(&bytes).unwrap(), long);
        // 254 bytes still fit the one-byte length; 255 needs the extension.
        assert_eq!(Apdu::new(1, 2, vec![0; 254]).encode().unwrap()[2], 254);
        assert_eq!(Apdu::new(1, 2, vec![0; 255]).encode().unwrap()[2..5], [0xFF, 0xFF, 0x00]);
        assert_eq!(Apdu::new(1, 2, vec![0; 0x10000]).encode(), Err(ApduError::TooLong(0x10000)));
    }

    #[test]
    fn answers() {
        assert!(Apdu::decode(&[0x80, 0x00, 0x00]).unwrap().is_positive());
        assert!(Apdu::decode(&[0x84, 0x00, 0x00]).unwrap().is_positive());
        assert_eq!(Apdu::decode(&[0x84, 0x66, 0x00]).unwrap().negative_code(), Some(0x66));
        assert_eq!(Apdu::decode(&[0x80, 0x00]), Err(ApduError::Short { have: 2, need: 3 }));
        assert_eq!(Apdu::decode(&[0x80, 0x00, 0x00, 0x01]), Err(ApduError::Trailing { len: 0, extra: 1 }));
    }

    proptest! {
        #[test]
        fn any_fragmentation_gives_the_same_apdus(
            apdus in prop::collection::vec((any::<u8>(), any::<u8>(), prop::collection::vec(any::<u8>(), 0..600)), 1..5),
            cuts in prop::collection::vec(1usize..64, 1..40),
        ) {
            let apdus: Vec<Apdu> = apdus.into_iter().map(|(c, i, d)| Apdu::new(c, i, d)).collect();
            let stream: Vec<u8> = apdus.iter().flat_map(|a| a.encode().unwrap()).collect();
            let mut r = ApduReader::default();
            let mut got = Vec::new();
            let mut at = 0;
            for c in cuts.iter().cycle() {
                if at >= stream.len() { break; }
                let end = (at + c).min(stream.len());
                r.push(&stream[at..end]);
                at = end;
                while let Some(a) = r.next_apdu() { got.push(a); }
            }
            prop_assert_eq!(got, apdus);
            prop_assert_eq!(r.pending(), 0);
        }

        #[test]
        fn any_bytes_decode_or_refuse_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let _ = Apdu::decode(&bytes);
        }
    }
}
