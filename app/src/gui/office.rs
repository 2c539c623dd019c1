//! The back office on the screen: cash movements with their configured reasons, the blind count
//! by notes and coins (the expected amount appears only once the count is stored), closing or
//! handing over the drawer with a manager's PIN when the service asks for one, and the X and Z
//! reports with their charts. The service decides and answers every figure; this shows them.

use super::{shown, Gui};
use crate::domain::report::DayReport;
use crate::domain::users::Permission;
use crate::service::{Command, Outcome, Refusal, ServiceError};
use crate::slip::{movement_key, tender_key};
use rust_decimal::Decimal;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use till_ui::{Bar, CountPiece, MoveKind, OfficeAdapter, Page, ReportRow};

/// What the office's PIN dialog is asked for.
#[derive(Debug, Clone)]
pub(super) enum PinFor {
    /// A manager approves the count's difference; then `then` runs again with the PIN.
    Approve(Then),
    /// The next cashier takes over the drawer.
    NextCashier,
    /// A user's new PIN.
    NewPin(String),
    /// A new user's PIN.
    NewUser { name: String, role: crate::domain::users::Role },
}

#[derive(Debug, Clone)]
pub(super) enum Then {
    Close,
    Handover { pin: String },
    Z,
}

/// Rows for a screen's list.
pub(super) fn model<T: Clone + 'static>(rows: Vec<T>) -> ModelRc<T> {
    ModelRc::from(std::rc::Rc::new(VecModel::from(rows)))
}

fn row(label: String, value: String) -> ReportRow {
    ReportRow { label: label.into(), value: value.into(), head: false, warn: false }
}

fn head(label: String) -> ReportRow {
    ReportRow { label: label.into(), value: SharedString::default(), head: true, warn: false }
}

