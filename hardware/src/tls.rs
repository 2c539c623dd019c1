//! Veeder-Root TLS tank gauge, serial interface, computer format: the `i201` in-tank inventory
//! and `i202` in-tank delivery report requests and their replies, with the checksum, and a
//! simulated gauge.
//!
//! `i202` (TLS-300/350 manual 576013-635, function 202): `SOH i202TT YYMMDDHHmm {TT p dd {start
//! YYMMDDHHmm, end YYMMDDHHmm, NN, F1..FNN}*dd}* && CCCC ETX`, `dd` the number of deliveries
//! (decimal), each with NN (hex, 0A) floats: starting volume, TC volume, water, temperature,
//! height, then the same at the end.
//!
//! Request: `SOH i201TT` (TT = tank, `00` = all). Reply:
//! `SOH i201TT YYMMDDHHmm {TT p ssss NN F1..FNN}* && CCCC ETX`, each F an IEEE-754 single as 8
//! hex digits (volume, TC volume, ullage, height, water, temperature, water volume); CCCC the
//! 16-bit two's complement of the byte sum from SOH through `&&`.

pub const SOH: u8 = 0x01;
pub const ETX: u8 = 0x03;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    #[error("the reply does not start with SOH and end with ETX")]
    Framing,
    #[error("the gauge does not know the command (9999)")]
    UnknownCommand,
    #[error("checksum {found:04X} does not match {expected:04X}")]
    BadChecksum { expected: u16, found: u16 },
    #[error("the reply is not an i201 answer: {0}")]
    Malformed(String),
}

/// One tank's inventory.
#[derive(Debug, Clone, PartialEq)]
pub struct TankReading {
    pub tank: u8,
    pub product: char,
    /// Status bits as the gauge reports them (0 = no alarm).
    pub status: u16,
    pub volume: f32,
    pub tc_volume: f32,
    pub ullage: f32,
    pub height: f32,
    pub water: f32,
    pub temperature: f32,
    pub water_volume: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Inventory {
    /// The gauge's clock, `YYMMDDHHmm`.
    pub at: String,
    pub tanks: Vec<TankReading>,
}

/// Byte sum from SOH through `&&`, as a 16-bit two's complement.
pub fn checksum(bytes: &[u8]) -> u16 {
    let sum: u32 = bytes.iter().map(|&b| u32::from(b)).sum();
    (sum as u16).wrapping_neg()
}

pub fn request_i201(tank: u8) -> Vec<u8> {
    let mut r = vec![SOH];
    r.extend(format!("i201{tank:02}").bytes());
    r
}

/// Hex digits only: `from_str_radix` alone would also take a leading `+`.
fn hex(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 8 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// Eight hex digits holding an IEEE-754 single; a NaN or an infinity is not a reading.
fn hex_f32(s: &str) -> Result<f32, TlsError> {
    hex(s)
        .filter(|_| s.len() == 8)
        .map(f32::from_bits)
        .filter(|f| f.is_finite())
        .ok_or_else(|| TlsError::Malformed(format!("'{s}' is not a hex float")))
}

/// The data of a reply to `cmd` (`i201`, `i202`) between SOH and `&&`, once framing and the
/// checksum are right.
fn checked_data<'a>(reply: &'a [u8], cmd: &str) -> Result<&'a str, TlsError> {
    if reply.len() < 8 || reply[0] != SOH || reply[reply.len() - 1] != ETX {
        return Err(TlsError::Framing);
    }
    let body = &reply[1..reply.len() - 1];
    if body.starts_with(b"9999") {
        return Err(TlsError::UnknownCommand);
    }
    if !body.is_ascii() {
        return Err(TlsError::Malformed("not ASCII".into()));
    }
    let text = std::str::from_utf8(body).map_err(|_| TlsError::Malformed("not ASCII".into()))?;
    let amp = text.rfind("&&").ok_or_else(|| TlsError::Malformed("no && before the checksum".into()))?;
    let digits = &text[amp + 2..];
    let found = hex(digits)
        .filter(|_| digits.len() == 4)
        .and_then(|c| u16::try_from(c).ok())
        .ok_or_else(|| TlsError::Malformed("bad checksum digits".into()))?;
    let expected = checksum(&reply[..1 + amp + 2]);
    if found != expected {
        return Err(TlsError::BadChecksum { expected, found });
    }
    let data = &text[..amp];
    if !data.starts_with(cmd) || data.len() < 16 {
        return Err(TlsError::Malformed(format!("'{}'", data.chars().take(16).collect::<String>())));
    }
    Ok(data)
}

fn two_digits(s: &str, what: &str) -> Result<u8, TlsError> {
    Some(s)
        .filter(|t| t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<u8>().ok())
        .ok_or_else(|| TlsError::Malformed(format!("bad {what}")))
}

