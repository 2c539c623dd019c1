//! Every refusal as a message id of `locales/` with its arguments: the screens say it in the
//! cashier's language, `till exec` answers the id as a stable `code`. The match is exhaustive, so
//! a new error cannot reach a screen without a message of its own.

use super::refusal::{Blocker, Refusal};
use super::ServiceError;
use crate::config::PortError;
use crate::domain::barcode::BarcodeError;
use crate::domain::catalog::LookupError;
use crate::domain::ticket::TicketError;
use crate::store::StoreError;
use rust_decimal::Decimal;

/// A value in a message, formatted by the screen for its language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Int(i64),
    Money(Decimal),
    /// Litres, a quantity or a price per litre: a number as the language writes it.
    Number(Decimal),
    Percent(Decimal),
    /// A pump state (`idle`, `filling`…), said with the `pump-<state>` message.
    PumpState(&'static str),
    /// Several messages, said one after another.
    List(Vec<Message>),
}

/// A message id and its named arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

fn m(key: &'static str) -> Message {
    Message { key, args: Vec::new() }
}

fn with(key: &'static str, args: Vec<(&'static str, Arg)>) -> Message {
    Message { key, args }
}

fn text(s: &str) -> Arg {
    Arg::Text(s.to_string())
}

fn int(n: impl Into<i64>) -> Arg {
    Arg::Int(n.into())
}

