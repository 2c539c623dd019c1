//! Translations (Fluent files in `locales/`, compiled in) and locale formatting of amounts and
//! dates. Every string a person sees comes from here.

use crate::domain::money::Currency;
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// The languages Till ships, with their own names.
pub const LANGUAGES: [(&str, &str); 5] = [
    ("en-US", "English"),
    ("de-DE", "Deutsch"),
    ("es-ES", "Español"),
    ("id-ID", "Bahasa Indonesia"),
    ("hi-IN", "हिन्दी"),
];

/// The Fluent sources, one file per language.
pub const SOURCES: [(&str, &str); 5] = [
    ("en-US", include_str!("../../locales/en-US/till.ftl")),
    ("de-DE", include_str!("../../locales/de-DE/till.ftl")),
    ("es-ES", include_str!("../../locales/es-ES/till.ftl")),
    ("id-ID", include_str!("../../locales/id-ID/till.ftl")),
    ("hi-IN", include_str!("../../locales/hi-IN/till.ftl")),
];

/// How a locale writes numbers, amounts and dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocaleFormat {
    pub decimal: char,
    pub group: char,
    /// Indian grouping: the last three digits, then groups of two (1,23,45,678).
    pub indian: bool,
    /// Grouping starts only from this many integer digits (Spanish writes 1234 but 12.345).
    pub min_grouping: usize,
    /// Currency symbol after the number ("12,50 €") rather than before ("€12.50").
    pub symbol_after: bool,
    pub hour12: bool,
    /// Day before month in dates.
    pub day_first: bool,
    pub date_sep: char,
    pub time_sep: char,
}

pub fn locale_format(lang: &str) -> LocaleFormat {
    let base = LocaleFormat {
        decimal: '.',
        group: ',',
        indian: false,
        min_grouping: 1,
        symbol_after: false,
        hour12: true,
        day_first: false,
        date_sep: '/',
        time_sep: ':',
    };
    match lang {
        "de-DE" => LocaleFormat {
            decimal: ',',
            group: '.',
            symbol_after: true,
            hour12: false,
            day_first: true,
            date_sep: '.',
            ..base
        },
        "es-ES" => LocaleFormat {
            decimal: ',',
            group: '.',
            min_grouping: 2,
            symbol_after: true,
            hour12: false,
            day_first: true,
            ..base
        },
        "id-ID" => LocaleFormat { decimal: ',', group: '.', hour12: false, day_first: true, time_sep: '.', ..base },
        "hi-IN" => LocaleFormat { indian: true, day_first: true, ..base },
        _ => base,
    }
}

impl LocaleFormat {
    /// Formats a decimal with exactly `decimals` places, grouped.
    pub fn number(&self, value: Decimal, decimals: u32) -> String {
        // Amounts arrive exact; this rounding only matters for display of finer values.
        let mut v = crate::domain::money::RoundingRule::HalfUp.round_dp(value, decimals);
        v.rescale(decimals);
        let text = v.abs().to_string();
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i.to_string(), Some(f.to_string())),
            None => (text, None),
        };
        let mut out = String::new();
        if v.is_sign_negative() && !v.is_zero() {
            out.push('-');
        }
        out.push_str(&self.group_digits(&int));
        if let Some(f) = frac {
            out.push(self.decimal);
            out.push_str(&f);
        }
        out
    }

    fn group_digits(&self, int: &str) -> String {
        let n = int.len();
        if n <= 3 || n < self.min_grouping + 3 {
            return int.to_string();
        }
        // Positions (from the right) after which a separator goes.
        let mut cuts = vec![3];
        let step = if self.indian { 2 } else { 3 };
        while cuts.last().copied().unwrap_or(n) + step < n {
            let last = cuts.last().copied().unwrap_or(n);
            cuts.push(last + step);
        }
        let mut out = String::with_capacity(n + cuts.len());
        for (i, ch) in int.chars().enumerate() {
            let from_right = n - i;
            if i > 0 && cuts.contains(&from_right) {
                out.push(self.group);
            }
            out.push(ch);
        }
        out
    }

    /// Formats an amount of money with the currency's decimals and symbol.
    /// A negative amount has its sign first, before the symbol (-€2.19, -2,19 €).
    pub fn money(&self, value: Decimal, currency: &Currency) -> String {
        let num = self.number(value.abs(), currency.minor_units);
        let sign = if value.is_sign_negative() && !value.is_zero() { "-" } else { "" };
        let sym = currency_symbol(&currency.code);
        if self.symbol_after {
            format!("{sign}{num}\u{a0}{sym}")
        } else if sym.chars().all(|c| c.is_ascii_alphabetic()) {
            format!("{sign}{sym}\u{a0}{num}")
        } else {
            format!("{sign}{sym}{num}")
        }
    }

    pub fn date(&self, t: &chrono::NaiveDateTime) -> String {
        use chrono::Datelike;
        let (d, m, y) = (t.day(), t.month(), t.year());
        let s = self.date_sep;
        if self.day_first {
            format!("{d:02}{s}{m:02}{s}{y}")
        } else {
            format!("{m:02}{s}{d:02}{s}{y}")
        }
    }

    pub fn time(&self, t: &chrono::NaiveDateTime) -> String {
        use chrono::Timelike;
        let (h, min) = (t.hour(), t.minute());
        let s = self.time_sep;
        if self.hour12 {
            let h12 = if h % 12 == 0 { 12 } else { h % 12 };
            format!("{h12}{s}{min:02}\u{a0}{}", if h < 12 { "AM" } else { "PM" })
        } else {
            format!("{h:02}{s}{min:02}")
        }
    }
}

