//! DART line layer: `ADR CTRL FA` short frames and `ADR CTRL payload CRClo CRChi 03 FA` data
//! frames, with `FA` inside payload or CRC sent as `10 FA`. CRC-16/ARC over ADR..payload.

/// Frame end.
pub const SF: u8 = 0xFA;
/// Escapes an `FA` that is data.
pub const DLE: u8 = 0x10;
/// Ends the data part of a data frame.
pub const ETX: u8 = 0x03;
/// Longest frame accepted; anything longer is garbage on the line.
pub const MAX_FRAME: usize = 256;

const ARC: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_ARC);

/// CRC-16/ARC (reflected 0xA001, init 0, no final XOR), as DART sends it (low byte first).
pub fn crc16(bytes: &[u8]) -> u16 {
    ARC.checksum(bytes)
}

/// The control byte; the low nibble of DATA, NAK, EOT, ACK and ACKPOLL is the transaction
/// number (TX#, 0..F).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Poll,
    Data(u8),
    Nak(u8),
    Eot(u8),
    Ack(u8),
    AckPoll(u8),
    Iap,
}

impl Control {
    pub fn byte(self) -> u8 {
        match self {
            Control::Poll => 0x20,
            Control::Data(tx) => 0x30 | (tx & 0x0F),
            Control::Nak(tx) => 0x50 | (tx & 0x0F),
            Control::Eot(tx) => 0x70 | (tx & 0x0F),
            Control::Ack(tx) => 0xC0 | (tx & 0x0F),
            Control::AckPoll(tx) => 0xE0 | (tx & 0x0F),
            Control::Iap => 0x40,
        }
    }

    pub fn from_byte(b: u8) -> Option<Control> {
        let tx = b & 0x0F;
        Some(match b & 0xF0 {
            0x20 if b == 0x20 => Control::Poll,
            0x30 => Control::Data(tx),
            0x50 => Control::Nak(tx),
            0x70 => Control::Eot(tx),
            0xC0 => Control::Ack(tx),
            0xE0 => Control::AckPoll(tx),
            0x40 if b == 0x40 => Control::Iap,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub address: u8,
    pub control: Control,
    /// The application data of a DATA frame; empty for short frames.
    pub payload: Vec<u8>,
}

impl Frame {
    pub fn short(address: u8, control: Control) -> Frame {
        Frame { address, control, payload: Vec::new() }
    }

    pub fn data(address: u8, tx: u8, payload: Vec<u8>) -> Frame {
        Frame { address, control: Control::Data(tx), payload }
    }

    /// The bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.payload.len() + 8);
        out.push(self.address);
        out.push(self.control.byte());
        if let Control::Data(_) = self.control {
            let mut body = vec![self.address, self.control.byte()];
            body.extend_from_slice(&self.payload);
            let crc = crc16(&body);
            for b in self.payload.iter().copied().chain(crc.to_le_bytes()) {
                if b == SF {
                    out.push(DLE);
                }
                out.push(b);
            }
            out.push(ETX);
        }
        out.push(SF);
        out
    }
}

/// Why a frame was rejected. A rejected frame is counted and dropped, never acted on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame too short ({0} bytes)")]
    TooShort(usize),
    #[error("frame longer than {MAX_FRAME} bytes")]
    TooLong,
    #[error("unknown control byte {0:02X}")]
    BadControl(u8),
    #[error("data frame without ETX")]
    MissingEtx,
    #[error("CRC {found:04X} does not match {expected:04X}")]
    BadCrc { expected: u16, found: u16 },
    #[error("short frame with a {0:?} control byte")]
    Unexpected(Control),
    /// `10 FA` where the address belongs: stuffing is for payload and CRC, and no pump has the
    /// address `FA`.
    #[error("an escaped FA as the address")]
    BadAddress,
}

/// Reassembles frames from a byte stream, undoing DLE stuffing; resynchronises on every `FA`.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
    after_dle: bool,
    overflow: bool,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Feeds one byte; returns a frame (or why it was rejected) when one ends.
    pub fn push(&mut self, byte: u8) -> Option<Result<Frame, FrameError>> {
        if self.after_dle {
            self.after_dle = false;
            if byte == SF {
                self.store(SF);
                return None;
            }
            self.store(DLE);
        }
        match byte {
            DLE => {
                self.after_dle = true;
                None
            }
            SF => {
                let bytes = std::mem::take(&mut self.buf);
                let overflow = std::mem::take(&mut self.overflow);
                Some(if overflow { Err(FrameError::TooLong) } else { parse(&bytes) })
            }
            b => {
                self.store(b);
                None
            }
        }
    }

    fn store(&mut self, b: u8) {
        if self.buf.len() >= MAX_FRAME {
            self.overflow = true;
        } else {
            self.buf.push(b);
        }
    }

    /// Feeds many bytes; returns every frame that ended.
    pub fn push_all(&mut self, bytes: &[u8]) -> Vec<Result<Frame, FrameError>> {
        bytes.iter().filter_map(|&b| self.push(b)).collect()
    }
}

