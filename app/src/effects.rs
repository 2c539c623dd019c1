//! The effects executor: carries out what the session decided ([`Effect`]) at the devices it
//! owns: pumps, printer and drawer, customer display. The window and `till exec` use it alike;
//! it decides nothing. What a device answers later (a receipt printed or not, meter totals
//! read) comes back as a [`Report`], which the front end turns into the command the session
//! wants next.

use crate::config::Config;
use crate::devices::forecourt::{Forecourt, ForecourtCmd, Preset, PumpState};
use crate::i18n::I18n;
use crate::service::{CustomerView, Effect, Outcome};
use std::time::{Duration, Instant};

/// What a device answered after an effect was carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    Printed {
        receipt_no: i64,
        queue_id: Option<i64>,
    },
    NotPrinted {
        receipt_no: i64,
        queue_id: Option<i64>,
        reason: String,
    },
    /// Every pump answered with its meter totals (or two seconds passed).
    MeterTotalsRead {
        phase: String,
    },
    /// The tanks' volumes (litres) from the gauge's next inventory.
    TanksRead {
        phase: String,
        reading: crate::devices::tanks::GaugeReading,
        failed: Option<String>,
    },
    /// The card terminal approved a payment: the session stores it and says so through
    /// `decision` (the terminal is answered "goods issued" only then).
    CardApproved {
        intent: i64,
        answer: crate::store::TerminalAnswer,
        amount_minor: Option<i64>,
        decision: crate::devices::card::Decision,
    },
    /// What the terminal shows the customer (insert card, enter PIN, ...).
    CardProgress {
        intent: i64,
        code: u8,
    },
    /// The payment's transaction ended: `None` when it was approved and answered "issued";
    /// `lines`, the receipt the terminal sent to print (its customer copy).
    CardFinished {
        intent: i64,
        end: Option<crate::service::CardEnd>,
        lines: Vec<String>,
    },
    /// The card terminal closed its day with this total (or could not: `failed`).
    CardDayClosed {
        terminal_minor: Option<i64>,
        failed: Option<String>,
    },
    /// The terminal's last transaction, asked after an unclear ending (`failed`: it could
    /// not be asked).
    CardRecovered {
        intent: i64,
        last: Option<(crate::store::TerminalAnswer, i64)>,
        failed: Option<String>,
    },
    /// The QR provider's answer about a payment: to an effect (`last`), or a change its client
    /// noticed while asking by itself.
    Qr {
        intent: i64,
        op: crate::devices::qr::QrOp,
        answer: crate::devices::qr::QrAnswer,
        last: bool,
    },
    /// A member of staff's answer came in over the site link (a kiosk's): the session checks
    /// its signature and applies it.
    SiteAnswer {
        time: i64,
        from: String,
        body: String,
        signature: String,
    },
    /// Pay-at-pump: the card terminal approved a reservation, a booking or a release; the
    /// session stores it and says so through `decision`.
    ReservationApproved {
        id: i64,
        answer: crate::store::TerminalAnswer,
        amount_minor: Option<i64>,
        decision: crate::devices::card::Decision,
    },
    /// The terminal's transaction for a reservation ended (`None`: approved and answered).
    ReservationFinished {
        id: i64,
        end: Option<crate::service::CardEnd>,
    },
    /// The terminal's open reservations: (terminal receipt, amount), or why it could not say.
    OpenReservations {
        list: Option<Vec<(i64, i64)>>,
        failed: Option<String>,
    },
    /// An answer this terminal sent to a kiosk was taken (or not: `failed`).
    SiteSent {
        terminal: String,
        failed: Option<String>,
    },
    /// A counter's stop for a pump this kiosk holds (or every pump) came in over the site link.
    SiteStop {
        time: i64,
        from: String,
        body: String,
        signature: String,
    },
    /// A stop this terminal sent to a kiosk was taken (or not: `failed`).
    SiteStopSent {
        terminal: String,
        pump: Option<u8>,
        failed: Option<String>,
    },
}

