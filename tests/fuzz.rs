//! Fuzz harnesses for the application's parsers of outside text: barcodes, the configuration,
//! the catalog CSV import, `till exec` lines (parsed, and run against a real session). Each takes
//! arbitrary input and also mutations of valid input (the demo configuration and catalog, valid
//! commands), asserts that nothing panics, and checks the invariants of what is accepted. The
//! sync answers are fuzzed inside the crate (`app/src/sync/fuzz.rs`), the device protocols in
//! `hardware/tests/fuzz.rs`.
//!
//! `cargo test` runs a bounded number of cases; for a long run see `docs/fuzzing.md`:
//! `PROPTEST_CASES=200000 cargo test --release -p till --test fuzz`.

use proptest::prelude::*;
use proptest::test_runner::Config as PropConfig;
use rust_decimal::Decimal;
use till::config::{Config, DEMO_CATALOG, DEMO_CONFIG};
use till::domain::barcode::{self, MeasureKind, Symbology, VariableMeasureRule};
use till::import;

/// `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> PropConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    PropConfig { cases, ..PropConfig::default() }
}

/// Values that have broken parsers elsewhere, or that a parser must refuse.
const NASTY: &[&str] = &[
    "+2",
    "1_000",
    "1e3",
    "1E-3",
    "-1",
    "-0",
    "0",
    "",
    ".5",
    "5.",
    "0.001",
    "79228162514264337593543950335",
    "79228162514264337593543950336",
    "0.0000000000000000000000000001",
    "0.00000000000000000000000000001",
    "99999999999999999999999999999999",
    "18446744073709551616",
    "NaN",
    "inf",
    "0x50",
    "0xFA",
    "é",
    "हिन्दी",
    "\u{feff}",
    "\"",
    "|",
    ",",
    "4006381333931",
    "2100123000007",
    "036000291452",
    "4011",
];

fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![prop::sample::select(NASTY).prop_map(str::to_string), "\\PC{0,12}", "[0-9.+_eE-]{1,12}"]
}

/// One change to a line-based text (TOML, CSV).
#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(prop::sample::Index),
    DuplicateLine(prop::sample::Index),
    SwapLines(prop::sample::Index, prop::sample::Index),
    /// Replaces a TOML value (after `=`) or a CSV field, quoted or as it is.
    Value(prop::sample::Index, prop::sample::Index, String, bool),
    Byte(prop::sample::Index, u8),
    Cut(prop::sample::Index),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let idx = any::<prop::sample::Index>;
    let edit = prop_oneof![
        1 => idx().prop_map(Edit::DeleteLine),
        1 => idx().prop_map(Edit::DuplicateLine),
        1 => (idx(), idx()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        4 => (idx(), idx(), nasty(), any::<bool>()).prop_map(|(l, f, v, q)| Edit::Value(l, f, v, q)),
        1 => (idx(), any::<u8>()).prop_map(|(i, b)| Edit::Byte(i, b)),
        1 => idx().prop_map(Edit::Cut),
    ];
    prop::collection::vec(edit, 1..5)
}

