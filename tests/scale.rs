//! The scale over a pty against the simulated MT-SICS scale: stable, moving-then-stable,
//! overload, underload.

use serialport::{SerialPort, TTYPort};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use till::devices::scale::{Scale, WeighError};
use till_hardware::scale::{SimScale, SimState};

fn scale_on_pty(state: SimState) -> (Scale, Arc<Mutex<SimScale>>) {
    let (mut sim_end, mut till_end) = TTYPort::pair().unwrap();
    sim_end.set_timeout(Duration::from_millis(2)).unwrap();
    till_end.set_timeout(Duration::from_millis(2)).unwrap();
    let sim = Arc::new(Mutex::new(SimScale::new(state)));
    let s = sim.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        loop {
            match std::io::Read::read(&mut sim_end, &mut buf) {
                Ok(n) if n > 0 => {
                    let out = s.lock().unwrap().on_bytes(&buf[..n]);
                    if !out.is_empty() && std::io::Write::write_all(&mut sim_end, &out).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return,
            }
        }
    });
    (Scale::start(till_end), sim)
}

fn weigh(s: &Scale) -> Result<String, WeighError> {
    s.weigh().recv_timeout(Duration::from_secs(10)).unwrap().map(|w| w.to_string())
}

#[test]
fn stable_moving_then_stable_and_overload() {
    let (scale, sim) = scale_on_pty(SimState::Stable(1.25));
    assert_eq!(weigh(&scale), Ok("1.250".into()));

    sim.lock().unwrap().state = SimState::Moving { reads_left: 5, settles_at: 0.755 };
    assert_eq!(weigh(&scale), Ok("0.755".into()), "waits until the weight settles");

    sim.lock().unwrap().state = SimState::Overload;
    assert_eq!(weigh(&scale), Err(WeighError::Overload));
    sim.lock().unwrap().state = SimState::Underload;
    assert_eq!(weigh(&scale), Err(WeighError::Underload));
}

/// A scale on a pty that answers every `S` with `answer` (and `I4` with its serial number).
fn answering_scale(answer: &'static str) -> Scale {
    let (mut sim_end, mut till_end) = TTYPort::pair().unwrap();
    sim_end.set_timeout(Duration::from_millis(2)).unwrap();
    till_end.set_timeout(Duration::from_millis(2)).unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        let mut line = Vec::new();
        loop {
            match std::io::Read::read(&mut sim_end, &mut buf) {
                Ok(n) if n > 0 => line.extend_from_slice(&buf[..n]),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
                Err(_) => return,
            }
            while let Some(end) = line.windows(2).position(|w| w == b"\r\n") {
                let cmd: Vec<u8> = line.drain(..end + 2).take(end).collect();
                let out = if cmd == b"S" { answer.to_string() } else { "I4 A \"0123456789\"".to_string() };
                if std::io::Write::write_all(&mut sim_end, format!("{out}\r\n").as_bytes()).is_err() {
                    return;
                }
            }
        }
    });
    Scale::start(till_end)
}

#[test]
fn units_are_taken_exactly_or_refused_and_no_odd_weight_is_sold() {
    assert_eq!(weigh(&answering_scale("S S      1250 g")), Ok("1.250".into()), "grams, exactly");
    assert_eq!(weigh(&answering_scale("S S     2.000 lb")), Err(WeighError::Unit("lb".into())), "never 2.000 kg");
    assert_eq!(weigh(&answering_scale("S S     1.000 oz")), Err(WeighError::Unit("oz".into())));
    assert_eq!(weigh(&answering_scale("S S    -0.500 kg")), Err(WeighError::Underload), "a negative weight");
    for odd in ["S S       1e3 kg", "S S        +2 kg", "S S     1_000 g", "S S       inf kg", "S S    1.2345 kg"] {
        assert!(matches!(weigh(&answering_scale(odd)), Err(WeighError::Device(_))), "{odd}");
    }
}