/// The devices that effects are carried out at; any may be missing.
#[derive(Clone, Default)]
pub struct Executor {
    pub forecourt: Option<Forecourt>,
    pub printer: Option<crate::devices::printer::Printer>,
    pub display: Option<crate::devices::display::CustomerDisplay>,
    pub card: Option<crate::devices::card::CardTerminal>,
    pub tanks: Option<crate::devices::tanks::TankMonitor>,
    pub qr: Option<crate::devices::qr::QrProvider>,
    pub site: Option<crate::devices::site::SiteLink>,
}

impl Executor {
    /// Carries out the outcome's effects in order. `report` is called later, from another
    /// thread, with what the devices answered.
    pub fn run(&self, out: &Outcome, config: &Config, i18n: &I18n, report: impl Fn(Report) + Send + Clone + 'static) {
        // The drawer opens with the receipt of the sale it belongs to (one job: kick after print).
        let drawer_with_receipt = out.effects.iter().any(|e| matches!(e, Effect::OpenDrawer))
            && out.effects.iter().any(|e| matches!(e, Effect::PrintReceipt { copy: false, queue_id: None, .. }));
        for e in &out.effects {
            match e {
                Effect::AuthorizePump { pump, amount, litres } => {
                    let preset = match (amount, litres) {
                        (Some(a), _) => Some(Preset::Amount(*a)),
                        (None, Some(l)) => Some(Preset::Volume(*l)),
                        (None, None) => None,
                    };
                    self.pumps(ForecourtCmd::Authorize { pump: *pump, preset });
                }
                Effect::StopPump { pump } => self.pumps(ForecourtCmd::Stop { pump: *pump }),
                Effect::StopAll => self.pumps(ForecourtCmd::StopAll),
                Effect::ResumePump { pump } => self.pumps(ForecourtCmd::Resume { pump: *pump }),
                Effect::ResetPump { pump } => self.pumps(ForecourtCmd::Reset { pump: *pump }),
                Effect::SetFuelPrices { prices } => self.pumps(ForecourtCmd::SetPrices(prices.clone())),
                Effect::ReadMeterTotals { phase } => self.read_meter_totals(phase.clone(), report.clone()),
                Effect::ReadTanks { phase } => {
                    let Some(t) = self.tanks.clone() else { continue };
                    let (phase, report) = (phase.clone(), report.clone());
                    std::thread::spawn(move || {
                        let r = t.next_reading(Duration::from_secs(6));
                        report(Report::TanksRead { phase, reading: r.clone().unwrap_or_default(), failed: r.err() });
                    });
                }
                Effect::OpenDrawer => {
                    if !drawer_with_receipt {
                        if let Some(p) = &self.printer {
                            p.kick_drawer();
                        }
                    }
                }
                Effect::PrintSlip { slip } => {
                    let Some(printer) = &self.printer else { continue };
                    let (w, minor) = (config.printer_width, config.pricing.currency.minor_units);
                    let lines = match slip {
                        crate::service::Slip::Movement(m) => {
                            crate::slip::movement(m, &config.terminal_id, &config.store, i18n, minor, w)
                        }
                        crate::service::Slip::Report { report, copy } => {
                            crate::slip::report(report, &config.store, i18n, minor, w, *copy)
                        }
                        crate::service::Slip::CardReceipt { lines } => crate::slip::card_receipt(lines, i18n, w),
                    };
                    // A slip that does not print is in the store all the same: it is printed
                    // again from the reports screen.
                    let _ = printer.submit(crate::devices::printer::lines_job(lines, w, false).bytes().to_vec());
                }
                Effect::PrintReceipt { receipt_no, copy, queue_id, sale } => {
                    let kick = drawer_with_receipt && !copy && queue_id.is_none();
                    self.print(sale, config, i18n, kick, (*receipt_no, *queue_id), report.clone());
                }
                Effect::ShowCustomer { show } => {
                    let Some(d) = &self.display else { continue };
                    let cur = &config.pricing.currency;
                    let frame = match (show, &out.ticket, &out.sale) {
                        (CustomerView::Ticket, Some(t), _) if !t.lines.is_empty() => {
                            crate::devices::display::ticket_frame(i18n, cur, t)
                        }
                        (CustomerView::Paid, _, Some(s)) => crate::devices::display::paid_frame(i18n, cur, s),
                        (CustomerView::Qr, _, _) if out.card.is_some() => {
                            let due = out.card.as_ref().map(|c| c.amount).unwrap_or_default();
                            crate::devices::display::qr_frame(i18n, cur, due)
                        }
                        _ => crate::devices::display::welcome_frame(i18n, &config.store.name),
                    };
                    d.show(frame);
                }
                Effect::CardPay { intent, amount_minor, kind, receipt, .. } => match &self.card {
                    Some(c) => {
                        let op = match (kind.as_str(), receipt) {
                            ("reversal", Some(r)) => crate::devices::card::Op::Reversal(*r),
                            ("refund", _) => crate::devices::card::Op::Refund,
                            _ => crate::devices::card::Op::Payment,
                        };
                        c.pay(*intent, op, *amount_minor, report.clone())
                    }
                    None => report(Report::CardFinished {
                        intent: *intent,
                        end: Some(crate::service::CardEnd::NotAsked("no card terminal is attached".into())),
                        lines: Vec::new(),
                    }),
                },
                Effect::CardRecover { intent } => match &self.card {
                    Some(c) => c.recover(*intent, report.clone()),
                    None => report(Report::CardRecovered {
                        intent: *intent,
                        last: None,
                        failed: Some("no card terminal is attached".into()),
                    }),
                },
                Effect::CardEndOfDay => match &self.card {
                    Some(c) => c.end_of_day(report.clone()),
                    None => report(Report::CardDayClosed {
                        terminal_minor: None,
                        failed: Some("no card terminal is attached".into()),
                    }),
                },
                Effect::Qr { op, intent, reference, amount_minor } => {
                    let new = crate::devices::qr::NewPayment {
                        reference: reference.clone(),
                        amount_minor: *amount_minor,
                        currency: config.pricing.currency.code.clone(),
                        terminal_id: config.terminal_id.clone(),
                    };
                    match &self.qr {
                        Some(q) => q.ask(*op, *intent, new, report.clone()),
                        None => report(Report::Qr {
                            intent: *intent,
                            op: *op,
                            answer: crate::devices::qr::QrAnswer::Unreachable("no QR provider is configured".into()),
                            last: true,
                        }),
                    }
                }
                Effect::PumpCard { reservation, op, amount_minor, receipt, pump } => {
                    let id = *reservation;
                    let Some(c) = &self.card else {
                        let why = "no card terminal is attached".to_string();
                        report(Report::ReservationFinished { id, end: Some(crate::service::CardEnd::NotAsked(why)) });
                        continue;
                    };
                    let op = match (op.as_str(), receipt) {
                        ("book", Some(r)) => crate::devices::card::Op::Book(*r),
                        ("release", Some(r)) => crate::devices::card::Op::Release(*r),
                        _ => crate::devices::card::Op::Reserve { pump: *pump },
                    };
                    let report = report.clone();
                    c.pay(id, op, *amount_minor, move |r| match r {
                        Report::CardApproved { answer, amount_minor, decision, .. } => {
                            report(Report::ReservationApproved { id, answer, amount_minor, decision })
                        }
                        Report::CardFinished { end, .. } => report(Report::ReservationFinished { id, end }),
                        _ => {}
                    });
                }
                Effect::ListReservations => match &self.card {
                    Some(c) => c.open_reservations(report.clone()),
                    None => report(Report::OpenReservations {
                        list: None,
                        failed: Some("no card terminal is attached".into()),
                    }),
                },
                Effect::SiteSend { terminal, url, body } => match &self.site {
                    Some(l) => l.send_answer(url, terminal, body.clone(), report.clone()),
                    None => report(Report::SiteSent {
                        terminal: terminal.clone(),
                        failed: Some("no [site] is configured".into()),
                    }),
                },
                Effect::SiteStop { terminal, url, pump, body } => match &self.site {
                    Some(l) => l.send_stop(url, terminal, *pump, body.clone(), report.clone()),
                    None => report(Report::SiteStopSent {
                        terminal: terminal.clone(),
                        pump: *pump,
                        failed: Some("no [site] is configured".into()),
                    }),
                },
                Effect::CardAbort => {
                    if let Some(c) = &self.card {
                        c.abort();
                    }
                }
                // Screen effects: the front end shows them.
                Effect::AskAge { .. } | Effect::StartTender => {}
            }
        }
    }

