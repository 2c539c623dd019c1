//! The closed set of commands: the same for the screens, `till exec` and `till console`.

use super::card::CardEnd;
use crate::domain::money::Dec;
use crate::domain::ticket::Method;
use crate::store::TerminalAnswer;
use rust_decimal::Decimal;
use serde::Deserialize;

/// Everything a screen or a script can ask of the terminal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Login {
        pin: String,
        #[serde(default)]
        user: Option<String>,
    },
    Logout,
    OpenShift {
        float: Dec,
    },
    /// Closes the drawer session: with its latest count, or with `counted` cash (a count by
    /// total, stored first). A difference beyond the tolerance needs a manager's PIN.
    CloseShift {
        #[serde(default)]
        counted: Option<Dec>,
        #[serde(default)]
        approver_pin: Option<String>,
    },
    Scan {
        code: String,
    },
    Add {
        #[serde(default)]
        sku: Option<String>,
        #[serde(default)]
        plu: Option<String>,
        #[serde(default)]
        qty: Option<Dec>,
    },
    /// A fuel line keyed by hand (no pump: a canister, a site without pump control).
    Fuel {
        grade: String,
        litres: Dec,
    },
    SetQty {
        line: usize,
        qty: Dec,
    },
    VoidLine {
        line: usize,
    },
    /// Takes back a partial payment of the open ticket (0-based, in the order taken).
    RemovePayment {
        index: usize,
    },
    Discount {
        #[serde(default)]
        line: Option<usize>,
        #[serde(default)]
        percent: Option<Dec>,
        #[serde(default)]
        amount: Option<Dec>,
        /// A manager's PIN, for a discount above the signed-in user's limit.
        #[serde(default)]
        approver_pin: Option<String>,
    },
    /// A manager approves the open ticket's discounts as they stand (above the cashier's limit).
    ApproveDiscount {
        approver_pin: String,
    },
    /// On the way to payment: answers an age check to ask for, or that the tender may begin.
    Pay,
    ConfirmAge,
    /// The customer is not old enough: every age-restricted line is voided.
    RefuseAge,
    /// Parks the open ticket (kept in the store) so that another customer can be served.
    Hold,
    /// The held tickets.
    Held,
    /// Brings back a held ticket: by its `id`, or by its place in the list (the most recent
    /// when neither is given).
    Recall {
        #[serde(default)]
        index: Option<usize>,
        #[serde(default)]
        id: Option<i64>,
    },
    Tender {
        method: Method,
        #[serde(default)]
        amount: Option<Dec>,
    },
    CancelTicket,
    Refund {
        receipt_no: i64,
        #[serde(default)]
        lines: Option<Vec<usize>>,
    },
    FindSale {
        receipt_no: i64,
    },
    /// Sales by receipt number, date (YYYY-MM-DD) or total, newest first (at most 50).
    FindSales {
        #[serde(default)]
        receipt_no: Option<i64>,
        #[serde(default)]
        date: Option<String>,
        #[serde(default)]
        amount: Option<Dec>,
    },
    Ticket,

    // -- the forecourt -----------------------------------------------------------------------
    /// Every pump as the forecourt reports it, with the fill on a ticket and the prepayment to
    /// settle; prepaid fills that have completed are settled first.
    Pumps,
    /// Authorizes a pump, optionally with a preset (an amount or a volume; a prepaid pump is
    /// always authorized for what was paid).
    Authorize {
        pump: u8,
        #[serde(default)]
        amount: Option<Dec>,
        #[serde(default)]
        litres: Option<Dec>,
    },
    /// Authorizes every pump whose customer is waiting.
    AuthorizeAll,
    Stop {
        pump: u8,
    },
    /// The emergency stop: every pump, whoever is signed in (or nobody).
    StopAll,
    Resume {
        pump: u8,
    },
    /// Puts a pump's completed fill on the ticket, as the forecourt recorded it.
    PumpFill {
        pump: u8,
    },
    /// Money paid in advance for a pump's next filling (tendered like any ticket; then the pump
    /// is authorized with that amount as its preset, and settled when the filling is over).
    Prepay {
        pump: u8,
        amount: Dec,
    },
    /// Pays a prepayment back in full when its pump has dispensed nothing.
    CancelPrepay {
        pump: u8,
    },
    /// The customer drove off without paying the pump's completed fill: a loss, not a sale.
    DriveOff {
        pump: u8,
    },
    /// The pump's completed fill was a calibration returned to the tank: recorded, not sold.
    PumpTest {
        pump: u8,
    },
    /// Journals the pumps' meter totals as last read (at shift open and close).
    MeterTotals {
        phase: String,
    },
    /// The fuel grades and their prices.
    FuelPrices,
    /// A manager changes a fuel grade's price (the pumps take it when idle).
    SetFuelPrice {
        grade: String,
        price: Dec,
    },

    // -- the drawer, receipts, devices, sync ---------------------------------------------------
    /// Opens the cash drawer without a sale ("no sale"), with a reason; journaled.
    OpenDrawer {
        #[serde(default)]
        reason: Option<String>,
    },
    /// A receipt did not print: keep it for a reprint.
    QueueReprint {
        receipt_no: i64,
        reason: String,
    },
    /// The receipts waiting to be printed again.
    Reprints,
    /// A queued receipt has printed.
    Reprinted {
        id: i64,
    },
    /// Prints a receipt again, marked as a copy; without a number, every queued receipt.
    Reprint {
        #[serde(default)]
        receipt_no: Option<i64>,
    },
    /// The shop devices' ports as they are now (managers).
    Devices,
    /// Assigns a device its port ("" = not attached) and, for the display, its command set.
    SetDevice {
        device: String,
        port: String,
        #[serde(default)]
        protocol: Option<String>,
    },
    /// Journals a test of a device from the settings screen (test page, drawer, text, weight).
    DeviceTest {
        device: String,
        action: String,
    },
    /// Adds a user with their PIN (managers: `manage_users`).
    #[serde(alias = "add_user")]
    UserAdd {
        name: String,
        role: crate::domain::users::Role,
        pin: String,
    },
    /// Every user, disabled ones too (managers).
    Users,
    /// A user may no longer sign in (kept, with everything they did).
    UserDisable {
        name: String,
    },
    UserEnable {
        name: String,
    },
    UserSetPin {
        name: String,
        pin: String,
    },
    UserSetRole {
        name: String,
        role: crate::domain::users::Role,
    },
    /// Events the central endpoint refused, with the reasons (managers).
    Parked,
    /// Queues parked events again (all when `seqs` is empty); journaled with the manager.
    RetryParked {
        #[serde(default)]
        seqs: Vec<i64>,
    },
    /// Applies the price book's prices whose time has come: item prices to the catalog, fuel
    /// prices to the grades (answered in `fuel_prices`, for the pumps).
    ApplyPrices,
    /// Chooses the screens' language and/or theme: the terminal's when nobody is signed in,
    /// the user's otherwise. Needs no sign-in.
    SetLook {
        #[serde(default)]
        language: Option<String>,
        #[serde(default)]
        theme: Option<String>,
    },

    // -- the manager's day --------------------------------------------------------------------
    /// Cash put into the drawer, with a reason from the configuration.
    PayIn {
        amount: Dec,
        reason: String,
    },
    /// Cash paid out of the drawer, with a reason from the configuration.
    PayOut {
        amount: Dec,
        reason: String,
    },
    /// Cash taken from the drawer to the safe.
    SafeDrop {
        amount: Dec,
        #[serde(default)]
        reason: Option<String>,
    },
    /// Cash brought from the safe to the drawer.
    SafeLoan {
        amount: Dec,
        #[serde(default)]
        reason: Option<String>,
    },
    /// A blind count of the drawer, per tender, by total or by notes and coins.
    Count {
        tenders: Vec<CountEntry>,
        /// "close" (default) or "handover".
        #[serde(default, rename = "for")]
        purpose: Option<String>,
    },
    /// Hands the drawer to the next cashier: the outgoing drawer session closes with its
    /// count and the next one opens with the counted cash as its float, signed in as them.
    Handover {
        #[serde(default)]
        user: Option<String>,
        pin: String,
        #[serde(default)]
        approver_pin: Option<String>,
    },
    /// The day so far (changes nothing): the terminal's, or a cashier's own; printed when
    /// `print`.
    XReport {
        #[serde(default)]
        print: bool,
    },
    /// Ends the terminal's day: closes the drawer session with its count and stores the Z.
    ZReport {
        #[serde(default)]
        approver_pin: Option<String>,
    },
    /// The stored Z reports (numbers and times), newest first.
    ZReports,
    /// The day so far, or a stored Z, exported as CSV beside the store.
    ExportReport {
        #[serde(default)]
        z_no: Option<i64>,
    },
    /// A stored Z report, printed again as a copy.
    ReprintZ {
        z_no: i64,
    },
    /// Reads the pumps' meters and the tanks now (before the Z, or any time); the readings
    /// are stored as they come.
    ReadMeters,
    /// The tanks' volumes as the gauge reported them (from the tank monitor only).
    #[serde(skip_deserializing)]
    TankReadings {
        phase: String,
        tanks: Vec<(u8, Decimal)>,
        /// The deliveries the gauge reports (every one it keeps; the store takes each once);
        /// `None` when it gave no delivery report.
        deliveries: Option<Vec<crate::devices::tanks::GaugeDelivery>>,
    },
    /// A fuel delivery into a tank, entered by hand.
    Delivery {
        tank: u8,
        litres: Dec,
    },

    // -- the card terminal ---------------------------------------------------------------------
    /// Asks the card terminal to abort the payment in progress; its ending is reported.
    CardAbort,
    /// Asks the card terminal again what became of a payment whose ending was not heard.
    CardRecover,
    /// Closes the card terminal's day and compares its total with the till's card payments.
    CardEndOfDay,
    /// The card terminal's end-of-day total, in minor units (from its driver only).
    #[serde(skip_deserializing)]
    CardDayClosed {
        terminal_minor: i64,
    },
    /// The card terminal approved the payment (from its driver, never from a script).
    #[serde(skip_deserializing)]
    CardApproved {
        intent: i64,
        answer: TerminalAnswer,
        amount_minor: Option<i64>,
    },
    /// The card terminal ended the payment without taking it, or the link failed (driver only).
    #[serde(skip_deserializing)]
    CardEnded {
        intent: i64,
        end: CardEnd,
    },
    /// The receipt the card terminal sent for a payment it took (driver only).
    #[serde(skip_deserializing)]
    CardReceipt {
        intent: i64,
        lines: Vec<String>,
    },
    /// The terminal's last transaction, asked after an unclear ending (driver only).
    #[serde(skip_deserializing)]
    CardRecovered {
        intent: i64,
        last: Option<(TerminalAnswer, i64)>,
    },

    // -- the self-service kiosk ---------------------------------------------------------------
    /// Starts a kiosk terminal (no PIN: it sells as its kiosk user, cashless).
    KioskStart,
    /// The customer calls a member of staff (`reason`: "customer", or "payment" after a failed one).
    CallStaff {
        #[serde(default)]
        reason: Option<String>,
    },
    /// A member of staff approves what the kiosk waits for (the age, the amount) with their PIN.
    StaffApprove {
        pin: String,
    },
    /// A member of staff refuses it: the items for adults come off the basket.
    StaffRefuse {
        pin: String,
    },
    /// The customer walked away: the basket is cancelled (journaled), money taken goes back.
    KioskReset,
    /// The receipt of the kiosk's sale just made, printed once (the customer chose to); at an
    /// outdoor payment terminal a fill's receipt (`receipt_no`, as answered when the fill was
    /// sold), printed or, with `qr`, answered to be shown as a QR code.
    KioskPrint {
        #[serde(default)]
        receipt_no: Option<i64>,
        #[serde(default)]
        qr: bool,
    },
    /// A manager opens the kiosk's service mode (the counter's screens) with their PIN.
    ServiceMode {
        pin: String,
    },
    /// Back from service mode to the kiosk.
    ServiceEnd,

    // -- pay-at-pump -----------------------------------------------------------------------------
    /// The customer pays for fuel at the kiosk before filling: `amount`, or "fill up" (the
    /// configured most) without one.
    PumpPay {
        pump: u8,
        #[serde(default)]
        amount: Option<Dec>,
    },
    /// The card terminal approved a reservation, booking or release (driver only).
    #[serde(skip_deserializing)]
    ReservationApproved {
        id: i64,
        answer: TerminalAnswer,
        amount_minor: Option<i64>,
    },
    /// The terminal's transaction for a reservation ended (driver only).
    #[serde(skip_deserializing)]
    ReservationEnded {
        id: i64,
        end: Option<CardEnd>,
    },
    /// The terminal's open reservations (driver only).
    #[serde(skip_deserializing)]
    ReservationsOpen {
        list: Option<Vec<(i64, i64)>>,
        failed: Option<String>,
    },

    // -- the site's terminals (docs/site-api.md) ---------------------------------------------
    /// The kiosks this counter watches: whether a basket waits for staff, and why.
    Site,
    /// The person signed in here answers a kiosk's call (approve or refuse).
    SiteAnswer {
        terminal: String,
        approve: bool,
    },
    /// A member of staff's answer from the counter, as the site link took it (signed; from the
    /// link only, never from a script).
    #[serde(skip_deserializing)]
    RemoteAnswer {
        time: i64,
        from: String,
        body: String,
        signature: String,
    },
    /// A counter's stop for a pump this kiosk holds, as the site link took it (signed; from
    /// the link only).
    #[serde(skip_deserializing)]
    RemoteStop {
        time: i64,
        from: String,
        body: String,
        signature: String,
    },

    // -- QR wallet payments --------------------------------------------------------------------
    /// Asks the QR provider now whether the payment in progress is paid (the screen asks
    /// every few seconds by itself; a script asks with this).
    QrCheck,
    /// Asks the QR provider to cancel the payment in progress; a payment already paid is taken.
    QrCancel,
    /// What the QR provider answered (from its client only, never from a script).
    #[serde(skip_deserializing)]
    QrAnswered {
        intent: i64,
        op: crate::devices::qr::QrOp,
        answer: crate::devices::qr::QrAnswer,
    },
}

