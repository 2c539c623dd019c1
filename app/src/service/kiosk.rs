//! The self-service kiosk's rules, in the service like every other rule: a kiosk terminal
//! (`[terminal] mode = "kiosk"`) is started, not signed in to, and sells under its own kiosk
//! user and cashless drawer session. Customers pay by card or QR only; an age-restricted item,
//! a basket over the configured limit or a customer's call locks the basket until a person
//! approves on the kiosk with their PIN (the age check is never the customer's own
//! declaration); a customer who walks away leaves nothing behind (`kiosk_reset`, journaled).

use super::{now, Outcome, Refusal, ServiceError, Session};
use crate::domain::ticket::Method;
use crate::domain::users::{Permission, Role};
use rust_decimal::Decimal;
use serde::Serialize;

/// Why the basket waits for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HelpView {
    /// "age" (an item for adults), "amount" (over the kiosk's limit), "customer" (the customer
    /// asked), "payment" (a payment failed), "price" (a scanned code the catalog does not know).
    pub reason: String,
    /// What the counter and the attendant are told (the item, the amount).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The kiosk's state, as the screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KioskView {
    /// The basket waits for a person while this is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<HelpView>,
    pub idle_seconds: u64,
    pub countdown_seconds: u64,
}

/// What the session keeps for a kiosk between commands.
#[derive(Debug, Clone, Default)]
pub struct KioskState {
    /// A call for staff the customer made, or a failed payment.
    called: Option<HelpView>,
    /// A basket total a person approved (above the limit); it holds while the total does not grow.
    approved_total: Option<Decimal>,
    /// The last receipt printed for a customer (each sale's receipt is printed once at most).
    printed: Option<i64>,
    /// Service mode: a manager works the kiosk's counter screens; the kiosk user to return to.
    service: Option<crate::domain::users::User>,
    /// At an outdoor payment terminal: fills sold whose customer has not yet chosen a receipt
    /// (receipt number, when sold); each is handed out once, and not after `FILL_RECEIPT`.
    pub(super) fills: Vec<(i64, std::time::Instant)>,
}

/// How long a fill's receipt waits for its customer at an outdoor payment terminal.
pub(super) const FILL_RECEIPT: std::time::Duration = std::time::Duration::from_secs(600);

/// Which failures of a command call a person at a kiosk (`Session::kiosk_watch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KioskWatch {
    Nothing,
    /// A scan or an item: a price that cannot be found.
    Price,
    /// A payment's end: a card declined or not taken, a wallet payment failed.
    Payment,
}

impl Session {
    /// What to watch for in the answer to `cmd` (a kiosk selling; never in service mode).
    pub(super) fn kiosk_watch(&self, cmd: &super::Command) -> KioskWatch {
        use super::Command as C;
        if !self.kiosk_mode() || !self.kiosk_active() {
            return KioskWatch::Nothing;
        }
        match cmd {
            C::Scan { .. } | C::Add { .. } => KioskWatch::Price,
            C::Tender { .. } | C::CardEnded { .. } | C::QrAnswered { .. } | C::QrCheck => KioskWatch::Payment,
            _ => KioskWatch::Nothing,
        }
    }

    /// A failure the customer cannot mend alone locks the basket and calls a person: the code
    /// no item has (the price cannot be found), or a payment that failed (journaled with the
    /// payment's own record). A customer's own abort at the card terminal calls nobody.
    pub(super) fn kiosk_failed(&mut self, watch: KioskWatch, err: &ServiceError) {
        use crate::domain::catalog::LookupError;
        let help = match (watch, err) {
            (KioskWatch::Price, ServiceError::Lookup(LookupError::Unknown(code))) => {
                HelpView { reason: "price".into(), detail: Some(code.chars().take(64).collect()) }
            }
            (
                KioskWatch::Payment,
                ServiceError::Invalid(
                    Refusal::CardDeclined { .. }
                    | Refusal::CardNotTaken
                    | Refusal::CardTerminalUnreachable { .. }
                    | Refusal::QrRefused { .. }
                    | Refusal::QrAmountMismatch
                    | Refusal::QrEnded { ending: "failed" | "expired" },
                ),
            ) => HelpView { reason: "payment".into(), detail: None },
            _ => return,
        };
        if self.kiosk.called.is_some() {
            return;
        }
        if help.reason == "payment" {
            if let Err(e) = self.journal("kiosk_help", &serde_json::json!({ "reason": "payment" })) {
                tracing::warn!("journal of the kiosk's call: {e}");
            }
        }
        self.kiosk.called = Some(help);
    }