fn apply(text: &str, edits: &[Edit], csv: bool) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut bytes_edits = Vec::new();
    for e in edits {
        let n = lines.len();
        if n == 0 {
            break;
        }
        match e {
            Edit::DeleteLine(i) => {
                lines.remove(i.index(n));
            }
            Edit::DuplicateLine(i) => {
                let l = lines[i.index(n)].clone();
                lines.insert(i.index(n), l);
            }
            Edit::SwapLines(a, b) => lines.swap(a.index(n), b.index(n)),
            Edit::Value(l, f, v, quoted) => {
                let v = if *quoted { format!("{v:?}") } else { v.clone() };
                let line = &mut lines[l.index(n)];
                if csv {
                    let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
                    let k = f.index(fields.len());
                    fields[k] = v;
                    *line = fields.join(",");
                } else if let Some((key, _)) = line.split_once('=') {
                    *line = format!("{key}= {v}");
                }
            }
            Edit::Byte(..) | Edit::Cut(_) => bytes_edits.push(e.clone()),
        }
    }
    let mut bytes = lines.join("\n").into_bytes();
    for e in bytes_edits {
        match e {
            Edit::Byte(i, b) if !bytes.is_empty() => {
                let k = i.index(bytes.len());
                bytes[k] = b;
            }
            Edit::Cut(i) => bytes.truncate(i.index(bytes.len() + 1)),
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// What every configuration that validates must hold to.
fn check_config(text: &str) -> Result<(), TestCaseError> {
    let Ok(c) = Config::parse(text, "fuzz.toml") else { return Ok(()) };
    let cur = &c.pricing.currency;
    prop_assert!(cur.minor_units <= 4);
    if let Some(inc) = cur.cash_increment {
        prop_assert!(inc > Decimal::ZERO && inc.normalize().scale() <= cur.minor_units);
    }
    for g in &c.fuel_grades {
        prop_assert!(g.price_per_litre > Decimal::ZERO && g.price_per_litre <= import::MAX_PRICE);
        prop_assert!(g.price_per_litre.scale() <= 3);
    }
    for r in &c.variable_measure {
        prop_assert!((1..=6).contains(&r.item_digits) && r.decimals <= r.value_digits());
    }
    for p in c.roles.values() {
        prop_assert!(p.max_discount_percent >= Decimal::ZERO && p.max_discount_percent <= Decimal::ONE_HUNDRED);
    }
    Ok(())
}

/// What every catalog that imports must hold to.
fn check_catalog(text: &str, config: &Config) -> Result<(), TestCaseError> {
    match import::parse_catalog(text, config) {
        Ok(products) => {
            let mut skus = std::collections::HashSet::new();
            for p in &products {
                prop_assert!(skus.insert(p.sku.clone()), "sku {} twice", p.sku);
                prop_assert!(p.price >= Decimal::ZERO && p.price <= import::MAX_PRICE);
                prop_assert!(p.age_restriction.is_none_or(|a| (1..=99).contains(&a)));
                prop_assert!(p.barcodes.iter().all(|b| barcode::parse(b).is_ok()));
                prop_assert!(!p.name.is_empty() && !p.category.is_empty());
            }
        }
        Err(errors) => prop_assert!(!errors.is_empty()),
    }
    Ok(())
}

fn demo() -> Config {
    Config::demo().expect("the demo configuration")
}

fn rule() -> impl Strategy<Value = VariableMeasureRule> {
    ("2[0-9]|[0-9]{0,3}", 0u32..16, prop::sample::select(vec![MeasureKind::Weight, MeasureKind::Price]), 0u32..40)
        .prop_map(|(prefix, item_digits, kind, decimals)| VariableMeasureRule { prefix, item_digits, kind, decimals })
}

/// Appends the GS1 check digit.
fn with_check(body: &str) -> String {
    let d: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{body}{}", barcode::gs1_check_digit(&d))
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn barcodes_arbitrary_text(code in "\\PC{0,20}|[0-9 ]{0,14}", rules in prop::collection::vec(rule(), 0..3)) {
        if let Ok(g) = barcode::parse(&code) {
            prop_assert!(g.key.bytes().all(|b| b.is_ascii_digit()));
            let len = g.key.len();
            match g.symbology {
                Symbology::Plu => prop_assert!(len == 4 || len == 5),
                Symbology::Ean8 => prop_assert_eq!(len, 8),
                Symbology::Ean13 | Symbology::UpcA => prop_assert_eq!(len, 13),
            }
            let _ = barcode::decode_variable(&rules, &g);
            let _ = till::domain::catalog::index_key(&rules, &code);
        }
    }

    /// Valid variable-measure codes decode to a value within what their digits can hold.
    #[test]
    fn barcodes_variable_measure(prefix in 20u32..30, item_digits in 1u32..=6, decimals in 0u32..=4, body in "[0-9]{10}", rules in prop::collection::vec(rule(), 0..3)) {
        let code = with_check(&format!("{prefix}{body}"));
        let r = VariableMeasureRule { prefix: prefix.to_string(), item_digits, kind: MeasureKind::Price, decimals };
        let g = barcode::parse(&code).unwrap();
        prop_assert_eq!(g.symbology, Symbology::Ean13);
        let v = barcode::decode_variable(std::slice::from_ref(&r), &g).unwrap();
        prop_assert!(code.starts_with(&v.item_key) && v.item_key.len() == 2 + item_digits as usize);
        prop_assert!(v.value >= Decimal::ZERO && v.value.scale() == decimals);
        prop_assert!(v.value < Decimal::from(10u64.pow(r.value_digits())) / Decimal::from(10u64.pow(decimals)));
        // Rules the configuration would refuse never panic either.
        let _ = barcode::decode_variable(&rules, &g);
        for bad in &rules {
            let _ = barcode::variable_item_key(bad, &code);
        }
    }

    #[test]
    fn config_arbitrary_text(text in "\\PC{0,300}", toml in "([a-z_.\\[\\]]{1,12} ?= ?(\"[^\"]{0,8}\"|[0-9.+_e-]{1,8}|\\[\\]|true)\n){0,8}") {
        check_config(&text)?;
        check_config(&toml)?;
        check_config(&format!("{DEMO_CONFIG}\n{toml}"))?;
    }

    #[test]
    fn config_mutated_demo(edits in edits()) {
        check_config(&apply(DEMO_CONFIG, &edits, false))?;
    }
}

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn catalog_arbitrary_text(text in "\\PC{0,200}", rows in prop::collection::vec(prop::collection::vec(nasty(), 0..10), 0..6)) {
        let config = demo();
        check_catalog(&text, &config)?;
        let csv: Vec<String> = rows.iter().map(|r| r.join(",")).collect();
        check_catalog(&format!("{}\n{}", import::HEADER.join(","), csv.join("\n")), &config)?;
    }

    #[test]
    fn catalog_mutated_demo(edits in edits()) {
        check_catalog(&apply(DEMO_CATALOG, &edits, true), &demo())?;
    }
}

/// Valid `till exec` lines on the demo data, in an order that makes a sale.
const SCRIPT: &[&str] = &[
    r#"{"cmd":"login","pin":"1111"}"#,
    r#"{"cmd":"open_shift","float":"150.00"}"#,
    r#"{"cmd":"scan","code":"4006381333931"}"#,
    r#"{"cmd":"add","sku":"BEV-0001","qty":"2"}"#,
    r#"{"cmd":"set_qty","line":2,"qty":"3"}"#,
    r#"{"cmd":"fuel","grade":"E5","litres":"12.5"}"#,
    r#"{"cmd":"discount","line":1,"percent":"10"}"#,
    r#"{"cmd":"discount","amount":"0.50"}"#,
    r#"{"cmd":"void_line","line":1}"#,
    r#"{"cmd":"hold"}"#,
    r#"{"cmd":"recall","index":0}"#,
    r#"{"cmd":"pay"}"#,
    r#"{"cmd":"tender","method":"card","amount":"2.00"}"#,
    r#"{"cmd":"tender","method":"cash","amount":"50.00"}"#,
    r#"{"cmd":"refund","receipt_no":1,"lines":[1]}"#,
    r#"{"cmd":"find_sale","receipt_no":1}"#,
    r#"{"cmd":"set_fuel_price","grade":"E5","price":"1.899"}"#,
    r#"{"cmd":"prepay","pump":1,"amount":"20.00"}"#,
    r#"{"cmd":"authorize","pump":1,"amount":"20.00"}"#,
    r#"{"cmd":"queue_reprint","receipt_no":1,"reason":"paper_out"}"#,
    r#"{"cmd":"set_device","device":"printer","port":"/dev/null"}"#,
    r#"{"cmd":"pay_in","amount":"10.00","reason":"Other"}"#,
    r#"{"cmd":"pay_out","amount":"3.50","reason":"Postage"}"#,
    r#"{"cmd":"safe_drop","amount":"20.00"}"#,
    r#"{"cmd":"safe_loan","amount":"5.00","reason":"x"}"#,
    r#"{"cmd":"open_drawer","reason":"Other"}"#,
    r#"{"cmd":"count","tenders":[{"method":"cash","pieces":[{"value":"50","count":2},{"value":"0.50","count":3}]}]}"#,
    r#"{"cmd":"count","for":"handover","tenders":[{"method":"cash","amount":"151.50"},{"method":"card","amount":"2.00"}]}"#,
    r#"{"cmd":"x_report","print":true}"#,
    r#"{"cmd":"find_sales","date":"2026-12-01","amount":"2.19"}"#,
    r#"{"cmd":"delivery","tank":1,"litres":"1000"}"#,
    r#"{"cmd":"user_set_pin","name":"Demo Cashier","pin":"4321"}"#,
    r#"{"cmd":"reprint_z","z_no":1}"#,
    r#"{"cmd":"handover","user":"Demo Cashier","pin":"1111","approver_pin":"9999"}"#,
    r#"{"cmd":"close_shift","counted":"150.00"}"#,
    r#"{"cmd":"z_report","approver_pin":"9999"}"#,
    r#"{"cmd":"logout"}"#,
];

/// One change to a valid command: a field's value replaced, a field dropped, or the command's
/// name swapped for another's.
#[derive(Debug, Clone)]
enum CommandEdit {
    Value(prop::sample::Index, serde_json::Value),
    Drop(prop::sample::Index),
    Rename(prop::sample::Index),
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value as V;
    prop_oneof![
        4 => nasty().prop_map(V::String),
        1 => any::<i64>().prop_map(V::from),
        1 => (-1e30f64..1e30).prop_map(V::from),
        1 => Just(V::Null),
        1 => any::<bool>().prop_map(V::Bool),
        1 => prop::collection::vec(any::<u8>().prop_map(V::from), 0..3).prop_map(V::Array),
    ]
}

fn command_line() -> impl Strategy<Value = String> {
    let edit = prop_oneof![
        4 => (any::<prop::sample::Index>(), json_value()).prop_map(|(i, v)| CommandEdit::Value(i, v)),
        1 => any::<prop::sample::Index>().prop_map(CommandEdit::Drop),
        1 => any::<prop::sample::Index>().prop_map(CommandEdit::Rename),
    ];
    let line = (prop::sample::select(SCRIPT), prop::collection::vec(edit, 0..3)).prop_map(|(line, edits)| {
        let mut v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
        for e in edits {
            let keys: Vec<String> = v.keys().filter(|k| *k != "cmd").cloned().collect();
            match e {
                CommandEdit::Value(i, new) if !keys.is_empty() => {
                    v.insert(keys[i.index(keys.len())].clone(), new);
                }
                CommandEdit::Drop(i) if !keys.is_empty() => {
                    v.remove(&keys[i.index(keys.len())]);
                }
                CommandEdit::Rename(i) => {
                    let other: serde_json::Value = serde_json::from_str(SCRIPT[i.index(SCRIPT.len())]).unwrap();
                    v.insert("cmd".into(), other["cmd"].clone());
                }
                _ => {}
            }
        }
        serde_json::Value::Object(v).to_string()
    });
    prop_oneof![8 => line, 1 => "\\PC{0,60}", 1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| String::from_utf8_lossy(&b).into_owned())]
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn exec_lines_parse_or_are_refused(line in command_line(), raw in "\\PC{0,80}") {
        for l in [line.as_str(), raw.as_str()] {
            match till::exec::parse(l) {
                None => prop_assert!(l.trim().is_empty()),
                Some(Ok(_)) => prop_assert!(l.trim_start().starts_with('{'), "{:?}", l),
                Some(Err(e)) => prop_assert!(e.starts_with("not a valid command")),
            }
        }
    }
}

