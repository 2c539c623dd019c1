//! Fuzz harnesses for every parser of device bytes: DART frames (line, application layer, the bus
//! master), Veeder-Root TLS answers, ESC/POS (the simulated printer and status bytes), MT-SICS
//! scale answers and the scanner's line decoder. Each takes arbitrary bytes and also inputs made
//! from valid ones (mutated, or with a valid CRC around random content), asserts that nothing
//! panics, and checks the round trips and invariants that hold.
//!
//! `cargo test` runs a bounded number of cases; for a long run see `docs/fuzzing.md`:
//! `PROPTEST_CASES=200000 cargo test --release -p till-hardware --test fuzz`.

use proptest::prelude::*;
use proptest::test_runner::Config;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::time::Duration;
use till_hardware::dart::app::{self, Dcc, PosCommand, PumpReply, PumpStatus};
use till_hardware::dart::line::{Control, Decoder, Frame, FrameError, MAX_FRAME};
use till_hardware::dart::master::Master;
use till_hardware::dart::sim::{SimBus, SimPump};
use till_hardware::escpos::{self, SimPrinter, Status};
use till_hardware::{scale, scanner, tls};

/// `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    Config { cases, ..Config::default() }
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

/// A byte of the DART line: any, or often one that means something there (SF, DLE, ETX, the
/// control bytes, a pump address).
fn line_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        any::<u8>(),
        prop::sample::select(vec![0xFA, 0x10, 0x03, 0x20, 0x31, 0x50, 0x51, 0x70, 0xC1, 0xE1, 0x40]),
    ]
}

fn line_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(line_byte(), 0..max)
}

/// One change to a valid input.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(prop::sample::Index, u8),
    Set(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Delete(prop::sample::Index),
    Truncate(prop::sample::Index),
    Duplicate(prop::sample::Index, prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<prop::sample::Index>(), line_byte()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<prop::sample::Index>(), line_byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<prop::sample::Index>().prop_map(Mutation::Delete),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..6)
}

fn mutate(mut v: Vec<u8>, ms: &[Mutation]) -> Vec<u8> {
    for m in ms {
        let n = v.len();
        if let Mutation::Insert(i, b) = m {
            v.insert(i.index(n + 1), *b);
            continue;
        }
        match m {
            _ if n == 0 => {}
            Mutation::Flip(i, bit) => v[i.index(n)] ^= 1 << bit,
            Mutation::Set(i, b) => v[i.index(n)] = *b,
            Mutation::Delete(i) => {
                v.remove(i.index(n));
            }
            Mutation::Truncate(i) => v.truncate(i.index(n)),
            Mutation::Duplicate(a, b) => {
                let (a, b) = (a.index(n), b.index(n));
                let (lo, hi) = (a.min(b), a.max(b));
                let part = v[lo..=hi].to_vec();
                v.splice(hi + 1..hi + 1, part);
            }
            Mutation::Insert(..) => {}
        }
    }
    v
}

/// Decodes a stream byte by byte; every frame that decodes must be exactly the bytes it came
/// from when encoded again, and no longer than a frame may be.
fn decode_checked(stream: &[u8]) -> Result<Vec<Result<Frame, FrameError>>, TestCaseError> {
    let mut d = Decoder::new();
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in stream.iter().enumerate() {
        if let Some(r) = d.push(b) {
            if let Ok(f) = &r {
                prop_assert_eq!(&f.encode()[..], &stream[start..=i], "{:?} re-encodes differently", f);
                prop_assert!(f.payload.len() <= MAX_FRAME);
            }
            out.push(r);
            start = i + 1;
        }
    }
    Ok(out)
}

/// Any address a frame can carry (`FA` ends a frame, so it is none).
fn address() -> impl Strategy<Value = u8> {
    any::<u8>().prop_filter("not SF", |&a| a != 0xFA)
}