/// A gauge time `YYMMDDHHmm`.
fn stamp(s: &str) -> Result<String, TlsError> {
    if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err(TlsError::Malformed(format!("'{s}' is not a time")))
    }
}

/// Parses an i201 reply; the checksum is checked before anything is read.
pub fn parse_i201(reply: &[u8]) -> Result<Inventory, TlsError> {
    let data = checked_data(reply, "i201")?;
    let at = stamp(&data[6..16])?;
    let mut rest = &data[16..];
    let mut tanks = Vec::new();
    while !rest.is_empty() {
        if rest.len() < 9 {
            return Err(TlsError::Malformed("a tank record is cut short".into()));
        }
        let tank = Some(&rest[..2])
            .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<u8>().ok())
            .ok_or_else(|| TlsError::Malformed("bad tank number".into()))?;
        let product = rest[2..3].chars().next().unwrap_or('?');
        let status = hex(&rest[3..7])
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| TlsError::Malformed("bad status".into()))?;
        let n = hex(&rest[7..9]).map(|n| n as usize).ok_or_else(|| TlsError::Malformed("bad field count".into()))?;
        if n < 7 || rest.len() < 9 + 8 * n {
            return Err(TlsError::Malformed(format!("tank {tank}: {n} fields")));
        }
        let f: Vec<f32> = (0..n).map(|i| hex_f32(&rest[9 + 8 * i..17 + 8 * i])).collect::<Result<_, _>>()?;
        tanks.push(TankReading {
            tank,
            product,
            status,
            volume: f[0],
            tc_volume: f[1],
            ullage: f[2],
            height: f[3],
            water: f[4],
            temperature: f[5],
            water_volume: f[6],
        });
        rest = &rest[9 + 8 * n..];
    }
    Ok(Inventory { at, tanks })
}

/// Encodes an i201 reply (the simulator's side).
pub fn encode_i201(tank: u8, inv: &Inventory) -> Vec<u8> {
    let mut s = format!("i201{tank:02}{}", inv.at);
    for t in inv.tanks.iter().filter(|t| tank == 0 || t.tank == tank) {
        s += &format!("{:02}{}{:04X}07", t.tank, t.product, t.status);
        for v in [t.volume, t.tc_volume, t.ullage, t.height, t.water, t.temperature, t.water_volume] {
            s += &format!("{:08X}", v.to_bits());
        }
    }
    s += "&&";
    let mut out = vec![SOH];
    out.extend(s.bytes());
    let c = checksum(&out);
    out.extend(format!("{c:04X}").bytes());
    out.push(ETX);
    out
}

/// One delivery into a tank, as the gauge saw its level rise.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub tank: u8,
    pub product: char,
    /// Gauge times, `YYMMDDHHmm`.
    pub start: String,
    pub end: String,
    pub start_volume: f32,
    pub end_volume: f32,
}

pub fn request_i202(tank: u8) -> Vec<u8> {
    let mut r = vec![SOH];
    r.extend(format!("i202{tank:02}").bytes());
    r
}

/// Parses an i202 reply: the gauge's time and the deliveries it keeps (newest first, as the
/// gauge lists them); the checksum is checked before anything is read.
pub fn parse_i202(reply: &[u8]) -> Result<(String, Vec<Delivery>), TlsError> {
    let data = checked_data(reply, "i202")?;
    let at = stamp(&data[6..16])?;
    let mut rest = &data[16..];
    let mut out = Vec::new();
    while !rest.is_empty() {
        if rest.len() < 5 {
            return Err(TlsError::Malformed("a tank record is cut short".into()));
        }
        let tank = two_digits(&rest[..2], "tank number")?;
        let product = rest[2..3].chars().next().unwrap_or('?');
        let count = two_digits(&rest[3..5], "delivery count")?;
        rest = &rest[5..];
        for _ in 0..count {
            if rest.len() < 22 {
                return Err(TlsError::Malformed(format!("tank {tank}: a delivery is cut short")));
            }
            let (start, end) = (stamp(&rest[..10])?, stamp(&rest[10..20])?);
            let n =
                hex(&rest[20..22]).map(|n| n as usize).ok_or_else(|| TlsError::Malformed("bad field count".into()))?;
            if n < 10 || rest.len() < 22 + 8 * n {
                return Err(TlsError::Malformed(format!("tank {tank}: a delivery of {n} fields")));
            }
            let f: Vec<f32> = (0..n).map(|i| hex_f32(&rest[22 + 8 * i..30 + 8 * i])).collect::<Result<_, _>>()?;
            out.push(Delivery { tank, product, start, end, start_volume: f[0], end_volume: f[5] });
            rest = &rest[22 + 8 * n..];
        }
    }
    Ok((at, out))
}