fn count(n: usize) -> Arg {
    Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

impl ServiceError {
    /// What to tell the user, as a message of `locales/`.
    pub fn message(&self) -> Message {
        use ServiceError as S;
        match self {
            S::NotLoggedIn => m("error-not-logged-in"),
            S::AlreadyLoggedIn(name) => with("error-already-logged-in", vec![("name", text(name))]),
            S::WrongPin => m("error-wrong-pin"),
            S::WrongPinFor { attempts, max, .. } => {
                with("error-wrong-pin-attempts", vec![("attempts", int(*attempts)), ("max", int(*max))])
            }
            S::Locked { user, seconds } => with("error-locked", vec![("name", text(user)), ("seconds", int(*seconds))]),
            S::PadLocked { seconds } => with("error-pad-locked", vec![("seconds", int(*seconds))]),
            S::NotAnApprover { user, .. } => with("error-not-approver", vec![("name", text(user))]),
            S::UnknownUser(name) => with("error-unknown-user", vec![("name", text(name))]),
            S::NoShift => m("error-no-shift"),
            S::ShiftOpen(_) => m("error-shift-open"),
            S::NotPermitted { .. } => m("error-not-permitted"),
            S::DiscountOverLimit { pct, max, .. } => {
                with("error-discount-limit", vec![("pct", Arg::Percent(*pct)), ("max", Arg::Percent(*max))])
            }
            S::TicketOpen => m("error-ticket-open"),
            S::TicketsHeld { count: n } => with("error-tickets-held", vec![("count", count(*n))]),
            S::ShiftNotClear(left) => {
                with("error-shift-not-clear", vec![("detail", Arg::List(left.iter().map(Blocker::message).collect()))])
            }
            S::NoForecourt => m("error-no-pumps"),
            S::NoSuchPump(n) => with("error-no-such-pump", vec![("n", int(*n))]),
            S::PumpState { pump, state, .. } => {
                with("error-pump-state", vec![("n", int(*pump)), ("state", Arg::PumpState(state))])
            }
            S::Invalid(r) => r.message(),
            S::Ticket(e) => ticket_message(e),
            S::Lookup(LookupError::Unknown(code)) => with("error-unknown-code", vec![("code", text(code))]),
            S::Lookup(LookupError::Invalid(b)) => {
                let code = match b {
                    BarcodeError::NotDigits(c) => c.clone(),
                    BarcodeError::BadLength { code, .. } | BarcodeError::BadCheckDigit { code, .. } => code.clone(),
                    BarcodeError::Empty => String::new(),
                };
                with("error-bad-code", vec![("code", Arg::Text(code))])
            }
            S::NeedsWeight { name, .. } => with("error-needs-weight", vec![("name", text(name))]),
            S::NoSuchSale(n) => with("error-no-such-sale", vec![("receipt", int(*n))]),
            S::Store(StoreError::Halted(_)) => m("error-store-halted"),
            S::Store(_) => m("error-save"),
            S::Open(_) => m("error-store-open"),
            S::NoSuchPayment { index } => with("error-no-such-payment", vec![("n", count(index + 1))]),
            S::UnknownLanguage(l) => with("error-unknown-language", vec![("language", text(l))]),
            S::UnknownTheme(t) => with("error-unknown-theme", vec![("theme", text(t))]),
        }
    }
}

fn ticket_message(e: &TicketError) -> Message {
    use TicketError as T;
    match e {
        T::NoSuchLine(n) => with("error-no-such-line", vec![("n", count(*n))]),
        T::AlreadyVoided(n) => with("error-already-voided", vec![("n", count(*n))]),
        T::BadQuantity { .. } => m("error-bad-quantity"),
        T::BadDiscount { .. } => m("error-bad-discount"),
        T::NotExact(a) => with("error-not-exact", vec![("amount", Arg::Number(*a))]),
        T::NotPositive => m("error-not-positive"),
        T::TooLarge(a) => with("error-too-large", vec![("amount", Arg::Money(*a))]),
        T::TicketTooLarge { .. } => m("error-ticket-too-large"),
        T::Empty => m("error-empty-ticket"),
        T::AgeNotConfirmed(_) => m("error-age"),
        T::CardOverDue { .. } => m("error-card-over"),
        T::Locked => m("error-locked-ticket"),
        T::UnknownTaxClass(c) => with("error-unknown-tax-class", vec![("class", text(c))]),
        T::NoAgeRestriction => m("error-no-age-restriction"),
        T::PumpMismatch { .. } => m("error-pump-mismatch"),
    }
}

impl Blocker {
    fn message(&self) -> Message {
        match self {
            Blocker::TicketOpen => m("blocker-ticket-open"),
            Blocker::Held { count: n } => with("blocker-held", vec![("count", count(*n))]),
            Blocker::Prepay { pump, amount, receipt } => with(
                "blocker-prepay",
                vec![("n", int(*pump)), ("amount", Arg::Money(*amount)), ("receipt", int(*receipt))],
            ),
            Blocker::UnpaidFill { pump, amount } => {
                with("blocker-unpaid-fill", vec![("n", int(*pump)), ("amount", Arg::Money(*amount))])
            }
            Blocker::PumpBusy { pump, state } => {
                with("blocker-pump-busy", vec![("n", int(*pump)), ("state", Arg::PumpState(state))])
            }
        }
    }
}

impl Refusal {
    fn message(&self) -> Message {
        use Refusal as R;
        let pump = |p: &u8| vec![("n", int(*p))];
        match self {
            R::RefundOfRefund { receipt } => with("refusal-refund-of-refund", vec![("receipt", int(*receipt))]),
            R::FullyRefunded { receipt } => with("refusal-fully-refunded", vec![("receipt", int(*receipt))]),
            R::NoRefundLines => m("refusal-no-refund-lines"),
            R::LineNamedTwice { line } => with("refusal-line-named-twice", vec![("line", count(*line))]),
            R::LineNotRefundable { receipt, line } => {
                with("refusal-line-not-refundable", vec![("receipt", int(*receipt)), ("line", count(*line))])
            }
            R::UnknownUnit { receipt, unit } => {
                with("refusal-unknown-unit", vec![("receipt", int(*receipt)), ("unit", text(unit))])
            }
            R::FillOnTicket { pump: p, held: false } => with("refusal-fill-on-open-ticket", pump(p)),
            R::FillOnTicket { pump: p, held: true } => with("refusal-fill-on-held-ticket", pump(p)),
            R::FillPrepaid { pump: p } => with("refusal-fill-prepaid", pump(p)),
            R::FillBeingReset { pump: p } => with("refusal-fill-being-reset", pump(p)),
            R::NoLineOnReceipt { receipt, line } => {
                with("refusal-no-line-on-receipt", vec![("receipt", int(*receipt)), ("line", count(*line))])
            }
            R::PrepayOverrun { pump: p, dispensed, prepaid } => with(
                "refusal-prepay-overrun",
                vec![("n", int(*p)), ("dispensed", Arg::Money(*dispensed)), ("prepaid", Arg::Money(*prepaid))],
            ),
            R::PumpNoGrade { pump: p } => with("refusal-pump-no-grade", pump(p)),
            R::PrepayOnTicket { pump: p } => with("refusal-prepay-on-ticket", pump(p)),
            R::PumpPrepaid { pump: p } => with("refusal-pump-prepaid", pump(p)),
            R::AmountAndLitres => m("refusal-amount-and-litres"),
            R::BadPresetAmount { amount } => with("refusal-bad-preset-amount", vec![("amount", Arg::Money(*amount))]),
            R::BadPresetLitres { litres } => with("refusal-bad-preset-litres", vec![("litres", Arg::Number(*litres))]),
            R::BadPrepay { amount } => with("refusal-bad-prepay", vec![("amount", Arg::Money(*amount))]),
            R::AlreadyPrepaid { pump: p } => with("refusal-already-prepaid", pump(p)),
            R::NoPrepay { pump: p } => with("refusal-no-prepay", pump(p)),
            R::BadMeterPhase { phase } => with("refusal-bad-meter-phase", vec![("phase", text(phase))]),
            R::Negative { what } => m(match what {
                super::AmountOf::Float => "refusal-negative-float",
                super::AmountOf::Counted => "refusal-negative-counted",
                super::AmountOf::Movement => "refusal-negative-amount",
            }),
            R::AmountTooLarge { value, .. } => with("refusal-amount-too-large", vec![("amount", Arg::Number(*value))]),
            R::TooManyDecimals { value, currency, .. } => {
                with("refusal-too-many-decimals", vec![("amount", Arg::Number(*value)), ("currency", text(currency))])
            }
            R::SoldByPiece { name } => with("refusal-sold-by-piece", vec![("name", text(name))]),
            R::NoSuchSku { sku } => with("refusal-no-such-sku", vec![("code", text(sku))]),
            R::NoSuchPlu { plu } => with("refusal-no-such-plu", vec![("code", text(plu))]),
            R::SkuOrPlu => m("refusal-sku-or-plu"),
            R::NoSuchGrade { code } => with("refusal-no-such-grade", vec![("code", text(code))]),
            R::PercentOrAmount => m("refusal-percent-or-amount"),
            R::NoDiscountToApprove => m("refusal-no-discount-to-approve"),
            R::NothingToHold => m("refusal-nothing-to-hold"),
            R::IdOrIndex => m("refusal-id-or-index"),
            R::NoSuchHeld => m("refusal-no-such-held"),
            R::NothingToCancel => m("refusal-nothing-to-cancel"),
            R::LanguageOrTheme => m("refusal-language-or-theme"),
            R::BadFuelPrice { price } => with("refusal-bad-fuel-price", vec![("price", Arg::Number(*price))]),
            R::PriceOverPump { price, max } => {
                with("refusal-price-over-pump", vec![("price", Arg::Number(*price)), ("max", Arg::Number(*max))])
            }
            R::BadBookPrice { key, price } => {
                with("refusal-bad-book-price", vec![("code", text(key)), ("price", text(price))])
            }
            R::Port(p) => port_message(p),
            R::NoSuchDeviceTest { action } => with("refusal-no-such-device-test", vec![("action", text(action))]),
            R::ReasonTooLong { max } => with("refusal-reason-too-long", vec![("max", count(*max))]),
            R::ManagerPinNeeded => m("refusal-manager-pin-needed"),
            R::PinMayNotAddUsers => m("refusal-pin-may-not-add-users"),
            R::BadPin => m("refusal-bad-pin"),
            R::EmptyName => m("refusal-empty-name"),
            R::PinTaken => m("refusal-pin-taken"),
            R::DemoData { .. } => m("refusal-demo-data"),
            R::CardInProgress => m("refusal-card-in-progress"),
            R::NoCardPayment => m("refusal-no-card-payment"),
            R::CardAmountMismatch => m("refusal-card-amount-mismatch"),
            R::CardDeclined { code, .. } => with("refusal-card-declined", vec![("code", text(&format!("{code:02X}")))]),
            R::CardNotTaken => m("refusal-card-not-taken"),
            R::CardAborted => m("refusal-card-aborted"),
            R::CardUnclear => m("refusal-card-unclear"),
            R::CardTerminalUnreachable { .. } => m("refusal-card-terminal-unreachable"),
            R::CardReversedAfterSale { receipt, amount } => with(
                "refusal-card-reversed-after-sale",
                vec![("receipt", int(*receipt)), ("amount", Arg::Money(*amount))],
            ),
            R::CardUnconfirmed { receipt, amount } => {
                with("refusal-card-unconfirmed", vec![("receipt", int(*receipt)), ("amount", Arg::Money(*amount))])
            }
            R::QrNotConfigured => m("refusal-qr-not-configured"),
            R::QrEnded { ending } => m(match *ending {
                "expired" => "refusal-qr-expired",
                "cancelled" => "refusal-qr-cancelled",
                _ => "refusal-qr-failed",
            }),
            R::QrCannotCancel { .. } => m("refusal-qr-cannot-cancel"),
            R::QrRefused { .. } => m("refusal-qr-refused"),
            R::QrAmountMismatch => m("refusal-qr-amount-mismatch"),
            R::QrPaymentStays => m("refusal-qr-payment-stays"),
            R::ExportFailed { .. } => m("refusal-export-failed"),
            R::NotAKiosk => m("refusal-not-a-kiosk"),
            R::KioskNoCash => m("refusal-kiosk-no-cash"),
            R::KioskNeedsStaff { reason } => m(match reason.as_str() {
                "age" => "refusal-kiosk-needs-staff-age",
                "amount" => "refusal-kiosk-needs-staff-amount",
                _ => "refusal-kiosk-needs-staff",
            }),
            R::KioskAgeByStaff => m("refusal-kiosk-age-by-staff"),
            R::NotAtTheKiosk => m("refusal-not-at-the-kiosk"),
            R::NoHelpRequest => m("refusal-no-help-request"),
            R::StaffOnly => m("refusal-staff-only"),
            R::NoReceiptToPrint => m("refusal-no-receipt-to-print"),
            R::InServiceMode => m("refusal-in-service-mode"),
            R::NotInServiceMode => m("refusal-not-in-service-mode"),
            R::PumpHeld { pump } => with("refusal-pump-held", vec![("pump", int(i64::from(*pump)))]),
            R::PumpPayAmount { max } => with("refusal-pump-pay-amount", vec![("max", Arg::Money(*max))]),
            R::FuelOnly => m("refusal-fuel-only"),
            R::NoSite => m("refusal-no-site"),
            R::NoSuchPeer { terminal } => with("refusal-no-such-peer", vec![("terminal", text(terminal))]),
            R::PeerNoHelp { terminal } => with("refusal-peer-no-help", vec![("terminal", text(terminal))]),
            R::SiteBadSignature { detail } => with("refusal-site-bad-signature", vec![("detail", text(detail))]),
            R::SiteStale => m("refusal-site-stale"),
            R::SiteUnreachable { detail } => with("refusal-site-unreachable", vec![("detail", text(detail))]),
            R::CashAmountNotPositive => m("refusal-cash-amount-not-positive"),
            R::NoSaleHasNoAmount => m("refusal-no-sale-has-no-amount"),
            R::UnknownReason { reason, choices } => {
                with("refusal-unknown-reason", vec![("reason", text(reason)), ("choices", text(&choices.join(", ")))])
            }
            R::DrawerHoldsLess { amount, cash } => {
                with("refusal-drawer-holds-less", vec![("amount", Arg::Money(*amount)), ("cash", Arg::Money(*cash))])
            }
            R::DrawerFull { cash, limit } => {
                with("refusal-drawer-full", vec![("cash", Arg::Money(*cash)), ("limit", Arg::Money(*limit))])
            }
            R::CountFirst => m("refusal-count-first"),
            R::CountStale => m("refusal-count-stale"),
            R::CountNeedsApproval { difference, tolerance } => with(
                "refusal-count-needs-approval",
                vec![("difference", Arg::Money(*difference)), ("tolerance", Arg::Money(*tolerance))],
            ),
            R::BadCountPurpose { purpose } => with("refusal-bad-count-purpose", vec![("purpose", text(purpose))]),
            R::BadCountTender { method } => with("refusal-bad-count-tender", vec![("method", text(method))]),
            R::NotADenomination { value } => with("refusal-not-a-denomination", vec![("value", Arg::Money(*value))]),
            R::DenominationTwice => m("refusal-denomination-twice"),
            R::AmountOrPieces => m("refusal-amount-or-pieces"),
            R::HandoverToSelf => m("refusal-handover-to-self"),
            R::NothingSinceZ => m("refusal-nothing-since-z"),
            R::NoSuchZ { z_no } => with("refusal-no-such-z", vec![("number", int(*z_no))]),
            R::ReportUnreadable { .. } => m("refusal-report-unreadable"),
            R::NoSuchTank { tank } => with("refusal-no-such-tank", vec![("tank", int(i64::from(*tank)))]),
            R::BadLitres { litres } => with("refusal-bad-litres", vec![("litres", Arg::Number(*litres))]),
            R::NotYourself => m("refusal-not-yourself"),
            R::LastManager => m("refusal-last-manager"),
            R::BadDate { date } => with("refusal-bad-date", vec![("date", text(date))]),
        }
    }
}

fn port_message(p: &PortError) -> Message {
    match p {
        PortError::NoSuchDevice { device } => with("refusal-no-such-device", vec![("device", text(device))]),
        PortError::NotAPort { port } => with("refusal-not-a-port", vec![("port", text(port))]),
        PortError::NotAPrinterPort { port } => with("refusal-not-a-printer-port", vec![("port", text(port))]),
        PortError::NotASerialPort { port } => with("refusal-not-a-serial-port", vec![("port", text(port))]),
        PortError::NoSuchProtocol { protocol } => with("refusal-no-such-protocol", vec![("protocol", text(protocol))]),
        PortError::NoProtocolToChoose { protocol, .. } => {
            with("refusal-no-protocol-to-choose", vec![("protocol", text(protocol))])
        }
    }
}
