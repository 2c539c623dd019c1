//! Catalog import from CSV: `sku,name,barcode,category,price,tax_class,unit,age_restriction`.
//! All or nothing: every bad row is reported with its line number and reason, and on any bad
//! row nothing is returned to be written.

use crate::config::Config;
use crate::domain::barcode;
use crate::domain::catalog::{index_key, Product, Unit};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

pub const HEADER: [&str; 8] = ["sku", "name", "barcode", "category", "price", "tax_class", "unit", "age_restriction"];

/// The highest unit price the catalog accepts; anything above is a typing error.
pub const MAX_PRICE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// One thing wrong with the file, at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// Parses and validates a whole catalog file against the configuration.
pub fn parse_catalog(text: &str, config: &Config) -> Result<Vec<Product>, Vec<RowError>> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let mut errors = Vec::new();
    match rdr.headers() {
        Ok(h) => {
            let got: Vec<&str> = h.iter().map(str::trim).collect();
            if got != HEADER {
                return Err(vec![RowError {
                    line: 1,
                    reason: format!("the header must be '{}', found '{}'", HEADER.join(","), got.join(",")),
                }]);
            }
        }
        Err(e) => return Err(vec![RowError { line: 1, reason: format!("cannot read the header: {e}") }]),
    }
    let mut products = Vec::new();
    let mut skus: HashMap<String, u64> = HashMap::new();
    let mut codes: HashMap<String, u64> = HashMap::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(RowError { line, reason: format!("not valid CSV: {e}") });
                continue;
            }
        };
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.len() != HEADER.len() {
            errors.push(RowError { line, reason: format!("has {} fields, expected {}", rec.len(), HEADER.len()) });
            continue;
        }
        let f = |i: usize| rec.get(i).unwrap_or("").trim();
        let mut bad = |reason: String| errors.push(RowError { line, reason });
        let sku = f(0);
        if sku.is_empty() || sku.len() > 64 || !sku.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
            bad(format!("sku '{sku}' must be 1 to 64 letters, digits, '-', '_' or '.'"));
            continue;
        }
        if let Some(first) = skus.insert(sku.to_string(), line) {
            bad(format!("sku '{sku}' is already used on line {first}"));
            continue;
        }
        let name = f(1);
        if name.is_empty() {
            bad("name is empty".into());
            continue;
        }
        let category = f(3);
        if category.is_empty() {
            bad("category is empty".into());
            continue;
        }
        let unit = match Unit::from_str(f(6)) {
            Ok(u) => u,
            Err(e) => {
                bad(e);
                continue;
            }
        };
        let price = match crate::domain::money::parse_decimal(f(4)) {
            Ok(p) if p < Decimal::ZERO => {
                bad(format!("price '{}' is negative", f(4)));
                continue;
            }
            Ok(p) if p > MAX_PRICE => {
                bad(format!("price '{}' is more than {MAX_PRICE}", f(4)));
                continue;
            }
            Ok(p) => p,
            Err(e) if e.contains("larger than") => {
                bad(format!("price '{}' is more than {MAX_PRICE}", crate::domain::money::shorten(f(4))));
                continue;
            }
            Err(_) => {
                bad(format!(
                    "price '{}' is not a decimal number (use a dot: 1.99)",
                    crate::domain::money::shorten(f(4))
                ));
                continue;
            }
        };
        let minor = config.pricing.currency.minor_units;
        let max_dp = if unit == Unit::Each { minor } else { minor.max(3) };
        if price.scale() > max_dp {
            bad(format!("price '{price}' has more than {max_dp} decimals"));
            continue;
        }
        let tax_class = f(5);
        if !config.pricing.tax_classes.contains_key(tax_class) {
            bad(format!("tax class '{tax_class}' is not configured"));
            continue;
        }
        let age_restriction = match f(7) {
            "" | "0" => None,
            // Digits only: `parse` alone would also take "+18".
            s => match s.parse::<u8>().ok().filter(|_| s.bytes().all(|b| b.is_ascii_digit())) {
                Some(a) if (1..=99).contains(&a) => Some(a),
                _ => {
                    bad(format!("age_restriction '{s}' must be empty or a whole number of years from 1 to 99"));
                    continue;
                }
            },
        };
        let mut barcodes = Vec::new();
        let mut row_ok = true;
        for code in f(2).split('|').map(str::trim).filter(|c| !c.is_empty()) {
            match barcode::parse(code) {
                Err(e) => {
                    bad(format!("barcode: {e}"));
                    row_ok = false;
                }
                Ok(_) => {
                    let key = index_key(&config.variable_measure, code).unwrap_or_else(|_| code.to_string());
                    if let Some(first) = codes.insert(key, line) {
                        bad(format!("barcode '{code}' is already used on line {first}"));
                        row_ok = false;
                    } else {
                        barcodes.push(code.to_string());
                    }
                }
            }
        }
        if !row_ok {
            continue;
        }
        products.push(Product {
            sku: sku.to_string(),
            name: name.to_string(),
            barcodes,
            category: category.to_string(),
            price,
            tax_class: tax_class.to_string(),
            unit,
            age_restriction,
        });
    }
    if errors.is_empty() {
        Ok(products)
    } else {
        Err(errors)
    }
}