impl Gui {
    pub(super) fn office_ui(&self) -> OfficeAdapter<'_> {
        self.window.global::<OfficeAdapter>()
    }

    fn may(&self, p: Permission) -> bool {
        self.state.borrow().permissions.contains(&p)
    }

    /// Opens the back office on a tab (0 cash, 1 count, 2 reports).
    pub(super) fn open_office(&self, tab: i32) {
        let i18n = self.i18n.borrow();
        let mut kinds = Vec::new();
        for (id, perm) in [
            ("safe_drop", Permission::SafeDrop),
            ("pay_in", Permission::CashInOut),
            ("pay_out", Permission::CashInOut),
            ("safe_loan", Permission::CashInOut),
            ("no_sale", Permission::OpenDrawer),
        ] {
            if self.may(perm) {
                let kind =
                    crate::domain::cash::MovementKind::parse(id).unwrap_or(crate::domain::cash::MovementKind::NoSale);
                kinds.push(MoveKind { id: id.into(), label: i18n.tr(movement_key(kind)).into() });
            }
        }
        drop(i18n);
        let ui = self.office_ui();
        ui.set_kinds(model(kinds));
        ui.set_can_reports(self.may(Permission::Reports));
        ui.set_can_users(self.may(Permission::ManageUsers));
        ui.set_user_selected("".into());
        ui.set_add_user_dialog(false);
        ui.set_tab(tab);
        ui.set_kind("".into());
        ui.set_reasons(model(Vec::new()));
        ui.set_reason("".into());
        ui.set_amount_entry("".into());
        ui.set_counted(false);
        *self.office_counts.borrow_mut() = vec![0; self.config.cash.denominations_minor.len()];
        self.render_amount();
        self.render_pieces();
        self.render_drawer();
        ui.set_receipt_entry("".into());
        ui.set_receipt_open(0);
        ui.set_receipt_title("".into());
        ui.set_receipt_lines(model(Vec::new()));
        self.receipt_search();
        self.load_users();
        self.enter_screen(Page::Office);
    }

    pub(super) fn render_drawer(&self) {
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        let text = match &self.state.borrow().drawer {
            // The cash itself only for whoever may see the reports: a cashier counts blind.
            Some(d) if self.may(Permission::Reports) => i18n.tr_args(
                "office-drawer",
                &[
                    ("cash", f.money(d.cash, cur).into()),
                    ("level", i18n.tr(&format!("office-level-{}", level(d))).into()),
                ],
            ),
            Some(d) => i18n.tr(&format!("office-level-{}", level(d))),
            None => String::new(),
        };
        self.office_ui().set_drawer_text(text.into());
    }

    pub(super) fn choose_kind(&self, id: &str) {
        let c = &self.config.cash;
        let none = Vec::new();
        let list = match id {
            "pay_in" => &c.pay_in_reasons,
            "pay_out" => &c.pay_out_reasons,
            "no_sale" => &c.no_sale_reasons,
            _ => &none,
        };
        let reasons: Vec<SharedString> = list.iter().map(|r| r.as_str().into()).collect();
        let ui = self.office_ui();
        ui.set_kind(id.into());
        ui.set_reasons(model(reasons));
        ui.set_reason("".into());
        ui.set_needs_amount(id != "no_sale");
    }

    pub(super) fn office_amount_key(&self, k: &str) {
        self.edit_digits(k, |g| g.office_ui().get_amount_entry(), |g, v| g.office_ui().set_amount_entry(v), 9);
        self.render_amount();
    }

    fn render_amount(&self) {
        let digits = self.office_ui().get_amount_entry().to_string();
        let amount = self.entry_amount(if digits.is_empty() { "0" } else { &digits }).unwrap_or_default();
        let text = self.i18n.borrow().format().money(amount, &self.config.pricing.currency);
        self.office_ui().set_amount_text(text.into());
    }

    pub(super) fn record_movement(&self) {
        let ui = self.office_ui();
        let kind = ui.get_kind().to_string();
        let reason = ui.get_reason().to_string();
        let amount = self.entry_amount(&ui.get_amount_entry()).map(crate::domain::money::Dec);
        let reason_opt = (!reason.is_empty()).then_some(reason.clone());
        let cmd = match (kind.as_str(), amount) {
            ("no_sale", _) => Command::OpenDrawer { reason: reason_opt },
            ("pay_in", Some(amount)) => Command::PayIn { amount, reason },
            ("pay_out", Some(amount)) => Command::PayOut { amount, reason },
            ("safe_drop", Some(amount)) => Command::SafeDrop { amount, reason: reason_opt },
            ("safe_loan", Some(amount)) => Command::SafeLoan { amount, reason: reason_opt },
            _ => return,
        };
        self.send(cmd, |g, r| match r {
            Ok(out) => {
                if let Some(m) = &out.movement {
                    let i18n = g.i18n.borrow();
                    let amount = i18n.format().money(m.amount, &g.config.pricing.currency);
                    let text = i18n.tr_args(
                        "office-recorded",
                        &[("what", i18n.tr(movement_key(m.kind)).into()), ("amount", amount.into())],
                    );
                    drop(i18n);
                    g.show_text(text, false);
                }
                g.office_ui().set_amount_entry("".into());
                g.render_amount();
                g.render_drawer();
            }
            Err(e) => g.show_error(&e),
        });
    }

    pub(super) fn office_piece(&self, index: i32, delta: i32) {
        {
            let mut counts = self.office_counts.borrow_mut();
            let Some(c) = counts.get_mut(index.max(0) as usize) else { return };
            *c = c.saturating_add_signed(delta).min(9999);
        }
        // A changed count is a new count: the result shown belongs to the one stored.
        self.office_ui().set_counted(false);
        self.render_pieces();
    }

    fn render_pieces(&self) {
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        let counts = self.office_counts.borrow();
        let mut total = Decimal::ZERO;
        let pieces: Vec<CountPiece> = self
            .config
            .cash
            .denominations_minor
            .iter()
            .zip(counts.iter())
            .map(|(d, n)| {
                let value = cur.from_minor(*d);
                let sum = value * Decimal::from(*n);
                total += sum;
                // Notes as whole numbers, coins below one with the currency's decimals.
                let decimals = if value.fract().is_zero() { 0 } else { cur.minor_units };
                CountPiece {
                    label: f.number(value, decimals).into(),
                    count: *n as i32,
                    total: f.money(sum, cur).into(),
                }
            })
            .collect();
        let ui = self.office_ui();
        ui.set_pieces(model(pieces));
        ui.set_count_total(f.money(total, cur).into());
    }

    pub(super) fn office_count(&self) {
        let cur = &self.config.pricing.currency;
        let pieces: Vec<crate::service::PieceEntry> = self
            .config
            .cash
            .denominations_minor
            .iter()
            .zip(self.office_counts.borrow().iter())
            .filter(|(_, n)| **n > 0)
            .map(|(d, n)| crate::service::PieceEntry {
                value: crate::domain::money::Dec(cur.from_minor(*d)),
                count: *n,
            })
            .collect();
        let entry = if pieces.is_empty() {
            crate::service::CountEntry {
                method: "cash".into(),
                amount: Some(crate::domain::money::Dec(Decimal::ZERO)),
                pieces: None,
            }
        } else {
            crate::service::CountEntry { method: "cash".into(), amount: None, pieces: Some(pieces) }
        };
        self.send(Command::Count { tenders: vec![entry], purpose: None }, |g, r| match r {
            Ok(out) => g.show_count(&out),
            Err(e) => g.show_error(&e),
        });
    }

    fn show_count(&self, out: &Outcome) {
        let Some(c) = &out.count else { return };
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        let mut rows = Vec::new();
        for t in &c.tenders {
            rows.push(head(i18n.tr(tender_key(&t.method))));
            rows.push(row(i18n.tr("report-expected"), f.money(t.expected, cur)));
            rows.push(row(i18n.tr("report-counted"), f.money(t.counted, cur)));
            let mut d = row(i18n.tr("report-difference"), f.money(t.difference, cur));
            d.warn = c.needs_approval;
            rows.push(d);
        }
        if c.needs_approval {
            let mut w = row(i18n.tr("office-needs-approval"), String::new());
            w.warn = true;
            rows.push(w);
        }
        drop(i18n);
        let ui = self.office_ui();
        ui.set_count_result(model(rows));
        ui.set_counted(true);
    }

    /// Closes, hands over or ends the day; a count beyond the tolerance asks for a manager's
    /// PIN and then the same again with it.
    pub(super) fn office_end(&self, then: Then, approver: Option<String>) {
        let cmd = match &then {
            Then::Close => Command::CloseShift { counted: None, approver_pin: approver },
            Then::Handover { pin } => Command::Handover { user: None, pin: pin.clone(), approver_pin: approver },
            Then::Z => Command::ZReport { approver_pin: approver },
        };
        self.send(cmd, move |g, r| match r {
            Ok(out) => match then {
                Then::Close => {
                    let opened = g.state.borrow_mut().shift.take();
                    if let Some(c) = &out.shift_count {
                        g.show_summary(opened.as_ref(), c);
                    }
                    g.state.borrow_mut().return_page = None;
                    g.set_page(Page::OpenShift);
                }
                Then::Handover { .. } => {
                    g.show_message("office-handed-over", false);
                    g.state.borrow_mut().return_page = None;
                    g.set_page(Page::Sale);
                }
                Then::Z => {
                    g.state.borrow_mut().shift = None;
                    g.show_report(&out);
                }
            },
            Err(ServiceError::Invalid(Refusal::CountNeedsApproval { .. })) => g.ask_pin(PinFor::Approve(then)),
            Err(e) => g.show_error(&e),
        });
    }

    pub(super) fn ask_pin(&self, purpose: PinFor) {
        let i18n = self.i18n.borrow();
        let title = match &purpose {
            PinFor::Approve(_) => i18n.tr("office-pin-approve"),
            PinFor::NextCashier => i18n.tr("office-pin-next"),
            PinFor::NewPin(name) => i18n.tr_args("office-pin-for", &[("name", name.clone().into())]),
            PinFor::NewUser { .. } => i18n.tr("office-pin-new-user"),
        };
        drop(i18n);
        *self.office_pin_for.borrow_mut() = Some(purpose);
        let ui = self.office_ui();
        ui.set_pin("".into());
        ui.set_pin_dots("".into());
        ui.set_pin_title(title.into());
        ui.set_pin_dialog(true);
    }

    pub(super) fn office_pin_key(&self, k: &str) {
        self.edit_digits(k, |g| g.office_ui().get_pin(), |g, v| g.office_ui().set_pin(v), 8);
        let n = self.office_ui().get_pin().chars().count();
        self.office_ui().set_pin_dots("●".repeat(n).into());
    }

    pub(super) fn office_pin_ok(&self) {
        let pin = self.office_ui().get_pin().to_string();
        self.office_ui().set_pin_dialog(false);
        match self.office_pin_for.borrow_mut().take() {
            Some(PinFor::Approve(then)) => self.office_end(then, Some(pin)),
            Some(PinFor::NextCashier) => self.office_end(Then::Handover { pin }, None),
            Some(p @ (PinFor::NewPin(_) | PinFor::NewUser { .. })) => self.user_pin_entered(p, pin),
            None => {}
        }
    }

    pub(super) fn office_pin_cancel(&self) {
        self.office_pin_for.borrow_mut().take();
        self.office_ui().set_pin_dialog(false);
    }

    pub(super) fn office_report(&self, z: bool) {
        if z {
            let i18n = self.i18n.borrow();
            let (title, text, yes) = (i18n.tr("office-z"), i18n.tr("office-z-confirm"), i18n.tr("office-z"));
            drop(i18n);
            // With a card terminal, its day closes first, so that the Z holds its totals.
            self.ask(title, text, yes, true, |g| {
                if g.config.card_terminal.is_some() {
                    g.office_z_after_card.set(true);
                    g.send(Command::CardEndOfDay, |g, r| {
                        if let Err(e) = r {
                            g.office_z_after_card.set(false);
                            g.show_error(&e);
                        }
                    });
                } else {
                    g.office_end(Then::Z, None);
                }
            });
            return;
        }
        self.send(Command::XReport { print: false }, |g, r| match r {
            Ok(out) => g.show_report(&out),
            Err(e) => g.show_error(&e),
        });
    }

    /// The card terminal's end-of-day the Z waits for: its totals are stored, shown, and the Z
    /// follows; a failure is shown and the Z is not taken (the manager asks again).
    pub(super) fn card_day_for_z(&self, r: &crate::effects::Report) -> bool {
        let crate::effects::Report::CardDayClosed { terminal_minor, failed } = r else { return false };
        if !self.office_z_after_card.replace(false) {
            return false;
        }
        match (terminal_minor, failed) {
            (Some(t), None) => self.send(Command::CardDayClosed { terminal_minor: *t }, |g, r| match r {
                Ok(out) => {
                    if let Some(d) = &out.card_day {
                        let i18n = g.i18n.borrow();
                        let m = |v| i18n.format().money(v, &g.config.pricing.currency);
                        let text = i18n.tr_args(
                            "office-card-day",
                            &[("terminal", m(d.terminal_total).into()), ("difference", m(d.difference).into())],
                        );
                        drop(i18n);
                        g.show_text(text, !d.difference.is_zero());
                    }
                    g.office_end(Then::Z, None);
                }
                Err(e) => g.show_error(&e),
            }),
            (_, why) => {
                let text = self
                    .i18n
                    .borrow()
                    .tr_args("office-card-day-failed", &[("reason", why.clone().unwrap_or_default().into())]);
                self.show_text(text, true);
            }
        }
        true
    }

    /// The report on screen (X, or the Z shown) saved as CSV; the banner names the file.
    pub(super) fn office_export(&self) {
        let z_no = self.office_report_z.get();
        self.send(Command::ExportReport { z_no }, |g, r| match r {
            Ok(out) => {
                let file = out.exported.unwrap_or_default();
                let text = g.i18n.borrow().tr_args("office-exported", &[("file", file.into())]);
                g.show_text(text, false);
            }
            Err(e) => g.show_error(&e),
        });
    }

    pub(super) fn office_print(&self) {
        let z = self.office_report_z.get();
        let cmd = match z {
            Some(z_no) => Command::ReprintZ { z_no },
            None => Command::XReport { print: true },
        };
        self.send(cmd, shown);
    }

    fn show_report(&self, out: &Outcome) {
        let Some(rep) = out.report.clone().and_then(|v| serde_json::from_value::<DayReport>(v).ok()) else { return };
        self.office_report_z.set(rep.z_no);
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        let m = |v: Decimal| f.money(v, cur);
        let title = match rep.z_no {
            Some(n) => i18n.tr_args("report-z-title", &[("number", n.into())]),
            None => i18n.tr("report-x-title"),
        };
        let mut rows = vec![head(i18n.tr("report-totals"))];
        rows.push(row(i18n.tr("report-sales"), m(rep.totals.sales)));
        rows.push(row(i18n.tr("report-refunds"), m(rep.totals.refunds)));
        rows.push(row(i18n.tr("report-net"), m(rep.totals.net)));
        rows.push(row(i18n.tr("report-tax"), m(rep.totals.tax)));
        let range = match (rep.receipts.first, rep.receipts.last) {
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => "–".into(),
        };
        rows.push(row(i18n.tr("report-receipt-range"), range));
        rows.push(row(i18n.tr("report-sales-count"), rep.receipts.sales.to_string()));
        rows.push(head(i18n.tr("report-taxes")));
        for t in &rep.taxes {
            rows.push(row(
                format!("{} {} · {} {}", i18n.term("tax", &t.name), t.rate, i18n.tr("report-net"), m(t.net)),
                m(t.tax),
            ));
        }
        if !rep.grades.is_empty() {
            rows.push(head(i18n.tr("report-grades")));
            for g in &rep.grades {
                rows.push(row(format!("{} · {} l", g.name, f.number(g.litres, 2)), m(g.amount)));
            }
        }
        rows.push(head(i18n.tr("report-exceptions")));
        rows.push(row(i18n.tr("report-discounts"), format!("{} · {}", rep.discounts.count, m(rep.discounts.amount))));
        rows.push(row(i18n.tr("report-voids"), format!("{} · {}", rep.voids.count, m(rep.voids.amount))));
        rows.push(row(
            i18n.tr("report-drive-offs"),
            format!("{} · {}", rep.drive_offs.count, m(rep.drive_offs.amount)),
        ));
        rows.push(row(i18n.tr("report-pump-tests"), rep.pump_tests.count.to_string()));
        rows.push(head(i18n.tr("report-movements")));
        for mv in rep.movements.iter().filter(|mv| mv.count > 0) {
            rows.push(row(format!("{} ({})", i18n.tr(movement_key(mv.kind)), mv.count), m(mv.amount)));
        }
        if let Some(fuel) = &rep.fuel {
            let l = |v: Decimal| format!("{} l", f.number(v, 2));
            rows.push(head(i18n.tr("report-fuel-pumps")));
            for p in &fuel.pumps {
                let mut r = row(crate::slip::pump_label(&i18n, p), l(p.variance));
                r.warn = !p.variance.is_zero();
                rows.push(r);
            }
            rows.push(head(i18n.tr("report-fuel-tanks")));
            for t in &fuel.tanks {
                let tanks = t.tanks.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ");
                let pct = t.percent.map(|p| format!(" ({} %)", f.number(p, 2))).unwrap_or_default();
                let label =
                    i18n.tr_args("report-tank-line", &[("grade", t.grade.clone().into()), ("tanks", tanks.into())]);
                let mut r = row(label, format!("{}{pct}", l(t.variance)));
                r.warn = t.status != "ok";
                rows.push(r);
            }
        }
        rows.push(head(i18n.tr("report-over-short")));
        for t in &rep.over_short {
            let mut r = row(i18n.tr(tender_key(&t.method)), t.difference.map(m).unwrap_or_default());
            r.warn = t.difference.is_some_and(|d| !d.is_zero());
            rows.push(r);
        }
        let bars = |items: Vec<(String, Decimal)>| -> Vec<Bar> {
            let max = items.iter().map(|(_, v)| v.abs()).max().unwrap_or_default();
            items
                .into_iter()
                .map(|(label, v)| Bar {
                    label: label.into(),
                    value: m(v).into(),
                    share: if max.is_zero() {
                        0.0
                    } else {
                        rust_decimal::prelude::ToPrimitive::to_f32(&(v.abs() / max)).unwrap_or(0.0)
                    },
                })
                .collect()
        };
        let hours = bars(rep.hourly.iter().map(|h| (format!("{:02}:00", h.hour), h.amount)).collect());
        let tenders = bars(rep.tenders.iter().map(|t| (i18n.tr(tender_key(&t.method)), t.net)).collect());
        let categories = bars(rep.categories.iter().map(|c| (c.name.clone(), c.amount)).collect());
        // Tank levels: bars against the tank's highest reading of the day, in litres.
        let mut level_titles = Vec::new();
        let mut levels = Vec::new();
        for l in rep.fuel.iter().flat_map(|fu| fu.levels.iter()) {
            let max = l.readings.iter().map(|(_, v)| *v).max().unwrap_or_default();
            let row: Vec<Bar> = l
                .readings
                .iter()
                .map(|(at, v)| Bar {
                    label: super::view::local_time(at).map(|t| f.time(&t)).unwrap_or_default().into(),
                    value: format!("{} l", f.number(*v, 0)).into(),
                    share: if max.is_zero() {
                        0.0
                    } else {
                        rust_decimal::prelude::ToPrimitive::to_f32(&(*v / max)).unwrap_or(0.0)
                    },
                })
                .collect();
            level_titles.push(slint::SharedString::from(
                i18n.tr_args("office-tank-level", &[("tank", i64::from(l.tank).into())]),
            ));
            levels.push(model(row));
        }
        drop(i18n);
        let ui = self.office_ui();
        ui.set_report_title(title.into());
        ui.set_report_rows(model(rows));
        ui.set_hours(model(hours));
        ui.set_tenders(model(tenders));
        ui.set_categories(model(categories));
        ui.set_level_titles(model(level_titles));
        ui.set_levels(model(levels));
        ui.set_tab(2);
    }
}

fn level(d: &crate::service::DrawerView) -> &'static str {
    match d.level {
        crate::domain::cash::DrawerLevel::Ok => "ok",
        crate::domain::cash::DrawerLevel::Warn => "warn",
        crate::domain::cash::DrawerLevel::Blocked => "blocked",
    }
}
