//! Drawing what the session answered: the status bar, the product grid, the ticket, the
//! tender and the receipt.

use super::{sync_rows, view, Gui};
use crate::i18n::LANGUAGES;
use rust_decimal::Decimal;
use slint::{ModelRc, SharedString, VecModel};
use till_ui::{Language, UserTile};

impl Gui {
    /// The age check the session asked for: the latest birth date that is old enough today.
    pub(super) fn ask_age(&self, age: u8) {
        let today = chrono::Local::now().date_naive();
        let date = view::born_on_or_before(today, age);
        let i18n = self.i18n.borrow();
        self.sale_ui().set_age_title(i18n.tr_args("age-title", &[("age", age.into())]).into());
        self.sale_ui().set_age_date(view::long_date(&i18n, date).into());
        self.sale_ui().set_age_dialog(true);
    }

    pub(super) fn refresh_all(&self) {
        let langs: Vec<Language> =
            LANGUAGES.iter().map(|(c, n)| Language { code: (*c).into(), name: (*n).into() }).collect();
        self.signin().set_languages(ModelRc::new(VecModel::from(langs)));
        let st = self.state.borrow();
        let users: Vec<UserTile> = st
            .users
            .iter()
            .map(|u| UserTile { id: u.id as i32, name: u.name.clone().into(), role: u.role.as_str().into() })
            .collect();
        let categories: Vec<SharedString> = st.categories.iter().map(|c| SharedString::from(c.as_str())).collect();
        drop(st);
        self.signin().set_users(ModelRc::new(VecModel::from(users)));
        self.sale_ui().set_categories(ModelRc::new(VecModel::from(categories)));
        self.shell().set_store_name(
            if self.config.store.name.is_empty() {
                self.config.terminal_name.clone()
            } else {
                self.config.store.name.clone()
            }
            .into(),
        );
        self.shell().set_demo(self.config.demo);
        self.tender_ui().set_qr_enabled(self.config.qr.is_some());
        self.render_status();
        self.render_clock();
        self.render_amounts();
        self.render_products();
        self.render_ticket();
        self.render_tender();
        self.render_receipt();
    }

    pub(super) fn render_status(&self) {
        let i18n = self.i18n.borrow();
        let st = self.state.borrow();
        self.shell().set_user_name(st.user.as_ref().map(|u| u.name.clone()).unwrap_or_default().into());
        self.sale_ui().set_can_open_drawer(st.permissions.contains(&crate::domain::users::Permission::OpenDrawer));
        self.forecourt_ui().set_can_prices(st.permissions.contains(&crate::domain::users::Permission::ManageCatalog));
        let shift = match &st.shift {
            Some(s) => {
                let time = view::local_time(&s.opened_at).map(|t| i18n.format().time(&t)).unwrap_or_default();
                i18n.tr_args("status-shift-open", &[("time", time.into())])
            }
            None => i18n.tr("status-no-shift"),
        };
        self.shell().set_shift_text(shift.into());
        let not_configured = i18n.tr("chip-not-configured");
        let health = self.device_health();
        match &health[0] {
            None => {
                self.shell().set_printer_chip(not_configured.clone().into());
                self.shell().set_printer_state(super::view::chip(0));
            }
            Some(st) => {
                let (mut text, mut state) = view::printer_status(&i18n, st);
                if self.reprint_count.get() > 0 {
                    text = format!(
                        "{text} · {}",
                        i18n.tr_args("printer-queue", &[("count", self.reprint_count.get().into())])
                    );
                    state = state.max(2);
                }
                self.shell().set_printer_chip(text.into());
                self.shell().set_printer_state(super::view::chip(state));
            }
        }
        // The other shop devices share one chip: the first that is not well, or all ready.
        let names = ["", "device-display", "device-scale", "device-scanner"];
        let card = self.executor.borrow().card.as_ref().map(|c| c.health.get());
        let attached: Vec<_> = health
            .iter()
            .zip(names)
            .skip(1)
            .chain(std::iter::once((&card, "device-card-terminal")))
            .filter_map(|(h, n)| h.as_ref().map(|h| (h, n)))
            .collect();
        if attached.is_empty() {
            self.shell().set_devices_chip(not_configured.clone().into());
            self.shell().set_devices_state(super::view::chip(0));
        } else if let Some((st, name)) = attached.iter().find(|(h, _)| !h.online) {
            let what = if st.detail == "connecting" { "device-connecting" } else { "device-offline" };
            self.shell().set_devices_chip(format!("{} {}", i18n.tr(name), i18n.tr(what)).into());
            self.shell().set_devices_state(super::view::chip(3));
        } else {
            self.shell().set_devices_chip(i18n.tr("device-all-ready").into());
            self.shell().set_devices_state(super::view::chip(1));
        }
        if self.executor.borrow().forecourt.is_none() {
            self.shell().set_pumps_chip(not_configured.clone().into());
            self.shell().set_pumps_state(super::view::chip(0));
        }
        drop(st);
        drop(i18n);
        let (text, state) = self.sync_chip();
        self.shell().set_sync_chip(text.into());
        self.shell().set_sync_state(super::view::chip(state));
        let st = self.state.borrow();
        self.sale_ui().set_held_count(st.held as i32);
    }

