//! The ZVT serial transport (PA00P016): `DLE STX` + APDU with every `DLE` doubled + `DLE ETX` +
//! CRC low + CRC high, the CRC-16/KERMIT of the APDU and the `ETX`. The receiver answers each
//! frame with a bare `ACK` (06) or `NAK` (15). 9600 baud, 8 data bits, no parity, 2 stop bits.

use crc::{Crc, CRC_16_KERMIT};

pub const DLE: u8 = 0x10;
pub const STX: u8 = 0x02;
pub const ETX: u8 = 0x03;
pub const ACK: u8 = 0x06;
pub const NAK: u8 = 0x15;
/// A frame longer than this (unescaped) is refused: no APDU comes near it.
pub const MAX_FRAME: usize = 0x10000 + 8;

const KERMIT: Crc<u16> = Crc::<u16>::new(&CRC_16_KERMIT);

/// The frame's CRC: over the APDU bytes and the closing ETX.
pub fn crc(apdu: &[u8]) -> u16 {
    let mut d = KERMIT.digest();
    d.update(apdu);
    d.update(&[ETX]);
    d.finalize()
}

/// Frames an encoded APDU for the serial line.
pub fn frame(apdu: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(apdu.len() + 8);
    out.extend([DLE, STX]);
    for &b in apdu {
        out.push(b);
        if b == DLE {
            out.push(DLE);
        }
    }
    let c = crc(apdu);
    out.extend([DLE, ETX, (c & 0xFF) as u8, (c >> 8) as u8]);
    out
}

/// What the line said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEvent {
    Ack,
    Nak,
    /// A frame whose CRC was right: its APDU bytes (to be answered with ACK).
    Frame(Vec<u8>),
    /// A frame that arrived damaged (bad CRC, bad escape, too long): to be answered with NAK.
    Damaged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Dle,
    Body,
    BodyDle,
    Crc1,
    Crc2(u8),
}

/// Turns bytes from the serial line into events, whatever the chunks.
#[derive(Debug)]
pub struct FrameReader {
    state: State,
    body: Vec<u8>,
}

impl Default for FrameReader {
    fn default() -> Self {
        FrameReader { state: State::Idle, body: Vec::new() }
    }
}

impl FrameReader {
    /// Feeds bytes; returns what they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<LineEvent> {
        let mut out = Vec::new();
        for &b in bytes {
            if let Some(e) = self.byte(b) {
                out.push(e);
            }
        }
        out
    }

    /// True while a frame has begun and not ended (the T1 inter-byte time applies).
    pub fn in_frame(&self) -> bool {
        !matches!(self.state, State::Idle | State::Dle)
    }

    /// Forgets a half-received frame (after T1 passed without a byte).
    pub fn reset(&mut self) {
        self.state = State::Idle;
        self.body.clear();
    }

    fn byte(&mut self, b: u8) -> Option<LineEvent> {
        match (self.state, b) {
            (State::Idle, ACK) => Some(LineEvent::Ack),
            (State::Idle, NAK) => Some(LineEvent::Nak),
            (State::Idle, DLE) => {
                self.state = State::Dle;
                None
            }
            (State::Idle, _) => None,
            (State::Dle, STX) => {
                self.body.clear();
                self.state = State::Body;
                None
            }
            (State::Dle, DLE) => None,
            (State::Dle, _) => {
                self.state = State::Idle;
                None
            }
            (State::Body, DLE) => {
                self.state = State::BodyDle;
                None
            }
            (State::Body, _) => self.keep(b),
            (State::BodyDle, DLE) => {
                self.state = State::Body;
                self.keep(DLE)
            }
            (State::BodyDle, ETX) => {
                self.state = State::Crc1;
                None
            }
            (State::BodyDle, STX) => {
                // A new frame began inside the last one: the last one is lost.
                self.body.clear();
                self.state = State::Body;
                Some(LineEvent::Damaged)
            }
            (State::BodyDle, _) => {
                self.reset();
                Some(LineEvent::Damaged)
            }
            (State::Crc1, lo) => {
                self.state = State::Crc2(lo);
                None
            }
            (State::Crc2(lo), hi) => {
                let got = u16::from(lo) | u16::from(hi) << 8;
                let body = std::mem::take(&mut self.body);
                self.state = State::Idle;
                Some(if got == crc(&body) { LineEvent::Frame(body) } else { LineEvent::Damaged })
            }
        }
    }

    fn keep(&mut self, b: u8) -> Option<LineEvent> {
        if self.body.len() >= MAX_FRAME {
            self.reset();
            return Some(LineEvent::Damaged);
        }
        self.body.push(b);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_crc_is_kermit() {
        assert_eq!(KERMIT.checksum(b"123456789"), 0x2189);
    }

    #[test]
    fn the_authorization_vector() {
        // Authorize 10.00 EUR: BMP 04 amount 00 00 00 00 10 00, BMP 49 currency 09 78.
        let apdu = vec![0x06, 0x01, 0x0A, 0x04, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x49, 0x09, 0x78];
        let want = [
            0x10, 0x02, 0x06, 0x01, 0x0A, 0x04, 0x00, 0x00, 0x00, 0x00, 0x10, 0x10, 0x00, 0x49, 0x09, 0x78, 0x10, 0x03,
            0x27, 0x60,
        ];
        assert_eq!(frame(&apdu), want);
        let mut r = FrameReader::default();
        assert_eq!(r.push(&want), vec![LineEvent::Frame(apdu)]);
    }

    #[test]
    fn acks_naks_and_damage() {
        let mut r = FrameReader::default();
        assert_eq!(r.push(&[ACK, NAK]), vec![LineEvent::Ack, LineEvent::Nak]);
        let mut f = frame(&[0x80, 0x00, 0x00]);
        let n = f.len();
        f[n - 1] ^= 1;
        assert_eq!(r.push(&f), vec![LineEvent::Damaged]);
        // A lone DLE followed by junk inside a frame.
        assert_eq!(r.push(&[DLE, STX, 0x80, DLE, 0x41]), vec![LineEvent::Damaged]);
        assert!(!r.in_frame());
        assert_eq!(r.push(&frame(&[0x80, 0x00, 0x00])), vec![LineEvent::Frame(vec![0x80, 0x00, 0x00])]);
    }

    proptest! {
        #[test]
        fn frames_round_trip_in_any_chunks(
            body in prop::collection::vec(any::<u8>(), 0..300),
            chunk in 1usize..17,
        ) {
            let f = frame(&body);
            let mut r = FrameReader::default();
            let mut got = Vec::new();
            for c in f.chunks(chunk) { got.extend(r.push(c)); }
            prop_assert_eq!(got, vec![LineEvent::Frame(body)]);
        }

        #[test]
        fn a_flipped_byte_is_never_taken_for_a_good_frame(
            body in prop::collection::vec(any::<u8>(), 1..100),
            at in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let mut f = frame(&body);
            let i = 2 + at.index(f.len() - 2);
            f[i] ^= 1 << bit;
            let mut r = FrameReader::default();
            let events = r.push(&f);
            prop_assert!(!events.contains(&LineEvent::Frame(body)), "{:?}", events);
        }
    }
}
