//! Mettler Toledo MT-SICS level 0 scales: `S` asks for a stable weight, `SI` for the weight now,
//! `T` tares, `Z` zeroes; answers end in CR LF. `S S     1.234 kg` is stable, `S D ...` still
//! moving, `S +` / `S -` over- and underload, `ES`/`ET`/`EL` errors.

pub const CRLF: &str = "\r\n";

/// A weight reading.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    Stable {
        value: String,
        unit: String,
    },
    Moving {
        value: String,
        unit: String,
    },
    Overload,
    Underload,
    /// `ES` syntax error, `ET` transmission error, `EL` logical error, or an unexpected answer.
    Error(String),
}

/// The most digits a weight may have; a scale's display shows far fewer.
pub const MAX_WEIGHT_DIGITS: usize = 12;

/// Whether `s` is a weight as MT-SICS writes it: an optional `-`, digits, and optionally a `.`
/// followed by more digits. A `+`, an exponent, a digit separator, `inf` or `nan` is not one.
pub fn is_weight(s: &str) -> bool {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits) && int.len() + frac.map_or(0, str::len) <= MAX_WEIGHT_DIGITS
}

/// Parses one answer line (without CR LF). A weight answer is exactly `S S|D value unit`; the
/// value must be a weight (see [`is_weight`]), the unit is the scale's and is checked by the
/// caller.
pub fn parse(line: &str) -> Reading {
    let t = line.trim_end_matches(['\r', '\n']);
    let parts: Vec<&str> = t.split_whitespace().collect();
    match parts.as_slice() {
        ["S" | "SI", s @ ("S" | "D"), rest @ ..] => {
            let [value, unit] = rest else { return Reading::Error(format!("'{t}' has no weight and unit")) };
            if !is_weight(value) || !unit.chars().all(|c| c.is_ascii_alphabetic()) {
                return Reading::Error(format!("'{t}' has no weight"));
            }
            let (value, unit) = (value.to_string(), unit.to_string());
            if *s == "S" {
                Reading::Stable { value, unit }
            } else {
                Reading::Moving { value, unit }
            }
        }
        ["S" | "SI", "+"] => Reading::Overload,
        ["S" | "SI", "-"] => Reading::Underload,
        [e @ ("ES" | "ET" | "EL")] => Reading::Error(e.to_string()),
        _ => Reading::Error(format!("unexpected answer '{t}'")),
    }
}

/// What the simulated scale is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum SimState {
    /// A steady load in kilograms.
    Stable(f64),
    /// The load settles after this many more readings.
    Moving {
        reads_left: u32,
        settles_at: f64,
    },
    Overload,
    Underload,
}

/// A simulated MT-SICS scale.
#[derive(Debug, Clone)]
pub struct SimScale {
    pub state: SimState,
    pub tare: f64,
    buf: String,
}

impl SimScale {
    pub fn new(state: SimState) -> SimScale {
        SimScale { state, tare: 0.0, buf: String::new() }
    }

    fn gross(&self) -> f64 {
        match &self.state {
            SimState::Stable(w) => *w,
            SimState::Moving { settles_at, reads_left } => settles_at - 0.013 * f64::from(*reads_left),
            _ => 0.0,
        }
    }

    fn answer(&mut self, cmd: &str) -> String {
        let net = |w: f64, tare: f64| format!("{:>10.3} kg", w - tare);
        match cmd {
            "S" | "SI" => {
                let head = if cmd == "S" { "S" } else { "SI" };
                let r = match &mut self.state {
                    SimState::Overload => format!("{head} +"),
                    SimState::Underload => format!("{head} -"),
                    SimState::Stable(w) => format!("{head} S {}", net(*w, self.tare)),
                    SimState::Moving { reads_left, settles_at } => {
                        let w = *settles_at - 0.013 * f64::from(*reads_left);
                        if *reads_left == 0 {
                            let s = *settles_at;
                            self.state = SimState::Stable(s);
                            format!("{head} S {}", net(s, self.tare))
                        } else {
                            *reads_left -= 1;
                            format!("{head} D {}", net(w, self.tare))
                        }
                    }
                };
                r
            }
            "T" => {
                self.tare = self.gross();
                format!("T S {}", net(self.tare, 0.0))
            }
            "Z" => {
                self.tare = 0.0;
                "Z A".into()
            }
            _ => "ES".into(),
        }
    }

    /// Feeds request bytes; returns the answers.
    pub fn on_bytes(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.buf.push_str(&String::from_utf8_lossy(bytes));
        let mut out = String::new();
        while let Some(end) = self.buf.find(CRLF) {
            let cmd = self.buf[..end].trim().to_string();
            self.buf.drain(..end + 2);
            out.push_str(&self.answer(&cmd));
            out.push_str(CRLF);
        }
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_answers_of_the_reference() {
        assert_eq!(parse("S S     100.00 g"), Reading::Stable { value: "100.00".into(), unit: "g".into() });
        assert_eq!(
            parse("S D     0.755 kg\r\n".trim_end_matches("\r\n")),
            Reading::Moving { value: "0.755".into(), unit: "kg".into() }
        );
        assert_eq!(parse("S +"), Reading::Overload);
        assert_eq!(parse("S -"), Reading::Underload);
        assert_eq!(parse("ES"), Reading::Error("ES".into()));
        assert!(matches!(parse("S S abc kg"), Reading::Error(_)));
    }

    #[test]
    fn only_plain_decimal_weights_are_weights() {
        for ok in ["0", "1.250", "-0.500", "100.00", "123456789012"] {
            assert!(is_weight(ok), "{ok}");
        }
        for bad in [
            "",
            "-",
            "+2",
            "1e3",
            "1E3",
            "1_000",
            "inf",
            "NaN",
            ".5",
            "5.",
            "1.2.3",
            "--1",
            "1 000",
            "1234567890123",
            "١٢",
        ] {
            assert!(!is_weight(bad), "{bad}");
            assert!(matches!(parse(&format!("S S {bad} kg")), Reading::Error(_)), "{bad}");
        }
        assert!(matches!(parse("S S 1.0"), Reading::Error(_)), "no unit");
        assert!(matches!(parse("S S 1.0 kg kg"), Reading::Error(_)), "more than a unit");
        assert!(matches!(parse("S S 1.0 k\u{e9}"), Reading::Error(_)));
        assert_eq!(parse("S S     2.000 lb"), Reading::Stable { value: "2.000".into(), unit: "lb".into() });
        assert_eq!(parse("S + 1"), Reading::Error("unexpected answer 'S + 1'".into()));
    }

    #[test]
    fn the_simulated_scale_settles_tares_and_overloads() {
        let mut s = SimScale::new(SimState::Moving { reads_left: 2, settles_at: 0.755 });
        let ask = |s: &mut SimScale| parse(String::from_utf8(s.on_bytes(b"S\r\n")).unwrap().trim_end());
        assert!(matches!(ask(&mut s), Reading::Moving { .. }));
        assert!(matches!(ask(&mut s), Reading::Moving { .. }));
        assert_eq!(ask(&mut s), Reading::Stable { value: "0.755".into(), unit: "kg".into() });
        s.on_bytes(b"T\r\n");
        assert_eq!(ask(&mut s), Reading::Stable { value: "0.000".into(), unit: "kg".into() });
        s.state = SimState::Overload;
        assert_eq!(ask(&mut s), Reading::Overload);
    }
}
