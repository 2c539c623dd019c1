//! Shifts: opened with a float, closed with a counted amount; the expected drawer is the float
//! plus the cash that moved through the drawer.

use rust_decimal::Decimal;
use serde::Serialize;

/// The cash a drawer should hold and how far the count is from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShiftCount {
    pub float: Decimal,
    /// Cash taken minus change given minus cash paid out on refunds.
    pub cash_net: Decimal,
    pub expected: Decimal,
    pub counted: Decimal,
    /// counted - expected: negative when the drawer is short.
    pub difference: Decimal,
}

impl ShiftCount {
    pub fn new(float: Decimal, cash_net: Decimal, counted: Decimal) -> ShiftCount {
        let expected = float + cash_net;
        ShiftCount { float, cash_net, expected, counted, difference: counted - expected }
    }
}
