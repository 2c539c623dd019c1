//! The screens' callbacks: each turns a tap into a command (with its continuation) or into a
//! change of what is shown.

use super::{shown, Gui};
use crate::domain::ticket::Method;
use crate::service::Command;
use slint::ComponentHandle;
use std::rc::Rc;
use till_ui::{Page, Strings};

impl Gui {
    pub(super) fn wire(self: &Rc<Self>) {
        let weak = Rc::downgrade(self);
        let with = move |f: &dyn Fn(&Rc<Gui>)| {
            if let Some(g) = weak.upgrade() {
                f(&g)
            }
        };
        self.wire_kiosk(with.clone());
        let tr_weak = Rc::downgrade(self);
        self.window.global::<Strings>().on_tr(move |_lang, key| match tr_weak.upgrade() {
            Some(g) => g.i18n.borrow().tr(&key).into(),
            None => key,
        });
        let w = with.clone();
        self.shell().on_dismiss_message(move || w(&|g| g.clear_message()));
        let w = with.clone();
        self.signin().on_pin_key(move |k| {
            w(&|g| {
                g.signin().set_pin_error(false);
                g.edit_digits(&k, |g| g.signin().get_pin(), |g, v| g.signin().set_pin(v), 8)
            })
        });
        let w = with.clone();
        self.signin().on_login(move || w(&|g| g.login()));
        let w = with.clone();
        self.signin().on_set_language(move |code| w(&|g| g.choose_look(Some(code.to_string()), None)));
        let w = with.clone();
        self.signin().on_set_theme(move |mode| {
            let theme = crate::config::THEMES.get(mode.max(0) as usize).copied().unwrap_or("light");
            w(&|g| g.choose_look(None, Some(theme.to_string())))
        });
        let w = with.clone();
        self.signin().on_float_key(move |k| {
            w(&|g| g.edit_digits(&k, |g| g.signin().get_float_entry(), |g, v| g.signin().set_float_entry(v), 9))
        });
        let w = with.clone();
        self.signin().on_open_shift(move || w(&|g| g.open_shift()));
        let w = with.clone();
        self.sale_ui().on_logout(move || w(&|g| g.logout()));
        let w = with.clone();
        self.sale_ui().on_close_shift(move || w(&|g| g.open_office(1)));
        let w = with.clone();
        self.sale_ui().on_summary_done(move || w(&|g| g.sale_ui().set_summary_dialog(false)));
        let w = with.clone();
        self.sale_ui().on_recall_id(move |id| w(&|g| g.recall_id(i64::from(id))));
        let w = with.clone();
        self.shell().on_confirm_yes(move || w(&|g| g.confirm_answer(true)));
        let w = with.clone();
        self.shell().on_confirm_no(move || w(&|g| g.confirm_answer(false)));
        let w = with.clone();
        self.sale_ui().on_entry_key(move |k| w(&|g| g.entry_key(&k)));
        let w = with.clone();
        self.sale_ui().on_entry_times(move || w(&|g| g.entry_times()));
        let w = with.clone();
        self.sale_ui().on_entry_enter(move || w(&|g| g.entry_enter()));
        let w = with.clone();
        self.sale_ui().on_select_category(move |i| {
            w(&|g| {
                g.sale_ui().set_category(i);
                g.sale_ui().set_search("".into());
                g.render_products();
            })
        });
        let w = with.clone();
        self.sale_ui().on_search_changed(move |_| w(&|g| g.render_products()));
        let w = with.clone();
        self.sale_ui().on_search_key(move |k| {
            w(&|g| {
                let mut text = g.sale_ui().get_search().to_string();
                match k.as_str() {
                    "back" => {
                        text.pop();
                    }
                    "clear" => text.clear(),
                    other => text.push_str(&other.to_lowercase()),
                }
                g.sale_ui().set_search(text.into());
                g.render_products();
            })
        });
        let w = with.clone();
        self.sale_ui().on_add_product(move |sku| w(&|g| g.add_sku(&sku)));
        let w = with.clone();
        self.sale_ui().on_scan(move |code| w(&|g| g.scan(&code)));
        let w = with.clone();
        self.sale_ui().on_void_line(move || w(&|g| g.line_command(|line| Command::VoidLine { line })));
        let w = with.clone();
        self.sale_ui().on_set_qty(move || w(&|g| g.set_qty()));
        let w = with.clone();
        self.sale_ui().on_line_discount(move || w(&|g| g.discount()));
        let w = with.clone();
        self.sale_ui().on_hold(move || w(&|g| g.send(Command::Hold, shown)));
        let w = with.clone();
        self.sale_ui().on_recall(move || w(&|g| g.recall()));
        let w = with.clone();
        self.sale_ui().on_cancel_ticket(move || w(&|g| g.cancel_ticket()));
        let w = with.clone();
        self.sale_ui().on_pay(move || w(&|g| g.pay()));
        let w = with.clone();
        self.sale_ui().on_no_sale(move || w(&|g| g.open_office(0)));
        let w = with.clone();
        self.office_ui().on_back(move || w(&|g| g.leave_screen()));
        let w = with.clone();
        self.office_ui().on_choose_kind(move |k| w(&|g| g.choose_kind(&k)));
        let w = with.clone();
        self.office_ui().on_amount_key(move |k| w(&|g| g.office_amount_key(&k)));
        let w = with.clone();
        self.office_ui().on_record(move || w(&|g| g.record_movement()));
        let w = with.clone();
        self.office_ui().on_piece(move |i, d| w(&|g| g.office_piece(i, d)));
        let w = with.clone();
        self.office_ui().on_count(move || w(&|g| g.office_count()));
        let w = with.clone();
        self.office_ui().on_close_shift(move || w(&|g| g.office_end(super::office::Then::Close, None)));
        let w = with.clone();
        self.office_ui().on_handover(move || w(&|g| g.ask_pin(super::office::PinFor::NextCashier)));
        let w = with.clone();
        self.office_ui().on_x_report(move || w(&|g| g.office_report(false)));
        let w = with.clone();
        self.office_ui().on_z_report(move || w(&|g| g.office_report(true)));
        let w = with.clone();
        self.office_ui().on_print_report(move || w(&|g| g.office_print()));
        let w = with.clone();
        self.office_ui().on_export_report(move || w(&|g| g.office_export()));
        let w = with.clone();
        self.office_ui().on_pin_key(move |k| w(&|g| g.office_pin_key(&k)));
        let w = with.clone();
        self.office_ui().on_pin_ok(move || w(&|g| g.office_pin_ok()));
        let w = with.clone();
        self.office_ui().on_pin_cancel(move || w(&|g| g.office_pin_cancel()));
        let w = with.clone();
        self.office_ui().on_receipt_key(move |k| w(&|g| g.receipt_key(&k)));
        let w = with.clone();
        self.office_ui().on_receipt_search(move || w(&|g| g.receipt_search()));
        let w = with.clone();
        self.office_ui().on_open_receipt(move |n| w(&|g| g.open_receipt(n)));
        let w = with.clone();
        self.office_ui().on_pick_line(move |n| w(&|g| g.pick_line(n)));
        let w = with.clone();
        self.office_ui().on_refund_picked(move || w(&|g| g.refund_picked()));
        let w = with.clone();
        self.office_ui().on_reprint_open(move || w(&|g| g.reprint_open()));
        let w = with.clone();
        self.office_ui().on_user_select(move |n| w(&|g| g.user_select(&n)));
        let w = with.clone();
        self.office_ui().on_user_toggle(move || w(&|g| g.user_toggle()));
        let w = with.clone();
        self.office_ui().on_user_pin(move || {
            w(&|g| g.ask_pin(super::office::PinFor::NewPin(g.office_ui().get_user_selected().to_string())))
        });
        let w = with.clone();
        self.office_ui().on_user_role_set(move |r| w(&|g| g.user_role_set(&r)));
        let w = with.clone();
        self.office_ui().on_new_name_key(move |k| w(&|g| g.new_name_key(&k)));
        let w = with.clone();
        self.office_ui().on_add_user_next(move || w(&|g| g.add_user_next()));
        let w = with.clone();
        self.shell().on_open_sync(move || w(&|g| g.open_sync()));
        let w = with.clone();
        self.sync_ui().on_close_sync(move || w(&|g| g.leave_screen()));
        let w = with.clone();
        self.sync_ui().on_retry_parked(move |seq| w(&|g| g.retry_parked(seq)));
        let w = with.clone();
        self.shell().on_open_devices(move || w(&|g| g.open_devices()));
        let w = with.clone();
        self.devices_ui().on_close_devices(move || w(&|g| g.leave_screen()));
        let w = with.clone();
        self.devices_ui().on_device_apply(move |d, port, protocol| w(&|g| g.apply_device(&d, &port, &protocol)));
        let w = with.clone();
        self.devices_ui().on_device_test(move |d, action| w(&|g| g.test_device(&d, &action)));
        let w = with.clone();
        self.forecourt_ui().on_pump_tapped(move |n| w(&|g| g.pump_tapped(n.clamp(0, 255) as u8)));
        let w = with.clone();
        self.forecourt_ui().on_pump_more(move |n| w(&|g| g.pump_more(n.clamp(0, 255) as u8)));
        let w = with.clone();
        self.forecourt_ui().on_pump_action(move |id| w(&|g| g.pump_action(&id)));
        let w = with.clone();
        self.forecourt_ui().on_open_prices(move || w(&|g| g.open_prices()));
        let w = with.clone();
        self.forecourt_ui().on_price_key(move |k| {
            w(&|g| {
                g.edit_digits(
                    &k,
                    |g| g.forecourt_ui().get_price_entry(),
                    |g, v| g.forecourt_ui().set_price_entry(v),
                    6,
                );
                g.render_price_entry();
            })
        });
        let w = with.clone();
        self.forecourt_ui().on_price_send(move || w(&|g| g.price_send()));
        let w = with.clone();
        self.forecourt_ui().on_authorize_all(move || w(&|g| g.send(Command::AuthorizeAll, shown)));
        let w = with.clone();
        self.forecourt_ui().on_stop_all(move || w(&|g| g.send(Command::StopAll, shown)));
        let w = with.clone();
        self.tender_ui().on_tender_cash(move |v| w(&|g| g.tender(Method::Cash, &v)));
        let w = with.clone();
        self.tender_ui().on_tender_card(move || w(&|g| g.tender(Method::Card, "entry")));
        let w = with.clone();
        self.tender_ui().on_tender_qr(move || w(&|g| g.tender(Method::Qr, "entry")));
        let w = with.clone();
        self.tender_ui().on_qr_check(move || w(&|g| g.send(Command::QrCheck, shown)));
        let w = with.clone();
        self.tender_ui().on_qr_cancel(move || w(&|g| g.send(Command::QrCancel, shown)));
        let w = with.clone();
        self.tender_ui().on_tender_back(move || w(&|g| g.set_page(Page::Sale)));
        let w = with.clone();
        self.tender_ui().on_remove_payment(move |i| w(&|g| g.ask_remove_payment(i.max(0) as usize)));
        let w = with.clone();
        self.tender_ui().on_new_sale(move || {
            w(&|g| {
                g.state.borrow_mut().last_sale = None;
                g.clear_search();
                g.set_page(Page::Sale);
            })
        });
        let w = with.clone();
        self.tender_ui().on_reprint(move || w(&|g| g.reprint()));
        let w = with.clone();
        self.sale_ui().on_age_confirm(move || w(&|g| g.age_confirm()));
        let w = with.clone();
        self.sale_ui().on_age_refuse(move || {
            w(&|g| {
                g.sale_ui().set_age_dialog(false);
                g.state.borrow_mut().going_to_pay = false;
                g.send(Command::RefuseAge, shown);
            })
        });
        let w = with.clone();
        self.sale_ui().on_manager_key(move |k| {
            w(&|g| {
                g.edit_digits(&k, |g| g.sale_ui().get_manager_pin(), |g, v| g.sale_ui().set_manager_pin(v), 8);
                let n = g.sale_ui().get_manager_pin().chars().count();
                g.sale_ui().set_manager_pin_dots("• ".repeat(n).trim_end().into());
            })
        });
        let w = with.clone();
        self.sale_ui().on_manager_approve(move || w(&|g| g.manager_approve()));
        let w = with;
        self.sale_ui().on_manager_cancel(move || {
            w(&|g| {
                g.state.borrow_mut().pending_discount = None;
                g.sale_ui().set_manager_dialog(false);
                g.sale_ui().set_manager_pin("".into());
                g.sale_ui().set_manager_pin_dots("".into());
            })
        });

        // The clock: checked every second, redrawn only when the minute changes.
        let weak = Rc::downgrade(self);
        self.clock.start(slint::TimerMode::Repeated, std::time::Duration::from_secs(1), move || {
            if let Some(g) = weak.upgrade() {
                g.render_clock();
            }
        });
    }
}
