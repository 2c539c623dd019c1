//! `till export dsfinvk`: the DSFinV-K (Digitale Schnittstelle der Finanzverwaltung für
//! Kassensysteme, taxonomy 2.3) files of a period's Z reports: the single-recording module
//! (Bonkopf, Bonkopf_USt, Bonkopf_Zahlarten, Bonpos, Bonpos_USt), the master data
//! (Stamm_Abschluss, Stamm_Orte, Stamm_Kassen, Stamm_USt) and the cash-closing module (Z_GV_Typ,
//! Z_Zahlart, Z_Waehrungen), with the GDPdU `index.xml` that describes them. CSV: UTF-8, comma,
//! `"` around text that needs it, CRLF, a header line, `.` as the decimal point.
//!
//! Till has no certified technical security device (TSE): the TSE files and fields are not
//! written. Cash movements, opening floats and count differences are their own records with
//! the business-case types Einzahlung, Auszahlung, Geldtransit, Anfangsbestand and
//! DifferenzSollIst.

use crate::config::Config;
use crate::domain::money::Currency;
use crate::domain::tax::TaxBasis;
use crate::store::export::{ExLine, ExSale, ExZ};
use crate::store::Store;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;

/// Columns: name and decimals (`None`: text).
type Cols = &'static [(&'static str, Option<u32>)];

const Z: [(&str, Option<u32>); 3] = [("Z_KASSE_ID", None), ("Z_ERSTELLUNG", None), ("Z_NR", Some(0))];

/// Every file written: file name, DSFinV-K table name, columns after the Z key.
pub const TABLES: &[(&str, &str, Cols)] = &[
    (
        "transactions.csv",
        "Bonkopf",
        &[
            ("BON_ID", None),
            ("BON_NR", Some(0)),
            ("BON_TYP", None),
            ("BON_NAME", None),
            ("TERMINAL_ID", None),
            ("BON_STORNO", None),
            ("BON_START", None),
            ("BON_ENDE", None),
            ("BEDIENER_ID", None),
            ("BEDIENER_NAME", None),
            ("UMS_BRUTTO", Some(2)),
            ("KUNDE_NAME", None),
            ("KUNDE_ID", None),
            ("KUNDE_TYP", None),
            ("KUNDE_STRASSE", None),
            ("KUNDE_PLZ", None),
            ("KUNDE_ORT", None),
            ("KUNDE_LAND", None),
            ("KUNDE_USTID", None),
            ("BON_NOTIZ", None),
        ],
    ),
    (
        "transactions_vat.csv",
        "Bonkopf_USt",
        &[
            ("BON_ID", None),
            ("UST_SCHLUESSEL", Some(0)),
            ("BON_BRUTTO", Some(5)),
            ("BON_NETTO", Some(5)),
            ("BON_UST", Some(5)),
        ],
    ),
    (
        "datapayment.csv",
        "Bonkopf_Zahlarten",
        &[
            ("BON_ID", None),
            ("ZAHLART_TYP", None),
            ("ZAHLART_NAME", None),
            ("ZAHLWAEH_CODE", None),
            ("ZAHLWAEH_BETRAG", Some(2)),
            ("BASISWAEH_BETRAG", Some(2)),
        ],
    ),
    (
        "lines.csv",
        "Bonpos",
        &[
            ("BON_ID", None),
            ("POS_ZEILE", None),
            ("GUTSCHEIN_NR", None),
            ("ARTIKELTEXT", None),
            ("POS_TERMINAL_ID", None),
            ("GV_TYP", None),
            ("GV_NAME", None),
            ("INHAUS", None),
            ("P_STORNO", None),
            ("AGENTUR_ID", Some(0)),
            ("ART_NR", None),
            ("GTIN", None),
            ("WARENGR_ID", None),
            ("WARENGR", None),
            ("MENGE", Some(3)),
            ("FAKTOR", Some(3)),
            ("EINHEIT", None),
            ("STK_BR", Some(5)),
        ],
    ),
    (
        "lines_vat.csv",
        "Bonpos_USt",
        &[
            ("BON_ID", None),
            ("POS_ZEILE", None),
            ("UST_SCHLUESSEL", Some(0)),
            ("POS_BRUTTO", Some(5)),
            ("POS_NETTO", Some(5)),
            ("POS_UST", Some(5)),
        ],
    ),
    (
        "cashpointclosing.csv",
        "Stamm_Abschluss",
        &[
            ("Z_BUCHUNGSTAG", None),
            ("TAXONOMIE_VERSION", None),
            ("Z_START_ID", None),
            ("Z_ENDE_ID", None),
            ("NAME", None),
            ("STRASSE", None),
            ("PLZ", None),
            ("ORT", None),
            ("LAND", None),
            ("STNR", None),
            ("USTID", None),
            ("Z_SE_ZAHLUNGEN", Some(2)),
            ("Z_SE_BARZAHLUNGEN", Some(2)),
        ],
    ),
    (
        "location.csv",
        "Stamm_Orte",
        &[
            ("LOC_NAME", None),
            ("LOC_STRASSE", None),
            ("LOC_PLZ", None),
            ("LOC_ORT", None),
            ("LOC_LAND", None),
            ("LOC_USTID", None),
        ],
    ),
    (
        "cashregister.csv",
        "Stamm_Kassen",
        &[
            ("KASSE_BRAND", None),
            ("KASSE_MODELL", None),
            ("KASSE_SERIENNR", None),
            ("KASSE_SW_BRAND", None),
            ("KASSE_SW_VERSION", None),
            ("KASSE_BASISWAEH_CODE", None),
            ("KEINE_UST_ZUORDNUNG", None),
        ],
    ),
    ("vat.csv", "Stamm_USt", &[("UST_SCHLUESSEL", Some(0)), ("UST_SATZ", Some(2)), ("UST_BESCHR", None)]),
    (
        "businesscases.csv",
        "Z_GV_Typ",
        &[
            ("GV_TYP", None),
            ("GV_NAME", None),
            ("AGENTUR_ID", Some(0)),
            ("UST_SCHLUESSEL", Some(0)),
            ("Z_UMS_BRUTTO", Some(5)),
            ("Z_UMS_NETTO", Some(5)),
            ("Z_UST", Some(5)),
        ],
    ),
    ("payment.csv", "Z_Zahlart", &[("ZAHLART_TYP", None), ("ZAHLART_NAME", None), ("Z_ZAHLART_BETRAG", Some(2))]),
    ("cash_per_currency.csv", "Z_Waehrungen", &[("ZAHLART_WAEH", None), ("ZAHLART_BETRAG_WAEH", Some(2))]),
];

