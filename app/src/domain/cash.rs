//! Cash that moves through the drawer without a sale, the drawer's level against its limit,
//! and the count: by denomination or by total, against what the drawer should hold.

use serde::{Deserialize, Serialize};

/// A movement of cash in or out of the drawer that is not a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// Cash put into the drawer from outside (a float top-up, change from the bank).
    PayIn,
    /// Cash paid out of the drawer (a supplier, postage).
    PayOut,
    /// Cash taken from the drawer to the safe.
    SafeDrop,
    /// Cash brought from the safe to the drawer.
    SafeLoan,
    /// The drawer opened without a sale; no cash moves.
    NoSale,
}

impl MovementKind {
    pub const ALL: [MovementKind; 5] = [
        MovementKind::PayIn,
        MovementKind::PayOut,
        MovementKind::SafeDrop,
        MovementKind::SafeLoan,
        MovementKind::NoSale,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::PayIn => "pay_in",
            MovementKind::PayOut => "pay_out",
            MovementKind::SafeDrop => "safe_drop",
            MovementKind::SafeLoan => "safe_loan",
            MovementKind::NoSale => "no_sale",
        }
    }

    pub fn parse(s: &str) -> Option<MovementKind> {
        MovementKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// +1 when the drawer gains the amount, -1 when it loses it, 0 when nothing moves.
    pub fn drawer_sign(self) -> i64 {
        match self {
            MovementKind::PayIn | MovementKind::SafeLoan => 1,
            MovementKind::PayOut | MovementKind::SafeDrop => -1,
            MovementKind::NoSale => 0,
        }
    }

    /// The business-case type of the DSFinV-K (Z_GV_Typ) for the movement.
    pub fn dsfinvk_type(self) -> Option<&'static str> {
        match self {
            MovementKind::PayIn => Some("Einzahlung"),
            MovementKind::PayOut => Some("Auszahlung"),
            MovementKind::SafeDrop | MovementKind::SafeLoan => Some("Geldtransit"),
            MovementKind::NoSale => None,
        }
    }
}

/// How full the drawer's cash is against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DrawerLevel {
    Ok,
    /// At or above the warning level: drop soon.
    Warn,
    /// At or above the limit: no cash sale until a drop.
    Blocked,
}

pub fn drawer_level(cash_minor: i64, warn: Option<i64>, limit: Option<i64>) -> DrawerLevel {
    if limit.is_some_and(|l| cash_minor >= l) {
        DrawerLevel::Blocked
    } else if warn.is_some_and(|w| cash_minor >= w) {
        DrawerLevel::Warn
    } else {
        DrawerLevel::Ok
    }
}

/// How many of one note or coin were counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pieces {
    /// The note's or coin's value in minor units.
    pub value_minor: i64,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    #[error("{value_minor} is not one of the configured notes and coins")]
    NotADenomination { value_minor: i64 },
    #[error("a denomination is given twice")]
    Twice,
    #[error("the count is larger than any amount Till takes")]
    TooLarge,
}

/// The total of a count by denomination, checked against the configured notes and coins.
pub fn pieces_total(pieces: &[Pieces], denominations: &[i64]) -> Result<i64, CountError> {
    let mut total: i64 = 0;
    for (i, p) in pieces.iter().enumerate() {
        if !denominations.contains(&p.value_minor) {
            return Err(CountError::NotADenomination { value_minor: p.value_minor });
        }
        if pieces[..i].iter().any(|q| q.value_minor == p.value_minor) {
            return Err(CountError::Twice);
        }
        let v = p.value_minor.checked_mul(i64::from(p.count)).ok_or(CountError::TooLarge)?;
        total = total.checked_add(v).ok_or(CountError::TooLarge)?;
    }
    Ok(total)
}

/// Whether a difference between counted and expected needs a manager's approval.
pub fn needs_approval(difference_minor: i64, tolerance_minor: Option<i64>) -> bool {
    tolerance_minor.is_some_and(|t| difference_minor.unsigned_abs() > t.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn movements_move_the_drawer_their_way() {
        let net: i64 = [(MovementKind::PayIn, 10), (MovementKind::PayOut, 3), (MovementKind::SafeDrop, 5)]
            .iter()
            .map(|(k, a)| k.drawer_sign() * a)
            .sum();
        assert_eq!(net, 2);
        for k in MovementKind::ALL {
            assert_eq!(MovementKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(MovementKind::parse("steal"), None);
    }

    #[test]
    fn the_drawer_warns_then_blocks() {
        assert_eq!(drawer_level(799, Some(800), Some(1200)), DrawerLevel::Ok);
        assert_eq!(drawer_level(800, Some(800), Some(1200)), DrawerLevel::Warn);
        assert_eq!(drawer_level(1200, Some(800), Some(1200)), DrawerLevel::Blocked);
        assert_eq!(drawer_level(i64::MAX, None, None), DrawerLevel::Ok);
    }

    #[test]
    fn a_count_by_denomination_adds_up_and_refuses_what_is_not_money() {
        let d = [5000, 1000, 200, 1];
        let p = |value_minor, count| Pieces { value_minor, count };
        assert_eq!(pieces_total(&[p(5000, 2), p(1000, 3), p(1, 7)], &d), Ok(13007));
        assert_eq!(pieces_total(&[p(300, 1)], &d), Err(CountError::NotADenomination { value_minor: 300 }));
        assert_eq!(pieces_total(&[p(200, 1), p(200, 2)], &d), Err(CountError::Twice));
        assert_eq!(pieces_total(&[p(5000, u32::MAX), p(5000, 0)], &d).err(), Some(CountError::Twice));
        assert_eq!(pieces_total(&[p(1 << 62, 2)], &[1 << 62]), Err(CountError::TooLarge));
        assert_eq!(pieces_total(&[p(1 << 61, 3), p(1 << 62, 1)], &[1 << 61, 1 << 62]), Err(CountError::TooLarge));
    }

    #[test]
    fn approval_is_needed_beyond_the_tolerance_either_way() {
        assert!(!needs_approval(500, Some(500)));
        assert!(needs_approval(-501, Some(500)));
        assert!(needs_approval(501, Some(500)));
        assert!(!needs_approval(i64::MIN, None));
    }
}