fn parse(bytes: &[u8]) -> Result<Frame, FrameError> {
    if bytes.len() < 2 {
        return Err(FrameError::TooShort(bytes.len()));
    }
    if bytes[0] == SF {
        return Err(FrameError::BadAddress);
    }
    let control = Control::from_byte(bytes[1]).ok_or(FrameError::BadControl(bytes[1]))?;
    match control {
        Control::Data(_) => {
            // ADR CTRL payload CRClo CRChi ETX
            if bytes.len() < 5 {
                return Err(FrameError::TooShort(bytes.len()));
            }
            let n = bytes.len();
            if bytes[n - 1] != ETX {
                return Err(FrameError::MissingEtx);
            }
            let found = u16::from_le_bytes([bytes[n - 3], bytes[n - 2]]);
            let expected = crc16(&bytes[..n - 3]);
            if found != expected {
                return Err(FrameError::BadCrc { expected, found });
            }
            Ok(Frame { address: bytes[0], control, payload: bytes[2..n - 3].to_vec() })
        }
        other => {
            if bytes.len() != 2 {
                return Err(FrameError::Unexpected(other));
            }
            Ok(Frame::short(bytes[0], other))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn crc_test_vectors() {
        assert_eq!(crc16(&[0x51, 0x30, 0x65, 0x01, 0x01]).to_le_bytes(), [0x22, 0x83]);
        assert_eq!(crc16(&[0x50, 0x37, 0x01, 0x01, 0x06]).to_le_bytes(), [0x1E, 0x2A]);
        assert_eq!(
            crc16(&[0x50, 0x36, 0x01, 0x01, 0x02, 0x03, 0x04, 0x00, 0x21, 0x80, 0x11]).to_le_bytes(),
            [0x0E, 0x48]
        );
    }

    #[test]
    fn preset_and_authorize_example_frame() {
        let f = Frame::data(0x50, 1, vec![0x04, 0x04, 0x00, 0x00, 0x20, 0x00, 0x01, 0x01, 0x06]);
        assert_eq!(
            f.encode(),
            [0x50, 0x31, 0x04, 0x04, 0x00, 0x00, 0x20, 0x00, 0x01, 0x01, 0x06, 0x32, 0x9D, 0x03, 0xFA]
        );
        let mut d = Decoder::new();
        assert_eq!(d.push_all(&f.encode()), vec![Ok(f)]);
    }

    #[test]
    fn short_frames() {
        assert_eq!(Frame::short(0x50, Control::Poll).encode(), [0x50, 0x20, 0xFA]);
        assert_eq!(Frame::short(0x50, Control::Eot(0)).encode(), [0x50, 0x70, 0xFA]);
        let mut d = Decoder::new();
        assert_eq!(d.push_all(&[0x50, 0xC3, 0xFA]), vec![Ok(Frame::short(0x50, Control::Ack(3)))]);
    }

    #[test]
    fn fa_in_payload_is_stuffed_and_a_lone_dle_is_data() {
        let f = Frame::data(0x51, 2, vec![0xFA, 0x10, 0x01, 0xFA]);
        let wire = f.encode();
        assert_eq!(&wire[2..8], &[0x10, 0xFA, 0x10, 0x01, 0x10, 0xFA]);
        assert_eq!(wire.iter().filter(|&&b| b == SF).count() - wire.windows(2).filter(|w| w == &[DLE, SF]).count(), 1);
        let mut d = Decoder::new();
        assert_eq!(d.push_all(&wire), vec![Ok(f)]);
    }

    #[test]
    fn corrupt_frames_are_rejected_and_the_decoder_resynchronises() {
        let good = Frame::data(0x50, 1, vec![0x01, 0x01, 0x06]).encode();
        let mut bad = good.clone();
        bad[3] ^= 0x04; // a flipped bit in the payload
        let mut d = Decoder::new();
        let mut out = d.push_all(&bad);
        out.extend(d.push_all(&good));
        assert!(matches!(out[0], Err(FrameError::BadCrc { .. })));
        assert!(out[1].is_ok());
        assert_eq!(d.push_all(&[0x50, 0x99, 0xFA]), vec![Err(FrameError::BadControl(0x99))]);
        assert_eq!(d.push_all(&[0x50, 0x31, 0x01, 0x02, 0x04, 0xFA]), vec![Err(FrameError::MissingEtx)]);
        assert_eq!(d.push_all(&[0xFA]), vec![Err(FrameError::TooShort(0))]);
        // Found by the round trip in tests/fuzz.rs (dart_line_arbitrary_bytes, a long run):
        // `10 FA 50 FA` decoded as a NAK "from FA", a frame whose encoding is not its bytes.
        assert_eq!(d.push_all(&[0x10, 0xFA, 0x50, 0xFA]), vec![Err(FrameError::BadAddress)]);
        assert_eq!(d.push_all(&[0x10, 0xFA, 0x20, 0xFA]), vec![Err(FrameError::BadAddress)]);
        let noise = vec![0x55; MAX_FRAME + 10];
        let mut noisy = noise.clone();
        noisy.push(SF);
        assert_eq!(d.push_all(&noisy), vec![Err(FrameError::TooLong)]);
        assert_eq!(d.push_all(&good).len(), 1);
    }

    proptest! {
        #[test]
        fn any_frame_round_trips(addr in 0x50u8..0x70, tx in 0u8..16, payload in prop::collection::vec(any::<u8>(), 0..64)) {
            let f = Frame::data(addr, tx, payload);
            let mut d = Decoder::new();
            prop_assert_eq!(d.push_all(&f.encode()), vec![Ok(f)]);
        }

        #[test]
        fn a_flipped_bit_never_yields_a_different_frame(payload in prop::collection::vec(any::<u8>(), 1..32), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
            let f = Frame::data(0x50, 1, payload);
            let mut wire = f.encode();
            let i = pos.index(wire.len() - 1);
            wire[i] ^= 1 << bit;
            let mut d = Decoder::new();
            for g in d.push_all(&wire).into_iter().flatten() {
                // A corrupted stream may still end in a valid short frame, but never in a data
                // frame with different content.
                prop_assert!(g == f || g.payload.is_empty(), "corruption produced {:?}", g);
            }
        }
    }
}