/// The DSFinV-K's fixed VAT keys (Anhang: UST_SCHLUESSEL) for a rate in percent.
pub fn vat_key(rate: Decimal) -> (u32, &'static str) {
    match rate.normalize().to_string().as_str() {
        "19" => (1, "Regelsteuersatz"),
        "7" => (2, "Ermäßigter Steuersatz"),
        "10.7" => (3, "Durchschnittsatz (§ 24 Abs. 1 Nr. 3 UStG)"),
        "5.5" => (4, "Durchschnittsatz (§ 24 Abs. 1 Nr. 1 UStG)"),
        "0" => (6, "Umsatzsteuerfrei"),
        "16" => (11, "Historischer Regelsteuersatz"),
        "5" => (12, "Historischer ermäßigter Steuersatz"),
        _ => (7, "UmsatzsteuerNichtErmittelbar"),
    }
}

/// Key 5: not taxable (cash movements, prepayments as such).
const NOT_TAXABLE: u32 = 5;

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub closings: usize,
    pub records: usize,
}

struct Out {
    files: BTreeMap<&'static str, Vec<Vec<String>>>,
}

impl Out {
    fn row(&mut self, file: &'static str, z: &[String; 3], cols: Vec<String>) {
        let mut r = z.to_vec();
        r.extend(cols);
        self.files.entry(file).or_default().push(r);
    }
}

fn text(s: &str) -> String {
    s.to_string()
}

fn money(c: &Currency, minor: i64) -> String {
    c.fmt(c.from_minor(minor))
}

/// A time as the DSFinV-K writes it (ISO 8601 to the second, UTC as stored).
fn time(at: &str) -> String {
    at.chars().take(19).collect()
}

/// The VAT rate of a tax class (its first percentage component), if any.
fn class_rate(config: &Config, class: &str) -> Option<(String, Decimal)> {
    let tc = config.pricing.tax_classes.get(class)?;
    tc.components.iter().find_map(|c| match c.basis {
        TaxBasis::Percent(r) => Some((c.rate_label(), r)),
        TaxBasis::PerUnit(_) => None,
    })
}

