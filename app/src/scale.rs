//! The scale: asks an MT-SICS scale for a stable weight, waiting while it moves, refusing over-
//! and underload. Runs on its own thread; the answer comes back through a channel.

use rust_decimal::Decimal;
use std::io::{Read, Write};
use std::str::FromStr;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};
use till_hardware::scale::{self, Reading};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeighError {
    #[error("the scale is overloaded")]
    Overload,
    #[error("the scale is underloaded (nothing on it, or below zero)")]
    Underload,
    #[error("the weight did not settle")]
    NotStable,
    #[error("the scale does not answer")]
    NoAnswer,
    #[error("the scale answered: {0}")]
    Device(String),
}

/// Asks for a stable weight in kilograms, for up to `patience`.
pub fn weigh<P: Read + Write>(port: &mut P, patience: Duration) -> Result<Decimal, WeighError> {
    let deadline = Instant::now() + patience;
    let mut moving = false;
    while Instant::now() < deadline {
        let line = ask(port, "S")?;
        match scale::parse(&line) {
            Reading::Stable { value, unit } => {
                let v = Decimal::from_str(&value).map_err(|_| WeighError::Device(line.clone()))?;
                return Ok(match unit.as_str() {
                    "g" => v / Decimal::from(1000),
                    _ => v,
                }
                .round_dp(3));
            }
            Reading::Moving { .. } => {
                moving = true;
                std::thread::sleep(Duration::from_millis(100));
            }
            Reading::Overload => return Err(WeighError::Overload),
            Reading::Underload => return Err(WeighError::Underload),
            Reading::Error(e) => return Err(WeighError::Device(e)),
        }
    }
    Err(if moving { WeighError::NotStable } else { WeighError::NoAnswer })
}

/// Sends a command and reads one answer line (up to 1 s).
pub fn ask<P: Read + Write>(port: &mut P, cmd: &str) -> Result<String, WeighError> {
    let mut junk = [0u8; 64];
    while port.read(&mut junk).unwrap_or(0) > 0 {}
    port.write_all(format!("{cmd}{}", scale::CRLF).as_bytes()).map_err(|_| WeighError::NoAnswer)?;
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut got = Vec::new();
    let mut b = [0u8; 64];
    while Instant::now() < deadline {
        let n = port.read(&mut b).unwrap_or(0);
        got.extend_from_slice(&b[..n]);
        if let Some(end) = got.windows(2).position(|w| w == b"\r\n") {
            return Ok(String::from_utf8_lossy(&got[..end]).to_string());
        }
    }
    Err(WeighError::NoAnswer)
}

/// The scale's thread.
#[derive(Clone)]
pub struct Scale {
    tx: Sender<Sender<Result<Decimal, WeighError>>>,
}

impl Scale {
    pub fn start<P: Read + Write + Send + 'static>(mut port: P) -> Scale {
        let (tx, rx) = mpsc::channel::<Sender<Result<Decimal, WeighError>>>();
        std::thread::Builder::new()
            .name("till-scale".into())
            .spawn(move || {
                while let Ok(reply) = rx.recv() {
                    let _ = reply.send(weigh(&mut port, Duration::from_secs(5)));
                }
            })
            .ok();
        Scale { tx }
    }

    /// Starts a weighing; the stable weight (or why there is none) arrives on the channel.
    pub fn weigh(&self) -> Receiver<Result<Decimal, WeighError>> {
        let (reply, rx) = mpsc::channel();
        if self.tx.send(reply.clone()).is_err() {
            let _ = reply.send(Err(WeighError::NoAnswer));
        }
        rx
    }
}
