//! A simulated DART pump and bus: the pump state machine of the reference, nozzles with prices,
//! a configurable flow rate, and the line-level answers (ACK, EOT, DATA with TX#). Volumes have
//! 2 decimals, amounts 2, prices 3 (the demo site's settings).

use super::app::{self, Dcc, PosCommand, PumpReply, PumpStatus};
use super::line::{Control, Decoder, Frame};

#[derive(Debug, Clone)]
pub struct SimPump {
    pub address: u8,
    pub status: PumpStatus,
    /// Price per logical nozzle (index 0 is nozzle 1).
    pub prices: Vec<u32>,
    /// The nozzle out of its holster (1-based).
    pub nozzle_out: Option<u8>,
    /// Volume units (centilitres) per tick while filling.
    pub flow_per_tick: u32,
    /// The simulated customer hangs up when the filling reaches this volume.
    pub hang_at: Option<u32>,
    pub volume: u32,
    pub amount: u32,
    preset_volume: Option<u32>,
    preset_amount: Option<u32>,
    before_suspend: Option<PumpStatus>,
    totals_volume: u64,
    totals_amount: u64,
    /// Each nozzle's meter (volume, amount), index 0 is nozzle 1.
    nozzle_totals: Vec<(u64, u64)>,
    /// The nozzle of the filling that ends when it is hung up.
    hung: Option<u8>,
    pending: Vec<PumpReply>,
}

impl SimPump {
    pub fn new(address: u8, nozzles: usize) -> SimPump {
        SimPump {
            address,
            status: PumpStatus::NotProgrammed,
            prices: vec![0; nozzles],
            nozzle_out: None,
            flow_per_tick: 50,
            hang_at: None,
            volume: 0,
            amount: 0,
            preset_volume: None,
            preset_amount: None,
            before_suspend: None,
            totals_volume: 0,
            totals_amount: 0,
            nozzle_totals: vec![(0, 0); nozzles],
            hung: None,
            pending: Vec::new(),
        }
    }

    fn set_status(&mut self, s: PumpStatus) {
        if self.status != s {
            self.status = s;
            self.pending.push(PumpReply::Status(s));
        }
    }

    fn price(&self) -> u32 {
        self.nozzle_out.and_then(|n| self.prices.get(usize::from(n).wrapping_sub(1))).copied().unwrap_or(0)
    }

    /// Amount for a volume at the current price, rounded half up (volume 2 dp x price 3 dp).
    fn amount_for(&self, volume: u32) -> u32 {
        ((u64::from(volume) * u64::from(self.price()) + 500) / 1000) as u32
    }

    /// Applies a command from the POS.
    pub fn handle(&mut self, cmd: &PosCommand) {
        use PumpStatus as S;
        match cmd {
            PosCommand::Prices(p) => {
                // Price changes are refused once a filling has started.
                if matches!(self.status, S::Authorized | S::Filling | S::Suspended) {
                    return;
                }
                self.prices = p.clone();
                if self.status == S::NotProgrammed {
                    self.set_status(S::FillingCompleted);
                }
            }
            PosCommand::PresetAmount(a) if self.status == S::Reset => self.preset_amount = Some(*a),
            PosCommand::PresetVolume(v) if self.status == S::Reset => self.preset_volume = Some(*v),
            PosCommand::PresetAmount(_) | PosCommand::PresetVolume(_) | PosCommand::AllowedNozzles(_) => {}
            PosCommand::RequestTotals(c) => {
                // 01..08: that nozzle's meter, 09: the pump's (as volume and amount).
                let nozzle = match c {
                    1..=8 => self.nozzle_totals.get(usize::from(*c) - 1).copied(),
                    _ => None,
                };
                let (v, a) = nozzle.unwrap_or((self.totals_volume, self.totals_amount));
                self.pending.push(PumpReply::Totals { counter: *c, volume: v, amount: a, third: 0 });
            }
            PosCommand::Command(d) => match d {
                Dcc::ReturnStatus => self.pending.push(PumpReply::Status(self.status)),
                Dcc::FillingInfo => self.pending.push(PumpReply::Filling { volume: self.volume, amount: self.amount }),
                Dcc::Identity => {}
                Dcc::Reset if matches!(self.status, S::FillingCompleted | S::MaxReached) => {
                    self.volume = 0;
                    self.amount = 0;
                    self.preset_amount = None;
                    self.preset_volume = None;
                    self.set_status(S::Reset);
                }
                Dcc::Authorize if self.status == S::Reset => self.set_status(S::Authorized),
                Dcc::Stop if matches!(self.status, S::Reset | S::Authorized | S::Filling | S::Suspended) => {
                    self.set_status(S::FillingCompleted);
                    self.pending.push(PumpReply::Filling { volume: self.volume, amount: self.amount });
                }
                Dcc::Suspend if matches!(self.status, S::Authorized | S::Filling) => {
                    self.before_suspend = Some(self.status);
                    self.set_status(S::Suspended);
                }
                Dcc::Resume if self.status == S::Suspended => {
                    let back = self.before_suspend.take().unwrap_or(S::Authorized);
                    self.set_status(back);
                }
                Dcc::SwitchOff => self.set_status(S::SwitchedOff),
                _ => {}
            },
        }
    }