proptest! {
    #![proptest_config(cases(12))]

    /// A whole script of mutated commands against a real session: every line that is not blank
    /// gets exactly one answer, `ok` true or false, and nothing panics.
    #[test]
    fn exec_scripts_run_against_a_session(
        lines in prop::collection::vec(prop_oneof![3 => prop::sample::select(SCRIPT).prop_map(str::to_string), 2 => command_line()], 1..24),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut session = till::service::Session::open(demo(), dir.path()).unwrap();
        let input = lines.iter().map(|l| l.replace('\n', " ")).collect::<Vec<_>>().join("\n");
        let mut out = Vec::new();
        till::exec::run(&mut session, std::io::Cursor::new(input.clone()), &mut out).unwrap();
        let answers: Vec<serde_json::Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        prop_assert_eq!(answers.len(), input.split('\n').filter(|l| !l.trim().is_empty()).count());
        prop_assert!(answers.iter().all(|a| a["ok"].is_boolean()), "{:?}", answers);
    }
}

// -- Defects the harnesses are about, kept as plain tests ------------------------------------

fn refused(line: &str) -> bool {
    matches!(till::exec::parse(line), Some(Err(_)))
}

#[test]
fn amounts_and_quantities_in_commands_are_plain_decimals() {
    assert!(matches!(till::exec::parse(r#"{"cmd":"add","sku":"BEV-0001","qty":"2"}"#), Some(Ok(_))));
    assert!(matches!(till::exec::parse(r#"{"cmd":"add","sku":"BEV-0001","qty":2}"#), Some(Ok(_))));
    for qty in [r#""1_000""#, r#""1e3""#, r#""+2""#, r#"".5""#, "1e3", "2.0", r#""0.00000000000000000000000000001""#] {
        assert!(refused(&format!(r#"{{"cmd":"add","sku":"BEV-0001","qty":{qty}}}"#)), "qty {qty}");
        assert!(refused(&format!(r#"{{"cmd":"tender","method":"cash","amount":{qty}}}"#)), "amount {qty}");
    }
}

#[test]
fn amounts_in_the_configuration_are_plain_decimals() {
    let config = |from: &str, to: &str| {
        assert!(DEMO_CONFIG.contains(from), "{from}");
        Config::parse(&DEMO_CONFIG.replacen(from, to, 1), "x.toml")
    };
    assert!(config("price = \"1.799\"", "price = \"1.899\"").is_ok());
    for bad in ["+1.799", "1_799", "1.799e0", "1e3", ".799"] {
        let e = config("price = \"1.799\"", &format!("price = \"{bad}\"")).unwrap_err().to_string();
        assert!(e.contains("fuel_grades[0].price"), "{bad}: {e}");
    }
    for bad in ["+19", "1_9", "1.9e1"] {
        assert!(config("percent = \"19\" }]", &format!("percent = \"{bad}\" }}]")).is_err(), "{bad}");
        assert!(config("max_discount_percent = \"10\"", &format!("max_discount_percent = \"{bad}\"")).is_err());
    }
}

#[test]
fn a_huge_cash_increment_is_an_error_not_a_panic() {
    // The multiple-of-the-minor-unit check divided by 0.01 and overflowed (a panic) for an
    // increment near Decimal::MAX, one of the values the harnesses put everywhere.
    let text = DEMO_CONFIG.replace("# cash_increment = \"0.05\"", "cash_increment = \"7922816251426433759354395033\"");
    assert!(text.contains("cash_increment = \"7922"));
    // Above the one cap on outside numbers: refused with the key named, never a panic.
    let e = Config::parse(&text, "x.toml").unwrap_err().to_string();
    assert!(e.contains("cash_increment") && e.contains("larger than any amount"), "{e}");
    let text = DEMO_CONFIG.replace("# cash_increment = \"0.05\"", "cash_increment = \"1000000000000\"");
    assert!(Config::parse(&text, "x.toml").is_ok(), "a whole number of cents up to the cap");
    let text = DEMO_CONFIG.replace("# cash_increment = \"0.05\"", "cash_increment = \"0.055\"");
    let e = Config::parse(&text, "x.toml").unwrap_err().to_string();
    assert!(e.contains("currency.cash_increment"), "{e}");
}

#[test]
fn catalog_prices_and_ages_are_plain_numbers() {
    let config = demo();
    let row =
        |price: &str, age: &str| format!("{}\nX-1,Thing,,Misc,{price},STD,each,{age}\n", import::HEADER.join(","));
    assert_eq!(import::parse_catalog(&row("1.99", "18"), &config).unwrap()[0].age_restriction, Some(18));
    for price in ["+1.99", "1_000", "1e3", ".99"] {
        let e = import::parse_catalog(&row(price, ""), &config).unwrap_err();
        assert!(e[0].reason.contains("not a decimal number"), "{price}: {e:?}");
    }
    for age in ["+18", "18.0", "1_8"] {
        let e = import::parse_catalog(&row("1.99", age), &config).unwrap_err();
        assert!(e[0].reason.contains("age_restriction"), "{age}: {e:?}");
    }
}

#[test]
fn variable_measure_rules_out_of_range_decode_nothing() {
    let code = with_check("210012301250");
    let g = barcode::parse(&code).unwrap();
    for (item_digits, decimals) in [(11, 0), (12, 0), (40, 0), (5, 29), (5, 200)] {
        let r = VariableMeasureRule { prefix: "21".into(), item_digits, kind: MeasureKind::Weight, decimals };
        assert_eq!(barcode::decode_variable(std::slice::from_ref(&r), &g), None, "{item_digits} {decimals}");
        let key = barcode::variable_item_key(&r, &code);
        assert_eq!(key, if item_digits <= 10 { &code[..2 + item_digits as usize] } else { &code[..] });
    }
}
