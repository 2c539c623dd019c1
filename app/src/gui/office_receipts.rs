//! The back office's receipts: today's, or one found by its number; opened with its lines, a
//! copy printed again, lines picked and refunded to the tender they were paid with (the service
//! decides how much goes back to the card and how much in cash).

use super::office::model;
use super::{shown, Gui};
use crate::domain::record::SaleRecord;
use crate::domain::users::Permission;
use crate::service::Command;
use till_ui::{FoundRow, PickLine};

impl Gui {
    pub(super) fn receipt_key(&self, k: &str) {
        self.edit_digits(k, |g| g.office_ui().get_receipt_entry(), |g, v| g.office_ui().set_receipt_entry(v), 9);
    }

    /// The receipt keyed, or today's (the terminal's UTC date, as the store keeps it).
    pub(super) fn receipt_search(&self) {
        let entry = self.office_ui().get_receipt_entry().to_string();
        let cmd = match entry.parse::<i64>() {
            Ok(n) => Command::FindSales { receipt_no: Some(n), date: None, amount: None },
            Err(_) => Command::FindSales {
                receipt_no: None,
                date: Some(chrono::Utc::now().format("%Y-%m-%d").to_string()),
                amount: None,
            },
        };
        self.send(cmd, |g, r| match r {
            Ok(out) => {
                let i18n = g.i18n.borrow();
                let f = i18n.format();
                let rows: Vec<FoundRow> = out
                    .found
                    .unwrap_or_default()
                    .iter()
                    .map(|s| FoundRow {
                        receipt: s.receipt_no as i32,
                        when: format!(
                            "#{} · {}",
                            s.receipt_no,
                            super::view::local_time(&s.at).map(|t| f.time(&t)).unwrap_or_default()
                        )
                        .into(),
                        total: f.money(s.total, &g.config.pricing.currency).into(),
                        who: s.user.clone().into(),
                    })
                    .collect();
                drop(i18n);
                g.office_ui().set_found(model(rows));
            }
            Err(e) => g.show_error(&e),
        });
    }

    pub(super) fn open_receipt(&self, receipt_no: i32) {
        self.send(Command::FindSale { receipt_no: i64::from(receipt_no) }, |g, r| match r {
            Ok(out) => {
                if let Some(sale) = out.sale {
                    g.show_receipt_lines(&sale);
                }
            }
            Err(e) => g.show_error(&e),
        });
    }

    fn show_receipt_lines(&self, sale: &SaleRecord) {
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        let lines: Vec<PickLine> = sale
            .lines
            .iter()
            .map(|l| PickLine {
                line: l.line as i32,
                text: l.name.clone().into(),
                amount: if l.voided { i18n.tr("receipt-voided") } else { f.money(l.amount - l.ticket_discount, cur) }
                    .into(),
                picked: false,
                refundable: sale.kind == "sale" && !l.voided && l.kind != "prepay",
            })
            .collect();
        let title = i18n.tr_args("receipt-no", &[("no", sale.receipt_no.into())]);
        drop(i18n);
        let ui = self.office_ui();
        ui.set_receipt_open(sale.receipt_no as i32);
        ui.set_receipt_title(title.into());
        ui.set_receipt_lines(model(lines));
        ui.set_can_refund(self.state.borrow().permissions.contains(&Permission::Refund) && sale.kind == "sale");
    }

    pub(super) fn pick_line(&self, line: i32) {
        use slint::Model;
        let lines = self.office_ui().get_receipt_lines();
        let rows: Vec<PickLine> = lines
            .iter()
            .map(|mut l| {
                if l.line == line && l.refundable {
                    l.picked = !l.picked;
                }
                l
            })
            .collect();
        self.office_ui().set_receipt_lines(model(rows));
    }

    /// Refunds the picked lines (all that are left when none is picked), after a question.
    pub(super) fn refund_picked(&self) {
        use slint::Model;
        let receipt_no = i64::from(self.office_ui().get_receipt_open());
        let picked: Vec<usize> =
            self.office_ui().get_receipt_lines().iter().filter(|l| l.picked).map(|l| l.line as usize).collect();
        let i18n = self.i18n.borrow();
        let text = if picked.is_empty() {
            i18n.tr_args("office-refund-all", &[("no", receipt_no.into())])
        } else {
            i18n.tr_args("office-refund-lines", &[("no", receipt_no.into()), ("count", (picked.len() as i64).into())])
        };
        let (title, yes) = (i18n.tr("office-refund"), i18n.tr("office-refund"));
        drop(i18n);
        let lines = (!picked.is_empty()).then_some(picked);
        self.ask(title, text, yes, true, move |g| {
            g.send(Command::Refund { receipt_no, lines }, move |g, r| match r {
                Ok(out) => {
                    if let Some(s) = &out.sale {
                        let i18n = g.i18n.borrow();
                        let amount = i18n.format().money(-s.total, &g.config.pricing.currency);
                        let text =
                            i18n.tr_args("office-refunded", &[("amount", amount.into()), ("no", s.receipt_no.into())]);
                        drop(i18n);
                        g.show_text(text, false);
                    }
                    g.receipt_search();
                    g.open_receipt(receipt_no as i32);
                }
                Err(e) => g.show_error(&e),
            })
        });
    }

    pub(super) fn reprint_open(&self) {
        let receipt_no = i64::from(self.office_ui().get_receipt_open());
        self.send(Command::Reprint { receipt_no: Some(receipt_no) }, shown);
    }
}
