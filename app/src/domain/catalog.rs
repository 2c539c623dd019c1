//! Catalog: products, fuel grades and the in-memory index that finds an item by barcode, SKU
//! or PLU in constant time.

use super::barcode::{self, BarcodeError, Gtin, Symbology, VariableMeasureRule};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// How an item is sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Each,
    Kg,
    Litre,
}

impl Unit {
    /// Decimal places a quantity of this unit may have.
    pub fn max_qty_decimals(self) -> u32 {
        match self {
            Unit::Each => 0,
            Unit::Kg | Unit::Litre => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Each => "each",
            Unit::Kg => "kg",
            Unit::Litre => "litre",
        }
    }
}

impl FromStr for Unit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "each" => Ok(Unit::Each),
            "kg" => Ok(Unit::Kg),
            "litre" | "l" => Ok(Unit::Litre),
            other => Err(format!("unit '{other}' is not one of each, kg, litre")),
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A shop item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    pub sku: String,
    pub name: String,
    /// Barcodes as printed (EAN-8, EAN-13, UPC-A, variable-measure templates) and PLUs.
    pub barcodes: Vec<String>,
    pub category: String,
    /// Price per unit, tax-inclusive or exclusive as the configuration says.
    pub price: Decimal,
    pub tax_class: String,
    pub unit: Unit,
    /// Minimum age of the buyer in years, if restricted.
    pub age_restriction: Option<u8>,
}

/// A fuel grade sold at the pumps. Prices carry three decimals per litre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FuelGrade {
    pub code: String,
    pub name: String,
    pub price_per_litre: Decimal,
    pub tax_class: String,
}

/// What a code resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// An ordinary item.
    Item(&'a Product),
    /// An in-store variable-measure code: the item plus its embedded price or weight.
    Measured(&'a Product, barcode::VariableMeasure),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error(transparent)]
    Invalid(#[from] BarcodeError),
    #[error("no item has the code {0}")]
    Unknown(String),
}

/// The catalog with its look-up indexes. Built once, read on every scan.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    products: Vec<Product>,
    by_sku: HashMap<String, usize>,
    by_code: HashMap<String, usize>,
    rules: Vec<VariableMeasureRule>,
}

impl Catalog {
    /// Builds the indexes. Products must already be validated (see the importer); a barcode
    /// that does not parse is left out of the index rather than guessed.
    pub fn new(products: Vec<Product>, rules: Vec<VariableMeasureRule>) -> Self {
        let mut by_sku = HashMap::with_capacity(products.len());
        let mut by_code = HashMap::with_capacity(products.len());
        for (i, p) in products.iter().enumerate() {
            by_sku.insert(p.sku.clone(), i);
            for code in &p.barcodes {
                if let Ok(key) = index_key(&rules, code) {
                    by_code.insert(key, i);
                }
            }
        }
        Catalog { products, by_sku, by_code, rules }
    }

    pub fn len(&self) -> usize {
        self.products.len()
    }

    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    pub fn products(&self) -> &[Product] {
        &self.products
    }

    pub fn by_sku(&self, sku: &str) -> Option<&Product> {
        self.by_sku.get(sku).map(|&i| &self.products[i])
    }

    /// Finds an item by a PLU code (4 or 5 digits).
    pub fn by_plu(&self, plu: &str) -> Option<&Product> {
        self.by_code.get(plu.trim()).map(|&i| &self.products[i])
    }

    /// Finds an item by a scanned code: validates the check digit, decodes variable-measure
    /// codes, then looks the item up.
    pub fn scan(&self, code: &str) -> Result<Lookup<'_>, LookupError> {
        let gtin = barcode::parse(code)?;
        if let Some(vm) = barcode::decode_variable(&self.rules, &gtin) {
            return match self.by_code.get(&vm.item_key) {
                Some(&i) => Ok(Lookup::Measured(&self.products[i], vm)),
                None => Err(LookupError::Unknown(code.trim().to_string())),
            };
        }
        match self.by_code.get(&gtin.key) {
            Some(&i) => Ok(Lookup::Item(&self.products[i])),
            None => Err(LookupError::Unknown(code.trim().to_string())),
        }
    }
}

/// The key under which a catalog code is indexed: variable-measure templates by prefix and
/// item reference, UPC-A in its EAN-13 form, the rest as they are.
pub fn index_key(rules: &[VariableMeasureRule], code: &str) -> Result<String, BarcodeError> {
    let gtin: Gtin = barcode::parse(code)?;
    if gtin.symbology == Symbology::Ean13 {
        if let Some(rule) = barcode::variable_rule(rules, &gtin) {
            return Ok(barcode::variable_item_key(rule, &gtin.key));
        }
    }
    Ok(gtin.key)
}
