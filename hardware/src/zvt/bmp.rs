//! ZVT bitmaps (BMPs): a one-byte tag and a value whose length the tag fixes, or an LLVAR
//! (`F0..F9 F0..F9` then the bytes), an LLLVAR (three such digits), or for tag `06` a BER-TLV
//! container. An unknown tag stops the parse: its length cannot be known.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BmpError {
    #[error("BMP {0:02X} is not one Till knows; the rest of the message cannot be read")]
    Unknown(u8),
    #[error("BMP {tag:02X} ends early ({have} of {need} bytes)")]
    Short { tag: u8, have: usize, need: usize },
    #[error("BMP {tag:02X} has a bad length prefix")]
    BadLength { tag: u8 },
}

/// How a tag's value is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Len {
    Fixed(usize),
    Ll,
    Lll,
    Tlv,
}

fn length_of(tag: u8) -> Option<Len> {
    use Len::*;
    Some(match tag {
        0x01 | 0x02 | 0x03 | 0x05 | 0x19 | 0x27 | 0x8A | 0x8C | 0xA0 | 0xD0 | 0xD2 | 0xD3 | 0xE0 | 0xE9 | 0xEA
        | 0xF0 | 0xF9 | 0xFA | 0xFB | 0xFC | 0xFD | 0xFE => Fixed(1),
        0x0D | 0x0E | 0x17 | 0x3A | 0x49 | 0x87 => Fixed(2),
        0x0B | 0x0C | 0x37 | 0x3D | 0x88 => Fixed(3),
        0x29 => Fixed(4),
        0xBA => Fixed(5),
        0x04 => Fixed(6),
        0x3B | 0xEB => Fixed(8),
        0x2A => Fixed(15),
        0x22 | 0x23 | 0x2D | 0x8B | 0xA7 | 0xD1 | 0xE1..=0xE4 | 0xF1..=0xF8 => Ll,
        0x24 | 0x2E | 0x3C | 0x60 | 0x92 | 0x9A | 0xAF => Lll,
        0x06 => Tlv,
        _ => return None,
    })
}

/// Reads BMPs until the data ends.
pub fn parse(mut data: &[u8]) -> Result<Vec<(u8, Vec<u8>)>, BmpError> {
    let mut out = Vec::new();
    while let Some((&tag, rest)) = data.split_first() {
        let (value, left) = take(tag, rest)?;
        out.push((tag, value.to_vec()));
        data = left;
    }
    Ok(out)
}

fn take(tag: u8, rest: &[u8]) -> Result<(&[u8], &[u8]), BmpError> {
    let (skip, n) = match length_of(tag).ok_or(BmpError::Unknown(tag))? {
        Len::Fixed(n) => (0, n),
        Len::Ll => (2, var_len(tag, rest, 2)?),
        Len::Lll => (3, var_len(tag, rest, 3)?),
        Len::Tlv => tlv_len(tag, rest)?,
    };
    let need = skip + n;
    if rest.len() < need {
        return Err(BmpError::Short { tag, have: rest.len(), need });
    }
    Ok((&rest[skip..need], &rest[need..]))
}

fn var_len(tag: u8, rest: &[u8], digits: usize) -> Result<usize, BmpError> {
    if rest.len() < digits {
        return Err(BmpError::Short { tag, have: rest.len(), need: digits });
    }
    rest[..digits].iter().try_fold(0usize, |n, &b| {
        if b & 0xF0 == 0xF0 && b & 0x0F <= 9 {
            Ok(n * 10 + usize::from(b & 0x0F))
        } else {
            Err(BmpError::BadLength { tag })
        }
    })
}

/// A BER length: `0x00..0x7F`, `81 n`, `82 hi lo`. Returns (length bytes, value length).
fn tlv_len(tag: u8, rest: &[u8]) -> Result<(usize, usize), BmpError> {
    let short = |need| BmpError::Short { tag, have: rest.len(), need };
    match *rest.first().ok_or(short(1))? {
        n @ 0x00..=0x7F => Ok((1, usize::from(n))),
        0x81 => Ok((2, usize::from(*rest.get(1).ok_or(short(2))?))),
        0x82 => {
            let (hi, lo) = (*rest.get(1).ok_or(short(3))?, *rest.get(2).ok_or(short(3))?);
            Ok((3, usize::from(hi) << 8 | usize::from(lo)))
        }
        _ => Err(BmpError::BadLength { tag }),
    }
}