    /// A customer lifts a nozzle (1-based).
    pub fn lift(&mut self, nozzle: u8) {
        self.nozzle_out = Some(nozzle);
        self.pending.push(PumpReply::Nozzle { price: self.price(), nozzle, out: true });
    }

    /// The nozzle goes back into its holster.
    pub fn hang(&mut self) {
        if let Some(n) = self.nozzle_out.take() {
            self.pending.push(PumpReply::Nozzle { price: 0, nozzle: n, out: false });
            self.hung = Some(n);
            if self.status == PumpStatus::Filling {
                self.finish(PumpStatus::FillingCompleted);
            }
        }
    }

    fn finish(&mut self, s: PumpStatus) {
        self.totals_volume += u64::from(self.volume);
        self.totals_amount += u64::from(self.amount);
        let n = self.nozzle_out.or(self.hung.take());
        if let Some(t) = n.and_then(|n| self.nozzle_totals.get_mut(usize::from(n).wrapping_sub(1))) {
            t.0 += u64::from(self.volume);
            t.1 += u64::from(self.amount);
        }
        self.set_status(s);
        self.pending.push(PumpReply::Filling { volume: self.volume, amount: self.amount });
    }

    /// Advances time by one tick: flow starts, fuel runs, presets stop it.
    pub fn tick(&mut self) {
        if self.status == PumpStatus::Authorized && self.nozzle_out.is_some() {
            self.set_status(PumpStatus::Filling);
        }
        if self.status != PumpStatus::Filling || self.nozzle_out.is_none() || self.price() == 0 {
            return;
        }
        let mut volume = self.volume + self.flow_per_tick;
        let mut amount = self.amount_for(volume);
        let mut reached = false;
        if let Some(max) = self.preset_amount {
            if amount >= max {
                amount = max;
                volume = ((u64::from(max) * 1000) / u64::from(self.price())) as u32;
                reached = true;
            }
        }
        if let Some(max) = self.preset_volume {
            if volume >= max {
                volume = max;
                amount = self.amount_for(max);
                reached = true;
            }
        }
        if let Some(stop) = self.hang_at.filter(|s| volume >= *s && !reached) {
            volume = stop;
            amount = self.amount_for(stop);
            self.volume = volume;
            self.amount = amount;
            self.hang_at = None;
            self.hang();
            return;
        }
        self.volume = volume;
        self.amount = amount;
        if reached {
            self.finish(PumpStatus::MaxReached);
        } else {
            self.pending.push(PumpReply::Filling { volume, amount });
        }
    }

    /// Takes what the pump has to say at the next poll.
    fn take_pending(&mut self) -> Vec<PumpReply> {
        // Only the latest filling figures matter.
        let mut out: Vec<PumpReply> = Vec::new();
        for r in self.pending.drain(..) {
            if let PumpReply::Filling { .. } = r {
                out.retain(|o| !matches!(o, PumpReply::Filling { .. }));
            }
            out.push(r);
        }
        out
    }
}

/// Faults the simulated bus injects.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Every n-th DATA frame the bus sends has a corrupted CRC (0: never).
    pub bad_crc_every: u32,
    /// Addresses that do not answer at all.
    pub silent: Vec<u8>,
    /// Every n-th DATA frame is sent twice (0: never), as after a lost acknowledgement.
    pub duplicate_every: u32,
    /// Answers are held back this long (a slow pump).
    pub reply_delay: std::time::Duration,
    /// Every n-th acknowledgement from the master is lost (0: never): the pump sends the same
    /// block again at the next poll.
    pub lose_ack_every: u32,
}

/// The simulated pumps on one line: answers the master's frames as the pumps would.
#[derive(Debug)]
pub struct SimBus {
    pub pumps: Vec<SimPump>,
    pub faults: Faults,
    decoder: Decoder,
    /// Per pump: the DATA frame sent and not yet acknowledged (resent after a NAK).
    unacked: Vec<Option<Frame>>,
    tx: Vec<u8>,
    sent_data: u32,
    acks_seen: u32,
}

