//! The site's terminals together (`docs/site-api.md`): a kiosk publishes whether its basket
//! waits for a person and takes a member of staff's answer from the counter; a counter lists
//! its kiosks (`site`) and answers them (`site_answer`) as the person signed in. The answer's
//! signature is checked here, where the rules are, and the answer holds only for the basket
//! the counter saw (its token).

use super::{Outcome, Refusal, ServiceError, Session};
use crate::devices::site::{self, AnswerBody, SiteHelp, SiteStatus, StopBody};
use crate::domain::users::Permission;
use sha2::Digest;

impl Session {
    /// Gives the session the site link it publishes to (the same one the executor sends with).
    pub fn attach_site(&mut self, link: site::SiteLink) {
        self.site = Some(link);
        self.publish_site();
    }

    /// What this terminal tells the site now.
    pub(super) fn site_status(&self) -> SiteStatus {
        let kiosk = self.kiosk_mode() && self.kiosk_active();
        let help = if kiosk { self.kiosk_help() } else { None };
        let totals = self.ticket.totals(&self.config.pricing).ok();
        let total = totals.map(|t| t.total).unwrap_or_default();
        let items = self.ticket.lines.iter().filter(|l| !l.voided).count() as u32;
        SiteStatus {
            terminal_id: self.config.terminal_id.clone(),
            name: self.config.terminal_name.clone(),
            mode: if self.kiosk_mode() { "kiosk" } else { "counter" }.into(),
            help: help.map(|h| SiteHelp {
                token: self.help_token(&h.reason, h.detail.as_deref()),
                reason: h.reason,
                detail: h.detail,
            }),
            basket_items: items,
            basket_total: self.config.pricing.currency.fmt(total),
            self_service_pumps: self.self_service_pumps(),
        }
    }

    /// Publishes the status after a command (nothing without a site link).
    pub(super) fn publish_site(&self) {
        if let Some(link) = &self.site {
            link.publish(self.site_status());
        }
    }

    /// The token of what the basket waits for: it changes with the basket, so an answer to
    /// what the counter saw never approves a basket changed since.
    fn help_token(&self, reason: &str, detail: Option<&str>) -> String {
        let mut h = sha2::Sha256::new();
        h.update(reason.as_bytes());
        h.update([0]);
        h.update(detail.unwrap_or_default().as_bytes());
        for l in &self.ticket.lines {
            h.update(format!("\n{}|{}|{}|{}", l.sku, l.qty, l.voided, l.unit_price).as_bytes());
        }
        h.update(format!("\n{}", self.ticket.age_confirmed).as_bytes());
        hex::encode(&h.finalize()[..12])
    }

    /// `site`: the kiosks this counter watches, as last seen.
    pub(super) fn site_peers(&self) -> Result<Outcome, ServiceError> {
        self.require(Permission::Counter, "look after the site's kiosks")?;
        let link = self.site.as_ref().ok_or(Refusal::NoSite)?;
        Ok(Outcome { site: Some(link.peers()), ..Outcome::default() })
    }

    /// `site_answer`: the person signed in here answers a kiosk's call (approve: the age
    /// checked, the amount allowed, the customer helped; refuse: the items for adults come off).
    pub(super) fn site_answer(&mut self, terminal: &str, approve: bool) -> Result<Outcome, ServiceError> {
        let staff = self.require(Permission::Counter, "answer a kiosk")?.clone();
        let link = self.site.as_ref().ok_or(Refusal::NoSite)?;
        let peers = link.peers();
        let peer = peers
            .iter()
            .find(|p| p.status.as_ref().is_some_and(|s| s.terminal_id == terminal))
            .ok_or_else(|| Refusal::NoSuchPeer { terminal: terminal.to_string() })?;
        let help = peer
            .status
            .as_ref()
            .and_then(|s| s.help.clone())
            .ok_or_else(|| Refusal::PeerNoHelp { terminal: terminal.to_string() })?;
        let body = AnswerBody {
            token: help.token.clone(),
            approve,
            staff: staff.name.clone(),
            staff_id: staff.id,
            from: self.config.terminal_id.clone(),
        };
        let body = serde_json::to_string(&body).map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))?;
        let url = peer.url.clone();
        self.journal(
            "site_answer_sent",
            &serde_json::json!({ "terminal": terminal, "approve": approve, "reason": help.reason,
                "detail": help.detail, "user_id": staff.id }),
        )?;
        Ok(Outcome::effects(vec![super::Effect::SiteSend { terminal: terminal.to_string(), url, body }]))
    }

    /// A member of staff's answer from another terminal of the site (from the site link only):
    /// its signature and time are checked against the site's secret, and it must be an answer
    /// to what the basket waits for now.
    pub(super) fn remote_answer(
        &mut self,
        time: i64,
        from: &str,
        body: &str,
        signature: &str,
    ) -> Result<Outcome, ServiceError> {
        let secret = self.config.site.as_ref().map(|s| s.secret.clone()).ok_or(Refusal::NoSite)?;
        let checked =
            site::verify(&secret, "POST", site::ANSWER_PATH, time, from, body.as_bytes(), signature, site::unix_now());
        if let Err(e) = checked {
            self.journal("site_answer_refused", &serde_json::json!({ "from": from, "why": e.to_string() }))?;
            return Err(Refusal::SiteBadSignature { detail: e.to_string() }.into());
        }
        let answer: AnswerBody =
            serde_json::from_str(body).map_err(|e| Refusal::SiteBadSignature { detail: e.to_string() })?;
        if !self.kiosk_mode() || !self.kiosk_active() {
            return Err(Refusal::NotAKiosk.into());
        }
        let help = self.kiosk_help().ok_or(Refusal::NoHelpRequest)?;
        if self.help_token(&help.reason, help.detail.as_deref()) != answer.token {
            self.journal("site_answer_stale", &serde_json::json!({ "from": from, "staff": answer.staff }))?;
            return Err(Refusal::SiteStale.into());
        }
        let who = serde_json::json!({ "staff": answer.staff, "staff_id": answer.staff_id, "at_terminal": answer.from });
        self.apply_help_answer(help, answer.approve, who)
    }
}