/// The symbol shown for a currency code; the code itself where there is no common symbol.
pub fn currency_symbol(code: &str) -> &str {
    match code {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "INR" => "₹",
        "IDR" => "Rp",
        "JPY" => "¥",
        other => other,
    }
}

/// The loaded translations and the current language.
pub struct I18n {
    bundles: Vec<(&'static str, FluentBundle<FluentResource>)>,
    current: usize,
}

/// A Fluent file that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("locales/{lang}/till.ftl does not parse: {detail}")]
pub struct LocaleError {
    pub lang: String,
    pub detail: String,
}

impl I18n {
    pub fn new() -> Result<I18n, LocaleError> {
        let mut bundles = Vec::new();
        for (lang, source) in SOURCES {
            let res = FluentResource::try_new(source.to_string())
                .map_err(|(_, errs)| LocaleError { lang: lang.into(), detail: format!("{errs:?}") })?;
            let id: unic_langid::LanguageIdentifier =
                lang.parse().map_err(|e| LocaleError { lang: lang.into(), detail: format!("{e}") })?;
            let mut bundle = FluentBundle::new(vec![id]);
            // No Unicode isolation marks: the fonts would draw them as boxes.
            bundle.set_use_isolating(false);
            bundle.add_resource(res).map_err(|errs| LocaleError { lang: lang.into(), detail: format!("{errs:?}") })?;
            bundles.push((lang, bundle));
        }
        Ok(I18n { bundles, current: 0 })
    }

    pub fn language(&self) -> &'static str {
        self.bundles[self.current].0
    }

    /// Switches the language; unknown codes are refused.
    pub fn set_language(&mut self, lang: &str) -> bool {
        match self.bundles.iter().position(|(l, _)| *l == lang) {
            Some(i) => {
                self.current = i;
                true
            }
            None => false,
        }
    }

    pub fn format(&self) -> LocaleFormat {
        locale_format(self.language())
    }

    /// The message `key` in the current language, falling back to English, then to the key.
    pub fn tr(&self, key: &str) -> String {
        self.tr_args(key, &[])
    }