/// One tender of a count: a total, or the notes and coins counted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountEntry {
    pub method: String,
    #[serde(default)]
    pub amount: Option<Dec>,
    #[serde(default)]
    pub pieces: Option<Vec<PieceEntry>>,
}

/// How many of one note or coin were counted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PieceEntry {
    pub value: Dec,
    pub count: u32,
}

impl Command {
    /// Whether the command may change the open ticket or who works on it: refused while the
    /// card terminal is taking a payment for it.
    pub fn touches_ticket(&self) -> bool {
        use Command as C;
        matches!(
            self,
            C::Login { .. }
                | C::Logout
                | C::OpenShift { .. }
                | C::CloseShift { .. }
                | C::PayIn { .. }
                | C::PayOut { .. }
                | C::SafeDrop { .. }
                | C::SafeLoan { .. }
                | C::Count { .. }
                | C::Handover { .. }
                | C::ZReport { .. }
                | C::OpenDrawer { .. }
                | C::Scan { .. }
                | C::Add { .. }
                | C::Fuel { .. }
                | C::SetQty { .. }
                | C::VoidLine { .. }
                | C::RemovePayment { .. }
                | C::Discount { .. }
                | C::ApproveDiscount { .. }
                | C::Pay
                | C::ConfirmAge
                | C::RefuseAge
                | C::Hold
                | C::Recall { .. }
                | C::Tender { .. }
                | C::CancelTicket
                | C::Refund { .. }
                | C::PumpFill { .. }
                | C::Prepay { .. }
                | C::CancelPrepay { .. }
                | C::UserAdd { .. }
                | C::SetLook { .. }
                | C::StaffApprove { .. }
                | C::StaffRefuse { .. }
                | C::RemoteAnswer { .. }
                | C::PumpPay { .. }
                | C::KioskReset
                | C::ServiceMode { .. }
                | C::ServiceEnd
        )
    }
}
