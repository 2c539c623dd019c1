//! The sale screen's actions: keyed digits, items, quantities, discounts, the age check,
//! payment; sign-in and the shift. Each sends a command; the session decides.

use super::{shown, Gui};
use crate::domain::money::Dec;
use crate::domain::ticket::Method;
use crate::service::{Command, ServiceError};
use rust_decimal::Decimal;
use slint::ComponentHandle;
use slint::SharedString;
use till_ui::{Page, Strings};

impl Gui {
    /// Applies a keypad key to a digit field: digits append, "C" clears, "back" deletes.
    pub(super) fn edit_digits(
        &self,
        key: &str,
        get: fn(&Gui) -> SharedString,
        set: fn(&Gui, SharedString),
        max: usize,
    ) {
        let mut v = get(self).to_string();
        match key {
            "C" => v.clear(),
            "back" => {
                v.pop();
            }
            k if k.chars().all(|c| c.is_ascii_digit()) && v.len() + k.len() <= max => v.push_str(k),
            _ => {}
        }
        set(self, v.into());
        self.render_amounts();
    }

    /// The float and the tender entry as amounts in the current locale.
    pub(super) fn render_amounts(&self) {
        let f = self.i18n.borrow().format();
        let cur = &self.config.pricing.currency;
        let amount = |digits: &str| {
            f.money(self.entry_amount(if digits.is_empty() { "0" } else { digits }).unwrap_or_default(), cur)
        };
        self.signin().set_float_text(amount(&self.signin().get_float_entry()).into());
        let entry = self.sale_ui().get_entry().to_string();
        let money = self.entry_amount(&entry).map(|a| f.money(a, cur)).unwrap_or_default();
        self.sale_ui().set_entry_money(money.into());
        self.sale_ui().set_entry_text(entry.replace('.', &f.decimal.to_string()).into());
        self.sale_ui().set_decimal_sep(f.decimal.to_string().into());
    }

    /// Digits typed for an amount are minor units: 1500 is 15.00 in EUR, 1500 in IDR. With the
    /// decimal key they are the amount itself (15.5 is 15.50), when the currency has those
    /// decimals.
    pub(super) fn entry_amount(&self, digits: &str) -> Option<Decimal> {
        let cur = &self.config.pricing.currency;
        if digits.contains('.') {
            let v = crate::domain::money::parse_decimal(digits).ok()?;
            return cur.is_exact(v).then_some(v);
        }
        let minor: i64 = digits.parse().ok()?;
        Some(cur.from_minor(minor))
    }

    /// A key of the sale screen's keypad: digits, and one decimal separator (for a quantity or
    /// an amount).
    pub(super) fn entry_key(&self, key: &str) {
        if key == "." {
            let mut v = self.sale_ui().get_entry().to_string();
            if !v.contains('.') && v.len() < 12 {
                if v.is_empty() {
                    v.push('0');
                }
                v.push('.');
                self.sale_ui().set_entry(v.into());
            }
            self.render_amounts();
            return;
        }
        self.edit_digits(key, |g| g.sale_ui().get_entry(), |g, v| g.sale_ui().set_entry(v), 13);
    }

    /// The keyed entry as a quantity (whole or decimal).
    fn entry_quantity(digits: &str) -> Option<Decimal> {
        crate::domain::money::parse_decimal(digits.trim_end_matches('.')).ok().filter(|q| !q.is_zero())
    }

    /// Search and category back to the start: the next customer and the next user begin clean.
    pub(super) fn clear_search(&self) {
        self.sale_ui().set_search("".into());
        self.sale_ui().set_category(0);
        self.render_products();
    }

    pub(super) fn take_entry(&self) -> String {
        let e = self.sale_ui().get_entry().to_string();
        self.sale_ui().set_entry("".into());
        self.render_amounts();
        e
    }

    pub(super) fn login(&self) {
        let pin = self.signin().get_pin().to_string();
        self.signin().set_pin("".into());
        let selected = self.signin().get_selected_user();
        let user = self.state.borrow().users.iter().find(|u| u.id == i64::from(selected)).map(|u| u.name.clone());
        self.send(Command::Login { pin, user }, |g, r| match r {
            Ok(_) => {
                g.clear_search();
                g.signin().set_selected_user(-1);
                g.set_page(if g.state.borrow().shift.is_some() { Page::Sale } else { Page::OpenShift });
                // A prepaid filling that completed while nobody was signed in settles now.
                g.call(|s| Ok(s.pumps_changed().unwrap_or_default()), shown);
            }
            Err(e) => {
                g.signin().set_pin_error(true);
                g.show_error(&e);
            }
        });
    }

