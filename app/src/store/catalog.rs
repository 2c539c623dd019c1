//! The catalog: products and their barcodes, replaced all or nothing.

use super::*;

impl Store {
    pub fn product_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM products", [], |r| r.get(0))?)
    }

    /// Replaces the whole catalog in one transaction, with a journal entry.
    pub fn replace_catalog(&mut self, products: &[Product], terminal_id: &str, at: &str, source: &str) -> Result<()> {
        let tx = begin(&mut self.conn, &self.guard)?;
        tx.execute("DELETE FROM barcodes", [])?;
        tx.execute("DELETE FROM products", [])?;
        {
            let mut ins = tx.prepare(
                "INSERT INTO products (sku, name, category, price, tax_class, unit, age_restriction) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut code = tx.prepare("INSERT INTO barcodes (code, sku) VALUES (?1, ?2)")?;
            for p in products {
                ins.execute(params![
                    p.sku,
                    p.name,
                    p.category,
                    p.price.to_string(),
                    p.tax_class,
                    p.unit.as_str(),
                    p.age_restriction
                ])?;
                for b in &p.barcodes {
                    code.execute(params![b, p.sku])?;
                }
            }
        }
        let payload = serde_json::json!({ "source": source, "products": products.len() });
        journal::append(&tx, terminal_id, at, "catalog_import", &payload.to_string())?;
        commit(tx, &mut self.guard)?;
        Ok(())
    }

    pub fn load_products(&self) -> Result<Vec<Product>> {
        let mut codes: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
        let mut stmt = self.conn.prepare("SELECT sku, code FROM barcodes ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (sku, code) = row?;
            codes.entry(sku).or_default().push(code);
        }
        let mut stmt = self.conn.prepare(
            "SELECT sku, name, category, price, tax_class, unit, age_restriction FROM products ORDER BY rowid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<u8>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (sku, name, category, price, tax_class, unit, age) = row?;
            let price = Decimal::from_str(&price)
                .map_err(|_| StoreError::Corrupt(format!("product {sku} has price '{price}'")))?;
            let unit = Unit::from_str(&unit).map_err(StoreError::Corrupt)?;
            let barcodes = codes.remove(&sku).unwrap_or_default();
            out.push(Product { sku, name, barcodes, category, price, tax_class, unit, age_restriction: age });
        }
        Ok(out)
    }
}
