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
        if c.method == "qr" {
            return self.render_qr(&c);
        }
        let i18n = self.i18n.borrow();
        let amount = i18n.format().money(c.amount, &self.config.pricing.currency);
        let key = match (c.state, c.kind.as_str()) {
            ("asking", _) => "card-asking",
            (_, "payment") => "card-waiting",
            _ => "card-paying-back",
        };
        let mut text = i18n.tr_args(key, &[("amount", amount.into())]);
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
        if let Some(c) = self.card_view.borrow_mut().take() {
            if c.method == "qr" {
                self.tender_ui().set_qr_open(false);
                self.qr_shown.borrow_mut().take();
            } else {
                self.shell().set_confirm_open(false);
                self.confirm.borrow_mut().take();
            }
        }
    }

    /// The QR payment's dialog: the code (drawn once per code), what is happening, until when
    /// it can be paid.
    fn render_qr(&self, c: &CardView) {
        let i18n = self.i18n.borrow();
        let amount = i18n.format().money(c.amount, &self.config.pricing.currency);
        let key = match (c.state, &c.qr) {
            ("unreachable", _) => "qr-unreachable",
            ("asking", _) => "qr-asking",
            (_, None) => "qr-making",
            (_, Some(_)) => "qr-scan",
        };
        let text = i18n.tr_args(key, &[("amount", amount.into())]);
        let expires = c
            .expires_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| {
                let time = i18n.format().time(&t.with_timezone(&chrono::Local).naive_local());
                i18n.tr_args("qr-expires", &[("time", time.into())])
            })
            .unwrap_or_default();
        drop(i18n);
        let ui = self.tender_ui();
        ui.set_qr_text(text.into());
        ui.set_qr_expires(expires.into());
        if self.qr_shown.borrow().as_deref() != c.qr.as_deref() {
            let image = c.qr.as_deref().and_then(qr_image);
            ui.set_qr_has_code(image.is_some());
            if let Some(img) = image {
                ui.set_qr_image(img);
            }
            *self.qr_shown.borrow_mut() = c.qr.clone();
        }
        ui.set_qr_open(true);
    }

    /// A report of the card terminal's driver; false when it is not one.
    /// Sends a report's follow-up command; an approval's decision is claimed first and decided
    /// by the command's result (the terminal hears "issued" only if it succeeded). Nothing is
    /// sent for an approval the driver already answered "not issued" (its ending follows).
    pub(super) fn follow_claimed(
        &self,
        r: &Report,
        then: impl FnOnce(&Gui, Result<crate::service::Outcome, crate::service::ServiceError>) + 'static,
    ) {
        let decision = r.claim().cloned();
        if decision.as_ref().is_some_and(|d| !d.claim()) {
            return;
        }
        let Some(cmd) = crate::effects::follow_up(r) else { return };
        self.send(cmd, move |g, res| {
            if let Some(d) = &decision {
                d.decide(res.is_ok());
            }
            then(g, res);
        });
    }

    pub(super) fn card_reported(&self, r: &Report) -> bool {
        match r {
            Report::CardProgress { code, .. } => {
                if self.card_view.borrow().is_some() {
                    self.render_card(Some(*code));
                }
                true
            }
            Report::CardApproved { .. }
            | Report::CardFinished { .. }
            | Report::CardRecovered { .. }
            | Report::Qr { .. } => {
                if let Report::CardRecovered { failed: Some(why), .. } = r {
                    tracing::warn!("the card terminal could not be asked about the payment: {why}");
                    self.show_error(&crate::service::Refusal::CardUnclear.into());
                    return true;
                }
                self.follow_claimed(r, |g, res| match res {
                    Ok(out) => g.show_card(&out),
                    Err(e) => {
                        g.close_card();
                        g.show_error(&e);
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

/// A QR code as an image: 8 pixels a module, with the 4-module quiet zone scanners need.
pub(super) fn qr_image(payload: &str) -> Option<slint::Image> {
    modules_image(crate::devices::qr::modules(payload)?)
}

/// Modules (`size` x `size`, true: dark) as an image, 8 pixels a module with the quiet zone.
pub(super) fn modules_image((size, dark): (usize, Vec<bool>)) -> Option<slint::Image> {
    const SCALE: usize = 8;
    const QUIET: usize = 4;
    let side = (size + 2 * QUIET) * SCALE;
    let mut buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(side as u32, side as u32);
    let white = slint::Rgb8Pixel { r: 255, g: 255, b: 255 };
    let black = slint::Rgb8Pixel { r: 0, g: 0, b: 0 };
    for (i, px) in buf.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = ((i % side) / SCALE, (i / side) / SCALE);
        let inside = (QUIET..QUIET + size).contains(&x) && (QUIET..QUIET + size).contains(&y);
        *px = if inside && dark[(y - QUIET) * size + (x - QUIET)] { black } else { white };
    }
    Some(slint::Image::from_rgb8(buf))
}

/// A card view is shown once per payment.
pub(super) type CardShown = std::cell::RefCell<Option<CardView>>;

/// The QR code content drawn last (a new code is drawn once).
pub(super) type QrShown = std::cell::RefCell<Option<String>>;