    pub(super) fn logout(&self) {
        self.send(Command::Logout, |g, r| match r {
            Ok(_) => {
                {
                    let mut st = g.state.borrow_mut();
                    st.user = None;
                    st.permissions.clear();
                    st.ticket = None;
                }
                g.clear_search();
                g.set_page(Page::Login);
            }
            Err(e) => g.show_error(&e),
        });
    }

    pub(super) fn open_shift(&self) {
        let digits = self.signin().get_float_entry().to_string();
        let float = self.entry_amount(if digits.is_empty() { "0" } else { &digits }).unwrap_or_default();
        self.signin().set_float_entry("".into());
        self.render_amounts();
        self.send(Command::OpenShift { float: Dec(float) }, |g, r| match r {
            Ok(_) => g.set_page(Page::Sale),
            Err(e) => g.show_error(&e),
        });
    }

    pub(super) fn entry_times(&self) {
        let digits = self.take_entry();
        match Self::entry_quantity(&digits) {
            Some(q) => self.state.borrow_mut().pending_qty = Some(q),
            None => self.show_message("hint-times", false),
        }
        self.render_entry_hint();
    }

    pub(super) fn render_entry_hint(&self) {
        let qty = self.state.borrow().pending_qty;
        let f = self.i18n.borrow().format();
        self.sale_ui().set_pending_qty(qty.map(|q| f.number(q, q.scale())).unwrap_or_default().into());
    }

    pub(super) fn qty(&self) -> Option<Dec> {
        let q = self.state.borrow_mut().pending_qty.take().map(Dec);
        self.render_entry_hint();
        q
    }

    pub(super) fn entry_enter(&self) {
        let code = self.take_entry();
        if code.is_empty() {
            return;
        }
        if code.len() >= 8 {
            self.scan(&code);
        } else {
            let qty = self.qty();
            self.send(Command::Add { sku: None, plu: Some(code), qty }, Self::added);
        }
    }

    pub(super) fn add_sku(&self, sku: &str) {
        let qty = self.qty();
        self.send(Command::Add { sku: Some(sku.to_string()), plu: None, qty }, Self::added);
    }

    /// An item the session will not add without its weight (keyed by PLU or tapped) is weighed
    /// on the scale, then added with the weight; with no scale the cashier is told to key it.
    fn added(g: &Gui, r: Result<crate::service::Outcome, ServiceError>) {
        match r {
            Err(ServiceError::NeedsWeight { sku, name }) => match g.scale.borrow().clone() {
                Some(scale) => g.weigh_and_add(&sku, &name, scale),
                None => {
                    let text = g.i18n.borrow().tr_args("hint-weigh-no-scale", &[("name", name.into())]);
                    g.show_text(text, true);
                }
            },
            other => shown(g, other),
        }
    }

    /// A code from the scanner, on the page on show.
    pub fn scan(&self, code: &str) {
        match self.shell().get_page() {
            Page::Sale => {}
            Page::Kiosk => return self.kiosk_scan(code),
            Page::Devices => return self.scanned_on_devices(code),
            // Scanning the next customer's first item ends the change display.
            Page::Receipt => self.set_page(Page::Sale),
            _ => return,
        }
        self.send(Command::Scan { code: code.to_string() }, |g, r| {
            if let Err(e) = r {
                // The cashier hears a refused scan: the printer's buzzer.
                if let Some(p) = g.executor.borrow().printer.as_ref() {
                    p.beep();
                }
                g.show_error(&e);
            }
        });
    }

    pub(super) fn line_command(&self, f: impl FnOnce(usize) -> Command) {
        let line = self.sale_ui().get_selected_line();
        if line > 0 {
            self.send(f(line as usize), shown);
        }
    }

    pub(super) fn set_qty(&self) {
        if self.sale_ui().get_selected_line() <= 0 {
            return self.show_message("hint-select-line", false);
        }
        if self.sale_ui().get_entry().is_empty() {
            return self.show_message("hint-qty", false);
        }
        let digits = self.take_entry();
        match Self::entry_quantity(&digits) {
            Some(q) => self.line_command(|line| Command::SetQty { line, qty: Dec(q) }),
            None => self.show_message("error-bad-quantity", true),
        }
    }

    pub(super) fn discount(&self) {
        if self.sale_ui().get_entry().is_empty() {
            return self.show_message("hint-discount", false);
        }
        let digits = self.take_entry();
        let Some(pct) = Self::entry_quantity(&digits) else {
            self.show_message("error-bad-discount", true);
            return;
        };
        let line = match self.sale_ui().get_selected_line() {
            n if n > 0 => Some(n as usize),
            _ => None,
        };
        let cmd = Command::Discount { line, percent: Some(Dec(pct)), amount: None, approver_pin: None };
        let pending = cmd.clone();
        self.send(cmd, move |g, r| match r {
            Err(e @ ServiceError::DiscountOverLimit { .. }) => {
                g.ask_manager(&e);
                g.state.borrow_mut().pending_discount = Some(pending);
            }
            other => shown(g, other),
        });
    }

