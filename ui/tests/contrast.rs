//! WCAG AA contrast of every colour pair the screens use, in every theme, computed from the
//! colours in `ui/theme.slint` as written (the file is parsed, not copied): 4.5:1 for text,
//! 3:1 for large text and for the edges of keys and tiles against what is around them.

use std::collections::HashMap;

const THEME: &str = include_str!("../ui/theme.slint");
const MODES: [(&str, i32); 3] = [("light", 0), ("dark", 1), ("high contrast", 2)];

/// A colour property's value in `mode`: `#rrggbb`, or `mode == N ? #.. : mode == M ? #.. : #..`.
fn eval(expr: &str, mode: i32) -> Option<String> {
    let mut rest = expr.trim();
    loop {
        if let Some(cond) = rest.strip_prefix("mode ==") {
            let (n, tail) = cond.split_once('?')?;
            let (yes, no) = tail.split_once(':')?;
            if n.trim().parse::<i32>().ok()? == mode {
                return Some(yes.trim().to_string());
            }
            rest = no.trim();
        } else {
            return rest.starts_with('#').then(|| rest.to_string());
        }
    }
}

fn palette(mode: i32) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in THEME.lines() {
        let Some(decl) = line.trim().strip_prefix("out property <color> ") else { continue };
        let (name, expr) = decl.split_once(':').expect("name: value");
        let value = eval(expr.trim_end_matches(';'), mode)
            .unwrap_or_else(|| panic!("{name}: cannot read {expr:?} (keep theme colours literal)"));
        out.insert(name.trim().to_string(), value);
    }
    out
}

fn luminance(hex: &str) -> f64 {
    let hex = hex.trim_start_matches('#');
    assert_eq!(hex.len(), 6, "#{hex}: six hex digits expected");
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

fn ratio(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

const TEXT: f64 = 4.5;
const EDGE: f64 = 3.0;

/// (foreground, background, minimum, what): every pairing drawn on the screens.
const PAIRS: &[(&str, &str, f64, &str)] = &[
    ("text", "background", TEXT, "page text"),
    ("text", "surface", TEXT, "panel text"),
    ("text", "surface-alt", TEXT, "chip text"),
    ("text-muted", "background", TEXT, "hints on the page"),
    ("text-muted", "surface", TEXT, "hints and placeholders on panels and in the search box"),
    ("text-muted", "surface-alt", TEXT, "chip details, disabled keys"),
    ("text-muted", "key", TEXT, "key sub-labels"),
    ("text", "key", TEXT, "key labels"),
    ("text", "key-pressed", TEXT, "a pressed key"),
    ("text", "selected", TEXT, "the selected ticket line"),
    ("primary-text", "primary", TEXT, "Pay, Sign in"),
    ("danger-text", "danger", TEXT, "Void, Cancel ticket"),
    ("accent-text", "accent", TEXT, "selected category, Card"),
    ("warning-text", "warning", TEXT, "a calling pump, the demo badge"),
    ("notice-text", "notice", TEXT, "a notice in the banner"),
    ("error-text", "error", TEXT, "an error in the banner"),
    ("stop-text", "stop", TEXT, "STOP ALL"),
    ("pump-ink", "pump-offline", TEXT, "an offline pump"),
    ("pump-ink", "pump-filling", TEXT, "a filling pump"),
    ("pump-ink", "pump-completed", TEXT, "a fill to pay"),
    ("pump-ink", "pump-prepaid", TEXT, "a prepaid pump"),
    ("paper-ink", "paper", TEXT, "the receipt preview"),
    ("danger-ink", "surface", TEXT, "the word 'voided' and tank alarms"),
    ("border", "background", EDGE, "key and field edges on the page"),
    ("border", "surface", EDGE, "key and field edges on panels"),
    ("stop", "surface", EDGE, "STOP ALL against the status bar"),
    ("stop", "background", EDGE, "STOP ALL against the page"),
    ("primary", "background", EDGE, "the Pay key against the page"),
];

#[test]
fn every_colour_pair_of_every_theme_meets_wcag_aa() {
    let mut failures = Vec::new();
    for (name, mode) in MODES {
        let p = palette(mode);
        for (fg, bg, min, what) in PAIRS {
            let (f, b) = (&p[*fg], &p[*bg]);
            let r = ratio(f, b);
            if r < *min {
                failures.push(format!("{name}: {fg} {f} on {bg} {b} is {r:.2}:1, needs {min}:1 ({what})"));
            }
        }
    }
    assert!(failures.is_empty(), "contrast below WCAG AA:\n{}", failures.join("\n"));
}

#[test]
fn the_ratio_is_the_wcag_formula() {
    assert!((ratio("#000000", "#ffffff") - 21.0).abs() < 1e-9);
    assert!((ratio("#777777", "#ffffff") - 4.48).abs() < 0.01);
    assert_eq!(eval("mode == 1 ? #111111 : mode == 2 ? #222222 : #333333", 2).as_deref(), Some("#222222"));
    assert_eq!(eval("#abcdef", 0).as_deref(), Some("#abcdef"));
    // The old high-contrast STOP ALL, white on #ff4040, fails (about 3.5:1).
    assert!(ratio("#ffffff", "#ff4040") < TEXT);
}
