//! The device settings screen (managers): each shop device's state and port, Apply (stored,
//! journaled, and the device reopened at once), and the tests: test page, open drawer, show
//! text, read weight. A code read by a scanner while the screen is open is shown, not sold.

use super::shop::DEVICES;
use super::{shown, Gui};
use crate::service::Command;
use crate::store::DeviceSetting;
use slint::{ModelRc, SharedString, VecModel};
use std::rc::Rc;
use till_hardware::display::Protocol;
use till_ui::{DeviceRow, DeviceTest, Page};

/// Serial ports found on this machine, for picking instead of typing.
fn found_ports() -> Vec<String> {
    let mut ports: Vec<String> =
        serialport::available_ports().map(|ps| ps.into_iter().map(|p| p.port_name).collect()).unwrap_or_default();
    // Stable names survive a re-plug in another USB socket: offer them first.
    if let Ok(dir) = std::fs::read_dir("/dev/serial/by-id") {
        let mut ids: Vec<String> = dir.flatten().map(|e| e.path().display().to_string()).collect();
        ids.sort();
        ports.splice(0..0, ids);
    }
    ports.dedup();
    ports.truncate(4);
    ports
}

impl Gui {
    pub(super) fn open_devices(&self) {
        self.send(Command::Devices, |g, r| match r {
            Ok(out) => g.devices_listed(out.devices.unwrap_or_default(), None),
            Err(e) => g.show_error(&e),
        });
    }

    /// The answer to `Devices` or `SetDevice`: the list, and the screen.
    pub(super) fn devices_listed(&self, list: Vec<DeviceSetting>, applied: Option<DeviceSetting>) {
        {
            let mut st = self.state.borrow_mut();
            st.devices = list;
            // The ports on this machine, looked up when the screen opens or a device is applied.
            st.ports = found_ports();
        }
        if let Some(d) = applied {
            if let Some(me) = super::me() {
                me.reattach(&d);
                let name = self.i18n.borrow().tr(&format!("device-{}", d.device));
                let text = self.i18n.borrow().tr_args("devices-saved", &[("device", name.into())]);
                self.devices_ui().set_device_result(text.into());
            }
        }
        if self.enter_screen(Page::Devices) {
            self.devices_ui().set_device_result(SharedString::new());
        }
        self.render_devices();
    }

    /// Opens the device on its new port (or drops it), replacing the one in use.
    pub(super) fn reattach(self: &Rc<Self>, d: &DeviceSetting) {
        let port = Some(d.port.as_str()).filter(|p| !p.is_empty());
        match d.device.as_str() {
            "printer" => match port {
                Some(p) => self.attach_printer(crate::devices::printer::Printer::open(p)),
                None => self.executor.borrow_mut().printer = None,
            },
            "display" => match port {
                Some(p) => {
                    let protocol = d.protocol.as_deref().and_then(|p| p.parse().ok()).unwrap_or(Protocol::Epson);
                    self.attach_display(crate::devices::display::CustomerDisplay::open(p, protocol));
                }
                None => self.executor.borrow_mut().display = None,
            },
            "scale" => match port {
                Some(p) => self.attach_scale(crate::devices::scale::Scale::open(p)),
                None => *self.scale.borrow_mut() = None,
            },
            _ => match port {
                Some(p) => self.attach_scanner(crate::devices::scanner::Scanner::open(p, super::scanned)),
                None => *self.scanner.borrow_mut() = None,
            },
        }
        // Redraws the chips (and this screen) when the device's health changed.
        self.check_devices();
    }

    pub(super) fn apply_device(&self, device: &str, port: &str, protocol: &str) {
        let protocol = (device == "display").then(|| protocol.to_string());
        let setting = DeviceSetting { device: device.into(), port: port.trim().into(), protocol };
        let cmd = Command::SetDevice {
            device: setting.device.clone(),
            port: setting.port.clone(),
            protocol: setting.protocol.clone(),
        };
        self.send(cmd, move |g, r| match r {
            Ok(out) => g.devices_listed(out.devices.unwrap_or_default(), Some(setting)),
            Err(e) => g.show_error(&e),
        });
    }

    pub(super) fn test_device(&self, device: &str, action: &str) {
        let (d, a) = (device.to_string(), action.to_string());
        self.send(Command::DeviceTest { device: device.into(), action: action.into() }, move |g, r| match r {
            Ok(_) => g.run_device_test(&d, &a),
            other => shown(g, other),
        });
    }

