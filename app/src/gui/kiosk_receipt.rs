//! An outdoor payment terminal's fill (`[kiosk] fuel_only`): the session sells what the pump
//! measured and keeps the receipt for its customer, who chooses it printed, shown as a QR code
//! (the receipt's text, for a phone to keep), or none. The session hands each fill's receipt
//! out once (`kiosk_print` with its number); this screen only offers the choice.

use super::{shown, Gui};
use crate::domain::record::SaleRecord;
use crate::service::{Command, Effect, Outcome};
use slint::ComponentHandle;
use std::rc::Rc;
use std::time::Duration;
use till_ui::KioskAdapter;

/// How long the fill's screen waits for the customer's choice.
pub(super) const FILL_DONE: Duration = Duration::from_secs(60);

/// The receipt as a QR code's text: its lines as on 58 mm paper, without rules or padding.
pub(super) fn receipt_text(lines: &[crate::receipt::ReceiptLine]) -> String {
    use crate::receipt::ReceiptLine as L;
    let mut out = Vec::new();
    for l in lines {
        match l {
            L::Rule => {}
            L::Qr(p) => out.push(p.clone()),
            other => {
                let t = other.text(crate::receipt::WIDTH_58MM);
                let t = t.trim();
                if !t.is_empty() {
                    out.push(t.to_string());
                }
            }
        }
    }
    out.join("\n")
}

impl Gui {
    fn receipt_ui(&self) -> KioskAdapter<'_> {
        self.window.global::<KioskAdapter>()
    }

    fn fuel_only(&self) -> bool {
        self.config.kiosk.as_ref().is_some_and(|k| k.fuel_only)
    }

    /// A fill sold at an outdoor payment terminal whose receipt waits for the customer: the
    /// choice shows, unless a customer is busy at the screen (then it prints).
    pub(super) fn kiosk_fill_sold(&self, out: &Outcome) {
        let Some(sale) = &out.sale else { return };
        let printed = out.effects.iter().any(|e| matches!(e, Effect::PrintReceipt { .. }));
        let pump = sale.lines.iter().find_map(|l| l.pump);
        let (true, false, Some(pump)) = (self.fuel_only(), printed, pump) else { return };
        let ui = self.receipt_ui();
        let receipt_no = Some(sale.receipt_no);
        if !matches!(ui.get_screen().as_str(), "attract" | "fuel-wait" | "fuel-done") {
            self.send(Command::KioskPrint { receipt_no, qr: false }, shown);
            return;
        }
        let i18n = self.i18n.borrow();
        let amount = i18n.format().money(sale.total, &self.config.pricing.currency);
        let text = i18n.tr_args("kiosk-fuel-done", &[("pump", i64::from(pump).into()), ("amount", amount.into())]);
        drop(i18n);
        self.kiosk.fill_receipt.set(receipt_no);
        ui.set_fuel_done_text(text.into());
        ui.set_receipt_qr_shown(false);
        ui.set_screen("fuel-done".into());
        self.kiosk_done_for(FILL_DONE);
    }

    fn show_receipt_qr(&self, sale: &SaleRecord) {
        let lines = crate::receipt::layout(
            sale,
            &self.config.store,
            &self.i18n.borrow(),
            &self.config.pricing.currency,
            crate::receipt::WIDTH_58MM,
        );
        match crate::devices::qr::text_modules(&receipt_text(&lines)).and_then(super::card::modules_image) {
            Some(img) => {
                let ui = self.receipt_ui();
                ui.set_receipt_qr(img);
                ui.set_receipt_qr_shown(true);
                self.kiosk_done_for(FILL_DONE);
            }
            None => tracing::warn!("receipt {} is too long for a QR code", sale.receipt_no),
        }
    }

    pub(super) fn wire_kiosk_receipt(&self, with: impl Fn(&dyn Fn(&Rc<Gui>)) + Clone + 'static) {
        let ui = self.receipt_ui();
        let w = with.clone();
        ui.on_receipt_print(move || {
            w(&|g| {
                let receipt_no = g.kiosk.fill_receipt.take();
                if receipt_no.is_some() {
                    g.send(Command::KioskPrint { receipt_no, qr: false }, shown);
                }
                g.kiosk_home();
            })
        });
        ui.on_receipt_qr_show(move || {
            with(&|g| {
                let Some(n) = g.kiosk.fill_receipt.get() else { return };
                g.send(Command::KioskPrint { receipt_no: Some(n), qr: true }, |g, r| match r {
                    Ok(out) => {
                        if let Some(sale) = &out.receipt {
                            g.show_receipt_qr(sale);
                        }
                    }
                    Err(e) => g.show_error(&e),
                });
                // Handed out: a print after the code is not offered again.
                g.kiosk.fill_receipt.set(None);
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::receipt_text;
    use crate::receipt::ReceiptLine as L;

    #[test]
    fn the_codes_text_is_the_receipts_lines_without_rules_or_padding() {
        let lines = vec![
            L::Title("Demo Fuel".into()),
            L::Rule,
            L::Text("E10 31.20 l   52.10".into()),
            L::Text("   ".into()),
            L::Qr("TILL:T1:42".into()),
        ];
        assert_eq!(receipt_text(&lines), "Demo Fuel\nE10 31.20 l   52.10\nTILL:T1:42");
    }
}
