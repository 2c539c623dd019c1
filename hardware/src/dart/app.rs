//! DART application layer: a data block holds transactions `TRANS LNG DATA...`; numbers are
//! packed BCD, most significant byte first. Values are raw integers here (volume, amount and
//! price decimals are a site setting applied by the caller).

use crate::bcd;

/// CD1 commands (POS -> pump).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dcc {
    ReturnStatus,
    Identity,
    FillingInfo,
    Reset,
    Authorize,
    Stop,
    SwitchOff,
    Suspend,
    Resume,
}

impl Dcc {
    pub fn byte(self) -> u8 {
        match self {
            Dcc::ReturnStatus => 0x00,
            Dcc::Identity => 0x03,
            Dcc::FillingInfo => 0x04,
            Dcc::Reset => 0x05,
            Dcc::Authorize => 0x06,
            Dcc::Stop => 0x08,
            Dcc::SwitchOff => 0x0A,
            Dcc::Suspend => 0x0D,
            Dcc::Resume => 0x0E,
        }
    }

    pub fn from_byte(b: u8) -> Option<Dcc> {
        Some(match b {
            0x00 => Dcc::ReturnStatus,
            0x03 => Dcc::Identity,
            0x04 => Dcc::FillingInfo,
            0x05 => Dcc::Reset,
            0x06 => Dcc::Authorize,
            0x08 => Dcc::Stop,
            0x0A => Dcc::SwitchOff,
            0x0D => Dcc::Suspend,
            0x0E => Dcc::Resume,
            _ => return None,
        })
    }
}

/// A transaction from the POS to a pump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PosCommand {
    /// CD1.
    Command(Dcc),
    /// CD2: the logical nozzles allowed for the next filling.
    AllowedNozzles(Vec<u8>),
    /// CD3: preset volume (raw, 8 BCD digits).
    PresetVolume(u32),
    /// CD4: preset amount (raw, 8 BCD digits).
    PresetAmount(u32),
    /// CD5: price per logical nozzle (raw, 6 BCD digits each).
    Prices(Vec<u32>),
    /// CD101: request a totals counter (01..08 nozzle volume, 09 pump volume, 11..18 nozzle
    /// amount, 19 pump amount).
    RequestTotals(u8),
}

/// Pump status (DC1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PumpStatus {
    NotProgrammed,
    Reset,
    Authorized,
    Filling,
    FillingCompleted,
    MaxReached,
    SwitchedOff,
    Suspended,
}

impl PumpStatus {
    pub fn byte(self) -> u8 {
        match self {
            PumpStatus::NotProgrammed => 0,
            PumpStatus::Reset => 1,
            PumpStatus::Authorized => 2,
            PumpStatus::Filling => 4,
            PumpStatus::FillingCompleted => 5,
            PumpStatus::MaxReached => 6,
            PumpStatus::SwitchedOff => 7,
            PumpStatus::Suspended => 8,
        }
    }

    pub fn from_byte(b: u8) -> Option<PumpStatus> {
        Some(match b {
            0 => PumpStatus::NotProgrammed,
            1 => PumpStatus::Reset,
            2 => PumpStatus::Authorized,
            4 => PumpStatus::Filling,
            5 => PumpStatus::FillingCompleted,
            6 => PumpStatus::MaxReached,
            7 => PumpStatus::SwitchedOff,
            8 => PumpStatus::Suspended,
            _ => return None,
        })
    }
}