fn frame() -> impl Strategy<Value = Frame> {
    let control = prop_oneof![
        Just(Control::Poll),
        Just(Control::Iap),
        (0u8..16).prop_map(Control::Nak),
        (0u8..16).prop_map(Control::Eot),
        (0u8..16).prop_map(Control::Ack),
        (0u8..16).prop_map(Control::AckPoll),
    ];
    prop_oneof![
        (address(), control).prop_map(|(a, c)| Frame::short(a, c)),
        (address(), 0u8..16, bytes(96)).prop_map(|(a, tx, p)| Frame::data(a, tx, p)),
    ]
}

fn reply() -> impl Strategy<Value = PumpReply> {
    let status = prop::sample::select(vec![
        PumpStatus::NotProgrammed,
        PumpStatus::Reset,
        PumpStatus::Authorized,
        PumpStatus::Filling,
        PumpStatus::FillingCompleted,
        PumpStatus::MaxReached,
        PumpStatus::SwitchedOff,
        PumpStatus::Suspended,
    ]);
    prop_oneof![
        status.prop_map(PumpReply::Status),
        (0u32..100_000_000, 0u32..100_000_000).prop_map(|(volume, amount)| PumpReply::Filling { volume, amount }),
        (0u32..1_000_000, 0u8..16, any::<bool>()).prop_map(|(price, nozzle, out)| PumpReply::Nozzle {
            price,
            nozzle,
            out
        }),
        (any::<u8>(), 0u64..10_000_000_000, 0u64..10_000_000_000, 0u64..10_000_000_000)
            .prop_map(|(counter, volume, amount, third)| PumpReply::Totals { counter, volume, amount, third }),
    ]
}

fn command() -> impl Strategy<Value = PosCommand> {
    let dcc = prop::sample::select(vec![
        Dcc::ReturnStatus,
        Dcc::Identity,
        Dcc::FillingInfo,
        Dcc::Reset,
        Dcc::Authorize,
        Dcc::Stop,
        Dcc::SwitchOff,
        Dcc::Suspend,
        Dcc::Resume,
    ]);
    prop_oneof![
        dcc.prop_map(PosCommand::Command),
        bytes(9).prop_map(PosCommand::AllowedNozzles),
        (0u32..100_000_000).prop_map(PosCommand::PresetVolume),
        (0u32..100_000_000).prop_map(PosCommand::PresetAmount),
        prop::collection::vec(0u32..1_000_000, 0..9).prop_map(PosCommand::Prices),
        any::<u8>().prop_map(PosCommand::RequestTotals),
    ]
}

/// The application layer's invariants for any block: commands re-encode to the very bytes they
/// came from; replies decode the same when encoded again (DC3 keeps only bits 0..4 of NOZIO).
fn check_blocks(block: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(cmds) = app::decode_commands(block) {
        prop_assert_eq!(app::encode_commands(&cmds), Ok(block.to_vec()));
    }
    if let Ok(replies) = app::decode_replies(block) {
        let again = app::encode_replies(&replies).expect("decoded replies encode");
        prop_assert_eq!(app::decode_replies(&again), Ok(replies));
    }
    Ok(())
}

/// A port whose other end answers each write with the next scripted answer.
struct ScriptedPort {
    answers: VecDeque<Vec<u8>>,
    pending: VecDeque<u8>,
    written: Vec<u8>,
}

impl Read for ScriptedPort {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        let n = buf.len().min(self.pending.len());
        for (b, p) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *b = p;
        }
        Ok(n)
    }
}

