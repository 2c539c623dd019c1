//! The scale: asks an MT-SICS scale for a stable weight, waiting while it moves, refusing over-
//! and underload. Runs on its own thread; the answer comes back through a channel.

use crate::devices::link::{Health, Link};
use rust_decimal::Decimal;
use std::io::{Read, Write};
use std::str::FromStr;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
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
    /// The scale weighs in a unit Till does not sell by (see [`kilograms`]).
    #[error("the scale weighs in '{0}'; set it to kg or g")]
    Unit(String),
    #[error("the scale answered: {0}")]
    Device(String),
}

/// A stable weight as the sale takes it: in kilograms, exactly what the scale showed.
///
/// `kg` is taken as it is and `g` is moved three places (exact). Other units are refused rather
/// than converted: pounds would convert exactly (1 lb = 0.45359237 kg) only to more decimals
/// than a line holds, and a rounded conversion is a weight the customer never saw on the
/// scale's display, which weighing for sale (a legal-for-trade scale) does not allow; a scale
/// set to pounds is set to kilograms instead. A weight of zero or below is not one to sell
/// (`Underload`), and one finer than the gram a line holds (0.001 kg) is refused, not rounded.
pub fn kilograms(value: &str, unit: &str) -> Result<Decimal, WeighError> {
    let bad = || WeighError::Device(format!("'{value} {unit}' is not a weight"));
    if !scale::is_weight(value) {
        return Err(bad());
    }
    let v = Decimal::from_str(value).map_err(|_| bad())?;
    let kg = match unit {
        "kg" => v,
        "g" => {
            let mut kg = v;
            kg.set_scale(v.scale() + 3).map_err(|_| bad())?;
            kg
        }
        other => return Err(WeighError::Unit(other.to_string())),
    };
    if kg <= Decimal::ZERO {
        return Err(WeighError::Underload);
    }
    if kg.normalize().scale() > 3 {
        return Err(WeighError::Device(format!("'{value} {unit}' is finer than the 0.001 kg a sale takes")));
    }
    Ok(kg)
}

/// Asks for a stable weight in kilograms, for up to `patience`.
pub fn weigh<P: Read + Write>(port: &mut P, patience: Duration) -> Result<Decimal, WeighError> {
    let deadline = Instant::now() + patience;
    let mut moving = false;
    while Instant::now() < deadline {
        let line = ask(port, "S")?;
        match scale::parse(&line) {
            Reading::Stable { value, unit } => return kilograms(&value, &unit),
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

/// Sends a command and reads one answer line (up to 1 s). A port that hung up or failed is
/// `NoAnswer` at once, not a second of spinning.
pub fn ask<P: Read + Write>(port: &mut P, cmd: &str) -> Result<String, WeighError> {
    let mut junk = [0u8; 64];
    // What a scale in continuous mode keeps sending is skipped, but only so much of it.
    for _ in 0..64 {
        match port.read(&mut junk) {
            Ok(n) if n > 0 => {}
            Ok(_) => return Err(WeighError::NoAnswer),
            Err(e) if crate::devices::link::fatal(&e) => return Err(WeighError::NoAnswer),
            Err(_) => break,
        }
    }
    port.write_all(format!("{cmd}{}", scale::CRLF).as_bytes()).map_err(|_| WeighError::NoAnswer)?;
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut got = Vec::new();
    let mut b = [0u8; 64];
    while Instant::now() < deadline {
        match port.read(&mut b) {
            Ok(0) => return Err(WeighError::NoAnswer),
            Ok(n) => got.extend_from_slice(&b[..n]),
            Err(e) if crate::devices::link::fatal(&e) => return Err(WeighError::NoAnswer),
            Err(_) => {}
        }
        if let Some(end) = got.windows(2).position(|w| w == b"\r\n") {
            return Ok(String::from_utf8_lossy(&got[..end]).to_string());
        }
        if got.len() > 4096 {
            return Err(WeighError::Device("an answer without an end".into()));
        }
    }
    Err(WeighError::NoAnswer)
}

/// The scale's thread. Between weighings it asks the scale for its serial number (`I4`) once a
/// second: a scale that does not answer is shown offline, and its port is opened again until it
/// comes back.
#[derive(Clone)]
pub struct Scale {
    tx: Sender<Sender<Result<Decimal, WeighError>>>,
    pub health: Health,
}

impl Scale {
    /// A scale on a port that is already open (demo mode, tests).
    pub fn start<P: Read + Write + Send + 'static>(port: P) -> Scale {
        Scale::on_link(Link::fixed(port, "scale"))
    }

    /// A scale on a configured serial port.
    pub fn open(spec: &str) -> Scale {
        Scale::on_link(Link::new(spec, 9600, Duration::from_millis(5)))
    }

    fn on_link(mut link: Link) -> Scale {
        let (tx, rx) = mpsc::channel::<Sender<Result<Decimal, WeighError>>>();
        let health = Health::default();
        let h = health.clone();
        std::thread::Builder::new()
            .name("till-scale".into())
            .spawn(move || loop {
                let request = match rx.recv_timeout(Duration::from_millis(700)) {
                    Ok(reply) => Some(reply),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                };
                let Some(port) = link.ready(&h) else {
                    if let Some(reply) = request {
                        let _ = reply.send(Err(WeighError::NoAnswer));
                    }
                    continue;
                };
                let answered = match request {
                    Some(reply) => {
                        let result = weigh(port, Duration::from_secs(5));
                        let answered = result != Err(WeighError::NoAnswer);
                        let _ = reply.send(result);
                        answered
                    }
                    None => ask(port, "I4").is_ok(),
                };
                if answered {
                    h.online("ready");
                } else {
                    link.fail("no answer", &h);
                }
            })
            .ok();
        Scale { tx, health }
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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn grams_are_kilograms_exactly_and_other_units_are_refused() {
        assert_eq!(kilograms("1.250", "kg"), Ok(dec!(1.250)));
        assert_eq!(kilograms("1250", "g").map(|d| d.to_string()), Ok("1.250".into()));
        assert_eq!(kilograms("5", "g"), Ok(dec!(0.005)));
        assert_eq!(kilograms("100.00", "g"), Ok(dec!(0.1)));
        assert_eq!(kilograms("2.000", "lb"), Err(WeighError::Unit("lb".into())));
        for unit in ["oz", "mg", "t", "KG", ""] {
            assert_eq!(kilograms("1", unit), Err(WeighError::Unit(unit.into())), "{unit}");
        }
    }

    #[test]
    fn nothing_negative_zero_finer_than_a_gram_or_oddly_written_is_sold() {
        assert_eq!(kilograms("-0.500", "kg"), Err(WeighError::Underload));
        assert_eq!(kilograms("0.000", "kg"), Err(WeighError::Underload));
        assert_eq!(kilograms("-0", "g"), Err(WeighError::Underload));
        assert!(matches!(kilograms("1.2345", "kg"), Err(WeighError::Device(_))));
        assert!(matches!(kilograms("100.5", "g"), Err(WeighError::Device(_))));
        assert_eq!(kilograms("1.2340", "kg"), Ok(dec!(1.234)), "a trailing zero is not finer");
        for bad in ["1e3", "+2", "1_000", "inf", "NaN", ".5", " 1"] {
            assert!(matches!(kilograms(bad, "kg"), Err(WeighError::Device(_))), "{bad}");
        }
    }
}
