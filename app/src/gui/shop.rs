//! The shop devices and the sync as the window sees them: attaching each, their health on
//! the status bar, weighing, and prices coming into force by the clock.

use super::{shown, view, Gui};
use crate::domain::money::Dec;
use crate::service::Command;
use rust_decimal::Decimal;
use std::rc::Rc;

/// The shop devices, in the order `device_health` reports them.
pub(super) const DEVICES: [&str; 4] = ["printer", "display", "scale", "scanner"];

/// Waits (off the UI thread) for the printer's real answer to a job: no timeout of our own, so
/// a receipt that is still printing is never queued for a reprint as well.
pub(super) fn print_outcome(
    rx: std::sync::mpsc::Receiver<crate::devices::printer::PrintResult>,
) -> crate::devices::printer::PrintResult {
    rx.recv().unwrap_or(crate::devices::printer::PrintResult::Failed("offline".into()))
}

/// Waits (off the UI thread) for the scale's stable weight, at most 10 s.
pub(super) fn weigh_outcome(
    rx: std::sync::mpsc::Receiver<Result<Decimal, crate::devices::scale::WeighError>>,
) -> Result<Decimal, crate::devices::scale::WeighError> {
    rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap_or(Err(crate::devices::scale::WeighError::NoAnswer))
}

use till_ui::Page;

impl Gui {
    /// A serial scanner (made with [`scanned`] as its callback): its codes go where the keyboard
    /// wedge's go.
    pub fn attach_scanner(self: &Rc<Self>, scanner: crate::devices::scanner::Scanner) {
        *self.scanner.borrow_mut() = Some(scanner);
        self.watch_devices();
    }

    /// Starts reading the devices' health (idempotent).
    pub(super) fn watch_devices(self: &Rc<Self>) {
        if self.device_timer.running() {
            return;
        }
        let weak = Rc::downgrade(self);
        self.device_timer.start(slint::TimerMode::Repeated, std::time::Duration::from_millis(500), move || {
            if let Some(g) = weak.upgrade() {
                g.check_devices();
            }
        });
    }

    /// The health of the devices in `DEVICES` order (`None`: not attached).
    pub(super) fn device_health(&self) -> Vec<Option<crate::devices::link::Status>> {
        vec![
            self.executor.borrow().printer.as_ref().map(|p| p.health.get()),
            self.executor.borrow().display.as_ref().map(|d| d.health.get()),
            self.scale.borrow().as_ref().map(|s| s.health.get()),
            self.scanner.borrow().as_ref().map(|s| s.health.get()),
        ]
    }

    /// Pushes to the central endpoint in the background; the chip shows how it goes.
    pub fn attach_sync(self: &Rc<Self>, sync: crate::sync::SyncTask) {
        *self.sync.borrow_mut() = Some(sync);
        self.watch_devices();
        self.apply_prices();
    }

    /// Reads the sync's status: redraws the chip when it changed, applies a new price book.
    pub fn check_sync(&self) {
        let Some(now) = self.sync.borrow().as_ref().map(|s| s.status()) else { return };
        let before = self.sync_seen.borrow().clone();
        if before.as_ref() != Some(&now) {
            let new_book = before.as_ref().map(|b| b.pricebooks) != Some(now.pricebooks) && now.pricebooks > 0;
            *self.sync_seen.borrow_mut() = Some(now);
            self.render_status();
            if self.shell().get_page() == Page::Sync {
                self.refresh_parked();
            }
            if new_book {
                self.apply_prices();
            }
        }
        // Scheduled prices come into force by the clock: look every 30 s.
        self.ticks.set(self.ticks.get().wrapping_add(1));
        if self.ticks.get().is_multiple_of(60) {
            self.apply_prices();
        }
    }

    /// Redraws the chips when a device's health changed.
    pub fn check_devices(&self) {
        self.check_sync();
        let mut now = self.device_health();
        // The card terminal shares the devices' chip.
        now.push(self.executor.borrow().card.as_ref().map(|c| c.health.get()));
        if *self.device_seen.borrow() != now {
            *self.device_seen.borrow_mut() = now;
            self.render_status();
            self.render_devices();
        }
    }

    /// Weighs items sold by the kilogram.
    pub fn attach_scale(self: &Rc<Self>, scale: crate::devices::scale::Scale) {
        *self.scale.borrow_mut() = Some(scale);
        self.watch_devices();
    }

    /// Asks the scale for a stable weight for `sku`; the item is added when it comes.
    pub(super) fn weigh_and_add(&self, sku: &str, name: &str, scale: crate::devices::scale::Scale) {
        let text = self.i18n.borrow().tr_args("scale-weighing", &[("name", name.to_string().into())]);
        self.show_text(text, false);
        let rx = scale.weigh();
        let sku = sku.to_string();
        std::thread::spawn(move || {
            let result = weigh_outcome(rx);
            super::on_ui(move |gui| gui.weighed(&sku, result));
        });
    }

    /// The scale's answer: the item with its weight, or why there is none.
    pub fn weighed(&self, sku: &str, result: Result<Decimal, crate::devices::scale::WeighError>) {
        match result {
            Ok(kg) => {
                self.clear_message();
                self.send(Command::Add { sku: Some(sku.to_string()), plu: None, qty: Some(Dec(kg)) }, shown);
            }
            Err(e) => self.show_message(view::weigh_error_key(&e), true),
        }
    }

    /// Shows the customer what happens: items, totals, the change, a welcome.
    pub fn attach_display(self: &Rc<Self>, display: crate::devices::display::CustomerDisplay) {
        display.show(crate::devices::display::welcome_frame(&self.i18n.borrow(), &self.config.store.name));
        self.executor.borrow_mut().display = Some(display);
        self.watch_devices();
    }

    /// Prints receipts (and opens the drawer on cash) after each sale.
    pub fn attach_printer(self: &Rc<Self>, printer: crate::devices::printer::Printer) {
        self.executor.borrow_mut().printer = Some(printer);
        self.watch_devices();
        self.send(Command::Reprints, |_, _| {});
        self.render_status();
    }

    /// Prices from the price book whose time has come (nobody needs to be signed in).
    pub(super) fn apply_prices(&self) {
        self.call(
            |s| s.apply_due_prices(),
            |g, r| match r {
                Ok(out) => g.prices_applied(&out),
                Err(e) => tracing::warn!("prices from the price book: {e}"),
            },
        );
    }
}
