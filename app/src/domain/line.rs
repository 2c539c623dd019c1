//! Ticket lines as they are made: a shop item, a price-embedded code, a fuel line keyed or
//! filled at a pump, a prepayment; and the limits every quantity and payment is held to.

use super::catalog::{FuelGrade, Product, Unit};
use super::ticket::{line_gross, Line, LineKind, Pricing, TicketError};
use rust_decimal::Decimal;

impl Line {
    pub fn shop(p: &Product, qty: Decimal) -> Result<Line, TicketError> {
        check_qty(qty, p.unit)?;
        Ok(Line { qty: qty.normalize(), ..Line::shop_unchecked(p) })
    }

    /// A variable-measure item whose code carries its price.
    pub fn embedded_price(p: &Product, price: Decimal) -> Line {
        Line {
            qty: Decimal::ONE,
            unit: Unit::Each,
            unit_price: price,
            fixed_amount: Some(price),
            kind: LineKind::EmbeddedPrice,
            ..Line::shop_unchecked(p)
        }
    }

    fn shop_unchecked(p: &Product) -> Line {
        Line {
            sku: p.sku.clone(),
            name: p.name.clone(),
            unit: p.unit,
            qty: Decimal::ONE,
            unit_price: p.price,
            fixed_amount: None,
            tax_class: p.tax_class.clone(),
            age_restriction: p.age_restriction,
            kind: LineKind::Shop,
            discount: None,
            voided: false,
        }
    }

    /// A fuel fill: the amount is volume x price per litre, rounded to the currency.
    pub fn fuel(grade: &FuelGrade, litres: Decimal) -> Result<Line, TicketError> {
        check_qty(litres, Unit::Litre)?;
        Ok(Line {
            sku: grade.code.clone(),
            name: grade.name.clone(),
            unit: Unit::Litre,
            qty: litres,
            unit_price: grade.price_per_litre,
            fixed_amount: None,
            tax_class: grade.tax_class.clone(),
            age_restriction: None,
            kind: LineKind::Fuel { grade: grade.code.clone(), pump: None },
            discount: None,
            voided: false,
        })
    }
}

impl Line {
    /// A fill from a pump: the amount is what the pump measured and showed the customer (a
    /// preset stop may end one minor unit off volume x price; anything further is refused).
    pub fn pump_fill(
        grade: &FuelGrade,
        pump: u8,
        litres: Decimal,
        amount: Decimal,
        p: &Pricing,
    ) -> Result<Line, TicketError> {
        let mut line = Line::fuel(grade, litres)?;
        if amount <= Decimal::ZERO {
            return Err(TicketError::NotPositive);
        }
        if !p.currency.is_exact(amount) {
            return Err(TicketError::NotExact(amount));
        }
        let computed = line_gross(&line, p)?;
        if (computed - amount).abs() > p.currency.minor_unit() {
            return Err(TicketError::PumpMismatch { amount, computed });
        }
        line.fixed_amount = Some(amount);
        line.kind = LineKind::Fuel { grade: grade.code.clone(), pump: Some(pump) };
        line.name = format!("{} · {pump}", grade.name);
        Ok(line)
    }
}

impl Line {
    /// A prepayment for a pump's next filling.
    pub fn prepay(pump: u8, amount: Decimal, name: String) -> Line {
        Line {
            sku: format!("PREPAY-{pump}"),
            name,
            unit: Unit::Each,
            qty: Decimal::ONE,
            unit_price: amount,
            fixed_amount: Some(amount),
            tax_class: String::new(),
            age_restriction: None,
            kind: LineKind::Prepay { pump },
            discount: None,
            voided: false,
        }
    }
}

/// Largest single payment; anything above is a keying error (and keeps sums far from overflow).
pub const MAX_PAYMENT: Decimal = super::money::MAX_AMOUNT;

/// Largest quantity a single line may carry; anything above is a keying error.
pub const MAX_QTY: Decimal = Decimal::from_parts(9999, 0, 0, false, 0);

pub(super) fn check_qty(qty: Decimal, unit: Unit) -> Result<(), TicketError> {
    let bad = |why| Err(TicketError::BadQuantity { qty, unit, why });
    if qty <= Decimal::ZERO {
        return bad("it must be more than zero");
    }
    if qty > MAX_QTY {
        return bad("it is more than 9999");
    }
    if qty.normalize().scale() > unit.max_qty_decimals() {
        return bad(if unit == Unit::Each { "it must be a whole number" } else { "at most 3 decimals" });
    }
    Ok(())
}
