//! The tank monitor: a thread that asks the tank gauge for its inventory now and then and keeps
//! the last readings with Till's alarms (low level, high water, gauge alarm).

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use till_hardware::tls::{self, TankReading};

#[derive(Debug, Clone, PartialEq)]
pub struct TankView {
    pub reading: TankReading,
    pub alarms: Vec<&'static str>,
}

/// The last inventory, or why there is none.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TankState {
    pub tanks: Vec<TankView>,
    pub error: Option<String>,
}

#[derive(Clone)]
pub struct TankMonitor {
    state: Arc<Mutex<TankState>>,
}

impl TankMonitor {
    /// Starts polling the gauge on `port` every `every`.
    pub fn start<P: Read + Write + Send + 'static>(mut port: P, every: Duration) -> TankMonitor {
        let state = Arc::new(Mutex::new(TankState::default()));
        let shared = state.clone();
        std::thread::Builder::new()
            .name("till-tanks".into())
            .spawn(move || loop {
                let result = read_inventory(&mut port);
                if let Ok(mut s) = shared.lock() {
                    match result {
                        Ok(tanks) => {
                            s.tanks = tanks
                                .into_iter()
                                .map(|r| TankView { alarms: crate::hw::tank_alarms(&r), reading: r })
                                .collect();
                            s.error = None;
                        }
                        Err(e) => s.error = Some(e),
                    }
                }
                std::thread::sleep(every);
            })
            .ok();
        TankMonitor { state }
    }

    pub fn state(&self) -> TankState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn read_inventory<P: Read + Write>(port: &mut P) -> Result<Vec<TankReading>, String> {
    let mut junk = [0u8; 256];
    while port.read(&mut junk).unwrap_or(0) > 0 {}
    port.write_all(&tls::request_i201(0)).map_err(|e| format!("tank gauge: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut reply = Vec::new();
    let mut buf = [0u8; 512];
    while Instant::now() < deadline && reply.last() != Some(&tls::ETX) {
        let n = port.read(&mut buf).unwrap_or(0);
        reply.extend_from_slice(&buf[..n]);
    }
    if reply.is_empty() {
        return Err("the tank gauge does not answer".into());
    }
    tls::parse_i201(&reply).map(|i| i.tanks).map_err(|e| format!("tank gauge: {e}"))
}
