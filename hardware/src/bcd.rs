//! Packed BCD, most significant byte first (DART, ZVT).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BcdError {
    #[error("{value} does not fit in {bytes} BCD bytes")]
    TooLarge { value: u64, bytes: usize },
    #[error("byte {byte:02X} is not packed BCD")]
    NotBcd { byte: u8 },
    #[error("{0} BCD bytes are more than a u64 holds")]
    TooLong(usize),
}

/// Encodes `value` into exactly `bytes` bytes of packed BCD.
pub fn encode(value: u64, bytes: usize) -> Result<Vec<u8>, BcdError> {
    let mut out = vec![0u8; bytes];
    let mut v = value;
    for b in out.iter_mut().rev() {
        let lo = (v % 10) as u8;
        v /= 10;
        let hi = (v % 10) as u8;
        v /= 10;
        *b = (hi << 4) | lo;
    }
    if v != 0 {
        return Err(BcdError::TooLarge { value, bytes });
    }
    Ok(out)
}

/// Decodes packed BCD; a nibble above 9 is an error, never a guess.
pub fn decode(data: &[u8]) -> Result<u64, BcdError> {
    if data.len() > 9 {
        return Err(BcdError::TooLong(data.len()));
    }
    let mut v: u64 = 0;
    for &byte in data {
        let (hi, lo) = (byte >> 4, byte & 0x0F);
        if hi > 9 || lo > 9 {
            return Err(BcdError::NotBcd { byte });
        }
        v = v * 100 + u64::from(hi) * 10 + u64::from(lo);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert_eq!(encode(2000, 4).unwrap(), [0x00, 0x00, 0x20, 0x00]);
        assert_eq!(decode(&[0x00, 0x00, 0x20, 0x00]).unwrap(), 2000);
        assert_eq!(encode(1799, 3).unwrap(), [0x00, 0x17, 0x99]);
        assert_eq!(encode(1_000_000, 3), Err(BcdError::TooLarge { value: 1_000_000, bytes: 3 }));
        assert_eq!(decode(&[0x1A]), Err(BcdError::NotBcd { byte: 0x1A }));
    }

    proptest! {
        #[test]
        fn round_trip(v in 0u64..10_000_000_000, extra in 0usize..3) {
            let bytes = 5 + extra;
            prop_assert_eq!(decode(&encode(v, bytes).unwrap()).unwrap(), v);
        }
    }
}
