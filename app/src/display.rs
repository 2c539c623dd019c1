//! The customer display: what the customer reads on the 2x20 pole display (the item just
//! scanned, the total, what was paid and the change, a welcome when idle), and a thread that owns
//! the display's port.

use crate::domain::money::Currency;
use crate::domain::record::{SaleRecord, TicketRecord};
use crate::i18n::I18n;
use rust_decimal::Decimal;
use std::io::Write;
use std::sync::mpsc::{self, Sender};
use till_hardware::display::{self, Protocol, WIDTH};

/// Two lines of text.
pub type Frame = (String, String);

fn amount(i18n: &I18n, cur: &Currency, v: Decimal) -> String {
    format!("{} {}", cur.code, i18n.format().number(v, cur.minor_units))
}

/// `left` and `right` on one 20-character line.
fn pair(left: &str, right: &str) -> String {
    let r = right.chars().count();
    let l: String = left.chars().take(WIDTH.saturating_sub(r + 1)).collect();
    format!("{l}{}{right}", " ".repeat(WIDTH.saturating_sub(l.chars().count() + r)))
}

/// The last line of the ticket and the running total.
pub fn ticket_frame(i18n: &I18n, cur: &Currency, t: &TicketRecord) -> Frame {
    match t.lines.iter().rev().find(|l| !l.voided) {
        Some(l) => {
            (pair(&l.name, &amount(i18n, cur, l.amount)), pair(&i18n.tr("display-total"), &amount(i18n, cur, t.total)))
        }
        None => (String::new(), pair(&i18n.tr("display-total"), &amount(i18n, cur, t.total))),
    }
}

/// What was paid and the change.
pub fn paid_frame(i18n: &I18n, cur: &Currency, s: &SaleRecord) -> Frame {
    (
        pair(&i18n.tr("display-paid"), &amount(i18n, cur, s.paid)),
        pair(&i18n.tr("display-change"), &amount(i18n, cur, s.change)),
    )
}

pub fn welcome_frame(i18n: &I18n, store_name: &str) -> Frame {
    (store_name.to_string(), i18n.tr("display-welcome"))
}

#[derive(Clone)]
pub struct CustomerDisplay {
    tx: Sender<Frame>,
}

impl CustomerDisplay {
    pub fn start<P: Write + Send + 'static>(mut port: P, protocol: Protocol) -> CustomerDisplay {
        let (tx, rx) = mpsc::channel::<Frame>();
        std::thread::Builder::new()
            .name("till-display".into())
            .spawn(move || {
                while let Ok((upper, lower)) = rx.recv() {
                    if let Err(e) = port.write_all(&display::show(protocol, &upper, &lower)) {
                        tracing::warn!("customer display: {e}");
                    }
                }
            })
            .ok();
        CustomerDisplay { tx }
    }

    pub fn show(&self, frame: Frame) {
        let _ = self.tx.send(frame);
    }
}