    pub(super) fn kiosk_mode(&self) -> bool {
        self.config.kiosk.is_some()
    }

    /// Starts the kiosk: it sells as the kiosk user (made the first time, with a PIN nobody
    /// knows), in a cashless drawer session of its own.
    pub(super) fn kiosk_start(&mut self) -> Result<Outcome, ServiceError> {
        if !self.kiosk_mode() {
            return Err(Refusal::NotAKiosk.into());
        }
        if let Some(u) = &self.user {
            if u.role != Role::Kiosk {
                return Err(ServiceError::AlreadyLoggedIn(u.name.clone()));
            }
            return self.kiosk_outcome();
        }
        let (at, _) = now();
        let terminal = self.config.terminal_id.clone();
        let users = self.store.active_users()?;
        let user = match users.into_iter().find(|u| u.user.role == Role::Kiosk) {
            Some(u) => u.user,
            None => {
                let secret = uuid::Uuid::new_v4().simple().to_string();
                let hash = super::auth::hash_pin(&secret).map_err(crate::store::StoreError::Corrupt)?;
                let name = format!("Kiosk {terminal}");
                let id = self.store.add_user(&name, Role::Kiosk, &hash, &terminal, &at)?;
                crate::domain::users::User { id, name, role: Role::Kiosk }
            }
        };
        self.store.record_login(user.id, &terminal, &at)?;
        self.journal("kiosk_start", &serde_json::json!({ "user_id": user.id }))?;
        self.user = Some(user.clone());
        if self.shift.is_none() {
            // A kiosk takes no cash: its drawer session opens with nothing in it.
            let event = serde_json::json!({
                "event_id": uuid::Uuid::new_v4().to_string(), "kind": "shift_open", "terminal_id": terminal,
                "at": at, "user": user.name, "float": self.config.pricing.currency.fmt(Decimal::ZERO),
                "currency": self.config.pricing.currency.code, "kiosk": true,
            });
            let id = self.store.open_shift(&terminal, &user, 0, &event, &at)?;
            self.shift = Some(crate::store::OpenShift { id, opened_at: at, opened_by: user.id, float_minor: 0 });
        }
        let mut out = self.kiosk_outcome()?;
        // Pay-at-pump reservations left open by a crash or a lost link are settled first.
        out.effects.extend(self.reservations_to_recover()?);
        out.user = Some(user.clone());
        out.permissions = Some(self.config.role_policy(user.role).permissions.iter().copied().collect());
        out.shift = self.shift_view();
        Ok(out)
    }

    /// Why the basket waits for a person now, if it does.
    pub(super) fn kiosk_help(&self) -> Option<HelpView> {
        let k = self.config.kiosk.as_ref()?;
        if let Some(c) = &self.kiosk.called {
            return Some(c.clone());
        }
        let required = self.ticket.required_age();
        if required > self.ticket.age_confirmed {
            let item = self.ticket.lines.iter().rev().find(|l| !l.voided && l.age_restriction.is_some());
            return Some(HelpView { reason: "age".into(), detail: item.map(|l| format!("{} ({required}+)", l.name)) });
        }
        let total = self.ticket.totals(&self.config.pricing).ok()?.total;
        match k.amount_limit {
            Some(limit) if total > limit && self.kiosk.approved_total.is_none_or(|a| total > a) => {
                Some(HelpView { reason: "amount".into(), detail: Some(self.config.pricing.currency.fmt(total)) })
            }
            _ => None,
        }
    }