/// A transaction from a pump to the POS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PumpReply {
    /// DC1.
    Status(PumpStatus),
    /// DC2: filled volume and amount of the current or last filling (raw).
    Filling { volume: u32, amount: u32 },
    /// DC3: price of the selected nozzle, its number, and whether it is out of its holster.
    Nozzle { price: u32, nozzle: u8, out: bool },
    /// DC101: a totals counter and its three totals (raw).
    Totals { counter: u8, volume: u64, amount: u64, third: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    #[error("transaction {trans:02X} says {lng} bytes but only {left} follow")]
    Truncated { trans: u8, lng: usize, left: usize },
    #[error("transaction {trans:02X} has length {lng}, expected {expected}")]
    BadLength { trans: u8, lng: usize, expected: usize },
    #[error("unknown transaction {0:02X}")]
    UnknownTransaction(u8),
    #[error("unknown value {value:02X} in transaction {trans:02X}")]
    BadValue { trans: u8, value: u8 },
    #[error("transaction {trans:02X} would hold {lng} bytes; a transaction holds at most 255")]
    TooLong { trans: u8, lng: usize },
    #[error(transparent)]
    Bcd(#[from] bcd::BcdError),
}

/// The LNG byte of a transaction of `lng` bytes.
fn lng_byte(trans: u8, lng: usize) -> Result<u8, AppError> {
    u8::try_from(lng).map_err(|_| AppError::TooLong { trans, lng })
}

/// Splits a data block into its transactions.
fn transactions(block: &[u8]) -> Result<Vec<(u8, &[u8])>, AppError> {
    let mut out = Vec::new();
    let mut rest = block;
    while !rest.is_empty() {
        if rest.len() < 2 {
            return Err(AppError::Truncated { trans: rest[0], lng: 1, left: 0 });
        }
        let (trans, lng) = (rest[0], rest[1] as usize);
        let data = rest.get(2..2 + lng).ok_or(AppError::Truncated { trans, lng, left: rest.len() - 2 })?;
        out.push((trans, data));
        rest = &rest[2 + lng..];
    }
    Ok(out)
}

fn expect_len(trans: u8, data: &[u8], expected: usize) -> Result<(), AppError> {
    if data.len() != expected {
        return Err(AppError::BadLength { trans, lng: data.len(), expected });
    }
    Ok(())
}

fn bcd_u32(v: u64) -> u32 {
    v as u32
}

pub fn encode_commands(cmds: &[PosCommand]) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    for c in cmds {
        match c {
            PosCommand::Command(d) => out.extend([0x01, 0x01, d.byte()]),
            PosCommand::AllowedNozzles(n) => {
                out.extend([0x02, lng_byte(0x02, n.len())?]);
                out.extend(n);
            }
            PosCommand::PresetVolume(v) => {
                out.extend([0x03, 0x04]);
                out.extend(bcd::encode(u64::from(*v), 4)?);
            }
            PosCommand::PresetAmount(v) => {
                out.extend([0x04, 0x04]);
                out.extend(bcd::encode(u64::from(*v), 4)?);
            }
            PosCommand::Prices(p) => {
                out.extend([0x05, lng_byte(0x05, 3 * p.len())?]);
                for price in p {
                    out.extend(bcd::encode(u64::from(*price), 3)?);
                }
            }
            PosCommand::RequestTotals(c) => out.extend([0x65, 0x01, *c]),
        }
    }
    Ok(out)
}

pub fn decode_commands(block: &[u8]) -> Result<Vec<PosCommand>, AppError> {
    transactions(block)?
        .into_iter()
        .map(|(trans, data)| {
            Ok(match trans {
                0x01 => {
                    expect_len(trans, data, 1)?;
                    PosCommand::Command(Dcc::from_byte(data[0]).ok_or(AppError::BadValue { trans, value: data[0] })?)
                }
                0x02 => PosCommand::AllowedNozzles(data.to_vec()),
                0x03 => {
                    expect_len(trans, data, 4)?;
                    PosCommand::PresetVolume(bcd_u32(bcd::decode(data)?))
                }
                0x04 => {
                    expect_len(trans, data, 4)?;
                    PosCommand::PresetAmount(bcd_u32(bcd::decode(data)?))
                }
                0x05 => {
                    if data.len() % 3 != 0 {
                        return Err(AppError::BadLength { trans, lng: data.len(), expected: data.len() / 3 * 3 });
                    }
                    PosCommand::Prices(data.chunks(3).map(|c| bcd::decode(c).map(bcd_u32)).collect::<Result<_, _>>()?)
                }
                0x65 => {
                    expect_len(trans, data, 1)?;
                    PosCommand::RequestTotals(data[0])
                }
                other => return Err(AppError::UnknownTransaction(other)),
            })
        })
        .collect()
}

pub fn encode_replies(replies: &[PumpReply]) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    for r in replies {
        match r {
            PumpReply::Status(s) => out.extend([0x01, 0x01, s.byte()]),
            PumpReply::Filling { volume, amount } => {
                out.extend([0x02, 0x08]);
                out.extend(bcd::encode(u64::from(*volume), 4)?);
                out.extend(bcd::encode(u64::from(*amount), 4)?);
            }
            PumpReply::Nozzle { price, nozzle, out: lifted } => {
                out.extend([0x03, 0x04]);
                out.extend(bcd::encode(u64::from(*price), 3)?);
                out.push((nozzle & 0x0F) | if *lifted { 0x10 } else { 0 });
            }
            PumpReply::Totals { counter, volume, amount, third } => {
                out.extend([0x65, 0x10, *counter]);
                for v in [volume, amount, third] {
                    out.extend(bcd::encode(*v, 5)?);
                }
            }
        }
    }
    Ok(out)
}

