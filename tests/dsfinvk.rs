//! `till export dsfinvk`: the files parse with the column lists of the DSFinV-K (taxonomy 2.3,
//! written out here from the specification, not taken from Till), and their sums equal the Z's.

mod common;

use common::*;
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

const Z: &[&str] = &["Z_KASSE_ID", "Z_ERSTELLUNG", "Z_NR"];

fn spec() -> Vec<(&'static str, Vec<&'static str>)> {
    let with_z = |cols: &[&'static str]| Z.iter().chain(cols).copied().collect::<Vec<_>>();
    vec![
        (
            "transactions.csv",
            with_z(&[
                "BON_ID",
                "BON_NR",
                "BON_TYP",
                "BON_NAME",
                "TERMINAL_ID",
                "BON_STORNO",
                "BON_START",
                "BON_ENDE",
                "BEDIENER_ID",
                "BEDIENER_NAME",
                "UMS_BRUTTO",
                "KUNDE_NAME",
                "KUNDE_ID",
                "KUNDE_TYP",
                "KUNDE_STRASSE",
                "KUNDE_PLZ",
                "KUNDE_ORT",
                "KUNDE_LAND",
                "KUNDE_USTID",
                "BON_NOTIZ",
            ]),
        ),
        ("transactions_vat.csv", with_z(&["BON_ID", "UST_SCHLUESSEL", "BON_BRUTTO", "BON_NETTO", "BON_UST"])),
        (
            "datapayment.csv",
            with_z(&["BON_ID", "ZAHLART_TYP", "ZAHLART_NAME", "ZAHLWAEH_CODE", "ZAHLWAEH_BETRAG", "BASISWAEH_BETRAG"]),
        ),
        (
            "lines.csv",
            with_z(&[
                "BON_ID",
                "POS_ZEILE",
                "GUTSCHEIN_NR",
                "ARTIKELTEXT",
                "POS_TERMINAL_ID",
                "GV_TYP",
                "GV_NAME",
                "INHAUS",
                "P_STORNO",
                "AGENTUR_ID",
                "ART_NR",
                "GTIN",
                "WARENGR_ID",
                "WARENGR",
                "MENGE",
                "FAKTOR",
                "EINHEIT",
                "STK_BR",
            ]),
        ),
        ("lines_vat.csv", with_z(&["BON_ID", "POS_ZEILE", "UST_SCHLUESSEL", "POS_BRUTTO", "POS_NETTO", "POS_UST"])),
        (
            "cashpointclosing.csv",
            with_z(&[
                "Z_BUCHUNGSTAG",
                "TAXONOMIE_VERSION",
                "Z_START_ID",
                "Z_ENDE_ID",
                "NAME",
                "STRASSE",
                "PLZ",
                "ORT",
                "LAND",
                "STNR",
                "USTID",
                "Z_SE_ZAHLUNGEN",
                "Z_SE_BARZAHLUNGEN",
            ]),
        ),
        ("location.csv", with_z(&["LOC_NAME", "LOC_STRASSE", "LOC_PLZ", "LOC_ORT", "LOC_LAND", "LOC_USTID"])),
        (
            "cashregister.csv",
            with_z(&[
                "KASSE_BRAND",
                "KASSE_MODELL",
                "KASSE_SERIENNR",
                "KASSE_SW_BRAND",
                "KASSE_SW_VERSION",
                "KASSE_BASISWAEH_CODE",
                "KEINE_UST_ZUORDNUNG",
            ]),
        ),
        ("vat.csv", with_z(&["UST_SCHLUESSEL", "UST_SATZ", "UST_BESCHR"])),
        (
            "businesscases.csv",
            with_z(&["GV_TYP", "GV_NAME", "AGENTUR_ID", "UST_SCHLUESSEL", "Z_UMS_BRUTTO", "Z_UMS_NETTO", "Z_UST"]),
        ),
        ("payment.csv", with_z(&["ZAHLART_TYP", "ZAHLART_NAME", "Z_ZAHLART_BETRAG"])),
        ("cash_per_currency.csv", with_z(&["ZAHLART_WAEH", "ZAHLART_BETRAG_WAEH"])),
    ]
}

/// A file as rows of column -> value, checked against the specification's columns.
fn read(dir: &Path, file: &str, cols: &[&str]) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let head: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(head, cols, "{file}: the specification's columns, in its order");
    r.records()
        .map(|rec| {
            let rec = rec.unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(rec.len(), cols.len(), "{file}: every row has every column");
            head.iter().cloned().zip(rec.iter().map(str::to_string)).collect()
        })
        .collect()
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("'{s}': {e}"))
}

fn sum(rows: &[BTreeMap<String, String>], col: &str, keep: impl Fn(&BTreeMap<String, String>) -> bool) -> Decimal {
    rows.iter().filter(|r| keep(r)).map(|r| d(&r[col])).sum()
}