    /// The open ticket as answered carries the kiosk's state (`outcome_with`).
    pub(super) fn kiosk_outcome(&self) -> Result<Outcome, ServiceError> {
        self.ticket_outcome()
    }

    pub(super) fn kiosk_view(&self) -> Option<KioskView> {
        let k = self.config.kiosk.as_ref()?;
        if self.kiosk.service.is_some() {
            return None;
        }
        Some(KioskView {
            help: self.kiosk_help(),
            idle_seconds: k.idle.as_secs(),
            countdown_seconds: k.countdown.as_secs(),
        })
    }

    /// The kiosk's rules for a command before it runs (`None`: not a kiosk, or allowed).
    pub(super) fn kiosk_refuses(&self, cmd: &super::Command) -> Option<ServiceError> {
        use super::Command as C;
        if !self.kiosk_mode() {
            return None;
        }
        // In service mode the manager works the counter's screens; leaving it is one command.
        if self.kiosk.service.is_some() {
            return match cmd {
                C::ServiceMode { .. } => Some(Refusal::InServiceMode.into()),
                C::Login { .. } | C::Logout => Some(Refusal::InServiceMode.into()),
                _ => None,
            };
        }
        // An outdoor payment terminal sells fuel only: no basket.
        if self.config.kiosk.as_ref().is_some_and(|k| k.fuel_only)
            && matches!(cmd, C::Scan { .. } | C::Add { .. } | C::SetQty { .. } | C::Tender { .. } | C::Pay)
        {
            return Some(Refusal::FuelOnly.into());
        }
        match cmd {
            C::Tender { method: Method::Cash, .. } => Some(Refusal::KioskNoCash.into()),
            C::Tender { .. } | C::Pay => {
                self.kiosk_help().map(|h| Refusal::KioskNeedsStaff { reason: h.reason }.into())
            }
            // The age check is a person's: `staff_approve` with their PIN.
            C::ConfirmAge | C::RefuseAge => Some(Refusal::KioskAgeByStaff.into()),
            // What a customer does, and what the kiosk's devices report.
            C::KioskStart
            | C::CallStaff { .. }
            | C::StaffApprove { .. }
            | C::StaffRefuse { .. }
            | C::KioskReset
            | C::KioskPrint { .. }
            | C::ServiceMode { .. }
            | C::Scan { .. }
            | C::Add { .. }
            | C::SetQty { .. }
            | C::VoidLine { .. }
            | C::CancelTicket
            | C::Ticket
            | C::Pumps
            | C::SetLook { .. }
            | C::QueueReprint { .. }
            | C::Reprinted { .. }
            | C::MeterTotals { .. }
            | C::TankReadings { .. }
            | C::CardAbort
            | C::CardRecover
            | C::CardApproved { .. }
            | C::CardEnded { .. }
            | C::CardReceipt { .. }
            | C::CardRecovered { .. }
            | C::QrCheck
            | C::QrCancel
            | C::QrAnswered { .. }
            | C::RemoteAnswer { .. }
            | C::RemoteStop { .. }
            | C::PumpPay { .. }
            | C::ReservationApproved { .. }
            | C::ReservationEnded { .. }
            | C::ReservationsOpen { .. } => None,
            // Everything else is the counter's, or the staff's in service mode.
            _ => Some(Refusal::NotAtTheKiosk.into()),
        }
    }

    /// The customer (or the kiosk, after a failed payment) calls a person.
    pub(super) fn call_staff(&mut self, reason: &str) -> Result<Outcome, ServiceError> {
        self.require(Permission::Sell, "use the kiosk")?;
        if !self.kiosk_mode() {
            return Err(Refusal::NotAKiosk.into());
        }
        let reason = if reason == "payment" { "payment" } else { "customer" };
        self.kiosk.called = Some(HelpView { reason: reason.into(), detail: None });
        self.journal("kiosk_help", &serde_json::json!({ "reason": reason }))?;
        self.kiosk_outcome()
    }