/// Encodes an i202 reply (the simulator's side); the other fields are made up from the volumes.
pub fn encode_i202(tank: u8, at: &str, tanks: &[(u8, char)], deliveries: &[Delivery]) -> Vec<u8> {
    let mut s = format!("i202{tank:02}{at}");
    for (t, product) in tanks.iter().filter(|(t, _)| tank == 0 || *t == tank) {
        let mine: Vec<&Delivery> = deliveries.iter().filter(|d| d.tank == *t).rev().take(10).collect();
        s += &format!("{t:02}{product}{:02}", mine.len());
        for d in mine {
            s += &format!("{}{}0A", d.start, d.end);
            let fields = [d.start_volume, d.start_volume - 10.0, 0.0, 14.0, 800.0, d.end_volume, d.end_volume - 10.0];
            for v in fields.into_iter().chain([0.0, 14.5, 1500.0]) {
                s += &format!("{:08X}", f32::to_bits(v));
            }
        }
    }
    s += "&&";
    let mut out = vec![SOH];
    out.extend(s.bytes());
    let c = checksum(&out);
    out.extend(format!("{c:04X}").bytes());
    out.push(ETX);
    out
}

/// The gauge time a minute later (`YYMMDDHHmm`; the simulator's clock, months of 28 days).
fn next_minute(at: &str) -> String {
    let n = |r: std::ops::Range<usize>| at.get(r).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    let (mut y, mut mo, mut d, mut h, mut mi) = (n(0..2), n(2..4).max(1), n(4..6).max(1), n(6..8), n(8..10) + 1);
    if mi == 60 {
        (mi, h) = (0, h + 1);
    }
    if h == 24 {
        (h, d) = (0, d + 1);
    }
    if d > 28 {
        (d, mo) = (1, mo + 1);
    }
    if mo > 12 {
        (mo, y) = (1, (y + 1) % 100);
    }
    format!("{y:02}{mo:02}{d:02}{h:02}{mi:02}")
}

/// A simulated gauge: answers `SOH i201TT` and `SOH i202TT` requests, `9999FF1B` to anything else.
#[derive(Debug, Clone)]
pub struct SimGauge {
    pub inventory: Inventory,
    /// The deliveries it keeps, oldest first.
    pub deliveries: Vec<Delivery>,
    buf: Vec<u8>,
}

impl SimGauge {
    pub fn new(tanks: Vec<TankReading>) -> SimGauge {
        SimGauge { inventory: Inventory { at: "2611241200".into(), tanks }, deliveries: Vec::new(), buf: Vec::new() }
    }

    /// A delivery of `litres` into `tank`, taking the next minute of the gauge's clock: its
    /// level rises by as much.
    pub fn deliver(&mut self, tank: u8, litres: f32) {
        let start = self.inventory.at.clone();
        let at = next_minute(&start);
        self.inventory.at = at.clone();
        if let Some(t) = self.inventory.tanks.iter_mut().find(|t| t.tank == tank) {
            let start_volume = t.volume;
            t.volume += litres;
            t.tc_volume += litres;
            t.ullage -= litres;
            self.deliveries.push(Delivery {
                tank,
                product: t.product,
                start,
                end: at,
                start_volume,
                end_volume: t.volume,
            });
        }
    }