    /// How many reports carrying out `out` will bring (receipts printed or not, meter totals).
    pub fn expected_reports(&self, out: &Outcome) -> usize {
        out.effects
            .iter()
            .filter(|e| match e {
                Effect::PrintReceipt { .. } => self.printer.is_some(),
                Effect::ReadMeterTotals { .. } => self.forecourt.is_some(),
                Effect::ReadTanks { .. } => self.tanks.is_some(),
                // Each ends with one report, with or without a terminal.
                Effect::CardPay { .. }
                | Effect::CardRecover { .. }
                | Effect::CardEndOfDay
                | Effect::Qr { .. }
                | Effect::SiteSend { .. }
                | Effect::SiteStop { .. }
                | Effect::PumpCard { .. }
                | Effect::ListReservations => true,
                _ => false,
            })
            .count()
    }

    fn pumps(&self, cmd: ForecourtCmd) {
        if let Some(f) = &self.forecourt {
            f.send(cmd);
        }
    }

    /// Prints a stored sale; the printer's real answer is reported (no timeout of our own, so
    /// a receipt that is still printing is never queued for a reprint as well).
    fn print(
        &self,
        sale: &crate::domain::record::SaleRecord,
        config: &Config,
        i18n: &I18n,
        kick: bool,
        (receipt_no, queue_id): (i64, Option<i64>),
        report: impl Fn(Report) + Send + 'static,
    ) {
        let Some(printer) = &self.printer else { return };
        let job = crate::devices::printer::receipt_job(
            sale,
            &config.store,
            i18n,
            &config.pricing.currency,
            config.printer_width,
            kick,
        );
        let rx = printer.submit(job.bytes().to_vec());
        std::thread::spawn(move || {
            let r = match rx.recv().unwrap_or(crate::devices::printer::PrintResult::Failed("offline".into())) {
                crate::devices::printer::PrintResult::Printed => Report::Printed { receipt_no, queue_id },
                crate::devices::printer::PrintResult::Failed(reason) => {
                    Report::NotPrinted { receipt_no, queue_id, reason }
                }
            };
            report(r);
        });
    }