#[test]
fn the_export_has_the_specifications_columns_and_adds_up_to_the_z() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let a = exec(
        &data,
        None,
        &[
            json!({"cmd":"login","pin":"9999"}),
            json!({"cmd":"open_shift","float":"100.00"}),
            json!({"cmd":"add","sku":"BEV-0001","qty":"3"}),
            json!({"cmd":"add","sku":"SNK-0001"}),
            json!({"cmd":"tender","method":"cash","amount":"20.00"}),
            json!({"cmd":"fuel","grade":"E10","litres":"30.5"}),
            json!({"cmd":"tender","method":"card"}),
            json!({"cmd":"refund","receipt_no":1,"lines":[1]}),
            json!({"cmd":"pay_out","amount":"4.20","reason":"Postage"}),
            json!({"cmd":"safe_drop","amount":"30.00"}),
            json!({"cmd":"count","tenders":[{"method":"cash","amount":"70.00"}]}),
            json!({"cmd":"z_report"}),
        ],
    );
    for v in &a {
        ok(v);
    }
    let z = &a[11]["report"];
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let out = dir.path().join("dsfinvk");
    let done = run(&[
        "export",
        "dsfinvk",
        "--data-dir",
        data.to_str().unwrap(),
        "--from",
        &today,
        "--to",
        &today,
        out.to_str().unwrap(),
    ]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));

    let files: BTreeMap<&str, Vec<BTreeMap<String, String>>> =
        spec().iter().map(|(f, cols)| (*f, read(&out, f, cols))).collect();
    let index = std::fs::read_to_string(out.join("index.xml")).unwrap();
    for (f, cols) in spec() {
        assert!(index.contains(&format!("<URL>{f}</URL>")), "index.xml names {f}");
        for c in cols {
            assert!(index.contains(&format!("<Name>{c}</Name>")), "index.xml describes {c}");
        }
    }
    // Every record is keyed by the Z it belongs to.
    for (f, rows) in &files {
        for r in rows {
            assert_eq!((r["Z_KASSE_ID"].as_str(), r["Z_NR"].as_str()), ("DEMO-01", "1"), "{f}");
        }
    }
    let receipts = |r: &BTreeMap<String, String>| r["BON_ID"].chars().all(|c| c.is_ascii_digit());
    let tx = &files["transactions.csv"];
    assert_eq!(tx.iter().filter(|r| receipts(r)).count(), 3, "two sales and a refund");
    assert_eq!(sum(tx, "UMS_BRUTTO", receipts), d(z["totals"]["net"].as_str().unwrap()));
    let vat = &files["transactions_vat.csv"];
    // VAT only: the energy tax on fuel is not a VAT and stays in the net amounts.
    let z_vat: Decimal = z["taxes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["rate"].as_str().unwrap().ends_with('%'))
        .map(|t| d(t["tax"].as_str().unwrap()))
        .sum();
    assert_eq!(sum(vat, "BON_UST", receipts), z_vat, "VAT as on the receipts");
    assert_eq!(
        sum(vat, "BON_BRUTTO", receipts),
        sum(tx, "UMS_BRUTTO", receipts),
        "every receipt's gross split by rate"
    );
    for r in vat.iter().filter(|r| receipts(r)) {
        assert_eq!(d(&r["BON_BRUTTO"]) - d(&r["BON_UST"]), d(&r["BON_NETTO"]));
    }
    let lines_vat = &files["lines_vat.csv"];
    assert_eq!(sum(lines_vat, "POS_BRUTTO", receipts), sum(tx, "UMS_BRUTTO", receipts), "lines add up to the receipts");
    // Payments: per tender as the Z has them; cash movements are cash too.
    let pay = &files["payment.csv"];
    let tender = |m: &str| {
        z["tenders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["method"] == m)
            .map(|t| d(t["net"].as_str().unwrap()))
            .unwrap_or_default()
    };
    let moves =
        d("100.00") - d("4.20") - d("30.00") + (d("70.00") - d(z["over_short"][0]["expected"].as_str().unwrap()));
    assert_eq!(sum(pay, "Z_ZAHLART_BETRAG", |r| r["ZAHLART_TYP"] == "Unbar"), tender("card"));
    assert_eq!(
        sum(pay, "Z_ZAHLART_BETRAG", |r| r["ZAHLART_TYP"] == "Bar"),
        tender("cash") + moves,
        "cash sales, float, movements, difference"
    );
    assert_eq!(sum(&files["cash_per_currency.csv"], "ZAHLART_BETRAG_WAEH", |_| true), d("70.00"), "the cash counted");
    assert_eq!(sum(&files["datapayment.csv"], "BASISWAEH_BETRAG", |_| true), sum(pay, "Z_ZAHLART_BETRAG", |_| true));
    // Business cases: the sales, and each cash movement with its type.
    let gv = &files["businesscases.csv"];
    assert_eq!(sum(gv, "Z_UMS_BRUTTO", |r| r["GV_TYP"] == "Umsatz"), sum(tx, "UMS_BRUTTO", receipts));
    for (typ, amount) in [("Anfangsbestand", "100.00"), ("Auszahlung", "-4.20"), ("Geldtransit", "-30.00")] {
        assert_eq!(sum(gv, "Z_UMS_BRUTTO", |r| r["GV_TYP"] == typ), d(amount), "{typ}");
    }
    assert_eq!(gv.iter().filter(|r| r["GV_TYP"] == "DifferenzSollIst").count(), 1);
    let closing = &files["cashpointclosing.csv"][0];
    assert_eq!(closing["TAXONOMIE_VERSION"], "2.3");
    assert_eq!(closing["USTID"], "DE123456789");
    let keys: Vec<&str> = files["vat.csv"].iter().map(|r| r["UST_SCHLUESSEL"].as_str()).collect();
    assert!(keys.contains(&"1") && keys.contains(&"2"), "19 % and 7 % by their DSFinV-K keys: {keys:?}");

    // No Z in a period: the files are there, with their headers only.
    let empty = dir.path().join("empty");
    let run2 = run(&[
        "export",
        "dsfinvk",
        "--data-dir",
        data.to_str().unwrap(),
        "--from",
        "2001-01-01",
        "--to",
        "2001-01-31",
        empty.to_str().unwrap(),
    ]);
    assert!(run2.status.success());
    assert!(read(&empty, "transactions.csv", &spec()[0].1).is_empty());
    let bad = run(&[
        "export",
        "dsfinvk",
        "--data-dir",
        data.to_str().unwrap(),
        "--from",
        "yesterday",
        "--to",
        &today,
        empty.to_str().unwrap(),
    ]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("not a date"));
}