/// A line's gross, net and VAT (VAT unrounded to five decimals, as the table allows).
fn line_vat(config: &Config, l: &ExLine) -> (u32, Decimal, Decimal, Decimal) {
    let c = &config.pricing.currency;
    let amount = c.from_minor(l.amount_minor);
    match class_rate(config, &l.tax_class) {
        Some((_, r)) if !l.sku.starts_with("PREPAY-") => {
            let (gross, vat) = if config.pricing.tax.prices_include_tax {
                (amount, (amount * r / (Decimal::ONE_HUNDRED + r)).round_dp(5))
            } else {
                let vat = (amount * r / Decimal::ONE_HUNDRED).round_dp(5);
                (amount + vat, vat)
            };
            (vat_key(r).0, gross, gross - vat, vat)
        }
        _ => (NOT_TAXABLE, amount, amount, Decimal::ZERO),
    }
}

/// The business-case type of a line.
fn gv_typ(l: &ExLine) -> &'static str {
    match (l.kind.as_str(), l.sku.starts_with("PREPAY-")) {
        ("prepay", _) => "Anzahlungseinstellung",
        ("refund", true) => "Anzahlungsaufloesung",
        _ => "Umsatz",
    }
}

fn unit(u: &str) -> &'static str {
    match u {
        "litre" | "l" => "Liter",
        "kg" => "kg",
        _ => "Stück",
    }
}

/// A receipt's VAT per key as on the receipt: gross from its lines, VAT from its tax rows.
fn bon_vat(config: &Config, s: &ExSale) -> BTreeMap<u32, (i64, i64)> {
    let mut gross: BTreeMap<u32, i64> = BTreeMap::new();
    for l in s.lines.iter().filter(|l| !l.voided) {
        let key = match class_rate(config, &l.tax_class) {
            Some((_, r)) if !l.sku.starts_with("PREPAY-") => vat_key(r).0,
            _ => NOT_TAXABLE,
        };
        *gross.entry(key).or_default() += l.amount_minor;
    }
    let mut out: BTreeMap<u32, (i64, i64)> = BTreeMap::new();
    for (key, g) in gross {
        out.insert(key, (g, 0));
    }
    for (_, rate, amount) in &s.taxes {
        // Only percentage taxes are VAT; a per-unit tax (energy tax) stays in the net.
        let Some(r) = rate.strip_suffix('%').and_then(|r| r.parse::<Decimal>().ok()) else { continue };
        let e = out.entry(vat_key(r).0).or_insert((0, 0));
        if !config.pricing.tax.prices_include_tax {
            e.0 += amount;
        }
        e.1 += amount;
    }
    out
}

fn write_sale(out: &mut Out, config: &Config, z: &[String; 3], s: &ExSale) {
    let c = &config.pricing.currency;
    let id = s.id.to_string();
    let name = if s.kind == "refund" { "Rückgabe" } else { "" };
    let mut head =
        vec![id.clone(), s.receipt_no.to_string(), text("Beleg"), text(name), config.terminal_id.clone(), text("0")];
    head.extend([time(&s.at), time(&s.at), s.user_id.to_string(), s.user.clone(), money(c, s.total_minor)]);
    head.extend(std::iter::repeat_n(String::new(), 9));
    out.row("transactions.csv", z, head);
    for (key, (gross, vat)) in bon_vat(config, s) {
        out.row(
            "transactions_vat.csv",
            z,
            vec![id.clone(), key.to_string(), money(c, gross), money(c, gross - vat), money(c, vat)],
        );
    }
    for (method, amount) in &s.payments {
        let amount = if method == "cash" { amount - s.change_minor } else { *amount };
        let (typ, nm) = if method == "cash" { ("Bar", "Bargeld") } else { ("Unbar", "Karte") };
        out.row(
            "datapayment.csv",
            z,
            vec![id.clone(), text(typ), text(nm), String::new(), String::new(), money(c, amount)],
        );
    }
    for l in &s.lines {
        let (key, gross, net, vat) = line_vat(config, l);
        let mut row =
            vec![id.clone(), l.line_no.to_string(), String::new(), l.name.clone(), config.terminal_id.clone()];
        row.extend([text(gv_typ(l)), String::new(), text("0"), text(if l.voided { "1" } else { "0" }), String::new()]);
        row.extend([l.sku.clone(), String::new(), l.category.clone(), l.category.clone(), l.qty.clone(), text("1")]);
        row.extend([text(unit(&l.unit)), l.unit_price.clone()]);
        out.row("lines.csv", z, row);
        out.row(
            "lines_vat.csv",
            z,
            vec![
                id.clone(),
                l.line_no.to_string(),
                key.to_string(),
                gross.to_string(),
                net.to_string(),
                vat.to_string(),
            ],
        );
    }
}

