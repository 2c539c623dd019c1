//! Why the service refused a command, as data: each refusal names what was wrong with the values
//! that matter, so that a screen can say it in the cashier's language (`ServiceError::message`)
//! and `till exec` can answer the English sentence and a stable code.

use rust_decimal::Decimal;
use thiserror::Error;

/// An amount a command is given, named in refusals about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountOf {
    Float,
    Counted,
    /// Cash paid in or out, dropped or loaned.
    Movement,
}

impl AmountOf {
    pub fn as_str(self) -> &'static str {
        match self {
            AmountOf::Float => "float",
            AmountOf::Counted => "counted amount",
            AmountOf::Movement => "amount",
        }
    }
}

/// A command refused because of what it was given or what the ticket, a pump or the store
/// holds at the moment. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error("receipt {receipt} is a refund; it cannot be refunded")]
    RefundOfRefund { receipt: i64 },
    #[error("receipt {receipt} is already fully refunded")]
    FullyRefunded { receipt: i64 },
    #[error("name at least one line to refund")]
    NoRefundLines,
    #[error("line {line} is named twice")]
    LineNamedTwice { line: usize },
    #[error(
        "line {line} of receipt {receipt} cannot be refunded (it does not exist, was voided or is already refunded)"
    )]
    LineNotRefundable { receipt: i64, line: usize },
    #[error("receipt {receipt} has a line with the unit '{unit}', which Till does not know")]
    UnknownUnit { receipt: i64, unit: String },
    #[error("the fill of pump {pump} is already on {} ticket", if *.held { "a held" } else { "the open" })]
    FillOnTicket { pump: u8, held: bool },
    #[error("the fill of pump {pump} is prepaid; it is settled by itself")]
    FillPrepaid { pump: u8 },
    #[error("the fill of pump {pump} is paid; the pump is being reset")]
    FillBeingReset { pump: u8 },
    #[error("receipt {receipt} has no line {line}")]
    NoLineOnReceipt { receipt: i64, line: usize },
    #[error("pump {pump} dispensed {dispensed}, more than the {prepaid} prepaid; sell the difference")]
    PrepayOverrun { pump: u8, dispensed: Decimal, prepaid: Decimal },
    #[error("pump {pump} names no grade")]
    PumpNoGrade { pump: u8 },
    #[error("pump {pump} has a prepayment on a ticket; it is authorized once that is paid")]
    PrepayOnTicket { pump: u8 },
    #[error("pump {pump} is prepaid; it is authorized for what was paid")]
    PumpPrepaid { pump: u8 },
    #[error("give an amount or litres, not both")]
    AmountAndLitres,
    #[error("a preset of {amount} is not possible")]
    BadPresetAmount { amount: Decimal },
    #[error("a preset of {litres} litres is not possible")]
    BadPresetLitres { litres: Decimal },
    #[error("a prepayment of {amount} is not possible")]
    BadPrepay { amount: Decimal },
    #[error("pump {pump} already has a prepayment")]
    AlreadyPrepaid { pump: u8 },
    #[error("pump {pump} has no prepayment")]
    NoPrepay { pump: u8 },
    #[error("'{phase}' is not shift_open, shift_close or manual")]
    BadMeterPhase { phase: String },
    #[error("the {} must not be negative", .what.as_str())]
    Negative { what: AmountOf },
    #[error("the {} {value} is larger than any amount Till takes", .what.as_str())]
    AmountTooLarge { what: AmountOf, value: Decimal },
    #[error("the {} {value} has more decimals than {currency} allows", .what.as_str())]
    TooManyDecimals { what: AmountOf, value: Decimal, currency: String },
    #[error("{name} is sold by the piece, not by weight")]
    SoldByPiece { name: String },
    #[error("no item has the SKU '{sku}'")]
    NoSuchSku { sku: String },
    #[error("no item has the PLU '{plu}'")]
    NoSuchPlu { plu: String },
    #[error("give exactly one of `sku` or `plu`")]
    SkuOrPlu,
    #[error("no fuel grade is called '{code}'")]
    NoSuchGrade { code: String },
    #[error("give exactly one of `percent` or `amount`")]
    PercentOrAmount,
    #[error("the ticket has no discount to approve")]
    NoDiscountToApprove,
    #[error("there is no ticket to hold")]
    NothingToHold,
    #[error("give at most one of `id` or `index`")]
    IdOrIndex,
    #[error("there is no such held ticket")]
    NoSuchHeld,
    #[error("there is no ticket to cancel")]
    NothingToCancel,
    #[error("give a language, a theme or both")]
    LanguageOrTheme,
    #[error("a fuel price of {price} is not possible (at most 3 decimals)")]
    BadFuelPrice { price: Decimal },
    #[error("a fuel price of {price} is more than the pumps can show ({max})")]
    PriceOverPump { price: Decimal, max: Decimal },
    #[error("the price book holds a price '{price}' for {key} that is not a number")]
    BadBookPrice { key: String, price: String },
    #[error(transparent)]
    Port(#[from] crate::config::PortError),
    #[error("no device test is called '{action}'")]
    NoSuchDeviceTest { action: String },
    #[error("the reason is longer than {max} characters")]
    ReasonTooLong { max: usize },
    #[error("this store has users: a manager's PIN is needed to add one (--manager-pin)")]
    ManagerPinNeeded,
    #[error("that PIN may not add users")]
    PinMayNotAddUsers,
    #[error("a PIN is 4 to 8 digits")]
    BadPin,
    #[error("the name must not be empty")]
    EmptyName,
    #[error("another user already has this PIN")]
    PinTaken,
    #[error("the built-in demo data is damaged: {detail}")]
    DemoData { detail: String },
    #[error("a card payment is in progress at the card terminal; wait for it or abort it")]
    CardInProgress,
    #[error("no card payment is in progress")]
    NoCardPayment,
    #[error("the card terminal approved another amount than was asked; the payment is not taken")]
    CardAmountMismatch,
    #[error("the card terminal declined the payment: {reason} (code {code:02X})")]
    CardDeclined { code: u8, reason: &'static str },
    #[error("the card payment was not taken; the card is not charged")]
    CardNotTaken,
    #[error("the card payment was aborted; the card is not charged")]
    CardAborted,
    #[error("the card terminal did not say what became of the payment; ask it again")]
    CardUnclear,
    #[error("the card terminal reversed the card payment of receipt {receipt} ({amount}) after it was stored; take that amount again")]
    CardReversedAfterSale { receipt: i64, amount: Decimal },
    #[error("the card terminal did not confirm the card payment of receipt {receipt} ({amount}); check the terminal's journal")]
    CardUnconfirmed { receipt: i64, amount: Decimal },
    #[error("the card terminal cannot be reached ({detail}); nothing was charged")]
    CardTerminalUnreachable { detail: String },
    #[error("no QR payment provider is configured ([qr_payments])")]
    QrNotConfigured,
    #[error("the QR payment {ending}; the customer has not paid it")]
    QrEnded { ending: &'static str },
    #[error("the QR payment cannot be cancelled now: the provider does not answer ({detail}); it stays open, since the customer may have paid")]
    QrCannotCancel { detail: String },
    #[error("the QR payment provider refused the payment ({detail}); nothing was charged")]
    QrRefused { detail: String },
    #[error("the QR payment provider reported another amount than was asked; the payment is not taken")]
    QrAmountMismatch,
    #[error("a QR wallet payment cannot be taken back from an open ticket; finish the sale and refund it")]
    QrPaymentStays,
    #[error("the report could not be saved ({detail})")]
    ExportFailed { detail: String },
    #[error("this terminal is not a kiosk ([terminal] mode = \"kiosk\")")]
    NotAKiosk,
    #[error("the kiosk takes no cash: pay by card or QR")]
    KioskNoCash,
    #[error("the basket waits for a member of staff ({reason})")]
    KioskNeedsStaff { reason: String },
    #[error("at the kiosk a member of staff checks the customer's age with their PIN")]
    KioskAgeByStaff,
    #[error("nobody signs in at a kiosk, and it opens and closes its own drawer session")]
    NotAtTheKiosk,
    #[error("the kiosk is not waiting for staff")]
    NoHelpRequest,
    #[error("only a member of staff (a cashier or manager) answers the kiosk")]
    StaffOnly,
    #[error("there is no receipt to print")]
    NoReceiptToPrint,
    #[error("the kiosk is in service mode; leave it first")]
    InServiceMode,
    #[error("the kiosk is not in service mode")]
    NotInServiceMode,
    #[error("pump {pump} is held for another payment")]
    PumpHeld { pump: u8 },
    #[error("pay between 0.01 and {max} for fuel")]
    PumpPayAmount { max: Decimal },
    #[error("this outdoor payment terminal sells fuel only")]
    FuelOnly,
    #[error("this terminal has no [site] configured")]
    NoSite,
    #[error("no terminal '{terminal}' of the site answers this one")]
    NoSuchPeer { terminal: String },
    #[error("{terminal} is not waiting for staff")]
    PeerNoHelp { terminal: String },
    #[error("the answer is not from a terminal of this site ({detail})")]
    SiteBadSignature { detail: String },
    #[error("the kiosk's basket changed since the answer was given; look again")]
    SiteStale,
    #[error("the kiosk did not take the answer ({detail})")]
    SiteUnreachable { detail: String },
    #[error("the amount must be more than zero")]
    CashAmountNotPositive,
    #[error("a no-sale moves no cash; give no amount")]
    NoSaleHasNoAmount,
    #[error("'{reason}' is not one of the reasons: {}", .choices.join(", "))]
    UnknownReason { reason: String, choices: Vec<String> },
    #[error("the drawer holds only {cash}; {amount} cannot be taken out")]
    DrawerHoldsLess { amount: Decimal, cash: Decimal },
    #[error("the drawer holds {cash}, at its limit of {limit}: make a safe drop before taking cash")]
    DrawerFull { cash: Decimal, limit: Decimal },
    #[error("count the drawer first")]
    CountFirst,
    #[error("the drawer changed since it was counted; count it again")]
    CountStale,
    #[error("the count is {difference} off, more than the {tolerance} allowed: a manager must approve it")]
    CountNeedsApproval { difference: Decimal, tolerance: Decimal },
    #[error("'{purpose}' is not close or handover")]
    BadCountPurpose { purpose: String },
    #[error("'{method}' is not a tender to count (cash, card; each once, cash always)")]
    BadCountTender { method: String },
    #[error("{value} is not one of the notes and coins configured")]
    NotADenomination { value: Decimal },
    #[error("a note or coin is given twice")]
    DenominationTwice,
    #[error("give a tender's amount or its notes and coins, not both")]
    AmountOrPieces,
    #[error("the drawer cannot be handed over to the one who hands it over")]
    HandoverToSelf,
    #[error("nothing happened since the last Z report")]
    NothingSinceZ,
    #[error("there is no Z report {z_no}")]
    NoSuchZ { z_no: i64 },
    #[error("the report cannot be read: {detail}")]
    ReportUnreadable { detail: String },
    #[error("there is no tank {tank} in the configuration")]
    NoSuchTank { tank: u8 },
    #[error("{litres} litres is not a delivery (more than zero, at most 3 decimals)")]
    BadLitres { litres: Decimal },
    #[error("you cannot disable yourself or take away your own user management")]
    NotYourself,
    #[error("this is the last user who manages users; add another first")]
    LastManager,
    #[error("'{date}' is not a date (YYYY-MM-DD)")]
    BadDate { date: String },
}

/// One thing that keeps a shift from closing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Blocker {
    #[error("a ticket is open")]
    TicketOpen,
    #[error("{count} ticket(s) on hold")]
    Held { count: usize },
    #[error("pump {pump} has a prepayment of {amount} (receipt {receipt}) to settle")]
    Prepay { pump: u8, amount: Decimal, receipt: i64 },
    #[error("pump {pump} has an unpaid fill of {amount}")]
    UnpaidFill { pump: u8, amount: Decimal },
    #[error("pump {pump} is {state}")]
    PumpBusy { pump: u8, state: &'static str },
}

/// The blockers as one English sentence part, as `till exec` answers them.
pub fn blockers_text(list: &[Blocker]) -> String {
    list.iter().map(|b| b.to_string()).collect::<Vec<_>>().join("; ")
}