    pub(super) fn render_clock(&self) {
        let now = chrono::Local::now().naive_local();
        let text: SharedString = self.i18n.borrow().format().time(&now).into();
        if self.shell().get_clock() != text {
            self.shell().set_clock(text);
        }
    }

    pub(super) fn render_products(&self) {
        let st = self.state.borrow();
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let search = self.sale_ui().get_search().to_lowercase();
        let category = st.categories.get(self.sale_ui().get_category().max(0) as usize).cloned().unwrap_or_default();
        let tiles: Vec<till_ui::ProductTile> = st
            .products
            .iter()
            .filter(|p| {
                if search.is_empty() {
                    p.category == category
                } else {
                    p.name_lc.contains(&search) || p.sku_lc.contains(&search) || p.codes.iter().any(|c| c == &search)
                }
            })
            .take(120)
            .map(|p| till_ui::ProductTile {
                sku: p.sku.clone().into(),
                name: p.name.clone().into(),
                price: view::unit_price(&f, p.price, p.unit, &self.config.pricing.currency).into(),
                restricted: p.restricted,
            })
            .collect();
        self.sale_ui().set_products(ModelRc::new(VecModel::from(tiles)));
    }

    pub(super) fn render_ticket(&self) {
        let st = self.state.borrow();
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        match &st.ticket {
            Some(t) => {
                self.set_lines(view::ticket_lines(&f, cur, t));
                self.sale_ui().set_subtotal(f.money(t.subtotal, cur).into());
                self.sale_ui().set_discount(if t.discount.is_zero() {
                    SharedString::new()
                } else {
                    f.money(t.discount, cur).into()
                });
                self.sale_ui().set_tax(f.money(t.tax_total, cur).into());
                self.sale_ui().set_total(f.money(t.total, cur).into());
                if self.sale_ui().get_selected_line() as usize > t.lines.len() {
                    self.sale_ui().set_selected_line(-1);
                }
            }
            None => {
                self.set_lines(Vec::new());
                let zero = f.money(Decimal::ZERO, cur);
                self.sale_ui().set_subtotal(zero.clone().into());
                self.sale_ui().set_discount("".into());
                self.sale_ui().set_tax(zero.clone().into());
                self.sale_ui().set_total(zero.into());
                self.sale_ui().set_selected_line(-1);
            }
        }
    }

    /// Updates the lines model in place: changed rows are replaced, new ones appended.
    pub(super) fn set_lines(&self, rows: Vec<till_ui::TicketLine>) {
        sync_rows(&self.lines, rows);
    }

    pub(super) fn render_tender(&self) {
        let st = self.state.borrow();
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let cur = &self.config.pricing.currency;
        let Some(t) = &st.ticket else { return };
        self.tender_ui().set_due(f.money(t.total, cur).into());
        self.tender_ui().set_remaining(f.money(t.due, cur).into());
        let payments: Vec<till_ui::PaymentRow> = t
            .payments
            .iter()
            .enumerate()
            .map(|(i, p)| till_ui::PaymentRow {
                index: i as i32,
                method: view::method_label(&i18n, &p.method).into(),
                amount: f.money(p.amount, cur).into(),
            })
            .collect();
        self.tender_ui().set_payments(ModelRc::new(VecModel::from(payments)));
        let cash_due = cur.round_cash(t.due, self.config.pricing.cash_rule);
        let mut quick = vec![till_ui::QuickCash { label: i18n.tr("tender-exact").into(), value: "".into() }];
        for note in view::quick_cash(&cur.code, cash_due) {
            quick.push(till_ui::QuickCash { label: f.money(note, cur).into(), value: note.to_string().into() });
        }
        self.tender_ui().set_quick_cash(ModelRc::new(VecModel::from(quick)));
    }

    pub(super) fn render_receipt(&self) {
        let st = self.state.borrow();
        let i18n = self.i18n.borrow();
        let Some(sale) = &st.last_sale else {
            self.tender_ui().set_receipt_lines(ModelRc::new(VecModel::from(Vec::<SharedString>::new())));
            return;
        };
        let cur = &self.config.pricing.currency;
        let width = self.config.printer_width;
        let lines: Vec<SharedString> = crate::receipt::layout(sale, &self.config.store, &i18n, cur, width)
            .iter()
            .map(|l| l.text(width).into())
            .collect();
        self.tender_ui().set_receipt_lines(ModelRc::new(VecModel::from(lines)));
        let change = if sale.change.is_zero() {
            i18n.tr("tender-no-change")
        } else {
            i18n.tr_args("tender-change", &[("amount", i18n.format().money(sale.change, cur).into())])
        };
        self.tender_ui().set_change_text(change.into());
        self.tender_ui().set_has_change(!sale.change.is_zero());
    }
}