impl Write for ScriptedPort {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.written.extend_from_slice(buf);
        if buf.last() == Some(&0xFA) {
            self.pending.extend(self.answers.pop_front().unwrap_or_default());
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn master(answers: Vec<Vec<u8>>) -> Master<ScriptedPort> {
    let mut m = Master::new(ScriptedPort { answers: answers.into(), pending: VecDeque::new(), written: Vec::new() });
    m.reply_timeout = Duration::from_millis(1);
    m
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn dart_line_arbitrary_bytes(stream in line_bytes(700), split in any::<prop::sample::Index>()) {
        let whole = decode_checked(&stream)?;
        // However the bytes arrive, the same frames come out.
        let at = split.index(stream.len() + 1);
        let mut d = Decoder::new();
        let mut parts = d.push_all(&stream[..at]);
        parts.extend(d.push_all(&stream[at..]));
        prop_assert_eq!(parts, whole);
    }

    #[test]
    fn dart_line_mutated_frames(frames in prop::collection::vec(frame(), 1..4), ms in mutations()) {
        let wire: Vec<u8> = frames.iter().flat_map(Frame::encode).collect();
        let decoded: Vec<Frame> = decode_checked(&wire)?.into_iter().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(decoded, frames);
        decode_checked(&mutate(wire, &ms))?;
    }

    #[test]
    fn dart_app_random_payload_with_a_valid_crc(address in 0x50u8..0x70, tx in 0u8..16, payload in bytes(MAX_FRAME - 5)) {
        let f = Frame::data(address, tx, payload.clone());
        let frames = decode_checked(&f.encode())?;
        prop_assert_eq!(&frames, &vec![Ok(f)]);
        check_blocks(&payload)?;
    }

    #[test]
    fn dart_app_mutated_blocks(replies in prop::collection::vec(reply(), 0..5), cmds in prop::collection::vec(command(), 0..5), ms in mutations()) {
        let block = app::encode_replies(&replies).unwrap();
        prop_assert_eq!(app::decode_replies(&block), Ok(replies));
        check_blocks(&mutate(block, &ms))?;
        let block = app::encode_commands(&cmds).unwrap();
        prop_assert_eq!(app::decode_commands(&block), Ok(cmds));
        check_blocks(&mutate(block, &ms))?;
    }

    /// The master takes replies only from an intact data frame of the pump it polled.
    #[test]
    fn dart_master_polls_through_noise(
        answers in prop::collection::vec(prop_oneof![
            bytes(80),
            (prop::collection::vec(reply(), 1..3), 0u8..16, prop::bool::ANY).prop_map(|(r, tx, other)| {
                Frame::data(if other { 0x51 } else { 0x50 }, tx, app::encode_replies(&r).unwrap()).encode()
            }),
            (prop::collection::vec(reply(), 1..3), mutations())
                .prop_map(|(r, ms)| mutate(Frame::data(0x50, 3, app::encode_replies(&r).unwrap()).encode(), &ms)),
        ], 0..4),
    ) {
        // The master's decoder sees the answers one after another, as one stream.
        let heard: Vec<Vec<PumpReply>> = Decoder::new()
            .push_all(&answers.concat())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|f| f.address == 0x50 && matches!(f.control, Control::Data(_)))
            .filter_map(|f| app::decode_replies(&f.payload).ok())
            .collect();
        let mut m = master(answers);
        if let Ok(replies) = m.poll(0x50) {
            prop_assert!(replies.is_empty() || heard.contains(&replies), "{:?} was never sent", replies);
        }
        let _ = m.send(0x50, &[PosCommand::Command(Dcc::Authorize)]);
    }

    /// The simulated bus reads whatever the line carries without panicking.
    #[test]
    fn dart_sim_bus_arbitrary_bytes(stream in bytes(400), cmds in prop::collection::vec(command(), 0..4), ms in mutations()) {
        let mut bus = SimBus::new(vec![SimPump::new(0x50, 2), SimPump::new(0x51, 1)]);
        bus.on_bytes(&stream);
        let wire = Frame::data(0x50, 1, app::encode_commands(&cmds).unwrap()).encode();
        bus.on_bytes(&mutate(wire, &ms));
        bus.tick();
        bus.on_bytes(&Frame::short(0x50, Control::Poll).encode());
    }
}

fn reading() -> impl Strategy<Value = tls::TankReading> {
    let f = || any::<f32>().prop_filter("finite", |f| f.is_finite());
    (
        0u8..100,
        prop::char::range('0', 'z').prop_filter("alnum", char::is_ascii_alphanumeric),
        any::<u16>(),
        [f(), f(), f(), f(), f(), f(), f()],
    )
        .prop_map(|(tank, product, status, v)| tls::TankReading {
            tank,
            product,
            status,
            volume: v[0],
            tc_volume: v[1],
            ullage: v[2],
            height: v[3],
            water: v[4],
            temperature: v[5],
            water_volume: v[6],
        })
}

/// A TLS reply made from `text` (SOH .. `&&`) with the right checksum.
fn tls_reply(text: &[u8]) -> Vec<u8> {
    let mut out = text.to_vec();
    let c = tls::checksum(&out);
    out.extend(format!("{c:04X}").bytes());
    out.push(tls::ETX);
    out
}

/// Whatever parses re-encodes into a reply that parses the same.
fn check_tls(reply: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(inv) = tls::parse_i201(reply) {
        prop_assert!(inv.tanks.iter().all(|t| [t.volume, t.ullage, t.height, t.water].iter().all(|f| f.is_finite())));
        prop_assert_eq!(tls::parse_i201(&tls::encode_i201(0, &inv)), Ok(inv));
    }
    // A delivery report parses to finite volumes and gauge times, or not at all.
    if let Ok((at, list)) = tls::parse_i202(reply) {
        prop_assert!(at.len() == 10 && at.bytes().all(|b| b.is_ascii_digit()));
        prop_assert!(list.iter().all(|d| d.start_volume.is_finite() && d.end_volume.is_finite() && d.end.len() == 10));
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn tls_arbitrary_bytes(reply in bytes(300), text in "[\\x01i2019&0-9A-F. -~]{0,120}") {
        check_tls(&reply)?;
        let mut framed = vec![tls::SOH];
        framed.extend_from_slice(&reply);
        framed.push(tls::ETX);
        check_tls(&framed)?;
        check_tls(&tls_reply(text.as_bytes()))?;
        check_tls(&tls_reply(format!("\x01i20100{text}&&").as_bytes()))?;
        check_tls(&tls_reply(format!("\x01i20200{text}&&").as_bytes()))?;
    }

    #[test]
    fn tls_round_trip_and_mutations(at in "[0-9]{10}", tanks in prop::collection::vec(reading(), 0..4), ms in mutations()) {
        let inv = tls::Inventory { at, tanks };
        let wire = tls::encode_i201(0, &inv);
        prop_assert_eq!(tls::parse_i201(&wire), Ok(inv));
        let mutated = mutate(wire.clone(), &ms);
        check_tls(&mutated)?;
        // The same change with the checksum made right: past the checksum, into the records.
        let body = &wire[..wire.len() - 5];
        let mut text = mutate(body.to_vec(), &ms);
        text.extend_from_slice(b"&&");
        check_tls(&tls_reply(&text))?;
    }

    /// The simulated printer takes any bytes in any chunks the same way, and answers nothing
    /// but status bytes.
    #[test]
    fn escpos_sim_printer_arbitrary_bytes(stream in bytes(600), split in any::<prop::sample::Index>()) {
        let mut whole = SimPrinter::new();
        let answer = whole.on_bytes(&stream);
        let at = split.index(stream.len() + 1);
        let mut parts = SimPrinter::new();
        let mut answer2 = parts.on_bytes(&stream[..at]);
        answer2.extend(parts.on_bytes(&stream[at..]));
        prop_assert_eq!(&answer, &answer2);
        prop_assert_eq!(&whole.out, &parts.out);
        prop_assert!(answer.iter().all(|&b| Status::from_byte(b).is_some()), "{:02X?}", answer);
    }

    #[test]
    fn escpos_status_bytes(b in any::<u8>()) {
        let fixed = b & 0b1001_0011 == 0b0001_0010;
        prop_assert_eq!(Status::from_byte(b).is_some(), fixed);
        if let Some(s) = Status::from_byte(b) {
            prop_assert_eq!(s.byte(), b);
        }
    }

    #[test]
    fn escpos_lines_print_back(lines in prop::collection::vec("[ -~äöüßéèàç€£ñÄÖÜ×½]{0,48}", 0..6), ms in mutations()) {
        let job = lines.iter().fold(escpos::Job::new(), |j, l| j.line(l)).qr("TILL:X:1").cut();
        let mut p = SimPrinter::new();
        p.on_bytes(job.bytes());
        // The QR code's print command ends in a line feed of its own: an empty line.
        let expected: Vec<String> = lines.iter().cloned().chain([String::new()]).collect();
        prop_assert_eq!(p.text(), expected);
        SimPrinter::new().on_bytes(&mutate(job.bytes().to_vec(), &ms));
    }

    #[test]
    fn scale_arbitrary_answers(line in "\\PC{0,40}", raw in bytes(80)) {
        for l in [line.as_str(), &String::from_utf8_lossy(&raw)] {
            match scale::parse(l) {
                scale::Reading::Stable { value, unit } | scale::Reading::Moving { value, unit } => {
                    prop_assert!(scale::is_weight(&value), "{:?} read as a weight", value);
                    prop_assert!(!unit.is_empty() && unit.chars().all(|c| c.is_ascii_alphabetic()));
                }
                _ => {}
            }
        }
        let mut sim = scale::SimScale::new(scale::SimState::Stable(1.0));
        sim.on_bytes(&raw);
    }

    #[test]
    fn scale_answers_round_trip_and_mutations(
        head in prop::sample::select(vec!["S", "SI"]),
        stable in any::<bool>(),
        value in "-?[0-9]{1,6}(\\.[0-9]{1,5})?",
        unit in prop::sample::select(vec!["kg", "g", "lb", "oz"]),
        ms in mutations(),
    ) {
        let line = format!("{head} {} {value:>10} {unit}", if stable { "S" } else { "D" });
        let expected = if stable {
            scale::Reading::Stable { value: value.clone(), unit: unit.to_string() }
        } else {
            scale::Reading::Moving { value: value.clone(), unit: unit.to_string() }
        };
        prop_assert_eq!(scale::parse(&line), expected);
        let mutated = String::from_utf8_lossy(&mutate(line.into_bytes(), &ms)).to_string();
        if let scale::Reading::Stable { value, .. } | scale::Reading::Moving { value, .. } = scale::parse(&mutated) {
            prop_assert!(scale::is_weight(&value));
        }
    }

    #[test]
    fn scanner_arbitrary_bytes(stream in bytes(400), split in any::<prop::sample::Index>()) {
        let whole = scanner::Decoder::new().push(&stream);
        let at = split.index(stream.len() + 1);
        let mut d = scanner::Decoder::new();
        let mut parts = d.push(&stream[..at]);
        parts.extend(d.push(&stream[at..]));
        prop_assert_eq!(&parts, &whole);
        for r in whole {
            if let scanner::Read::Code(c) = r {
                prop_assert!(!c.is_empty() && c.len() <= scanner::MAX_CODE && c.trim() == c);
                prop_assert!(c.bytes().all(|b| (0x20..0x7f).contains(&b)));
            }
        }
        let _ = scanner::SimScanner::with_wrong_check_digit(&String::from_utf8_lossy(&stream));
    }

    #[test]
    fn scanner_codes_round_trip(codes in prop::collection::vec("[!-~][ -~]{0,30}[!-~]|[!-~]", 1..5), ms in mutations()) {
        let sim = scanner::SimScanner;
        let wire: Vec<u8> = codes.iter().flat_map(|c| sim.scan(c)).collect();
        let got = scanner::Decoder::new().push(&wire);
        prop_assert_eq!(got, codes.iter().map(|c| scanner::Read::Code(c.clone())).collect::<Vec<_>>());
        scanner::Decoder::new().push(&mutate(wire, &ms));
    }
}
