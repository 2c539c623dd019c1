//! What the session decided should happen outside it, answered with the command: the window
//! and `till exec` carry these out through one executor (`crate::effects`) that owns the
//! devices; neither decides them.

use crate::domain::record::SaleRecord;
use rust_decimal::Decimal;
use serde::Serialize;

/// One thing to do at a device or on the screen, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Authorize a pump, with a preset amount or volume when one is given.
    AuthorizePump {
        pump: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        amount: Option<Decimal>,
        #[serde(skip_serializing_if = "Option::is_none")]
        litres: Option<Decimal>,
    },
    StopPump {
        pump: u8,
    },
    StopAll,
    ResumePump {
        pump: u8,
    },
    /// The pump's fill is paid (or recorded) and stored: it may serve the next customer.
    ResetPump {
        pump: u8,
    },
    /// New prices for the pumps (each takes them when idle).
    SetFuelPrices {
        prices: Vec<(String, Decimal)>,
    },
    /// Read every pump's meter totals, then send `meter_totals` with this phase.
    ReadMeterTotals {
        phase: String,
    },
    /// Read the tanks' volumes from the gauge, then send `tank_readings` with this phase.
    ReadTanks {
        phase: String,
    },
    OpenDrawer,
    /// Print a stored sale (`copy`: marked as a copy; `queue_id`: a queued reprint).
    PrintReceipt {
        receipt_no: i64,
        copy: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        queue_id: Option<i64>,
        #[serde(skip)]
        sale: Box<SaleRecord>,
    },
    /// What the customer display shows now.
    ShowCustomer {
        show: CustomerView,
    },
    /// Ask the cashier to check the customer's age.
    AskAge {
        age: u8,
    },
    /// The ticket may be paid: show the tender.
    StartTender,
    /// Take a card payment at the card terminal (or pay one back: `kind` "refund", or
    /// "reversal" of the terminal's receipt `receipt`); its intent is durable already.
    CardPay {
        intent: i64,
        reference: String,
        amount_minor: i64,
        kind: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        receipt: Option<i64>,
    },
    /// Ask the card terminal what became of a payment whose ending was not heard.
    CardRecover {
        intent: i64,
    },
    /// Ask the card terminal to abort the payment in progress.
    CardAbort,
    /// Close the card terminal's day (`06 50`) and report its total.
    CardEndOfDay,
    /// Ask the QR provider to create, report on or cancel a QR payment (its intent is
    /// durable already); the answer comes back as a report.
    Qr {
        op: crate::devices::qr::QrOp,
        intent: i64,
        reference: String,
        amount_minor: i64,
    },
    /// Print a slip on the receipt printer: a cash movement or a report.
    /// Pay-at-pump at the card terminal: `op` "reserve" (the amount, for `pump`), "book" (what
    /// was filled, on the terminal's `receipt`) or "release".
    PumpCard {
        reservation: i64,
        op: String,
        amount_minor: i64,
        pump: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        receipt: Option<i64>,
    },
    /// Ask the card terminal for its open reservations (recovery at the kiosk's start).
    ListReservations,
    /// Send a member of staff's answer to a kiosk over the site link (`body`: the signed JSON).
    SiteSend {
        terminal: String,
        url: String,
        body: String,
    },
    /// Send a stop to the kiosk holding the pump (`pump`; none: all of its pumps).
    SiteStop {
        terminal: String,
        url: String,
        pump: Option<u8>,
        body: String,
    },
    PrintSlip {
        slip: Slip,
    },
}

/// What a slip prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "slip", rename_all = "snake_case")]
pub enum Slip {
    Movement(super::MovementView),
    Report {
        #[serde(skip)]
        report: Box<crate::domain::report::DayReport>,
        copy: bool,
    },
    /// The card terminal's receipt of a payment (its lines as it sent them).
    CardReceipt {
        lines: Vec<String>,
    },
}

/// What the customer display shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerView {
    Welcome,
    /// The open ticket's last line and total (from the answer's ticket).
    Ticket,
    /// The stored sale's total, paid and change (from the answer's sale).
    Paid,
    /// A QR payment waits for the customer's wallet (the amount from the answer's payment).
    Qr,
}