    /// The test was journaled: run it. Answers from the device come back on the UI thread.
    pub(super) fn run_device_test(&self, device: &str, action: &str) {
        let i18n = self.i18n.borrow();
        let working = i18n.tr("devices-testing");
        self.devices_ui().set_device_result(working.into());
        match (device, action) {
            ("printer", "test-page") => {
                let Some(printer) = self.executor.borrow().printer.clone() else { return };
                let job = till_hardware::escpos::Job::new()
                    .title(&self.config.store.name)
                    .line(&i18n.tr("devices-test-page"))
                    .line("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789")
                    .line("ÄÖÜ äöü ß é è ñ € £")
                    .line(&"-".repeat(crate::receipt::WIDTH_80MM))
                    .qr(&format!("TILL:{}:TEST", self.config.terminal_id))
                    .cut();
                let rx = printer.submit(job.bytes().to_vec());
                std::thread::spawn(move || {
                    let key = match super::shop::print_outcome(rx) {
                        crate::devices::printer::PrintResult::Printed => "printer-ready".to_string(),
                        crate::devices::printer::PrintResult::Failed(r) => format!("printer-{r}"),
                    };
                    tested(move |g| g.i18n.borrow().tr(&key));
                });
            }
            ("printer", "open-drawer") => {
                if let Some(p) = self.executor.borrow().printer.as_ref() {
                    p.kick_drawer();
                }
                self.devices_ui().set_device_result(i18n.tr("devices-drawer-kicked").into());
            }
            ("display", "show-text") => {
                if let Some(d) = self.executor.borrow().display.as_ref() {
                    d.show((self.config.store.name.clone(), i18n.tr("devices-test-text")));
                }
                self.devices_ui().set_device_result(i18n.tr("devices-text-shown").into());
            }
            ("scale", "read-weight") => {
                let Some(scale) = self.scale.borrow().clone() else { return };
                let rx = scale.weigh();
                std::thread::spawn(move || {
                    let result = super::shop::weigh_outcome(rx);
                    tested(move |g| {
                        let i18n = g.i18n.borrow();
                        match &result {
                            Ok(kg) => format!("{} kg", i18n.format().number(*kg, 3)),
                            Err(e) => i18n.tr(super::view::weigh_error_key(e)),
                        }
                    });
                });
            }
            _ => {}
        }
    }

    /// A code from a scanner while the settings screen is open.
    pub(super) fn scanned_on_devices(&self, code: &str) {
        let i18n = self.i18n.borrow();
        let verdict = match crate::domain::barcode::parse(code) {
            Ok(_) => i18n.tr("devices-code-valid"),
            Err(e) => e.to_string(),
        };
        let text = i18n.tr_args("devices-scanned", &[("code", code.to_string().into()), ("verdict", verdict.into())]);
        self.devices_ui().set_device_result(text.into());
    }

    /// The rows: port, state and tests of each device.
    pub(super) fn render_devices(&self) {
        if self.shell().get_page() != Page::Devices {
            return;
        }
        let i18n = self.i18n.borrow();
        let health = self.device_health();
        let st = self.state.borrow();
        let rows: Vec<DeviceRow> = st
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let h = &health[DEVICES.iter().position(|n| *n == d.device).unwrap_or(3)];
                let (state, status) = match h {
                    None => (0, i18n.tr("devices-not-attached")),
                    Some(s) if !s.online => (3, i18n.tr(&format!("device-{}", s.detail))),
                    Some(s) if d.device == "printer" => {
                        let (text, state) = super::view::printer_status(&i18n, s);
                        (state, text)
                    }
                    Some(_) => (1, i18n.tr("device-ready")),
                };
                let simulated = d.port.is_empty() && h.is_some();
                let status = if simulated { format!("{status} · {}", i18n.tr("devices-simulated")) } else { status };
                // The empty port field says what an empty port means here.
                let hint = i18n.tr(if simulated { "devices-port-simulated" } else { "devices-port-none" });
                let tests: Vec<(&str, &str)> = match d.device.as_str() {
                    "printer" => vec![("test-page", "devices-test-page"), ("open-drawer", "devices-open-drawer")],
                    "display" => vec![("show-text", "devices-show-text")],
                    "scale" => vec![("read-weight", "devices-read-weight")],
                    _ => vec![],
                };
                let mut candidates: Vec<SharedString> =
                    st.ports.iter().filter(|p| **p != d.port).map(|p| p.as_str().into()).collect();
                if i == 0 && !d.port.starts_with("tcp://") {
                    candidates.push("tcp://192.168.1.100:9100".into());
                }
                DeviceRow {
                    id: d.device.as_str().into(),
                    name: i18n.tr(&format!("device-{}", d.device)).into(),
                    state: super::view::chip(state),
                    status: status.into(),
                    port: d.port.as_str().into(),
                    hint: hint.into(),
                    protocol: d.protocol.clone().unwrap_or_default().into(),
                    protocols: ModelRc::new(VecModel::from(if d.device == "display" {
                        vec![SharedString::from("epson"), SharedString::from("cd5220")]
                    } else {
                        vec![]
                    })),
                    candidates: ModelRc::new(VecModel::from(candidates)),
                    tests: ModelRc::new(VecModel::from(
                        tests
                            .into_iter()
                            .map(|(id, key)| DeviceTest { id: id.into(), label: i18n.tr(key).into() })
                            .collect::<Vec<_>>(),
                    )),
                }
            })
            .collect();
        self.devices_ui().set_devices(ModelRc::new(VecModel::from(rows)));
    }
}

/// Shows a test's outcome, computed on the UI thread from the device's answer.
fn tested(text: impl FnOnce(&Gui) -> String + Send + 'static) {
    super::on_ui(move |gui| {
        let t = text(gui);
        gui.devices_ui().set_device_result(t.into());
    });
}
