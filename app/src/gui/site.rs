//! The site's kiosks at the counter: a strip over every screen says which kiosk needs help and
//! why ("Kiosk 2 needs help: age check for Tobacco"), with Approve and Refuse for the person
//! signed in. The session lists the kiosks (`site`) and sends the answer (`site_answer`); the
//! window only shows them.

use super::{on_ui, Gui};
use crate::devices::site::{PeerView, SiteLink};
use crate::domain::users::Permission;
use crate::effects::Report;
use crate::service::Command;
use std::rc::Rc;
use std::time::Duration;

/// How often the counter looks at its kiosks (the link itself asks them once a second).
const LOOK: Duration = Duration::from_millis(1000);

impl Gui {
    /// Gives the session and the executor the site link; a counter that watches kiosks looks
    /// at them every second while someone who works the counter is signed in.
    pub(super) fn attach_site(self: &Rc<Self>, link: SiteLink) {
        let tx = self.reports_tx.clone();
        link.set_sink(move |r| {
            let _ = tx.send(r);
            on_ui(|g| g.drain_reports());
        });
        self.executor.borrow_mut().site = Some(link.clone());
        self.call(
            move |s| {
                s.attach_site(link);
                Ok(crate::service::Outcome::default())
            },
            |_, _| {},
        );
        let watches = self.config.site.as_ref().is_some_and(|s| !s.peers.is_empty());
        if !watches || self.config.kiosk.is_some() {
            return;
        }
        let weak = Rc::downgrade(self);
        self.kiosk.site_timer.start(slint::TimerMode::Repeated, LOOK, move || {
            if let Some(g) = weak.upgrade() {
                g.look_at_site();
            }
        });
        let (approve, refuse) = (Rc::downgrade(self), Rc::downgrade(self));
        self.shell().on_site_approve(move |t| {
            if let Some(g) = approve.upgrade() {
                g.answer_site(t.to_string(), true);
            }
        });
        self.shell().on_site_refuse(move |t| {
            if let Some(g) = refuse.upgrade() {
                g.answer_site(t.to_string(), false);
            }
        });
    }

    /// Asks the session for the kiosks as last seen and shows the first that needs help.
    pub(super) fn look_at_site(&self) {
        let staff = self.state.borrow().permissions.contains(&Permission::Counter);
        if !staff {
            self.show_site(&[]);
            return;
        }
        self.send(Command::Site, |g, r| match r {
            Ok(out) => g.show_site(out.site.as_deref().unwrap_or_default()),
            Err(e) => tracing::debug!("site: {e}"),
        });
    }

    fn show_site(&self, peers: &[PeerView]) {
        let held: Vec<u8> =
            peers.iter().filter_map(|p| p.status.as_ref()).flat_map(|s| s.self_service_pumps.iter().copied()).collect();
        if self.state.borrow().self_service != held {
            self.state.borrow_mut().self_service = held;
            self.render_pumps();
        }
        let waiting: Vec<_> =
            peers.iter().filter_map(|p| p.status.as_ref()).filter_map(|s| s.help.as_ref().map(|h| (s, h))).collect();
        let (text, terminal) = match waiting.first() {
            None => (String::new(), String::new()),
            Some((s, h)) => {
                let key = match h.reason.as_str() {
                    "age" => "site-help-age",
                    "amount" => "site-help-amount",
                    "payment" => "site-help-payment",
                    "price" => "site-help-price",
                    _ => "site-help-customer",
                };
                let detail = h.detail.clone().unwrap_or_default();
                let i18n = self.i18n.borrow();
                let mut text = i18n.tr_args(key, &[("terminal", s.name.clone().into()), ("detail", detail.into())]);
                if waiting.len() > 1 {
                    text.push_str(&format!("  (+{})", waiting.len() - 1));
                }
                (text, s.terminal_id.clone())
            }
        };
        if self.shell().get_site_help() != text.as_str() {
            self.shell().set_site_help(text.into());
            self.shell().set_site_terminal(terminal.into());
        }
    }

    fn answer_site(&self, terminal: String, approve: bool) {
        self.send(Command::SiteAnswer { terminal, approve }, |g, r| {
            if let Err(e) = r {
                g.show_error(&e);
            }
        });
    }

    /// How an answer sent to a kiosk went (true: the report was this one's).
    pub(super) fn site_reported(&self, r: &Report) -> bool {
        if let Report::SiteStopSent { terminal, pump, failed } = r {
            // A stop that did not reach the kiosk holding the pump must be seen.
            match failed {
                Some(why) => self.show_error(&crate::service::Refusal::SiteUnreachable { detail: why.clone() }.into()),
                None => {
                    let args =
                        [("terminal", terminal.clone().into()), ("pump", pump.map(i64::from).unwrap_or(0).into())];
                    let text = self.i18n.borrow().tr_args("site-stop-sent", &args);
                    self.show_text(text, false);
                }
            }
            return true;
        }
        let Report::SiteSent { terminal, failed } = r else { return false };
        match failed {
            Some(why) => {
                let e = crate::service::Refusal::SiteUnreachable { detail: why.clone() };
                self.show_error(&e.into());
            }
            None => {
                let text = self.i18n.borrow().tr_args("site-answer-sent", &[("terminal", terminal.clone().into())]);
                self.show_text(text, false);
                self.look_at_site();
            }
        }
        true
    }
}