    pub fn tr_args(&self, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, v.clone());
        }
        let fargs = if args.is_empty() { None } else { Some(&fargs) };
        for bundle in [&self.bundles[self.current].1, &self.bundles[0].1] {
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, fargs, &mut errors);
                if errors.is_empty() {
                    return text.into_owned();
                }
            }
        }
        key.to_string()
    }

    /// A configured name (a tax, say) in the current language when the locales name it
    /// (`tax-vat = MwSt.`), else as configured.
    pub fn term(&self, prefix: &str, name: &str) -> String {
        let id: String =
            name.trim().chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
        let key = format!("{prefix}-{id}");
        let text = self.tr(&key);
        if text == key {
            name.to_string()
        } else {
            text
        }
    }

    /// The message ids a language defines (for the completeness test).
    pub fn keys(lang: &str) -> BTreeSet<String> {
        let source = SOURCES.iter().find(|(l, _)| *l == lang).map(|(_, s)| *s).unwrap_or("");
        source
            .lines()
            .filter_map(|l| {
                let (id, _) = l.split_once('=')?;
                let id = id.trim();
                let ok = !l.starts_with([' ', '#', '.', '*', '[', '}'])
                    && !id.is_empty()
                    && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                ok.then(|| id.to_string())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn cur(code: &str, minor: u32) -> Currency {
        Currency { code: code.into(), minor_units: minor, cash_increment: None }
    }

    #[test]
    fn money_per_locale() {
        let eur = cur("EUR", 2);
        assert_eq!(locale_format("en-US").money(dec!(1234.5), &eur), "€1,234.50");
        assert_eq!(locale_format("de-DE").money(dec!(1234.5), &eur), "1.234,50\u{a0}€");
        assert_eq!(locale_format("es-ES").money(dec!(1234.5), &eur), "1234,50\u{a0}€");
        assert_eq!(locale_format("es-ES").money(dec!(12345.5), &eur), "12.345,50\u{a0}€");
        assert_eq!(locale_format("id-ID").money(dec!(1500000), &cur("IDR", 0)), "Rp\u{a0}1.500.000");
        assert_eq!(locale_format("hi-IN").money(dec!(12345678.9), &cur("INR", 2)), "₹1,23,45,678.90");
        assert_eq!(locale_format("en-US").money(dec!(-0.5), &eur), "-€0.50");
        assert_eq!(locale_format("de-DE").money(dec!(-2.19), &eur), "-2,19\u{a0}€");
        assert_eq!(locale_format("en-US").money(dec!(1.2345), &cur("KWD", 3)), "KWD\u{a0}1.235");
    }

    #[test]
    fn dates_per_locale() {
        let t = chrono::NaiveDate::from_ymd_opt(2008, 11, 24).unwrap().and_hms_opt(21, 5, 0).unwrap();
        assert_eq!(locale_format("en-US").date(&t), "11/24/2008");
        assert_eq!(locale_format("de-DE").date(&t), "24.11.2008");
        assert_eq!(locale_format("en-US").time(&t), "9:05\u{a0}PM");
        assert_eq!(locale_format("id-ID").time(&t), "21.05");
    }

    #[test]
    fn every_language_has_every_key_and_parses() {
        let i18n = I18n::new().expect("all locales parse");
        let en = I18n::keys("en-US");
        assert!(en.len() > 50, "{} keys", en.len());
        for (lang, _) in LANGUAGES {
            let keys = I18n::keys(lang);
            let missing: Vec<_> = en.difference(&keys).collect();
            let extra: Vec<_> = keys.difference(&en).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{lang}: missing {missing:?}, extra {extra:?}");
        }
        let _ = i18n;
    }

    /// Every `Strings.t("...")` in the screens and every `tr("...")` / `tr_args("...")` in the
    /// Rust that feeds them names a message that exists.
    #[test]
    fn every_key_the_ui_uses_exists() {
        fn files(dir: &std::path::Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    files(&p, ext, out);
                } else if p.extension().is_some_and(|x| x == ext) {
                    out.push(p);
                }
            }
        }
        fn quoted_after(text: &str, marker: &str) -> Vec<String> {
            text.match_indices(marker)
                .filter_map(|(i, _)| {
                    let rest = &text[i + marker.len()..];
                    let end = rest.find('"')?;
                    Some(rest[..end].to_string())
                })
                .collect()
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let en = I18n::keys("en-US");
        let mut used = Vec::new();
        let mut slint = Vec::new();
        files(&root.join("ui/ui"), "slint", &mut slint);
        assert!(slint.len() >= 5);
        for f in slint {
            let text = std::fs::read_to_string(&f).unwrap();
            used.extend(quoted_after(&text, "Strings.t(\"").into_iter().map(|k| (f.clone(), k)));
        }
        let mut rust = Vec::new();
        files(&root.join("app/src/gui"), "rs", &mut rust);
        rust.push(root.join("app/src/receipt.rs"));
        for f in rust {
            let text = std::fs::read_to_string(&f).unwrap();
            for marker in ["tr(\"", "tr_args(\"", "show_message(\"", "i18n.tr(if p.method == \"cash\" { \""] {
                used.extend(quoted_after(&text, marker).into_iter().map(|k| (f.clone(), k)));
            }
        }
        assert!(used.len() > 60, "{} keys found", used.len());
        // Keys built at run time: "role-" + the role.
        for role in ["cashier", "manager", "kiosk"] {
            used.push((root.join("ui/ui/pages/login.slint"), format!("role-{role}")));
        }
        let missing: Vec<_> = used.iter().filter(|(_, k)| !k.ends_with('-') && !en.contains(k)).collect();
        assert!(missing.is_empty(), "keys used but not in locales/en-US/till.ftl: {missing:?}");
    }

    #[test]
    fn switching_language_changes_the_text_and_unknown_keys_fall_back() {
        let mut i = I18n::new().unwrap();
        let en = i.tr("sale-pay");
        assert!(i.set_language("de-DE"));
        assert_ne!(i.tr("sale-pay"), en);
        assert!(!i.set_language("xx-XX"));
        assert_eq!(i.language(), "de-DE");
        assert_eq!(i.tr("no-such-key"), "no-such-key");
        let s = i.tr_args("tender-change", &[("amount", "5,00 €".into())]);
        assert!(s.contains("5,00 €"), "{s}");
    }
}

#[cfg(test)]
mod font_tests {
    /// The font every screen is drawn with (`ui/ui/main.slint` imports it as "Till Sans").
    const SCREEN_FONTS: [&[u8]; 2] = [
        include_bytes!("../../assets/fonts/TillSans-Regular.ttf"),
        include_bytes!("../../assets/fonts/TillSans-Bold.ttf"),
    ];

    #[test]
    fn every_locale_renders_with_the_font_the_screens_register() {
        let fonts: Vec<swash::FontRef> =
            SCREEN_FONTS.iter().map(|b| swash::FontRef::from_index(b, 0).expect("a font")).collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../locales");
        let mut texts: Vec<(String, String)> =
            super::LANGUAGES.iter().map(|(code, name)| (format!("language name {code}"), name.to_string())).collect();
        for (code, _) in super::LANGUAGES {
            let ftl = std::fs::read_to_string(dir.join(code).join("till.ftl")).expect("locale file");
            for line in ftl.lines().filter(|l| !l.trim_start().starts_with('#')) {
                // A message's value, or a continuation line; placeables' variable names are not text.
                let value = line.split_once(" = ").map_or(line, |(_, v)| v);
                let mut text = String::new();
                let mut depth = 0;
                for c in value.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        c if depth == 0 => text.push(c),
                        _ => {}
                    }
                }
                texts.push((format!("{code}: {line}"), text));
            }
        }
        // The symbols the screens write themselves: string literals in the .slint files, and the
        // pump icons.
        let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/ui");
        let mut stack = vec![ui];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("ui dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "slint") {
                    let src = std::fs::read_to_string(&path).expect("slint file");
                    for line in src.lines().filter(|l| !l.trim_start().starts_with("//") && !l.contains("import")) {
                        for (i, lit) in line.split('"').enumerate() {
                            if i % 2 == 1 && !lit.starts_with('#') {
                                texts.push((format!("{}: {line}", path.display()), lit.to_string()));
                            }
                        }
                    }
                }
            }
        }
        let gui = include_str!("gui/pumps.rs");
        let icons = gui.split("fn pump_look").nth(1).and_then(|s| s.split("impl Gui").next()).unwrap_or_default();
        for (i, lit) in icons.split('"').enumerate() {
            if i % 2 == 1 && !lit.starts_with("pump-") {
                texts.push(("a pump icon in gui/pumps.rs".into(), lit.to_string()));
            }
        }
        let mut missing = Vec::new();
        for (where_, text) in texts {
            for c in text.chars().filter(|c| !c.is_whitespace() && !c.is_control()) {
                if fonts.iter().any(|f| f.charmap().map(c) == 0) {
                    missing.push(format!("'{c}' (U+{:04X}) in {where_}", c as u32));
                }
            }
        }
        missing.dedup();
        assert!(missing.is_empty(), "no glyph in Till Sans for:\n{}", missing.join("\n"));
    }
}