/// Writes the files of every Z taken from `from` to `to` (UTC dates, YYYY-MM-DD) into `dir`.
pub fn export(store: &Store, config: &Config, from: &str, to: &str, dir: &Path) -> anyhow::Result<Summary> {
    for d in [from, to] {
        anyhow::ensure!(chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok(), "'{d}' is not a date (YYYY-MM-DD)");
    }
    let zs = store.export_zs(&config.terminal_id, from, to)?;
    std::fs::create_dir_all(dir)?;
    let mut out = Out { files: BTreeMap::new() };
    let mut records = 0;
    for z in &zs {
        records += write_z(&mut out, config, z);
    }
    for (file, _, cols) in TABLES {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_path(dir.join(file))?;
        let head: Vec<&str> = Z.iter().chain(cols.iter()).map(|(n, _)| *n).collect();
        w.write_record(&head)?;
        for r in out.files.get(file).map(Vec::as_slice).unwrap_or_default() {
            w.write_record(r)?;
        }
        w.flush()?;
    }
    std::fs::write(dir.join("index.xml"), index_xml(config))?;
    Ok(Summary { closings: zs.len(), records })
}

fn write_z(out: &mut Out, config: &Config, z: &ExZ) -> usize {
    let c = &config.pricing.currency;
    let key = [config.terminal_id.clone(), time(&z.at), z.z_no.to_string()];
    let mut gv: BTreeMap<(&'static str, u32), (Decimal, Decimal, Decimal)> = BTreeMap::new();
    let mut pay: BTreeMap<(&'static str, &'static str), i64> = BTreeMap::new();
    let mut vats: BTreeMap<u32, (Decimal, &'static str)> = BTreeMap::new();
    for s in &z.sales {
        write_sale(out, config, &key, s);
        for l in s.lines.iter().filter(|l| !l.voided) {
            let (k, g, n, v) = line_vat(config, l);
            let e = gv.entry((gv_typ(l), k)).or_default();
            (e.0, e.1, e.2) = (e.0 + g, e.1 + n, e.2 + v);
            if let Some((_, r)) = class_rate(config, &l.tax_class) {
                vats.insert(vat_key(r).0, (r, vat_key(r).1));
            }
        }
        for (method, amount) in &s.payments {
            let (amount, k) = if method == "cash" {
                (amount - s.change_minor, ("Bar", "Bargeld"))
            } else {
                (*amount, ("Unbar", "Karte"))
            };
            *pay.entry(k).or_default() += amount;
        }
    }
    for (id, case, amount, reason, at, uid, user) in &z.cash {
        let a = money(c, *amount);
        let mut head =
            vec![id.clone(), String::new(), text("Beleg"), text(case), config.terminal_id.clone(), text("0")];
        head.extend([time(at), time(at), uid.to_string(), user.clone(), a.clone()]);
        head.extend(std::iter::repeat_n(String::new(), 8));
        head.push(reason.clone());
        out.row("transactions.csv", &key, head);
        out.row(
            "transactions_vat.csv",
            &key,
            vec![id.clone(), NOT_TAXABLE.to_string(), a.clone(), a.clone(), money(c, 0)],
        );
        out.row(
            "datapayment.csv",
            &key,
            vec![id.clone(), text("Bar"), text("Bargeld"), String::new(), String::new(), a.clone()],
        );
        let text_of = if reason.is_empty() { case.to_string() } else { reason.clone() };
        let mut row = vec![id.clone(), text("1"), String::new(), text_of, config.terminal_id.clone(), text(case)];
        row.extend([String::new(), text("0"), text("0"), String::new(), String::new(), String::new(), String::new()]);
        row.extend([String::new(), text("1"), text("1"), text("Stück"), a.clone()]);
        out.row("lines.csv", &key, row);
        out.row(
            "lines_vat.csv",
            &key,
            vec![id.clone(), text("1"), NOT_TAXABLE.to_string(), a.clone(), a.clone(), money(c, 0)],
        );
        let d = c.from_minor(*amount);
        let e = gv.entry((case, NOT_TAXABLE)).or_default();
        (e.0, e.1) = (e.0 + d, e.1 + d);
        *pay.entry(("Bar", "Bargeld")).or_default() += amount;
    }
    vats.insert(NOT_TAXABLE, (Decimal::ZERO, "Nicht steuerbar"));
    for ((typ, k), (g, n, v)) in &gv {
        out.row(
            "businesscases.csv",
            &key,
            vec![text(typ), String::new(), String::new(), k.to_string(), g.to_string(), n.to_string(), v.to_string()],
        );
    }
    for ((typ, nm), a) in &pay {
        out.row("payment.csv", &key, vec![text(typ), text(nm), money(c, *a)]);
    }
    let cash = pay.get(&("Bar", "Bargeld")).copied().unwrap_or(0);
    out.row("cash_per_currency.csv", &key, vec![c.code.clone(), money(c, cash)]);
    for (k, (r, d)) in &vats {
        out.row("vat.csv", &key, vec![k.to_string(), r.round_dp(2).to_string(), text(d)]);
    }
    let ids: Vec<String> = z.sales.iter().map(|s| s.id.to_string()).collect();
    let st = &config.store;
    let street = st.address.first().cloned().unwrap_or_default();
    let (plz, ort) = st
        .address
        .get(1)
        .and_then(|a| a.split_once(' '))
        .map(|(p, o)| (p.to_string(), o.to_string()))
        .unwrap_or_default();
    let total: i64 = pay.values().sum();
    let mut row = vec![time(&z.at).chars().take(10).collect(), text("2.3"), ids.first().cloned().unwrap_or_default()];
    row.extend([
        ids.last().cloned().unwrap_or_default(),
        st.name.clone(),
        street.clone(),
        plz.clone(),
        ort.clone(),
        text("DEU"),
    ]);
    row.extend([String::new(), st.tax_id.clone(), money(c, total), money(c, cash)]);
    out.row("cashpointclosing.csv", &key, row);
    out.row("location.csv", &key, vec![st.name.clone(), street, plz, ort, text("DEU"), st.tax_id.clone()]);
    out.row(
        "cashregister.csv",
        &key,
        vec![
            text("Till"),
            text("Till"),
            config.terminal_id.clone(),
            text("Till"),
            text(env!("CARGO_PKG_VERSION")),
            c.code.clone(),
            text("0"),
        ],
    );
    z.sales.len() + z.cash.len()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The GDPdU description of the files: each table, its columns and their types.
fn index_xml(config: &Config) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!DOCTYPE DataSet SYSTEM \"gdpdu-01-09-2004.dtd\">\r\n<DataSet>\r\n  <Version>1.0</Version>\r\n");
    x += &format!(
        "  <DataSupplier>\r\n    <Name>{}</Name>\r\n    <Location>{}</Location>\r\n    <Comment>DSFinV-K 2.3 export of Till {}; no TSE: Till has no certified technical security device</Comment>\r\n  </DataSupplier>\r\n  <Media>\r\n    <Name>DSFinV-K</Name>\r\n",
        xml_escape(&config.store.name),
        xml_escape(&config.store.address.join(", ")),
        env!("CARGO_PKG_VERSION")
    );
    for (file, name, cols) in TABLES {
        x += &format!("    <Table>\r\n      <URL>{file}</URL>\r\n      <Name>{name}</Name>\r\n      <UTF8/>\r\n      <DecimalSymbol>.</DecimalSymbol>\r\n      <DigitGroupingSymbol>,</DigitGroupingSymbol>\r\n      <Range><From>2</From></Range>\r\n      <VariableLength>\r\n        <ColumnDelimiter>,</ColumnDelimiter>\r\n        <RecordDelimiter>&#13;&#10;</RecordDelimiter>\r\n        <TextEncapsulator>\"</TextEncapsulator>\r\n");
        for (col, places) in Z.iter().chain(cols.iter()) {
            let ty = match places {
                Some(p) => format!("<Numeric><Accuracy>{p}</Accuracy></Numeric>"),
                None => "<AlphaNumeric/>".to_string(),
            };
            x += &format!("        <VariableColumn><Name>{col}</Name>{ty}</VariableColumn>\r\n");
        }
        x += "      </VariableLength>\r\n    </Table>\r\n";
    }
    x += "  </Media>\r\n</DataSet>\r\n";
    x
}
