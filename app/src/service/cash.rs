//! Cash management: pay-in, pay-out, safe drop and loan, no-sale, the drawer's limit, and the
//! blind count that closes or hands over a drawer session.

use super::command::CountEntry;
use super::{now, AmountOf, Effect, Outcome, Refusal, ServiceError, Session};
use crate::domain::cash::{self, DrawerLevel, MovementKind, Pieces};
use crate::domain::users::{Permission, User};
use crate::store::{CountRow, ShiftEnd};
use rust_decimal::Decimal;
use serde::Serialize;

/// The drawer's cash now against its limit (answered after cash moves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrawerView {
    pub cash: Decimal,
    pub level: DrawerLevel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warn: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<Decimal>,
}

/// A cash movement as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MovementView {
    pub id: i64,
    pub kind: MovementKind,
    pub amount: Decimal,
    pub reason: String,
    pub at: String,
    pub user: String,
}

/// A count as entered, and only now what the drawer should have held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountView {
    pub attempt: i64,
    pub tenders: Vec<CountedTender>,
    /// Whether closing with this count needs a manager's approval (beyond the tolerance).
    pub needs_approval: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountedTender {
    pub method: String,
    pub counted: Decimal,
    pub expected: Decimal,
    /// counted - expected: negative when short.
    pub difference: Decimal,
}

const TENDERS: [&str; 2] = ["cash", "card"];

impl Session {
    fn cash_now(&self, shift_id: i64, float_minor: i64) -> Result<i64, ServiceError> {
        let exp = self.store.expected_in_drawer(shift_id, float_minor)?;
        Ok(exp.iter().find(|(m, _)| m == "cash").map(|(_, v)| *v).unwrap_or(0))
    }

    /// The drawer's level after a sale, when it is worth a word (a warning, or cash sales
    /// stopped); nothing is read when the site sets no limit.
    pub(super) fn drawer_warning(&self) -> Option<DrawerView> {
        let c = &self.config.cash;
        if c.drawer_warn_minor.is_none() && c.drawer_limit_minor.is_none() {
            return None;
        }
        self.drawer_view().ok().flatten().filter(|d| d.level != DrawerLevel::Ok)
    }

    /// The open drawer's cash and level, when a shift is open.
    pub(super) fn drawer_view(&self) -> Result<Option<DrawerView>, ServiceError> {
        let Some(s) = &self.shift else { return Ok(None) };
        let cash_minor = self.cash_now(s.id, s.float_minor)?;
        let c = &self.config.cash;
        let cur = &self.config.pricing.currency;
        Ok(Some(DrawerView {
            cash: cur.from_minor(cash_minor),
            level: cash::drawer_level(cash_minor, c.drawer_warn_minor, c.drawer_limit_minor),
            warn: c.drawer_warn_minor.map(|m| cur.from_minor(m)),
            limit: c.drawer_limit_minor.map(|m| cur.from_minor(m)),
        }))
    }

    /// Refuses a cash sale while the drawer is at its limit.
    pub(super) fn drawer_takes_cash(&self) -> Result<(), ServiceError> {
        if self.config.cash.drawer_limit_minor.is_none() {
            return Ok(());
        }
        if let Some(v) = self.drawer_view()? {
            if v.level == DrawerLevel::Blocked {
                return Err(Refusal::DrawerFull { cash: v.cash, limit: v.limit.unwrap_or_default() }.into());
            }
        }
        Ok(())
    }

    fn reason_for(&self, kind: MovementKind, reason: Option<String>) -> Result<String, ServiceError> {
        let reason = reason.map(|r| r.trim().to_string()).unwrap_or_default();
        let c = &self.config.cash;
        let list = match kind {
            MovementKind::PayIn => &c.pay_in_reasons,
            MovementKind::PayOut => &c.pay_out_reasons,
            MovementKind::NoSale => &c.no_sale_reasons,
            MovementKind::SafeDrop | MovementKind::SafeLoan => {
                if reason.chars().count() > 200 {
                    return Err(Refusal::ReasonTooLong { max: 200 }.into());
                }
                return Ok(reason);
            }
        };
        if !list.contains(&reason) {
            return Err(Refusal::UnknownReason { reason, choices: list.clone() }.into());
        }
        Ok(reason)
    }