    pub(super) fn manager_approve(&self) {
        let pin = self.sale_ui().get_manager_pin().to_string();
        self.sale_ui().set_manager_pin("".into());
        self.sale_ui().set_manager_pin_dots("".into());
        self.sale_ui().set_manager_dialog(false);
        let pending = self.state.borrow_mut().pending_discount.take();
        match pending {
            Some(Command::Discount { line, percent, amount, .. }) => {
                self.send(Command::Discount { line, percent, amount, approver_pin: Some(pin) }, shown);
            }
            // Payment was refused over the limit: the approval, then the payment again.
            Some(Command::ApproveDiscount { .. }) => {
                self.send(Command::ApproveDiscount { approver_pin: pin }, |g, r| match r {
                    Ok(_) => g.pay(),
                    Err(e) => g.show_error(&e),
                })
            }
            _ => {}
        }
    }

    /// On the way to payment: the session answers an age check to make, or the tender.
    pub(super) fn pay(&self) {
        self.send(Command::Pay, |g, r| match r {
            Ok(out) => {
                let asks = out.effects.iter().any(|e| matches!(e, crate::service::Effect::AskAge { .. }));
                g.state.borrow_mut().going_to_pay = asks;
            }
            Err(e @ ServiceError::DiscountOverLimit { .. }) => {
                g.ask_manager(&e);
                g.state.borrow_mut().pending_discount = Some(Command::ApproveDiscount { approver_pin: String::new() });
            }
            Err(e) => g.show_error(&e),
        });
    }

    /// The manager's PIN dialog, saying what is to be approved (the banner says why too).
    fn ask_manager(&self, e: &ServiceError) {
        self.show_error(e);
        let i18n = self.i18n.borrow();
        let reason = match e {
            ServiceError::DiscountOverLimit { pct, max, .. } => {
                let num = |v: &Decimal| super::view::percent(&i18n, v);
                let user = self.state.borrow().user.as_ref().map(|u| u.name.clone()).unwrap_or_default();
                i18n.tr_args(
                    "manager-reason-discount",
                    &[("pct", num(pct).into()), ("max", num(max).into()), ("user", user.into())],
                )
            }
            other => super::errors::error_text(&i18n, &self.config.pricing.currency, other),
        };
        drop(i18n);
        self.sale_ui().set_manager_reason(reason.into());
        self.sale_ui().set_manager_dialog(true);
    }

    pub(super) fn age_confirm(&self) {
        self.sale_ui().set_age_dialog(false);
        let pay = std::mem::take(&mut self.state.borrow_mut().going_to_pay);
        self.send(Command::ConfirmAge, move |g, r| match r {
            Ok(_) if pay => g.pay(),
            other => shown(g, other),
        });
    }

    pub(super) fn tender(&self, method: Method, value: &str) {
        let amount = match value {
            "" => None,
            "entry" => {
                let digits = self.take_entry();
                if digits.is_empty() {
                    None
                } else {
                    self.entry_amount(&digits)
                }
            }
            v => crate::domain::money::parse_decimal(v).ok(),
        };
        self.send(Command::Tender { method, amount: amount.map(Dec) }, shown);
    }

    /// The last receipt again (as a copy), and every receipt waiting in the reprint queue.
    pub(super) fn reprint(&self) {
        let last = self.state.borrow().last_sale.as_ref().map(|s| s.receipt_no);
        if let Some(n) = last {
            self.render_receipt();
            self.set_page(Page::Receipt);
            self.send(Command::Reprint { receipt_no: Some(n) }, shown);
        }
        if self.reprint_count.get() > 0 {
            self.send(Command::Reprint { receipt_no: None }, shown);
        }
    }

    /// A language or theme chosen on screen: the session remembers it (for the terminal, or
    /// for the user signed in) and answers the look to show.
    pub(super) fn choose_look(&self, language: Option<String>, theme: Option<String>) {
        self.send(Command::SetLook { language, theme }, shown);
    }

    /// Shows the look the session answered.
    pub(super) fn apply_look(&self, look: &crate::service::Look) {
        // Theme.mode is the theme's place in the list (0 light, 1 dark, 2 contrast).
        let mode = crate::config::THEMES.iter().position(|t| *t == look.theme).unwrap_or(0);
        self.window.global::<till_ui::Theme>().set_mode(mode as i32);
        self.set_language(&look.language);
    }

    pub(super) fn set_language(&self, code: &str) {
        if self.i18n.borrow_mut().set_language(code) {
            self.window.global::<Strings>().set_lang(code.into());
            self.refresh_all();
        }
    }
}
