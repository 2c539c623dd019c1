//! The customer display: what the customer reads on the 2x20 pole display (the item just
//! scanned, the total, what was paid and the change, a welcome when idle), and a thread that owns
//! the display's port.

use crate::devices::link::{Health, Link};
use crate::domain::money::Currency;
use crate::domain::record::{SaleRecord, TicketRecord};
use crate::i18n::I18n;
use rust_decimal::Decimal;
use std::io::{Read, Write};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;
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

/// A QR payment waiting: the customer is asked to scan the code on the counter screen (a 2x20
/// display cannot show the code itself).
pub fn qr_frame(i18n: &I18n, cur: &Currency, due: rust_decimal::Decimal) -> Frame {
    (i18n.tr("display-qr"), pair(&i18n.tr("display-total"), &amount(i18n, cur, due)))
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
    pub health: Health,
}

impl CustomerDisplay {
    /// A display on a port that is already open (demo mode, tests).
    pub fn start<P: Read + Write + Send + 'static>(port: P, protocol: Protocol) -> CustomerDisplay {
        CustomerDisplay::on_link(Link::fixed(port, "customer display"), protocol)
    }

    /// A display on a configured serial port; shown offline while the port is gone, and given
    /// the current text again when it comes back.
    pub fn open(spec: &str, protocol: Protocol) -> CustomerDisplay {
        CustomerDisplay::on_link(Link::new(spec, 9600, Duration::from_millis(50)), protocol)
    }

    fn on_link(mut link: Link, protocol: Protocol) -> CustomerDisplay {
        let (tx, rx) = mpsc::channel::<Frame>();
        let health = Health::default();
        let h = health.clone();
        std::thread::Builder::new()
            .name("till-display".into())
            .spawn(move || {
                let mut shown: Option<Frame> = None;
                let mut stale = true;
                loop {
                    match rx.recv_timeout(Duration::from_millis(500)) {
                        Ok(frame) => {
                            shown = Some(frame);
                            stale = true;
                        }
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                    let reopened = !link.is_open();
                    let Some(port) = link.ready(&h) else { continue };
                    if let (true, Some((upper, lower))) = (stale || reopened, &shown) {
                        if let Err(e) = port.write_all(&display::show(protocol, upper, lower)) {
                            link.fail(e.to_string(), &h);
                            continue;
                        }
                        stale = false;
                    }
                    h.online("ready");
                }
            })
            .ok();
        CustomerDisplay { tx, health }
    }

    pub fn show(&self, frame: Frame) {
        let _ = self.tx.send(frame);
    }
}