impl Session {
    /// The stops to send with a stop at this terminal: to every watched kiosk that holds the
    /// pump for self-service (`pump`; none, the emergency stop: to every kiosk holding any), so
    /// that the pump stops even where the kiosk alone drives it. The terminals told.
    pub(super) fn site_stops(&self, pump: Option<u8>) -> (Vec<super::Effect>, Vec<String>) {
        let Some(link) = &self.site else { return (Vec::new(), Vec::new()) };
        let staff = self.user.as_ref().map(|u| u.name.clone());
        let body = StopBody { pump, staff, from: self.config.terminal_id.clone() };
        let Ok(body) = serde_json::to_string(&body) else { return (Vec::new(), Vec::new()) };
        let mut effects = Vec::new();
        let mut told = Vec::new();
        for p in link.peers() {
            let Some(st) = p.status else { continue };
            let holds = match pump {
                Some(n) => st.self_service_pumps.contains(&n),
                None => !st.self_service_pumps.is_empty(),
            };
            if holds && st.terminal_id != self.config.terminal_id {
                told.push(st.terminal_id.clone());
                effects.push(super::Effect::SiteStop {
                    terminal: st.terminal_id,
                    url: p.url,
                    pump,
                    body: body.clone(),
                });
            }
        }
        (effects, told)
    }

    /// A stop from a counter of the site (from the site link only): checked against the site's
    /// secret, journaled with who sent it, and carried out at once (no permission: safety
    /// comes first, as with the emergency stop at this terminal).
    pub(super) fn remote_stop(
        &mut self,
        time: i64,
        from: &str,
        body: &str,
        signature: &str,
    ) -> Result<Outcome, ServiceError> {
        let secret = self.config.site.as_ref().map(|s| s.secret.clone()).ok_or(Refusal::NoSite)?;
        let checked =
            site::verify(&secret, "POST", site::STOP_PATH, time, from, body.as_bytes(), signature, site::unix_now());
        if let Err(e) = checked {
            self.journal("site_stop_refused", &serde_json::json!({ "from": from, "why": e.to_string() }))?;
            return Err(Refusal::SiteBadSignature { detail: e.to_string() }.into());
        }
        let stop: StopBody =
            serde_json::from_str(body).map_err(|e| Refusal::SiteBadSignature { detail: e.to_string() })?;
        self.forecourt.as_ref().ok_or(ServiceError::NoForecourt)?;
        if let Some(n) = stop.pump {
            self.pump_view(n)?;
        }
        let detail = serde_json::json!({ "from": from, "staff": stop.staff, "at_terminal": stop.from });
        self.journal_pump("site_stop", stop.pump, detail)?;
        let effect = match stop.pump {
            Some(pump) => super::Effect::StopPump { pump },
            None => super::Effect::StopAll,
        };
        Ok(Outcome::effects(vec![effect]))
    }

    /// The pumps this terminal holds for self-service now (pay-at-pump reservations open).
    pub(super) fn self_service_pumps(&self) -> Vec<u8> {
        match self.store.open_reservations(&self.config.terminal_id) {
            Ok(open) => open.iter().map(|r| r.pump).collect(),
            Err(e) => {
                tracing::warn!("the open reservations could not be read: {e}");
                Vec::new()
            }
        }
    }

    /// Pumps in self-service: this terminal's reservations and those the site's kiosks hold.
    pub(super) fn site_self_service_pumps(&self) -> Vec<u8> {
        let mut pumps = self.self_service_pumps();
        if let Some(link) = &self.site {
            for p in link.peers() {
                pumps.extend(p.status.map(|s| s.self_service_pumps).unwrap_or_default());
            }
        }
        pumps
    }
}