    /// Asks every pump for its meter totals and reports once they are in (or after two
    /// seconds, with what came).
    fn read_meter_totals(&self, phase: String, report: impl Fn(Report) + Send + 'static) {
        let Some(f) = self.forecourt.clone() else { return };
        f.send(ForecourtCmd::ReadTotals);
        std::thread::spawn(move || {
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(2) {
                let pumps = f.pumps();
                let read = |p: &crate::devices::forecourt::PumpView| {
                    p.totals.is_some() && p.nozzle_totals.len() >= p.nozzles.len().min(8)
                };
                if pumps.iter().all(|p| read(p) || p.state == PumpState::Offline) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            report(Report::MeterTotalsRead { phase });
        });
    }
}

/// The command the session wants after a report.
pub fn follow_up(r: &Report) -> Option<crate::service::Command> {
    use crate::service::Command;
    match r {
        Report::Printed { queue_id: Some(id), .. } => Some(Command::Reprinted { id: *id }),
        Report::Printed { queue_id: None, .. } => None,
        Report::NotPrinted { receipt_no, queue_id: None, reason } => {
            Some(Command::QueueReprint { receipt_no: *receipt_no, reason: reason.clone() })
        }
        Report::NotPrinted { queue_id: Some(_), .. } => None,
        Report::MeterTotalsRead { phase } => Some(Command::MeterTotals { phase: phase.clone() }),
        Report::TanksRead { failed: Some(why), .. } => {
            tracing::warn!("the tanks could not be read: {why}");
            None
        }
        Report::TanksRead { phase, reading, failed: None } => Some(Command::TankReadings {
            phase: phase.clone(),
            tanks: reading.volumes.clone(),
            deliveries: reading.deliveries.clone(),
        }),
        Report::CardApproved { intent, answer, amount_minor, .. } => {
            Some(Command::CardApproved { intent: *intent, answer: answer.clone(), amount_minor: *amount_minor })
        }
        Report::CardProgress { .. } => None,
        Report::CardFinished { end: None, lines, .. } if lines.is_empty() => None,
        Report::CardFinished { intent, end: None, lines } => {
            Some(Command::CardReceipt { intent: *intent, lines: lines.clone() })
        }
        Report::CardFinished { intent, end: Some(end), .. } => {
            Some(Command::CardEnded { intent: *intent, end: end.clone() })
        }
        Report::CardRecovered { intent, last, failed: None } => {
            Some(Command::CardRecovered { intent: *intent, last: last.clone() })
        }
        Report::CardRecovered { failed: Some(_), .. } => None,
        Report::CardDayClosed { terminal_minor: Some(t), failed: None } => {
            Some(Command::CardDayClosed { terminal_minor: *t })
        }
        Report::CardDayClosed { .. } => None,
        Report::Qr { intent, op, answer, .. } => {
            Some(Command::QrAnswered { intent: *intent, op: *op, answer: answer.clone() })
        }
        Report::SiteAnswer { time, from, body, signature } => Some(Command::RemoteAnswer {
            time: *time,
            from: from.clone(),
            body: body.clone(),
            signature: signature.clone(),
        }),
        Report::SiteSent { .. } | Report::SiteStopSent { .. } => None,
        Report::SiteStop { time, from, body, signature } => Some(Command::RemoteStop {
            time: *time,
            from: from.clone(),
            body: body.clone(),
            signature: signature.clone(),
        }),
        Report::ReservationApproved { id, answer, amount_minor, .. } => {
            Some(Command::ReservationApproved { id: *id, answer: answer.clone(), amount_minor: *amount_minor })
        }
        Report::ReservationFinished { id, end } => Some(Command::ReservationEnded { id: *id, end: end.clone() }),
        Report::OpenReservations { list, failed } => {
            Some(Command::ReservationsOpen { list: list.clone(), failed: failed.clone() })
        }
    }
}

impl Report {
    /// Whether this is the last report of an effect (the ones `expected_reports` counts).
    pub fn ends_effect(&self) -> bool {
        !matches!(
            self,
            Report::CardApproved { .. }
                | Report::CardProgress { .. }
                | Report::Qr { last: false, .. }
                | Report::SiteAnswer { .. }
                | Report::SiteStop { .. }
                | Report::ReservationApproved { .. }
        )
    }

    /// The decision an approval waits for: claimed before its follow-up command runs (false:
    /// the terminal was already answered "not issued", so the command must not run).
    pub fn claim(&self) -> Option<&crate::devices::card::Decision> {
        match self {
            Report::CardApproved { decision, .. } | Report::ReservationApproved { decision, .. } => Some(decision),
            _ => None,
        }
    }
}

/// Runs a report's follow-up command with `run`, keeping an approval's decision: the terminal
/// hears "goods issued" only if the command succeeded. Nothing runs for an approval the driver
/// already answered (it reports the ending next).
pub fn follow<T, E>(r: &Report, run: impl FnOnce(crate::service::Command) -> Result<T, E>) -> Option<Result<T, E>> {
    let cmd = follow_up(r)?;
    match r.claim() {
        Some(d) if !d.claim() => None,
        Some(d) => {
            let out = run(cmd);
            d.decide(out.is_ok());
            Some(out)
        }
        None => Some(run(cmd)),
    }
}
