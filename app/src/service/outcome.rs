//! What a command answers: the outcome and the views it carries.

use super::*;

/// The open shift as answered to a screen or script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShiftView {
    pub id: i64,
    pub opened_at: String,
    pub float: Decimal,
}

/// A fuel grade and its price now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GradePrice {
    pub code: String,
    pub name: String,
    pub price: Decimal,
}

/// What a command answers besides `ok`; fields that do not apply are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// What the signed-in user may do (after login), so that screens can hide the rest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<Permission>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift: Option<ShiftView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TicketRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sale: Option<SaleRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift_count: Option<ShiftCount>,
    /// Held tickets, after hold and recall.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<usize>,
    /// The held tickets themselves (`held`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_tickets: Option<Vec<HeldInfo>>,
    /// Every pump (`pumps`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pumps: Option<Vec<PumpInfo>>,
    /// A stored sale's receipt for the screen to show (an outdoor payment terminal's QR code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<SaleRecord>,
    /// Prepaid fillings settled by this command (stored refund records).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settled: Option<Vec<SaleRecord>>,
    /// The fuel grades' prices (`fuel_prices`, `set_fuel_price`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grades: Option<Vec<GradePrice>>,
    /// Receipts waiting to be printed again (queue id, reason, the sale).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reprints: Option<Vec<Reprint>>,
    /// The shop devices' ports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<DeviceSetting>>,
    /// Events the central endpoint refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parked: Option<Vec<crate::store::ParkedEvent>>,
    /// Prices that came into force: how many items changed, and the fuel grades' new prices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items_repriced: Option<Vec<(String, Decimal)>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fuel_prices: Option<Vec<(String, Decimal)>>,
    /// The look the screens show now (`login`: the user's; `logout`: the terminal's;
    /// `set_look`: the one just chosen).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub look: Option<Look>,
    /// The prepaid pump authorizations not settled yet (`prepay`, `cancel_prepay`, `pumps`,
    /// `login`, a sale holding a prepay, and settlements as pumps finish).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepays: Option<Vec<PrepayView>>,
    /// The card payment in progress at the card terminal, while there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<card::CardView>,
    /// The card terminal's end-of-day against the till's card payments (`card_end_of_day`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_day: Option<card::CardDayView>,
    /// The drawer's cash against its limit (after cash moves, and with a warning).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drawer: Option<DrawerView>,
    /// A cash movement just stored (pay-in, pay-out, drop, loan, no-sale).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub movement: Option<MovementView>,
    /// A count just stored, or the count a drawer session closed with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<CountView>,
    /// An X or Z report, every figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<serde_json::Value>,
    /// A kiosk's state: whether the basket waits for staff, and its idle times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kiosk: Option<super::kiosk::KioskView>,
    /// The pumps held for pay-at-pump at this terminal (`pump_pay`, and as they settle).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<Vec<super::pay_at_pump::ReservationView>>,
    /// The site's kiosks as this counter last saw them (`site`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<Vec<crate::devices::site::PeerView>>,
    /// The file a report was exported to (`export_report`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exported: Option<String>,
    /// The users (user management).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<UserEntry>>,
    /// Sales found (`find_sales`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<Vec<FoundSale>>,
    /// The stored Z reports: number and time, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub z_reports: Option<Vec<(i64, String)>>,
    /// What must happen at the devices and on the screen, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub effects: Vec<Effect>,
}

impl Outcome {
    pub(super) fn effects(effects: Vec<Effect>) -> Outcome {
        Outcome { effects, ..Outcome::default() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reprint {
    pub id: i64,
    pub reason: String,
    pub sale: SaleRecord,
}

/// A pump as answered by `pumps`: the forecourt's record, and what the session knows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PumpInfo {
    pub pump: u8,
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    pub litres: Decimal,
    pub amount: Decimal,
    pub price: Decimal,
    pub prices_pending: bool,
    /// The completed fill is on the open ticket ("open") or on a held one ("held").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fill_on: Option<&'static str>,
    /// A prepayment waiting for this pump's filling to end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepay: Option<PumpPrepay>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totals: Option<(Decimal, Decimal)>,
    /// Held for self-service: paid at a kiosk or the pump's payment terminal (pay-at-pump).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub self_service: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PumpPrepay {
    pub receipt_no: i64,
    pub amount: Decimal,
}

/// A prepaid authorization not settled yet, as the screens list it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PrepayView {
    pub pump: u8,
    pub amount: Decimal,
    pub receipt_no: i64,
}
