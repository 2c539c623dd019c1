//! Customer pole displays (2 lines of 20 characters): the Epson and CD5220 command sets, a
//! transliteration to what such displays can show, and a simulated display with a framebuffer.

pub const WIDTH: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Epson,
    Cd5220,
}

impl std::str::FromStr for Protocol {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "epson" => Ok(Protocol::Epson),
            "cd5220" => Ok(Protocol::Cd5220),
            other => Err(format!("display protocol '{other}' is not epson or cd5220")),
        }
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Protocol::Epson => "epson",
            Protocol::Cd5220 => "cd5220",
        })
    }
}

/// What a 7-bit display can show: accents dropped or spelled out, the euro as EUR, anything
/// else as `?`.
pub fn transliterate(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let t: &str = match c {
            c if c.is_ascii() && !c.is_ascii_control() => {
                out.push(c);
                continue;
            }
            'ä' => "ae",
            'ö' => "oe",
            'ü' => "ue",
            'Ä' => "Ae",
            'Ö' => "Oe",
            'Ü' => "Ue",
            'ß' => "ss",
            'à' | 'á' | 'â' | 'ã' | 'å' => "a",
            'À' | 'Á' | 'Â' | 'Ã' | 'Å' => "A",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'É' | 'È' | 'Ê' | 'Ë' => "E",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ó' | 'ò' | 'ô' | 'õ' => "o",
            'ú' | 'ù' | 'û' => "u",
            'ñ' => "n",
            'Ñ' => "N",
            'ç' => "c",
            'Ç' => "C",
            '€' => "EUR",
            '£' => "GBP",
            '₹' => "Rs",
            '×' => "x",
            '·' | '•' => "-",
            '\u{a0}' => " ",
            _ => "?",
        };
        out.push_str(t);
    }
    out
}

fn fit(text: &str) -> String {
    let t: String = transliterate(text).chars().take(WIDTH).collect();
    format!("{t:<WIDTH$}")
}

/// The bytes that show two lines (each cut or padded to 20 characters).
pub fn show(protocol: Protocol, upper: &str, lower: &str) -> Vec<u8> {
    let (u, l) = (fit(upper), fit(lower));
    match protocol {
        Protocol::Epson => {
            let mut b = vec![0x1B, 0x40, 0x0C, 0x1F, 0x01];
            b.extend([0x1F, 0x24, 1, 1]);
            b.extend(u.bytes());
            b.extend([0x1F, 0x24, 1, 2]);
            b.extend(l.bytes());
            b
        }
        Protocol::Cd5220 => {
            let mut b = vec![0x1B, 0x40, 0x0C];
            b.extend([0x1B, 0x51, 0x41]);
            b.extend(u.bytes());
            b.push(0x0D);
            b.extend([0x1B, 0x51, 0x42]);
            b.extend(l.bytes());
            b.push(0x0D);
            b
        }
    }
}

/// A simulated 2x20 display that understands both command sets.
#[derive(Debug, Clone)]
pub struct SimDisplay {
    pub lines: [String; 2],
    x: usize,
    y: usize,
    buf: Vec<u8>,
}

impl Default for SimDisplay {
    fn default() -> Self {
        SimDisplay { lines: [" ".repeat(WIDTH), " ".repeat(WIDTH)], x: 0, y: 0, buf: Vec::new() }
    }
}

impl SimDisplay {
    pub fn new() -> SimDisplay {
        SimDisplay::default()
    }

    fn put(&mut self, c: char) {
        if self.x < WIDTH && self.y < 2 {
            let mut chars: Vec<char> = self.lines[self.y].chars().collect();
            chars[self.x] = c;
            self.lines[self.y] = chars.into_iter().collect();
            self.x += 1;
        }
    }

    fn clear(&mut self) {
        self.lines = [" ".repeat(WIDTH), " ".repeat(WIDTH)];
        self.x = 0;
        self.y = 0;
    }

    pub fn on_bytes(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        while let Some(n) = self.step() {
            self.buf.drain(..n);
        }
    }

    fn step(&mut self) -> Option<usize> {
        let b = self.buf.clone();
        let first = *b.first()?;
        match first {
            0x0C => {
                self.clear();
                Some(1)
            }
            0x0B => {
                self.x = 0;
                self.y = 0;
                Some(1)
            }
            0x0D => {
                self.x = 0;
                Some(1)
            }
            0x18 => {
                self.lines[self.y.min(1)] = " ".repeat(WIDTH);
                self.x = 0;
                Some(1)
            }
            0x1B => match *b.get(1)? {
                0x40 => {
                    self.clear();
                    Some(2)
                }
                // CD5220: ESC Q A / ESC Q B text CR writes the upper / lower line.
                0x51 => {
                    let line = match *b.get(2)? {
                        0x41 => 0,
                        _ => 1,
                    };
                    let end = b.iter().skip(3).position(|&c| c == 0x0D)?;
                    self.lines[line] = " ".repeat(WIDTH);
                    self.x = 0;
                    self.y = line;
                    for &c in &b[3..3 + end] {
                        self.put(c as char);
                    }
                    Some(3 + end + 1)
                }
                0x6C => {
                    let (x, y) = (*b.get(2)?, *b.get(3)?);
                    self.x = usize::from(x.saturating_sub(1));
                    self.y = usize::from(y.saturating_sub(1)).min(1);
                    Some(4)
                }
                _ => Some(2),
            },
            0x1F => match *b.get(1)? {
                0x24 => {
                    let (x, y) = (*b.get(2)?, *b.get(3)?);
                    self.x = usize::from(x.saturating_sub(1));
                    self.y = usize::from(y.saturating_sub(1)).min(1);
                    Some(4)
                }
                0x58 => Some(3),
                _ => Some(2),
            },
            c => {
                self.put(c as char);
                Some(1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_command_sets_show_two_lines() {
        for p in [Protocol::Epson, Protocol::Cd5220] {
            let mut d = SimDisplay::new();
            d.on_bytes(&show(p, "Cola 0.5 l PET", "EUR 2.19"));
            assert_eq!(d.lines[0].trim_end(), "Cola 0.5 l PET", "{p:?}");
            assert_eq!(d.lines[1].trim_end(), "EUR 2.19", "{p:?}");
            d.on_bytes(&show(p, "A much longer product name than fits", ""));
            assert_eq!(d.lines[0], "A much longer produc");
            assert_eq!(d.lines[1].trim_end(), "");
        }
    }

    #[test]
    fn characters_a_display_cannot_show_are_transliterated() {
        assert_eq!(transliterate("Brötchen 0,45 €"), "Broetchen 0,45 EUR");
        assert_eq!(transliterate("Café ñ"), "Cafe n");
        assert_eq!(transliterate("नमस्ते"), "??????");
    }
}