impl SimBus {
    pub fn new(pumps: Vec<SimPump>) -> SimBus {
        let n = pumps.len();
        SimBus {
            pumps,
            faults: Faults::default(),
            decoder: Decoder::new(),
            unacked: vec![None; n],
            tx: vec![0; n],
            sent_data: 0,
            acks_seen: 0,
        }
    }

    pub fn pump_mut(&mut self, address: u8) -> Option<&mut SimPump> {
        self.pumps.iter_mut().find(|p| p.address == address)
    }

    pub fn tick(&mut self) {
        for p in &mut self.pumps {
            p.tick();
        }
    }

    /// Feeds bytes from the master; returns the bytes the pumps send back.
    pub fn on_bytes(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for frame in self.decoder.push_all(bytes) {
            // A corrupted frame gets no answer: the master times out and retries.
            let Ok(frame) = frame else { continue };
            if let Some(reply) = self.answer(frame) {
                out.extend(reply);
            }
        }
        out
    }

    fn answer(&mut self, f: Frame) -> Option<Vec<u8>> {
        if self.faults.silent.contains(&f.address) {
            return None;
        }
        let i = self.pumps.iter().position(|p| p.address == f.address)?;
        let addr = f.address;
        match f.control {
            Control::Poll => {
                if let Some(frame) = &self.unacked[i] {
                    return Some(self.send_data(frame.clone()));
                }
                let replies = self.pumps[i].take_pending();
                if replies.is_empty() {
                    return Some(Frame::short(addr, Control::Eot(self.tx[i])).encode());
                }
                let payload = app::encode_replies(&replies).ok()?;
                self.tx[i] = (self.tx[i] + 1) & 0x0F;
                let frame = Frame::data(addr, self.tx[i], payload);
                self.unacked[i] = Some(frame.clone());
                Some(self.send_data(frame))
            }
            Control::Ack(tx) => {
                self.acks_seen += 1;
                if self.faults.lose_ack_every > 0 && self.acks_seen.is_multiple_of(self.faults.lose_ack_every) {
                    return None;
                }
                if self.unacked[i].as_ref().is_some_and(|u| u.control == Control::Data(tx)) {
                    self.unacked[i] = None;
                }
                None
            }
            Control::Nak(_) => self.unacked[i].clone().map(|frame| self.send_data(frame)),
            Control::Data(tx) => match app::decode_commands(&f.payload) {
                Ok(cmds) => {
                    for c in &cmds {
                        self.pumps[i].handle(c);
                    }
                    Some(Frame::short(addr, Control::Ack(tx)).encode())
                }
                Err(_) => Some(Frame::short(addr, Control::Nak(tx)).encode()),
            },
            _ => None,
        }
    }

    fn send_data(&mut self, frame: Frame) -> Vec<u8> {
        self.sent_data += 1;
        let mut bytes = frame.encode();
        if self.faults.duplicate_every > 0 && self.sent_data.is_multiple_of(self.faults.duplicate_every) {
            let again = bytes.clone();
            bytes.extend(again);
        }
        if self.faults.bad_crc_every > 0 && self.sent_data.is_multiple_of(self.faults.bad_crc_every) {
            // Corrupt the CRC's low byte (never into an FA or DLE, which would change framing).
            let n = bytes.len();
            let i = n - 4;
            bytes[i] = match bytes[i] ^ 0x01 {
                0xFA | 0x10 => bytes[i] ^ 0x02,
                b => b,
            };
        }
        bytes
    }
}

