//! Central sync on the screen: the status bar's sync chip (unsent count, last successful sync,
//! errors), the manager's screen of parked events with their reasons (retry one or all), and
//! the price book's prices as they come into force.

use super::Gui;
use crate::service::{Command, Outcome};
use crate::store::ParkedEvent;
use slint::{ModelRc, VecModel};
use till_ui::{Page, ParkedRow};

impl Gui {
    /// The sync chip: (text, state 0 not configured / 1 all sent / 2 waiting / 3 failing).
    pub(super) fn sync_chip(&self) -> (String, i32) {
        let i18n = self.i18n.borrow();
        let unsent = self.state.borrow().unsent;
        let Some(st) = self.sync_seen.borrow().clone() else {
            let text = format!(
                "{} · {}",
                i18n.tr("chip-not-configured"),
                i18n.tr_args("chip-unsent", &[("count", unsent.into())])
            );
            return (text, 0);
        };
        let when = st
            .last_success
            .as_deref()
            .and_then(super::view::local_time)
            .map(|t| i18n.format().time(&t))
            .unwrap_or_else(|| i18n.tr("sync-never"));
        let mut parts = Vec::new();
        let state = if st.auth_failed {
            parts.push(i18n.tr("sync-auth-failed"));
            3
        } else if st.error.is_some() {
            parts.push(i18n.tr("sync-failing"));
            3
        } else if st.pending > 0 {
            2
        } else if st.last_success.is_none() {
            parts.push(i18n.tr("sync-starting"));
            2
        } else {
            parts.push(i18n.tr_args("sync-ok-at", &[("time", when.into())]));
            1
        };
        if st.pending > 0 {
            parts.push(i18n.tr_args("chip-unsent", &[("count", st.pending.into())]));
        }
        if st.parked > 0 {
            // Refused events matter most to the manager: first, so they are not cut off.
            parts.insert(0, i18n.tr_args("sync-parked-count", &[("count", st.parked.into())]));
        }
        (parts.join(" · "), if st.parked > 0 && state == 1 { 2 } else { state })
    }

    pub(super) fn open_sync(&self) {
        self.send(Command::Parked, |g, r| match r {
            Ok(out) => g.parked_listed(out.parked.unwrap_or_default()),
            Err(e) => g.show_error(&e),
        });
    }

    /// The parked events again, for a sync screen that may have been left meanwhile.
    pub(super) fn refresh_parked(&self) {
        self.send(Command::Parked, |g, r| {
            if let (Ok(out), true) = (r, g.shell().get_page() == Page::Sync) {
                g.parked_listed(out.parked.unwrap_or_default());
            }
        });
    }

    pub(super) fn retry_parked(&self, seq: i32) {
        let seqs = if seq > 0 { vec![i64::from(seq)] } else { vec![] };
        self.send(Command::RetryParked { seqs }, |g, r| match r {
            Ok(out) => {
                if g.shell().get_page() == Page::Sync {
                    g.parked_listed(out.parked.unwrap_or_default());
                }
                // Queued again and committed: send at once.
                if let Some(s) = g.sync.borrow().as_ref() {
                    s.nudge();
                }
            }
            Err(e) => g.show_error(&e),
        });
    }

    /// The parked events came back: the sync screen shows them with the sync's state.
    pub(super) fn parked_listed(&self, parked: Vec<ParkedEvent>) {
        self.enter_screen(Page::Sync);
        let i18n = self.i18n.borrow();
        let f = i18n.format();
        let rows: Vec<ParkedRow> = parked
            .iter()
            .map(|p| ParkedRow {
                seq: p.seq as i32,
                kind: i18n.tr(&format!("event-{}", p.kind)).into(),
                when: super::view::local_time(&p.created_at)
                    .map(|t| format!("{} {}", f.date(&t), f.time(&t)))
                    .unwrap_or_else(|| p.created_at.clone())
                    .into(),
                reason: p.reason.clone().into(),
            })
            .collect();
        self.sync_ui().set_parked(ModelRc::new(VecModel::from(rows)));
        let st = self.sync_seen.borrow().clone();
        let mut lines = Vec::new();
        match &st {
            None => lines.push(i18n.tr("chip-not-configured")),
            Some(st) => {
                let when = st
                    .last_success
                    .as_deref()
                    .and_then(super::view::local_time)
                    .map(|t| format!("{} {}", f.date(&t), f.time(&t)))
                    .unwrap_or_else(|| i18n.tr("sync-never"));
                lines.push(i18n.tr_args("sync-last-success", &[("time", when.into())]));
                lines.push(i18n.tr_args("chip-unsent", &[("count", st.pending.into())]));
                if let Some(e) = &st.error {
                    lines.push(i18n.tr_args("sync-last-error", &[("error", e.clone().into())]));
                }
                if let Some(v) = &st.pricebook_version {
                    lines.push(i18n.tr_args("sync-pricebook", &[("version", v.clone().into())]));
                }
                if !st.pricebook_unknown.is_empty() {
                    let list = st.pricebook_unknown.join(", ");
                    lines.push(i18n.tr_args("sync-pricebook-unknown", &[("list", list.into())]));
                }
            }
        }
        self.sync_ui().set_sync_summary(lines.join("\n").into());
    }

    /// Prices that came into force: tiles show them (the pumps got theirs as effects).
    pub(super) fn prices_applied(&self, out: &Outcome) {
        let items = out.items_repriced.clone().unwrap_or_default();
        for (sku, price) in &items {
            if let Some(p) = self.state.borrow_mut().products.iter_mut().find(|p| &p.sku == sku) {
                p.price = *price;
            }
        }
        if !items.is_empty() {
            self.render_products();
        }
    }
}
