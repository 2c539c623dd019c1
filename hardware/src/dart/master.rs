//! The bus master: polls pumps on one serial line, sends them commands, and returns what they
//! said as typed replies. Corrupt or foreign frames are counted and dropped, never turned into
//! a reply; a pump that stops answering is reported offline.

use super::app::{self, PosCommand, PumpReply};
use super::line::{Control, Decoder, Frame, FrameError};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum MasterError {
    #[error("pump {address:#04X} did not answer within {timeout_ms} ms")]
    Timeout { address: u8, timeout_ms: u128 },
    #[error("pump {address:#04X} refused the command (NAK) {tries} times")]
    Refused { address: u8, tries: u32 },
    #[error("pump {address:#04X} sent a block that does not decode: {source}")]
    BadBlock { address: u8, source: app::AppError },
    #[error("serial line: {0}")]
    Io(#[from] std::io::Error),
}

/// Counters for the line's health.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub frames_ok: u64,
    pub frames_rejected: u64,
    pub timeouts: u64,
    pub retries: u64,
    /// Data blocks a pump sent twice and that were not taken twice.
    pub duplicates: u64,
}

pub struct Master<P: Read + Write> {
    port: P,
    decoder: Decoder,
    tx: HashMap<u8, u8>,
    /// The TX# of the last data block each pump sent, to recognise a block sent again.
    last_rx: HashMap<u8, u8>,
    /// Frames that arrived behind the one being waited for.
    queued: std::collections::VecDeque<Frame>,
    /// How long a pump has to answer (the protocol allows 25 ms).
    pub reply_timeout: Duration,
    /// Attempts per exchange before giving up.
    pub tries: u32,
    pub stats: Stats,
}

impl<P: Read + Write> Master<P> {
    /// `port` must return from `read` within a few milliseconds when nothing arrives (a serial
    /// port with a short timeout).
    pub fn new(port: P) -> Master<P> {
        Master {
            port,
            decoder: Decoder::new(),
            tx: HashMap::new(),
            last_rx: HashMap::new(),
            queued: std::collections::VecDeque::new(),
            reply_timeout: Duration::from_millis(25),
            tries: 3,
            stats: Stats::default(),
        }
    }

    fn next_tx(&mut self, address: u8) -> u8 {
        let tx = self.tx.entry(address).or_insert(0);
        *tx = (*tx + 1) & 0x0F;
        *tx
    }

    /// Waits for the next intact frame from `address`.
    /// Waits for the next intact frame from `address`, skipping (and acknowledging) a data block
    /// the pump sends again after a lost acknowledgement.
    fn read_frame(&mut self, address: u8) -> Result<Option<Frame>, MasterError> {
        let deadline = Instant::now() + self.reply_timeout;
        loop {
            let Some(f) = self.next_frame(address, deadline)? else { return Ok(None) };
            if let Control::Data(tx) = f.control {
                if self.last_rx.get(&address) == Some(&tx) {
                    self.port.write_all(&Frame::short(address, Control::Ack(tx)).encode())?;
                    self.stats.duplicates += 1;
                    continue;
                }
            }
            return Ok(Some(f));
        }
    }

    fn next_frame(&mut self, address: u8, deadline: Instant) -> Result<Option<Frame>, MasterError> {
        if let Some(i) = self.queued.iter().position(|f| f.address == address) {
            return Ok(self.queued.remove(i));
        }
        let mut buf = [0u8; 64];
        while Instant::now() < deadline {
            let n = match self.port.read(&mut buf) {
                Ok(n) => n,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) => 0,
                Err(e) => return Err(e.into()),
            };
            let mut found = None;
            for r in self.decoder.push_all(&buf[..n]) {
                match r {
                    Ok(f) if f.address == address => {
                        self.stats.frames_ok += 1;
                        if found.is_none() {
                            found = Some(f);
                        } else {
                            self.queued.push_back(f);
                        }
                    }
                    Ok(_) | Err(FrameError::TooShort(_)) => {}
                    Err(_) => self.stats.frames_rejected += 1,
                }
            }
            if found.is_some() {
                return Ok(found);
            }
        }
        self.stats.timeouts += 1;
        Ok(None)
    }

    fn timeout(&self, address: u8) -> MasterError {
        MasterError::Timeout { address, timeout_ms: self.reply_timeout.as_millis() }
    }

    /// Polls a pump: `Ok(replies)` (empty when it had nothing to say).
    pub fn poll(&mut self, address: u8) -> Result<Vec<PumpReply>, MasterError> {
        // Whatever is left from an earlier exchange is stale.
        self.queued.clear();
        for attempt in 0..self.tries {
            if attempt > 0 {
                self.stats.retries += 1;
            }
            self.port.write_all(&Frame::short(address, Control::Poll).encode())?;
            let Some(frame) = self.read_frame(address)? else { continue };
            match frame.control {
                Control::Eot(_) => return Ok(Vec::new()),
                Control::Data(tx) => {
                    return match app::decode_replies(&frame.payload) {
                        Ok(replies) => {
                            self.port.write_all(&Frame::short(address, Control::Ack(tx)).encode())?;
                            self.last_rx.insert(address, tx);
                            Ok(replies)
                        }
                        Err(source) => {
                            self.port.write_all(&Frame::short(address, Control::Nak(tx)).encode())?;
                            Err(MasterError::BadBlock { address, source })
                        }
                    };
                }
                _ => continue,
            }
        }
        Err(self.timeout(address))
    }

    /// Sends commands in one data block and waits for the pump's ACK.
    pub fn send(&mut self, address: u8, cmds: &[PosCommand]) -> Result<(), MasterError> {
        let payload = app::encode_commands(cmds).map_err(|source| MasterError::BadBlock { address, source })?;
        let tx = self.next_tx(address);
        let frame = Frame::data(address, tx, payload).encode();
        self.queued.clear();
        let mut naks = 0;
        for attempt in 0..self.tries {
            if attempt > 0 {
                self.stats.retries += 1;
            }
            self.port.write_all(&frame)?;
            match self.read_frame(address)?.map(|f| f.control) {
                Some(Control::Ack(t)) if t == tx => return Ok(()),
                Some(Control::Nak(_)) => naks += 1,
                _ => {}
            }
        }
        if naks > 0 {
            return Err(MasterError::Refused { address, tries: naks });
        }
        Err(self.timeout(address))
    }
}