    /// A person answers the kiosk's call with their PIN: approved (the age checked, the amount
    /// allowed, the customer helped) or refused (the items for adults come off the basket).
    pub(super) fn staff_answer(&mut self, pin: &str, approve: bool) -> Result<Outcome, ServiceError> {
        self.require(Permission::Sell, "use the kiosk")?;
        if !self.kiosk_mode() {
            return Err(Refusal::NotAKiosk.into());
        }
        let help = self.kiosk_help().ok_or(Refusal::NoHelpRequest)?;
        let detail = serde_json::json!({ "reason": help.reason });
        let staff = self.pin_holder(pin, "approval_failed", detail)?;
        let policy = self.config.role_policy(staff.role);
        // A person who works the counter: a cashier or a manager, never the kiosk itself.
        if !policy.allows(Permission::Counter) {
            self.journal("kiosk_help_refused", &serde_json::json!({ "user_id": staff.id, "reason": help.reason }))?;
            return Err(Refusal::StaffOnly.into());
        }
        self.apply_help_answer(help, approve, serde_json::json!({ "user_id": staff.id }))
    }

    /// Whether the kiosk is selling (started, and not in service mode).
    pub(super) fn kiosk_active(&self) -> bool {
        self.kiosk.service.is_none() && self.user.as_ref().is_some_and(|u| u.role == Role::Kiosk)
    }

    /// A person's answer to what the basket waits for, from the kiosk's PIN pad or the counter
    /// (`who`: journaled with it).
    pub(super) fn apply_help_answer(
        &mut self,
        help: HelpView,
        approve: bool,
        who: serde_json::Value,
    ) -> Result<Outcome, ServiceError> {
        match (help.reason.as_str(), approve) {
            ("age", true) => {
                self.ticket.confirm_age()?;
            }
            ("age", false) => {
                let restricted: Vec<usize> = (1..=self.ticket.lines.len())
                    .filter(|&n| self.ticket.lines[n - 1].age_restriction.is_some() && !self.ticket.lines[n - 1].voided)
                    .collect();
                for n in restricted {
                    self.ticket.void_line(n)?;
                }
            }
            ("amount", true) => {
                self.kiosk.approved_total = Some(self.ticket.totals(&self.config.pricing)?.total);
            }
            _ => {}
        }
        self.kiosk.called = None;
        let kind = if approve { "kiosk_help_approved" } else { "kiosk_help_declined" };
        self.journal(kind, &serde_json::json!({ "by": who, "reason": help.reason, "detail": help.detail }))?;
        self.kiosk_outcome()
    }

    /// A manager opens service mode on the kiosk with their PIN: the counter's screens, as
    /// them, until `service_end`. Journaled both ways; only with no basket open.
    pub(super) fn service_mode(&mut self, pin: &str) -> Result<Outcome, ServiceError> {
        let kiosk_user = self.require(Permission::Sell, "use the kiosk")?.clone();
        if !self.kiosk_mode() {
            return Err(Refusal::NotAKiosk.into());
        }
        if !self.ticket.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        let manager = self.pin_holder(pin, "approval_failed", serde_json::json!({ "for": "service_mode" }))?;
        let policy = self.config.role_policy(manager.role).clone();
        if !policy.allows(Permission::Counter) || !policy.allows(Permission::Reports) {
            self.journal("service_mode_refused", &serde_json::json!({ "user_id": manager.id }))?;
            return Err(ServiceError::NotPermitted { role: manager.role, what: "open the kiosk's service mode" });
        }
        self.journal("service_mode_start", &serde_json::json!({ "user_id": manager.id }))?;
        self.kiosk.service = Some(kiosk_user);
        self.user = Some(manager.clone());
        let permissions = policy.permissions.iter().copied().collect();
        Ok(Outcome {
            user: Some(manager),
            permissions: Some(permissions),
            shift: self.shift_view(),
            ..Outcome::default()
        })
    }