/// Serves the simulated bus on one end of a line until `stop` is set or the line is gone:
/// answers every frame and advances the pumps every `tick`. `port` must return from `read` within a few milliseconds.
pub fn serve<P: std::io::Read + std::io::Write>(
    port: &mut P,
    bus: &std::sync::Mutex<SimBus>,
    stop: &std::sync::atomic::AtomicBool,
    tick: std::time::Duration,
) {
    let mut buf = [0u8; 256];
    let mut last = std::time::Instant::now();
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        let n = match port.read(&mut buf) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) => 0,
            // The other end hung up: nothing more will come.
            Err(_) => return,
        };
        if n > 0 {
            let (out, delay) =
                bus.lock().map(|mut b| (b.on_bytes(&buf[..n]), b.faults.reply_delay)).unwrap_or_default();
            if !out.is_empty() {
                if !delay.is_zero() {
                    std::thread::sleep(delay);
                }
                if port.write_all(&out).is_err() {
                    return;
                }
            }
        }
        if last.elapsed() >= tick {
            if let Ok(mut b) = bus.lock() {
                b.tick();
            }
            last = std::time::Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programmed() -> SimPump {
        let mut p = SimPump::new(0x50, 2);
        p.handle(&PosCommand::Prices(vec![1739, 1659]));
        p.handle(&PosCommand::Command(Dcc::Reset));
        p
    }

    #[test]
    fn state_machine_follows_the_reference() {
        let mut p = SimPump::new(0x50, 2);
        assert_eq!(p.status, PumpStatus::NotProgrammed);
        p.handle(&PosCommand::Command(Dcc::Authorize));
        assert_eq!(p.status, PumpStatus::NotProgrammed, "authorize only in RESET");
        p.handle(&PosCommand::Prices(vec![1739, 1659]));
        assert_eq!(p.status, PumpStatus::FillingCompleted);
        p.handle(&PosCommand::Command(Dcc::Reset));
        assert_eq!(p.status, PumpStatus::Reset);
        p.handle(&PosCommand::Command(Dcc::Authorize));
        assert_eq!(p.status, PumpStatus::Authorized);
        p.lift(1);
        p.tick();
        assert_eq!(p.status, PumpStatus::Filling);
        p.handle(&PosCommand::Prices(vec![9999, 9999]));
        assert_eq!(p.prices, vec![1739, 1659], "no price change while filling");
        p.handle(&PosCommand::Command(Dcc::Suspend));
        assert_eq!(p.status, PumpStatus::Suspended);
        p.handle(&PosCommand::Command(Dcc::Resume));
        assert_eq!(p.status, PumpStatus::Filling);
        p.hang();
        assert_eq!(p.status, PumpStatus::FillingCompleted);
        p.handle(&PosCommand::Command(Dcc::SwitchOff));
        assert_eq!(p.status, PumpStatus::SwitchedOff);
    }

    #[test]
    fn preset_amount_stops_at_exactly_the_amount() {
        let mut p = programmed();
        p.handle(&PosCommand::PresetAmount(2000));
        p.handle(&PosCommand::Command(Dcc::Authorize));
        p.lift(1);
        for _ in 0..200 {
            p.tick();
        }
        assert_eq!(p.status, PumpStatus::MaxReached);
        assert_eq!(p.amount, 2000);
        assert_eq!(p.volume, 1150, "20.00 / 1.739 = 11.50 l");
    }

    #[test]
    fn the_bus_answers_polls_with_status_and_acks_commands() {
        let mut bus = SimBus::new(vec![SimPump::new(0x50, 1), SimPump::new(0x51, 1)]);
        let mut d = Decoder::new();
        // Nothing to say yet.
        let r = d.push_all(&bus.on_bytes(&Frame::short(0x50, Control::Poll).encode()));
        assert_eq!(r, vec![Ok(Frame::short(0x50, Control::Eot(0)))]);
        // Prices: ACKed, and the status change is reported at the next poll.
        let block = app::encode_commands(&[PosCommand::Prices(vec![1739])]).unwrap();
        let r = d.push_all(&bus.on_bytes(&Frame::data(0x50, 3, block).encode()));
        assert_eq!(r, vec![Ok(Frame::short(0x50, Control::Ack(3)))]);
        let r = d.push_all(&bus.on_bytes(&Frame::short(0x50, Control::Poll).encode()));
        let Ok(frame) = &r[0] else { panic!("{r:?}") };
        assert_eq!(app::decode_replies(&frame.payload).unwrap(), vec![PumpReply::Status(PumpStatus::FillingCompleted)]);
        // Until ACKed, the same block is sent again.
        let again = d.push_all(&bus.on_bytes(&Frame::short(0x50, Control::Poll).encode()));
        assert_eq!(again, r);
        let Control::Data(tx) = frame.control else { panic!() };
        assert!(bus.on_bytes(&Frame::short(0x50, Control::Ack(tx)).encode()).is_empty());
        let r = d.push_all(&bus.on_bytes(&Frame::short(0x50, Control::Poll).encode()));
        assert!(matches!(r[0], Ok(Frame { control: Control::Eot(_), .. })));
        // An unknown address and a corrupted frame get no answer at all.
        assert!(bus.on_bytes(&Frame::short(0x5F, Control::Poll).encode()).is_empty());
        let mut bad = Frame::data(0x50, 4, vec![0x01, 0x01, 0x06]).encode();
        bad[2] ^= 0xFF;
        assert!(bus.on_bytes(&bad).is_empty());
    }
}
