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