    /// Pay-in, pay-out, safe drop, safe loan or no-sale: stored, journaled, sent to head office,
    /// printed as a slip; the drawer opens.
    pub(super) fn cash_movement(
        &mut self,
        kind: MovementKind,
        amount: Option<Decimal>,
        reason: Option<String>,
    ) -> Result<Outcome, ServiceError> {
        let (perm, what) = match kind {
            MovementKind::SafeDrop => (Permission::SafeDrop, "make safe drops"),
            MovementKind::NoSale => (Permission::OpenDrawer, "open the drawer without a sale"),
            _ => (Permission::CashInOut, "pay cash in or out"),
        };
        let (user, shift) = self.selling(perm, what)?;
        let (user, shift) = (user.clone(), shift.clone());
        if !self.ticket.lines.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        let cur = self.config.pricing.currency.clone();
        let amount_minor = match (kind, amount) {
            (MovementKind::NoSale, None) => 0,
            (MovementKind::NoSale, Some(_)) => return Err(Refusal::NoSaleHasNoAmount.into()),
            (_, None) => return Err(Refusal::CashAmountNotPositive.into()),
            (_, Some(a)) => match self.money(a, AmountOf::Movement)? {
                0 => return Err(Refusal::CashAmountNotPositive.into()),
                m => m,
            },
        };
        let reason = self.reason_for(kind, reason)?;
        let before = self.cash_now(shift.id, shift.float_minor)?;
        if kind.drawer_sign() < 0 && amount_minor > before {
            return Err(Refusal::DrawerHoldsLess {
                amount: cur.from_minor(amount_minor),
                cash: cur.from_minor(before),
            }
            .into());
        }
        let after = before
            .checked_add(kind.drawer_sign() * amount_minor)
            .ok_or(Refusal::AmountTooLarge { what: AmountOf::Movement, value: cur.from_minor(amount_minor) })?;
        let (at, _) = now();
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": kind.as_str(), "terminal_id": self.terminal(),
            "at": at, "user": user.name, "user_id": user.id, "shift_id": shift.id, "amount": cur.fmt(cur.from_minor(amount_minor)),
            "currency": cur.code, "reason": reason, "drawer_after": cur.fmt(cur.from_minor(after)),
        });
        let terminal = self.config.terminal_id.clone();
        let id = self.store.record_movement(&terminal, shift.id, user.id, kind, amount_minor, &reason, &event, &at)?;
        let movement =
            MovementView { id, kind, amount: cur.from_minor(amount_minor), reason, at, user: user.name.clone() };
        Ok(Outcome {
            drawer: self.drawer_view()?,
            effects: vec![Effect::OpenDrawer, Effect::PrintSlip { slip: super::Slip::Movement(movement.clone()) }],
            movement: Some(movement),
            ..Outcome::default()
        })
    }

    /// A blind count of the open drawer, per tender, by total or by denomination. Only once it is
    /// stored does the answer say what was expected. Every count is kept; a recount is a new one.
    pub(super) fn count(&mut self, entries: Vec<CountEntry>, purpose: Option<String>) -> Result<Outcome, ServiceError> {
        let (user, shift) = self.selling(Permission::CloseShift, "count the drawer")?;
        let (user, shift) = (user.clone(), shift.clone());
        if !self.ticket.lines.is_empty() {
            return Err(ServiceError::TicketOpen);
        }
        let purpose = match purpose.as_deref() {
            None | Some("close") => "close",
            Some("handover") => "handover",
            Some(other) => return Err(Refusal::BadCountPurpose { purpose: other.to_string() }.into()),
        };
        let cur = self.config.pricing.currency.clone();
        let expected = self.store.expected_in_drawer(shift.id, shift.float_minor)?;
        let mut rows: Vec<CountRow> = Vec::new();
        for e in entries {
            let method = e.method.trim().to_string();
            if !TENDERS.contains(&method.as_str()) || rows.iter().any(|r| r.method == method) {
                return Err(Refusal::BadCountTender { method }.into());
            }
            let (counted_minor, pieces) = match (e.amount, e.pieces) {
                (Some(a), None) => (self.money(a.0, AmountOf::Counted)?, None),
                (None, Some(p)) => {
                    let mut list = Vec::with_capacity(p.len());
                    for piece in &p {
                        let v = cur
                            .to_minor(piece.value.0)
                            .filter(|v| *v > 0)
                            .ok_or(Refusal::NotADenomination { value: piece.value.0 })?;
                        list.push(Pieces { value_minor: v, count: piece.count });
                    }
                    let total =
                        cash::pieces_total(&list, &self.config.cash.denominations_minor).map_err(|e| match e {
                            cash::CountError::NotADenomination { value_minor } => {
                                Refusal::NotADenomination { value: cur.from_minor(value_minor) }
                            }
                            cash::CountError::Twice => Refusal::DenominationTwice,
                            cash::CountError::TooLarge => Refusal::AmountTooLarge {
                                what: AmountOf::Counted,
                                value: crate::domain::ticket::MAX_PAYMENT,
                            },
                        })?;
                    // The same bounds as a total keyed in.
                    self.money(cur.from_minor(total), AmountOf::Counted)?;
                    let json =
                        serde_json::to_string(&list).map_err(|e| Refusal::BadCountTender { method: e.to_string() })?;
                    (total, Some(json))
                }
                _ => return Err(Refusal::AmountOrPieces.into()),
            };
            let expected_minor = expected.iter().find(|(m, _)| *m == method).map(|(_, v)| *v).unwrap_or(0);
            rows.push(CountRow { method, counted_minor, expected_minor, pieces });
        }
        if !rows.iter().any(|r| r.method == "cash") {
            return Err(Refusal::BadCountTender { method: "cash".into() }.into());
        }
        let (at, _) = now();
        let event = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": "count", "terminal_id": self.terminal(), "at": at,
            "user": user.name, "shift_id": shift.id, "purpose": purpose, "currency": cur.code,
            "tenders": rows.iter().map(|r| serde_json::json!({
                "method": r.method, "counted": cur.fmt(cur.from_minor(r.counted_minor)),
                "expected": cur.fmt(cur.from_minor(r.expected_minor)),
                "difference": cur.fmt(cur.from_minor(r.counted_minor - r.expected_minor)),
            })).collect::<Vec<_>>(),
        });
        let terminal = self.config.terminal_id.clone();
        let attempt = self.store.record_count(&terminal, shift.id, user.id, purpose, &rows, &event, &at)?;
        Ok(Outcome { count: Some(self.count_view(attempt, &rows)), ..Outcome::default() })
    }

    fn count_view(&self, attempt: i64, rows: &[CountRow]) -> CountView {
        let cur = &self.config.pricing.currency;
        let tol = self.config.cash.tolerance_minor;
        CountView {
            attempt,
            tenders: rows
                .iter()
                .map(|r| CountedTender {
                    method: r.method.clone(),
                    counted: cur.from_minor(r.counted_minor),
                    expected: cur.from_minor(r.expected_minor),
                    difference: cur.from_minor(r.counted_minor - r.expected_minor),
                })
                .collect(),
            needs_approval: rows.iter().any(|r| cash::needs_approval(r.counted_minor - r.expected_minor, tol)),
            tolerance: tol.map(|t| cur.from_minor(t)),
        }
    }

    /// How the open drawer session ends (close, handover, Z): with its latest count, which
    /// must still match the drawer (nothing moved since), and a manager's approval when the
    /// difference is beyond the tolerance.
    pub(super) fn shift_end(
        &mut self,
        kind: &'static str,
        approver_pin: Option<&str>,
    ) -> Result<(ShiftEnd, CountView), ServiceError> {
        let user = self.user()?.clone();
        let shift = self.shift.clone().ok_or(ServiceError::NoShift)?;
        let latest = self.store.latest_count(shift.id)?.ok_or(Refusal::CountFirst)?;
        let now_expected = self.store.expected_in_drawer(shift.id, shift.float_minor)?;
        for r in &latest.rows {
            let e = now_expected.iter().find(|(m, _)| *m == r.method).map(|(_, v)| *v).unwrap_or(0);
            if e != r.expected_minor {
                return Err(Refusal::CountStale.into());
            }
        }
        let view = self.count_view(latest.attempt, &latest.rows);
        let approved_by =
            if view.needs_approval { Some(self.count_approver(latest.user_id, approver_pin, &view)?) } else { None };
        let cur = self.config.pricing.currency.clone();
        let cash = latest.rows.iter().find(|r| r.method == "cash").cloned().ok_or(Refusal::CountFirst)?;
        let (at, _) = now();
        let close = serde_json::json!({
            "event_id": uuid::Uuid::new_v4().to_string(), "kind": "shift_close", "terminal_id": self.terminal(),
            "at": at, "user": user.name, "shift_id": shift.id, "shift_opened_at": shift.opened_at, "currency": cur.code,
            "close_kind": kind, "float": cur.fmt(cur.from_minor(shift.float_minor)),
            "cash_net": cur.fmt(cur.from_minor(cash.expected_minor - shift.float_minor)),
            "expected": cur.fmt(cur.from_minor(cash.expected_minor)), "counted": cur.fmt(cur.from_minor(cash.counted_minor)),
            "difference": cur.fmt(cur.from_minor(cash.counted_minor - cash.expected_minor)),
            "count_attempt": latest.attempt, "approved_by": approved_by.as_ref().map(|a: &User| a.name.clone()),
        });
        let mut events = vec![("shift_close", close)];
        // Each over or short is its own event in the closing transaction.
        for r in latest.rows.iter().filter(|r| r.counted_minor != r.expected_minor) {
            events.push((
                "cash_difference",
                serde_json::json!({
                    "event_id": uuid::Uuid::new_v4().to_string(), "kind": "cash_difference", "terminal_id": self.terminal(),
                    "at": at, "user": user.name, "shift_id": shift.id, "method": r.method, "currency": cur.code,
                    "expected": cur.fmt(cur.from_minor(r.expected_minor)), "counted": cur.fmt(cur.from_minor(r.counted_minor)),
                    "difference": cur.fmt(cur.from_minor(r.counted_minor - r.expected_minor)),
                    "approved_by": approved_by.as_ref().map(|a| a.name.clone()),
                }),
            ));
        }
        let end = ShiftEnd {
            shift_id: shift.id,
            counted_minor: cash.counted_minor,
            expected_minor: cash.expected_minor,
            approved_by: approved_by.map(|a| a.id),
            kind,
            events,
        };
        Ok((end, view))
    }

    /// A manager other than the one who counted approves a difference beyond the tolerance.
    fn count_approver(&mut self, counted_by: i64, pin: Option<&str>, view: &CountView) -> Result<User, ServiceError> {
        let worst = view.tenders.iter().map(|t| t.difference).max_by_key(|d| d.abs()).unwrap_or_default();
        let Some(pin) = pin else {
            return Err(Refusal::CountNeedsApproval {
                difference: worst,
                tolerance: view.tolerance.unwrap_or_default(),
            }
            .into());
        };
        let detail = serde_json::json!({ "user_id": counted_by, "difference": worst.to_string(), "for": "count" });
        let approver = self.pin_holder(pin, "approval_failed", detail)?;
        let why = if approver.id == counted_by {
            Some("nobody approves their own count")
        } else if !self.config.role_policy(approver.role).allows(Permission::ApproveCount) {
            Some("their role does not approve counts")
        } else {
            None
        };
        if let Some(why) = why {
            let payload = serde_json::json!({ "user_id": counted_by, "approver_id": approver.id, "reason": why });
            self.journal("count_approval_refused", &payload)?;
            return Err(ServiceError::NotAnApprover { user: approver.name, why });
        }
        Ok(approver)
    }
}
