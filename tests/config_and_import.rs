//! Configuration errors name the file, the key and what is wrong; catalog import is all or
//! nothing and reports every bad row by line.

mod common;

use common::*;
use serde_json::json;
use std::path::Path;
use till::config::{Config, DEMO_CATALOG};

const GOOD: &str = r#"
[terminal]
id = "T1"
[currency]
code = "KWD"
[tax]
prices_include_tax = false
rounding = "per-ticket"
[tax_classes.Z]
components = [{ name = "VAT", percent = "0" }]
"#;

fn parse_err(text: &str) -> String {
    match Config::parse(text, "/etc/till/config.toml") {
        Ok(_) => panic!("should not parse:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_good_config_resolves_currency_minor_units() {
    let c = Config::parse(GOOD, "x.toml").unwrap();
    assert_eq!(c.pricing.currency.minor_units, 3);
    let idr = Config::parse(&GOOD.replace("KWD", "IDR"), "x.toml").unwrap();
    assert_eq!(idr.pricing.currency.minor_units, 0);
    assert!(!c.demo);
}

#[test]
fn config_errors_name_the_file_and_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        (r#"code = "KWD""#, r#"code = "KWDX""#, "currency.code"),
        (r#"code = "KWD""#, r#"code = "ABC""#, "currency.minor_units"),
        (r#"percent = "0""#, "percent = 0.5", "tax_classes.Z.components[0].percent"),
        (r#"percent = "0""#, r#"percent = "150""#, "tax_classes.Z.components[0].percent"),
        (r#"percent = "0""#, r#"percent = "0", per_unit = "1""#, "tax_classes.Z.components[0]"),
        (r#"rounding = "per-ticket""#, r#"rounding = "sometimes""#, "tax.rounding"),
        (r#"id = "T1""#, r#"id = "T 1""#, "terminal.id"),
        (r#"id = "T1""#, "id = \"T1\"\ncolour = \"red\"", "terminal.colour"),
        ("prices_include_tax = false", "prices_include_tax = \"yes\"", "tax.prices_include_tax"),
    ];
    for (from, to, key) in cases {
        let text = GOOD.replace(from, to);
        let e = parse_err(&text);
        assert!(e.contains("/etc/till/config.toml"), "names the file: {e}");
        assert!(e.contains(&format!("key `{key}`")), "names `{key}`: {e}");
    }
    let e = parse_err(&format!(
        "{GOOD}\n[[fuel_grades]]\ncode = \"E10\"\nname = \"E10\"\nprice = \"1.7899\"\ntax_class = \"Z\"\n"
    ));
    assert!(e.contains("fuel_grades[0].price") && e.contains("3 decimals"), "{e}");
    let e = parse_err(&format!(
        "{GOOD}\n[[fuel_grades]]\ncode = \"E10\"\nname = \"E10\"\nprice = \"1.789\"\ntax_class = \"FUEL\"\n"
    ));
    assert!(e.contains("fuel_grades[0].tax_class") && e.contains("'FUEL' is not defined"), "{e}");
    let e = parse_err(
        &GOOD.replace("[currency]\ncode = \"KWD\"", "[currency]\ncode = \"EUR\"\ncash_increment = \"0.003\""),
    );
    assert!(e.contains("currency.cash_increment"), "{e}");
    // The central endpoint and the devices.
    let sync = |body: &str| format!("{GOOD}\n[sync]\n{body}\n");
    let ok = Config::parse(&sync("url = \"https://hq.example.com/\"\ntoken = \"abc\""), "x.toml").unwrap();
    let s = ok.sync.unwrap();
    assert_eq!((s.url.as_str(), s.interval.as_secs(), s.batch_size), ("https://hq.example.com", 15, 200));
    for (body, key) in [
        ("url = \"ftp://hq\"\ntoken = \"abc\"", "sync.url"),
        ("url = \"https://hq\"\ntoken = \"\"", "sync.token"),
        ("url = \"https://hq\"\ntoken = \"a\"\nbatch_size = 501", "sync.batch_size"),
        ("url = \"https://hq\"\ntoken = \"a\"\ninterval_seconds = 0", "sync.interval_seconds"),
        ("url = \"https://hq\"\ntoken = \"a\"\nretry_base_ms = 1", "sync.retry_base_ms"),
        ("url = \"https://hq\"\ntoken = \"a\"\npassword = \"x\"", "sync.password"),
    ] {
        let e = parse_err(&sync(body));
        assert!(e.contains(&format!("key `{key}`")), "names `{key}`: {e}");
    }
    let e = parse_err("[terminal\nid = 1");
    assert!(e.contains("/etc/till/config.toml") && e.contains("line 1"), "a syntax error gives the line: {e}");
}

#[test]
fn a_broken_config_file_stops_till_with_a_clear_message_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    exec(&data, None, &[json!({"cmd":"login","pin":"1111"})]);
    let before = std::fs::read(data.join("till.sqlite")).unwrap();
    let cfg = dir.path().join("till.toml");
    std::fs::write(&cfg, GOOD.replace(r#"percent = "0""#, "percent = 0.5")).unwrap();
    for args in [vec!["exec", "-"], vec!["journal", "verify"], vec!["config", "check"]] {
        let mut cmd = till();
        cmd.args(&args).arg("--data-dir").arg(&data).arg("--config").arg(&cfg);
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        let msg = String::from_utf8_lossy(&out.stderr);
        assert!(msg.contains(cfg.to_str().unwrap()) && msg.contains("tax_classes.Z.components[0].percent"), "{msg}");
    }
    // The same through $TILL_CONFIG; a missing file named explicitly is an error, not demo mode.
    let out = till().args(["config", "check"]).env("TILL_CONFIG", &cfg).output().unwrap();
    assert!(!out.status.success());
    let out = run(&["config", "check", "--config", "/nonexistent/till.toml"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config file /nonexistent/till.toml"));
    assert_eq!(std::fs::read(data.join("till.sqlite")).unwrap(), before, "stored data unchanged");
}

#[test]
fn no_config_means_demo_mode() {
    let out = run(&["config", "check"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("demo mode"), "{text}");
    assert!(text.contains("E10 1.739"), "{text}");
}

fn products(data: &Path) -> Vec<String> {
    let conn = db(data);
    let mut stmt = conn.prepare("SELECT sku FROM products ORDER BY sku").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn catalog_import_is_all_or_nothing_and_reports_every_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cfg = fixture("india.toml");
    let import = |file: &Path| {
        till()
            .args(["catalog", "import"])
            .arg(file)
            .arg("--config")
            .arg(&cfg)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .unwrap()
    };
    let out = import(&fixture("india.csv"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 4 products"));
    let good = products(&data);

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "sku,name,barcode,category,price,tax_class,unit,age_restriction\n\
         OK1,Fine item,4006381333931,Food,1.00,GST5,each,\n\
         BAD1,Bad check digit,4006381333932,Food,1.00,GST5,each,\n\
         BAD2,Comma price,,Food,\"1,00\",GST5,each,\n\
         BAD3,Unknown tax,,Food,1.00,VAT,each,\n\
         OK1,Duplicate sku,,Food,1.00,GST5,each,\n\
         BAD5,Bad unit,,Food,1.00,GST5,box,\n\
         BAD6,Bad age,,Food,1.00,GST5,each,200\n\
         BAD7,Same barcode,4006381333931,Food,1.00,GST5,each,\n\
         BAD8,Too many decimals,,Food,1.001,GST5,each,\n\
         BAD9,Short row,,Food\n",
    )
    .unwrap();
    let out = import(&bad);
    assert!(!out.status.success());
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("9 bad rows; nothing was imported"), "{msg}");
    for expected in [
        "line 3: barcode: the check digit of '4006381333932' is 2, it must be 1",
        "line 4: price '1,00' is not a decimal number",
        "line 5: tax class 'VAT' is not configured",
        "line 6: sku 'OK1' is already used on line 2",
        "line 7: unit 'box' is not one of each, kg, litre",
        "line 8: age_restriction '200'",
        "line 9: barcode '4006381333931' is already used on line 2",
        "line 10: price '1.001' has more than 2 decimals",
        "line 11: has 4 fields, expected 8",
    ] {
        assert!(msg.contains(expected), "missing '{expected}' in:\n{msg}");
    }
    assert_eq!(products(&data), good, "nothing was written");

    let header = dir.path().join("header.csv");
    std::fs::write(&header, "sku;name;price\nA;B;1\n").unwrap();
    let out = import(&header);
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1: the header must be"));
    assert_eq!(products(&data), good);
}

#[test]
fn the_demo_catalog_is_a_real_shop() {
    let cfg = Config::demo().unwrap();
    let products = till::import::parse_catalog(DEMO_CATALOG, &cfg).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(products.len() >= 200, "{} items", products.len());
    let categories: std::collections::BTreeSet<_> = products.iter().map(|p| p.category.as_str()).collect();
    assert!(categories.len() >= 10, "{categories:?}");
    let with_gtin = products.iter().filter(|p| p.barcodes.iter().any(|b| b.len() >= 8)).count();
    assert!(with_gtin >= 200, "{with_gtin} items with a scannable code");
    assert!(products.iter().any(|p| p.age_restriction == Some(18)));
    assert_eq!(cfg.fuel_grades.len(), 4);
}

#[test]
fn the_pump_line_is_configured_and_checked() {
    let site = format!(
        "{GOOD}\n[[fuel_grades]]\ncode = \"E10\"\nname = \"E10\"\nprice = \"0.350\"\ntax_class = \"Z\"\n\n[forecourt]\nport = \"/dev/ttyUSB0\"\n\n[[forecourt.pumps]]\nnumber = 1\naddress = \"0x50\"\nnozzles = [\"E10\"]\n"
    );
    let c = Config::parse(&site, "site.toml").unwrap();
    let f = c.forecourt.unwrap();
    assert_eq!((f.port.as_str(), f.baud, f.pumps[0].address), ("/dev/ttyUSB0", 9600, 0x50));
    let e = parse_err(&site.replace("\"0x50\"", "\"0x20\""));
    assert!(e.contains("forecourt.pumps[0].address") && e.contains("0x50 to 0x6F"), "{e}");
    let e = parse_err(&site.replace("nozzles = [\"E10\"]", "nozzles = [\"E5\"]"));
    assert!(e.contains("forecourt.pumps[0].nozzles") && e.contains("'E5'"), "{e}");
}

#[test]
fn security_and_role_limits_hold_their_bounds() {
    let with = |extra: &str| format!("{GOOD}\n{extra}\n");
    for (extra, key) in [
        ("[security]\nlockout_seconds = 9223372036854775807", "security.lockout_seconds"),
        ("[security]\nlockout_seconds = 0", "security.lockout_seconds"),
        ("[security]\nmax_pin_attempts = 0", "security.max_pin_attempts"),
        ("[security]\nmax_pin_attempts = 4294967295", "security.max_pin_attempts"),
    ] {
        let e = parse_err(&with(extra));
        assert!(e.contains(key), "{extra}: {e}");
    }
    // A float is binary floating point: refused for a discount limit as for any amount.
    let e = parse_err(&with("[roles.cashier]\npermissions = [\"counter\", \"sell\"]\nmax_discount_percent = 10.5"));
    assert!(e.contains("float") && e.contains("max_discount_percent"), "{e}");
    for bad in ["\"1_0\"", "\"1e1\"", "\"+10\""] {
        let e = parse_err(&with(&format!("[roles.cashier]\npermissions = [\"sell\"]\nmax_discount_percent = {bad}")));
        assert!(e.contains("not a decimal number"), "{bad}: {e}");
    }
    assert!(Config::parse(
        &with("[roles.cashier]\npermissions = [\"counter\"]\nmax_discount_percent = \"12.5\"\n[security]\nlockout_seconds = 600"),
        "x.toml"
    )
    .is_ok());
}

#[test]
fn a_catalog_without_products_is_refused_unless_meant() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    exec(&d, None, &[json!({"cmd":"login","pin":"1111"})]);
    let before = products(&d).len();
    assert!(before > 100);
    let file = dir.path().join("empty.csv");
    std::fs::write(&file, "sku,name,barcode,category,price,tax_class,unit,age_restriction\n").unwrap();
    let out = run(&["catalog", "import", file.to_str().unwrap(), "--data-dir", d.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-empty"));
    assert_eq!(products(&d).len(), before, "nothing changed");
    let out = run(&["catalog", "import", file.to_str().unwrap(), "--allow-empty", "--data-dir", d.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(products(&d).is_empty());
}

#[test]
fn adding_a_user_to_a_store_with_users_needs_a_managers_pin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    let ds = d.to_str().unwrap();
    exec(&d, None, &[json!({"cmd":"login","pin":"1111"})]);
    let add = |extra: &[&str]| {
        let mut args = vec!["user", "add", "--name", "Mallory", "--role", "manager", "--pin", "4242", "--data-dir", ds];
        args.extend_from_slice(extra);
        run(&args)
    };
    let users = || db(&d).query_row("SELECT COUNT(*) FROM users", [], |r| r.get::<_, i64>(0)).unwrap();
    let out = add(&[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("manager's PIN"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = add(&["--manager-pin", "1111"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("may not add users"), "a cashier's PIN");
    let out = add(&["--manager-pin", "0000"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong PIN"));
    assert_eq!(users(), 2, "nobody was added");
    let out = add(&["--manager-pin", "9999"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(users(), 3);
    let failed: i64 =
        db(&d).query_row("SELECT COUNT(*) FROM journal WHERE kind = 'login_failed'", [], |r| r.get(0)).unwrap();
    assert_eq!(failed, 1, "the wrong PIN counted like any other");
}

#[test]
fn cancelling_a_ticket_after_a_card_payment_tells_head_office() {
    let dir = tempfile::tempdir().unwrap();
    let a = exec(
        dir.path(),
        None,
        &[
            json!({"cmd":"login","pin":"1111"}),
            json!({"cmd":"open_shift","float":"100.00"}),
            json!({"cmd":"add","sku":"BEV-0001","qty":"3"}),
            json!({"cmd":"tender","method":"card","amount":"2.00"}),
            json!({"cmd":"cancel_ticket"}),
            json!({"cmd":"add","sku":"BEV-0001"}),
            json!({"cmd":"cancel_ticket"}),
        ],
    );
    for x in &a {
        ok(x);
    }
    let conn = db(dir.path());
    let payloads: Vec<String> = {
        let mut s = conn.prepare("SELECT payload FROM outbox WHERE kind = 'ticket_cancelled'").unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
    };
    assert_eq!(payloads.len(), 1, "only the ticket money was taken for");
    let v: serde_json::Value = serde_json::from_str(&payloads[0]).unwrap();
    assert_eq!(v["payments_returned"], json!([{"method":"card","amount":"2.00"}]));
    assert_eq!(v["ticket"]["total"], "6.57");
}