pub fn decode_replies(block: &[u8]) -> Result<Vec<PumpReply>, AppError> {
    transactions(block)?
        .into_iter()
        .map(|(trans, data)| {
            Ok(match trans {
                0x01 => {
                    expect_len(trans, data, 1)?;
                    PumpReply::Status(
                        PumpStatus::from_byte(data[0]).ok_or(AppError::BadValue { trans, value: data[0] })?,
                    )
                }
                0x02 => {
                    expect_len(trans, data, 8)?;
                    PumpReply::Filling {
                        volume: bcd_u32(bcd::decode(&data[..4])?),
                        amount: bcd_u32(bcd::decode(&data[4..])?),
                    }
                }
                0x03 => {
                    expect_len(trans, data, 4)?;
                    PumpReply::Nozzle {
                        price: bcd_u32(bcd::decode(&data[..3])?),
                        nozzle: data[3] & 0x0F,
                        out: data[3] & 0x10 != 0,
                    }
                }
                0x65 => {
                    expect_len(trans, data, 16)?;
                    PumpReply::Totals {
                        counter: data[0],
                        volume: bcd::decode(&data[1..6])?,
                        amount: bcd::decode(&data[6..11])?,
                        third: bcd::decode(&data[11..16])?,
                    }
                }
                other => return Err(AppError::UnknownTransaction(other)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_preset_and_authorize_block() {
        let block = encode_commands(&[PosCommand::PresetAmount(2000), PosCommand::Command(Dcc::Authorize)]).unwrap();
        assert_eq!(block, [0x04, 0x04, 0x00, 0x00, 0x20, 0x00, 0x01, 0x01, 0x06]);
        assert_eq!(
            decode_commands(&block).unwrap(),
            vec![PosCommand::PresetAmount(2000), PosCommand::Command(Dcc::Authorize)]
        );
        // 0x51 30 65 01 01: a totals request for nozzle 1 (CRC vector in line.rs).
        assert_eq!(decode_commands(&[0x65, 0x01, 0x01]).unwrap(), vec![PosCommand::RequestTotals(1)]);
    }

    #[test]
    fn replies_round_trip() {
        let replies = vec![
            PumpReply::Status(PumpStatus::Filling),
            PumpReply::Filling { volume: 1234, amount: 2147 },
            PumpReply::Nozzle { price: 1739, nozzle: 2, out: true },
            PumpReply::Totals { counter: 9, volume: 123_456_789, amount: 987_654_321, third: 0 },
        ];
        assert_eq!(decode_replies(&encode_replies(&replies).unwrap()).unwrap(), replies);
        // DC3 nozzle byte: bit 4 is "out of the holster".
        assert_eq!(encode_replies(&[PumpReply::Nozzle { price: 1739, nozzle: 2, out: true }]).unwrap()[5], 0x12);
    }

    #[test]
    fn malformed_blocks_are_errors() {
        assert_eq!(decode_replies(&[0x01, 0x01, 0x03]), Err(AppError::BadValue { trans: 0x01, value: 0x03 }));
        assert_eq!(decode_replies(&[0x02, 0x08, 0x00]), Err(AppError::Truncated { trans: 0x02, lng: 8, left: 1 }));
        assert_eq!(
            decode_replies(&[0x02, 0x02, 0x00, 0x00]),
            Err(AppError::BadLength { trans: 0x02, lng: 2, expected: 8 })
        );
        assert!(matches!(decode_replies(&[0x02, 0x08, 0, 0, 0, 0x1A, 0, 0, 0, 0]), Err(AppError::Bcd(_))));
        assert_eq!(decode_replies(&[0x77, 0x00]), Err(AppError::UnknownTransaction(0x77)));
        assert_eq!(decode_commands(&[0x01, 0x01, 0x07]), Err(AppError::BadValue { trans: 0x01, value: 0x07 }));
        // A transaction longer than its LNG byte can say is refused, not cut to a wrong length.
        assert_eq!(
            encode_commands(&[PosCommand::Prices(vec![1; 86])]),
            Err(AppError::TooLong { trans: 0x05, lng: 258 })
        );
        assert_eq!(
            encode_commands(&[PosCommand::AllowedNozzles(vec![1; 256])]),
            Err(AppError::TooLong { trans: 0x02, lng: 256 })
        );
    }
}
