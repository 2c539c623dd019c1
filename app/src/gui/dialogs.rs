//! The questions and dialogs around the sale: a confirmation before anything that cannot be
//! taken back, closing the shift with a count and its summary, and recalling a held ticket
//! from the list. Each ends in a command; the session decides.

use super::{shown, Gui};
use crate::service::Command;
use slint::{ModelRc, VecModel};
use till_ui::{HeldRow, SummaryRow};

/// What a confirmation does when the cashier says yes.
pub(super) type Confirmed = Box<dyn FnOnce(&Gui)>;

impl Gui {
    /// Asks before `action`: a title, what will happen, and the key that does it.
    pub(super) fn ask(
        &self,
        title: String,
        text: String,
        yes: String,
        danger: bool,
        action: impl FnOnce(&Gui) + 'static,
    ) {
        *self.confirm.borrow_mut() = Some(Box::new(action));
        let shell = self.shell();
        shell.set_confirm_title(title.into());
        shell.set_confirm_text(text.into());
        shell.set_confirm_yes_label(yes.into());
        shell.set_confirm_danger(danger);
        shell.set_confirm_open(true);
    }

    pub(super) fn confirm_answer(&self, yes: bool) {
        self.shell().set_confirm_open(false);
        let action = self.confirm.borrow_mut().take();
        if let (true, Some(action)) = (yes, action) {
            action(self);
        }
    }

    /// Cancel ticket asks first, naming what is lost.
    pub(super) fn cancel_ticket(&self) {
        let Some(t) = self.state.borrow().ticket.clone() else { return };
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        let items = t.lines.iter().filter(|l| !l.voided).count();
        let text = if t.payments.is_empty() {
            i18n.tr_args("confirm-cancel-text", &[("items", items.into()), ("total", f.money(t.total, cur).into())])
        } else {
            i18n.tr_args("confirm-cancel-paid-text", &[("items", items.into()), ("paid", f.money(t.paid, cur).into())])
        };
        let (title, yes) = (i18n.tr("confirm-cancel-title"), i18n.tr("confirm-cancel-yes"));
        drop(i18n);
        self.ask(title, text, yes, true, |g| g.send(Command::CancelTicket, shown));
    }

    /// Takes a partial payment off the ticket, after asking (the cashier hands it back).
    pub(super) fn ask_remove_payment(&self, index: usize) {
        let Some(t) = self.state.borrow().ticket.clone() else { return };
        let Some(p) = t.payments.get(index) else { return };
        let i18n = self.i18n.borrow();
        let method = super::view::method_label(&i18n, &p.method);
        let amount = i18n.format().money(p.amount, &self.config.pricing.currency);
        let text = i18n.tr_args("confirm-remove-payment-text", &[("method", method.into()), ("amount", amount.into())]);
        let (title, yes) = (i18n.tr("confirm-remove-payment-title"), i18n.tr("confirm-remove-payment-yes"));
        drop(i18n);
        self.ask(title, text, yes, true, move |g| g.send(Command::RemovePayment { index }, shown));
    }

    /// The closed shift on one screen: float, cash taken, expected, counted, over or short.
    pub(super) fn show_summary(
        &self,
        opened: Option<&crate::service::ShiftView>,
        c: &crate::domain::shift::ShiftCount,
    ) {
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        let row = |key: &str, v: rust_decimal::Decimal, strong: bool| SummaryRow {
            label: i18n.tr(key).into(),
            value: f.money(v, cur).into(),
            strong,
        };
        let difference_key = match c.difference.cmp(&rust_decimal::Decimal::ZERO) {
            std::cmp::Ordering::Less => "summary-short",
            std::cmp::Ordering::Greater => "summary-over",
            std::cmp::Ordering::Equal => "summary-even",
        };
        let rows = vec![
            row("summary-float", c.float, false),
            row("summary-cash-net", c.cash_net, false),
            row("summary-expected", c.expected, false),
            row("summary-counted", c.counted, false),
            row(difference_key, c.difference.abs(), true),
        ];
        let now = chrono::Local::now().naive_local();
        let from = opened
            .and_then(|s| super::view::local_time(&s.opened_at))
            .map(|t| format!("{} {}", f.date(&t), f.time(&t)))
            .unwrap_or_default();
        let title = i18n.tr_args(
            "summary-title",
            &[("from", from.into()), ("to", format!("{} {}", f.date(&now), f.time(&now)).into())],
        );
        drop(i18n);
        self.sale_ui().set_summary_title(title.into());
        self.sale_ui().set_summary_rows(ModelRc::new(VecModel::from(rows)));
        self.sale_ui().set_summary_dialog(true);
    }

    /// Recall: one held ticket comes back at once; with more, the cashier picks from the list.
    pub(super) fn recall(&self) {
        if self.state.borrow().held <= 1 {
            self.send(Command::Recall { index: None, id: None }, shown);
            return;
        }
        self.send(Command::Held, |g, r| match r {
            Ok(out) => {
                let i18n = g.i18n.borrow();
                let f = i18n.format();
                let cur = &g.config.pricing.currency;
                let rows: Vec<HeldRow> = out
                    .held_tickets
                    .unwrap_or_default()
                    .iter()
                    .rev()
                    .map(|h| {
                        let items = h.ticket.lines.iter().filter(|l| !l.voided).count();
                        let names: Vec<&str> =
                            h.ticket.lines.iter().filter(|l| !l.voided).take(3).map(|l| l.name.as_str()).collect();
                        let when = super::view::local_time(&h.held_at).map(|t| f.time(&t)).unwrap_or_default();
                        HeldRow {
                            id: h.id as i32,
                            when: i18n.tr_args("recall-when", &[("time", when.into()), ("items", items.into())]).into(),
                            items: names.join(", ").into(),
                            total: f.money(h.ticket.total, cur).into(),
                        }
                    })
                    .collect();
                drop(i18n);
                g.sale_ui().set_held_rows(ModelRc::new(VecModel::from(rows)));
                g.sale_ui().set_recall_dialog(true);
            }
            Err(e) => g.show_error(&e),
        });
    }

    pub(super) fn recall_id(&self, id: i64) {
        self.sale_ui().set_recall_dialog(false);
        self.send(Command::Recall { index: None, id: Some(id) }, shown);
    }
}