    /// Back from service mode to the kiosk (one tap); refused with a ticket open.
    pub(super) fn service_end(&mut self) -> Result<Outcome, ServiceError> {
        let manager = self.user()?.clone();
        let Some(kiosk_user) = self.kiosk.service.clone() else { return Err(Refusal::NotInServiceMode.into()) };
        if !self.ticket.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        self.journal("service_mode_end", &serde_json::json!({ "user_id": manager.id }))?;
        self.kiosk.service = None;
        self.user = Some(kiosk_user.clone());
        let mut out = self.kiosk_outcome()?;
        out.permissions = Some(self.config.role_policy(kiosk_user.role).permissions.iter().copied().collect());
        out.user = Some(kiosk_user);
        Ok(out)
    }

    /// The customer wants the receipt of the sale just made: printed once. At an outdoor
    /// payment terminal, the receipt of a fill sold there (`receipt_no`), printed or answered
    /// for the screen's QR code (`qr`), once, within `FILL_RECEIPT` of the sale.
    pub(super) fn kiosk_print(&mut self, receipt_no: Option<i64>, qr: bool) -> Result<Outcome, ServiceError> {
        self.require(Permission::Sell, "use the kiosk")?;
        if !self.kiosk_mode() {
            return Err(Refusal::NotAKiosk.into());
        }
        let terminal = self.config.terminal_id.clone();
        let receipt_no = match receipt_no {
            Some(n) => {
                self.kiosk.fills.retain(|(_, at)| at.elapsed() < FILL_RECEIPT);
                let i = self.kiosk.fills.iter().position(|(r, _)| *r == n).ok_or(Refusal::NoReceiptToPrint)?;
                self.kiosk.fills.remove(i);
                n
            }
            None if qr => return Err(Refusal::NoReceiptToPrint.into()),
            None => {
                let n = self.store.last_receipt_no(&terminal)?;
                if n == 0 || self.kiosk.printed == Some(n) || !self.ticket.is_empty() {
                    return Err(Refusal::NoReceiptToPrint.into());
                }
                self.kiosk.printed = Some(n);
                n
            }
        };
        let sale = self.store.find_sale(&terminal, receipt_no, &self.config.pricing.currency)?;
        let sale = sale.ok_or(ServiceError::NoSuchSale(receipt_no))?;
        let kind = if qr { "kiosk_receipt_qr" } else { "kiosk_receipt" };
        self.journal(kind, &serde_json::json!({ "receipt_no": receipt_no }))?;
        if qr {
            // The screen shows it as a code; nothing prints.
            return Ok(Outcome { receipt: Some(sale), ..Outcome::default() });
        }
        let effect = super::Effect::PrintReceipt { receipt_no, copy: false, queue_id: None, sale: Box::new(sale) };
        Ok(Outcome::effects(vec![effect]))
    }

    /// The customer walked away (the idle countdown ran out): the basket is cancelled and
    /// journaled, and the kiosk starts again. A payment in progress is never given up for it.
    pub(super) fn kiosk_reset(&mut self) -> Result<Outcome, ServiceError> {
        self.require(Permission::Sell, "use the kiosk")?;
        if !self.kiosk_mode() {
            return Err(Refusal::NotAKiosk.into());
        }
        if !self.ticket.lines.is_empty() {
            let totals = self.ticket.totals(&self.config.pricing)?;
            let record = crate::domain::record::TicketRecord::new(&self.ticket, &totals, &self.config.pricing);
            self.journal("basket_abandoned", &serde_json::json!({ "ticket": record }))?;
        }
        self.kiosk = KioskState {
            printed: self.kiosk.printed,
            service: self.kiosk.service.take(),
            fills: std::mem::take(&mut self.kiosk.fills),
            ..Default::default()
        };
        if !self.ticket.payments.is_empty() {
            // Money taken for it goes back first (a card payment through the terminal), then
            // the basket is cancelled.
            let mut out = self.cancel_ticket()?;
            out.kiosk = self.kiosk_view();
            return Ok(out);
        }
        self.ticket = crate::domain::ticket::Ticket::default();
        self.kiosk_outcome()
    }
}
