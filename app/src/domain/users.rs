//! Users, roles and permissions. Permissions are data (from configuration), not code paths.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Cashier,
    Manager,
    Kiosk,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Cashier, Role::Manager, Role::Kiosk];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Cashier => "cashier",
            Role::Manager => "manager",
            Role::Kiosk => "kiosk",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cashier" => Ok(Role::Cashier),
            "manager" => Ok(Role::Manager),
            "kiosk" => Ok(Role::Kiosk),
            other => Err(format!("role '{other}' is not one of cashier, manager, kiosk")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a role may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Sign in at a counter terminal (the kiosk role has no counter screens).
    Counter,
    Sell,
    VoidLine,
    CancelTicket,
    Discount,
    Refund,
    OpenShift,
    CloseShift,
    ManageCatalog,
    ManageUsers,
    /// Assign and test the shop devices (printer, display, scale, scanner).
    ManageDevices,
    /// See the events the central endpoint refused, and send them again.
    ManageSync,
    /// Authorize, stop and resume pumps; put fills on tickets.
    Pumps,
    /// Record a fill that was not paid (the customer drove off).
    DriveOff,
    /// Record a calibration fill returned to the tank.
    PumpTest,
    /// Open the cash drawer without a sale.
    OpenDrawer,
    /// Print receipts again.
    Reprint,
    /// Take cash from the drawer to the safe.
    SafeDrop,
    /// Pay cash in or out of the drawer, and bring a loan from the safe.
    CashInOut,
    /// Approve a count whose difference is beyond the tolerance.
    ApproveCount,
    /// The terminal's reports (every cashier's X, the Z that ends the day).
    Reports,
}

/// What a role may do, and how far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolePolicy {
    pub permissions: BTreeSet<Permission>,
    /// The largest discount this role may give, as a percentage of what it applies to.
    #[serde(serialize_with = "rust_decimal::serde::str::serialize", deserialize_with = "super::money::de_dec")]
    pub max_discount_percent: Decimal,
}

impl RolePolicy {
    pub fn allows(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// The built-in policy of a role, used when the configuration does not override it.
    pub fn default_for(role: Role) -> RolePolicy {
        use Permission::*;
        let (perms, max): (&[Permission], i64) = match role {
            Role::Cashier => (
                &[
                    Counter,
                    Sell,
                    VoidLine,
                    CancelTicket,
                    Discount,
                    OpenShift,
                    CloseShift,
                    Pumps,
                    DriveOff,
                    Reprint,
                    SafeDrop,
                ],
                10,
            ),
            Role::Manager => (
                &[
                    Counter,
                    Sell,
                    VoidLine,
                    CancelTicket,
                    Discount,
                    Refund,
                    OpenShift,
                    CloseShift,
                    ManageCatalog,
                    ManageUsers,
                    ManageDevices,
                    ManageSync,
                    Pumps,
                    DriveOff,
                    PumpTest,
                    OpenDrawer,
                    Reprint,
                    SafeDrop,
                    CashInOut,
                    ApproveCount,
                    Reports,
                ],
                100,
            ),
            Role::Kiosk => (&[Sell, VoidLine, CancelTicket], 0),
        };
        RolePolicy { permissions: perms.iter().copied().collect(), max_discount_percent: Decimal::from(max) }
    }
}

/// A user as the session sees it (the PIN hash stays in the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// A PIN must be 4 to 8 digits.
pub fn validate_pin(pin: &str) -> Result<(), &'static str> {
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a PIN is 4 to 8 digits");
    }
    Ok(())
}