    /// Feeds request bytes; returns the reply once a whole request (SOH + 6 characters) is in.
    pub fn on_bytes(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == SOH {
                self.buf.clear();
            }
            self.buf.push(b);
            if self.buf.len() == 7 && self.buf[0] == SOH {
                let req = String::from_utf8_lossy(&self.buf[1..]).to_string();
                let tanks: Vec<(u8, char)> = self.inventory.tanks.iter().map(|t| (t.tank, t.product)).collect();
                out.extend(match (req.get(..4), req.get(4..6).and_then(|t| t.parse::<u8>().ok())) {
                    (Some("i201"), Some(tank)) => encode_i201(tank, &self.inventory),
                    (Some("i202"), Some(tank)) => encode_i202(tank, &self.inventory.at, &tanks, &self.deliveries),
                    _ => b"\x019999FF1B\x03".to_vec(),
                });
                self.buf.clear();
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tank(n: u8, volume: f32, water: f32) -> TankReading {
        TankReading {
            tank: n,
            product: '1',
            status: 0,
            volume,
            tc_volume: volume - 12.5,
            ullage: 30000.0 - volume,
            height: 1234.5,
            water,
            temperature: 14.25,
            water_volume: water * 3.0,
        }
    }

    /// `text` (SOH .. checksum ETX) with its checksum made right again.
    fn with_checksum(text: &str) -> Vec<u8> {
        let amp = text.rfind("&&").unwrap() + 2;
        let mut out = text.as_bytes()[..amp].to_vec();
        let c = checksum(&out);
        out.extend(format!("{c:04X}").bytes());
        out.push(ETX);
        out
    }

    #[test]
    fn checksum_vector() {
        let reply = b"\x01i101002312301342020402&&FB3B\x03";
        let amp = reply.len() - 5; // up to and including "&&"
        assert_eq!(checksum(&reply[..amp]), 0xFB3B);
    }

    #[test]
    fn i201_round_trip_and_rejection() {
        let inv = Inventory { at: "2611241200".into(), tanks: vec![tank(1, 12000.0, 0.0), tank(2, 850.5, 41.0)] };
        let wire = encode_i201(0, &inv);
        assert_eq!(parse_i201(&wire).unwrap(), inv);
        let one = parse_i201(&encode_i201(2, &inv)).unwrap();
        assert_eq!(one.tanks.len(), 1);
        assert_eq!(one.tanks[0].tank, 2);
        let mut bad = wire.clone();
        bad[20] = if bad[20] == b'0' { b'1' } else { b'0' };
        assert!(matches!(parse_i201(&bad), Err(TlsError::BadChecksum { .. })));
        assert_eq!(parse_i201(b"\x019999FF1B\x03"), Err(TlsError::UnknownCommand));
        assert_eq!(parse_i201(b"i201"), Err(TlsError::Framing));
        // A `+` where hex digits belong, or a float that is not a number, is no reading.
        let plus = String::from_utf8(wire.clone()).unwrap().replacen("0000", "+000", 1);
        assert!(matches!(parse_i201(&with_checksum(&plus)), Err(TlsError::Malformed(_))), "{plus:?}");
        let nan = Inventory { at: inv.at.clone(), tanks: vec![tank(1, f32::NAN, 0.0)] };
        assert!(matches!(parse_i201(&encode_i201(0, &nan)), Err(TlsError::Malformed(_))));
        let short_sum = String::from_utf8(wire.clone()).unwrap();
        let cut = format!("{}\u{3}", &short_sum[..short_sum.len() - 2]);
        assert!(matches!(parse_i201(cut.as_bytes()), Err(TlsError::Malformed(_))), "three checksum digits");
        assert_eq!(
            parse_i201("\u{1}i20100ééééééééééééé&&0000\u{3}".as_bytes()),
            Err(TlsError::Malformed("not ASCII".into()))
        );
    }

    #[test]
    fn i202_round_trip_and_rejection() {
        let mut g = SimGauge::new(vec![tank(1, 12000.0, 0.0), tank(2, 500.0, 0.0)]);
        g.deliver(2, 3000.0);
        g.inventory.at = "2612042359".into();
        g.deliver(2, 1000.0);
        let (at, list) = parse_i202(&g.on_bytes(&request_i202(0))).unwrap();
        assert_eq!(at, "2612050000", "a minute later");
        assert_eq!(list.len(), 2, "{list:?}");
        assert_eq!((list[0].tank, list[0].start.as_str(), list[0].end.as_str()), (2, "2612042359", "2612050000"));
        assert_eq!((list[0].start_volume, list[0].end_volume), (3500.0, 4500.0));
        assert_eq!(list[1].end_volume - list[1].start_volume, 3000.0);
        let one = parse_i202(&g.on_bytes(&request_i202(1))).unwrap();
        assert!(one.1.is_empty(), "no deliveries into tank 1");
        let wire = g.on_bytes(&request_i202(2));
        let mut bad = wire.clone();
        bad[30] ^= 1;
        assert!(matches!(parse_i202(&bad), Err(TlsError::BadChecksum { .. }) | Err(TlsError::Malformed(_))));
        let text = String::from_utf8(wire).unwrap();
        let more = text.replacen("2612050000", "26120500x0", 2);
        assert!(matches!(parse_i202(&with_checksum(&more)), Err(TlsError::Malformed(_))), "a time that is no time");
        let cut = text.replacen("0A", "03", 1);
        assert!(matches!(parse_i202(&with_checksum(&cut)), Err(TlsError::Malformed(_))), "too few fields");
        assert!(matches!(parse_i202(&encode_i201(0, &g.inventory)), Err(TlsError::Malformed(_))), "an i201 reply");
    }

    #[test]
    fn the_simulated_gauge_answers_requests() {
        let mut g = SimGauge::new(vec![tank(1, 12000.0, 0.0)]);
        let r = g.on_bytes(&request_i201(0));
        assert_eq!(parse_i201(&r).unwrap().tanks[0].volume, 12000.0);
        assert_eq!(g.on_bytes(b"\x01x99900"), b"\x019999FF1B\x03");
    }
}
