//! The card payment on screen: while the card terminal works, a dialog says what it is doing
//! (the amount, "insert card", "enter PIN") with one key to abort; the approval, the ending and
//! any recovery come from the terminal's driver as reports and go to the session, which decides.
//! The terminal is told "goods issued" only once the session has answered that the sale is stored.

use super::Gui;
use crate::effects::Report;
use crate::service::{CardView, Command, Outcome};

impl Gui {
    /// Shows (or closes) the card dialog for the session's card payment in progress.
    pub(super) fn show_card(&self, out: &Outcome) {
        match &out.card {
            Some(c) => {
                // A new payment: what was said about the last one no longer holds.
                if self.card_view.replace(Some(c.clone())).is_none() {
                    self.clear_message();
                }
                self.render_card(None);
            }
            None => self.close_card(),
        }
    }

    fn render_card(&self, progress: Option<u8>) {
        let Some(c) = self.card_view.borrow().clone() else { return };
        let i18n = self.i18n.borrow();
        let amount = i18n.format().money(c.amount, &self.config.pricing.currency);
        let mut text = i18n
            .tr_args(if c.state == "asking" { "card-asking" } else { "card-waiting" }, &[("amount", amount.into())]);
        if let Some(code) = progress {
            text = format!("{text}\n\n{}", i18n.tr(progress_key(code)));
        }
        let (title, yes) = (i18n.tr("card-title"), i18n.tr("card-abort"));
        drop(i18n);
        let asking = c.state == "asking";
        self.ask(title, text, yes, true, move |g| {
            let cmd = if asking { Command::CardRecover } else { Command::CardAbort };
            g.send(cmd, super::shown);
        });
    }

    fn close_card(&self) {
        if self.card_view.borrow_mut().take().is_some() {
            self.shell().set_confirm_open(false);
            self.confirm.borrow_mut().take();
        }
    }

    /// A report of the card terminal's driver; false when it is not one.
    pub(super) fn card_reported(&self, r: &Report) -> bool {
        match r {
            Report::CardProgress { code, .. } => {
                if self.card_view.borrow().is_some() {
                    self.render_card(Some(*code));
                }
                true
            }
            Report::CardApproved { .. } | Report::CardFinished { .. } | Report::CardRecovered { .. } => {
                if let Report::CardRecovered { failed: Some(why), .. } = r {
                    tracing::warn!("the card terminal could not be asked about the payment: {why}");
                    self.show_error(&crate::service::Refusal::CardUnclear.into());
                    return true;
                }
                let decision = r.claim().cloned();
                if decision.as_ref().is_some_and(|d| !d.claim()) {
                    // The driver already answered "goods not issued"; its ending follows.
                    return true;
                }
                let Some(cmd) = crate::effects::follow_up(r) else { return true };
                self.send(cmd, move |g, res| {
                    if let Some(d) = &decision {
                        d.decide(res.is_ok());
                    }
                    match res {
                        Ok(out) => g.show_card(&out),
                        Err(e) => {
                            g.close_card();
                            g.show_error(&e);
                        }
                    }
                });
                true
            }
            _ => false,
        }
    }
}

/// The message for a terminal's intermediate status (`04 FF`).
fn progress_key(code: u8) -> &'static str {
    match code {
        0x0A => "card-insert",
        0x0E => "card-pin",
        0x17 => "card-wait",
        _ => "card-working",
    }
}

/// A card view is shown once per payment.
pub(super) type CardShown = std::cell::RefCell<Option<CardView>>;