/// Encodes a BER length for a TLV.
pub fn ber_len(n: usize) -> Vec<u8> {
    match n {
        0..=0x7F => vec![n as u8],
        0x80..=0xFF => vec![0x81, n as u8],
        _ => vec![0x82, (n >> 8) as u8, (n & 0xFF) as u8],
    }
}

/// An LLVAR's length prefix.
pub fn ll(n: usize) -> [u8; 2] {
    [0xF0 | ((n / 10) % 10) as u8, 0xF0 | (n % 10) as u8]
}

/// An LLLVAR's length prefix.
pub fn lll(n: usize) -> [u8; 3] {
    [0xF0 | ((n / 100) % 10) as u8, 0xF0 | ((n / 10) % 10) as u8, 0xF0 | (n % 10) as u8]
}

/// The objects of a BER-TLV container (tag 06's value), nested constructed objects flattened
/// into (tag, value) pairs in order. Damaged TLV data yields what could be read before it.
pub fn tlv_objects(mut data: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let first = data[0];
        let mut tag = u32::from(first);
        let mut i = 1;
        if first & 0x1F == 0x1F {
            loop {
                let Some(&b) = data.get(i) else { return out };
                tag = tag << 8 | u32::from(b);
                i += 1;
                if b & 0x80 == 0 || i > 4 {
                    break;
                }
            }
        }
        let Ok((skip, n)) = tlv_len(0x06, &data[i..]) else { return out };
        let Some(value) = data.get(i + skip..i + skip + n) else { return out };
        if first & 0x20 != 0 {
            out.push((tag, Vec::new()));
            out.extend(tlv_objects(value));
        } else {
            out.push((tag, value.to_vec()));
        }
        data = &data[i + skip + n..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fixed_and_variable_fields() {
        // Result 00, amount 12.34, trace 000042, PAN 6725********1234, card name "Visa".
        let mut data = vec![0x27, 0x00, 0x04, 0, 0, 0, 0, 0x12, 0x34, 0x0B, 0x00, 0x00, 0x42];
        data.extend([0x22, 0xF0, 0xF8, 0x67, 0x25, 0xEE, 0xEE, 0xEE, 0xEE, 0x12, 0x34]);
        data.extend([0x8B, 0xF0, 0xF4]);
        data.extend(b"Visa");
        let f = parse(&data).unwrap();
        assert_eq!(f.len(), 5);
        assert_eq!(f[1], (0x04, vec![0, 0, 0, 0, 0x12, 0x34]));
        assert_eq!(f[4], (0x8B, b"Visa".to_vec()));
        assert_eq!(parse(&[0x27]), Err(BmpError::Short { tag: 0x27, have: 0, need: 1 }));
        assert_eq!(parse(&[0x55, 0]), Err(BmpError::Unknown(0x55)));
        assert_eq!(parse(&[0x22, 0xF0, 0x3F]), Err(BmpError::BadLength { tag: 0x22 }));
    }

    #[test]
    fn tlv_containers() {
        // 06 with a constructed 25 holding two 07 text lines.
        let inner = [0x07, 0x02, b'H', b'i', 0x07, 0x01, b'!'];
        let mut c = vec![0x25, inner.len() as u8];
        c.extend(inner);
        let mut data = vec![0x06];
        data.extend(ber_len(c.len()));
        data.extend(&c);
        let f = parse(&data).unwrap();
        let objs = tlv_objects(&f[0].1);
        assert_eq!(objs, vec![(0x25, vec![]), (0x07, b"Hi".to_vec()), (0x07, b"!".to_vec())]);
        assert_eq!(ber_len(200), vec![0x81, 200]);
        assert_eq!(ber_len(300), vec![0x82, 0x01, 0x2C]);
        assert_eq!(ll(17), [0xF1, 0xF7]);
        assert_eq!(lll(123), [0xF1, 0xF2, 0xF3]);
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_refuse(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
            let _ = tlv_objects(&bytes);
        }
    }
}
