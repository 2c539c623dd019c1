//! `till hw ports [--udev]`: the serial adapters this PC has, read from sysfs (the serial port
//! crate is built without libudev), and the udev rules that give each configured device a
//! stable name under /dev/till/ from its adapter's serial number.

use crate::config::Config;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One serial port as sysfs describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// `/dev/ttyUSB0`.
    pub dev: String,
    pub usb: Option<Usb>,
}

/// The USB adapter behind a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usb {
    pub vendor: String,
    pub product: String,
    pub serial: Option<String>,
    pub name: String,
    /// The interface's number (an adapter with four ports has 00 to 03).
    pub interface: String,
    /// The interface's sysfs name, `1-1.2:1.0`: the socket it is plugged into.
    pub kernels: String,
}

fn read(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Text from sysfs put into a udev rule or a comment: printable ASCII without quotes.
fn clean(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_graphic() || *c == ' ').filter(|c| !matches!(c, '"' | '\\')).collect()
}

/// The serial ports under `sys` (normally `/sys`): USB adapters, and built-in UARTs that are
/// really there.
pub fn scan(sys: &Path) -> Vec<Port> {
    let sys = &std::fs::canonicalize(sys).unwrap_or_else(|_| sys.to_path_buf());
    let Ok(entries) = std::fs::read_dir(sys.join("class/tty")) else { return Vec::new() };
    let mut ports = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Ok(device) = std::fs::canonicalize(e.path().join("device")) else { continue };
        // Walk up to the USB device (the directory with idVendor); the interface is the one
        // below it.
        let mut usb = None;
        let mut below: Option<PathBuf> = None;
        let mut at = Some(device.as_path());
        while let Some(dir) = at {
            if let (Some(vendor), Some(product)) = (read(&dir.join("idVendor")), read(&dir.join("idProduct"))) {
                let iface = below.clone().unwrap_or_else(|| dir.to_path_buf());
                usb = Some(Usb {
                    vendor: clean(&vendor),
                    product: clean(&product),
                    serial: read(&dir.join("serial")).map(|s| clean(&s)).filter(|s| !s.is_empty()),
                    name: [read(&dir.join("manufacturer")), read(&dir.join("product"))]
                        .into_iter()
                        .flatten()
                        .map(|s| clean(&s))
                        .collect::<Vec<_>>()
                        .join(" "),
                    interface: read(&iface.join("bInterfaceNumber")).map(|s| clean(&s)).unwrap_or_else(|| "00".into()),
                    kernels: clean(&iface.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default()),
                });
                break;
            }
            if read(&dir.join("bInterfaceNumber")).is_some() {
                below = Some(dir.to_path_buf());
            }
            at = dir.parent().filter(|p| p.starts_with(sys));
        }
        // A built-in UART slot without a chip behind it reports type 0.
        let uart = name.starts_with("ttyS") && read(&e.path().join("type")).is_some_and(|t| t != "0");
        if usb.is_some() || uart {
            ports.push(Port { dev: format!("/dev/{}", clean(&name)), usb });
        }
    }
    ports.sort_by(|a, b| a.dev.cmp(&b.dev));
    ports
}

/// The configured devices' roles and ports: the names under /dev/till/.
pub fn roles(cfg: &Config) -> Vec<(&'static str, String)> {
    let mut r = Vec::new();
    let mut add = |role, port: Option<&String>| {
        if let Some(p) = port.filter(|p| p.starts_with('/')) {
            r.push((role, p.clone()));
        }
    };
    add("pumps", cfg.forecourt.as_ref().map(|f| &f.port));
    add("tanks", cfg.tank_gauge_port.as_ref());
    add("printer", cfg.printer_port.as_ref());
    add("display", cfg.display.as_ref().map(|d| &d.0));
    add("scale", cfg.scale_port.as_ref());
    add("scanner", cfg.scanner_port.as_ref());
    add("card", cfg.card_terminal.as_ref().map(|c| &c.port));
    r
}

/// The rules file: one rule per adapter, named after the configured device on it (a commented
/// placeholder for an adapter no configured device uses). `resolve` turns a configured path
/// into the port it is now (symlinks followed).
pub fn udev_rules(ports: &[Port], roles: &[(&str, String)], resolve: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::from(
        "# Stable names for Till's serial devices, written by `till hw ports --udev`.\n\
         # Install: till hw ports --udev > /etc/udev/rules.d/61-till-ports.rules\n\
         #          udevadm control --reload && udevadm trigger --subsystem-match=tty\n\
         # Then name the devices in /etc/till/config.toml by these links (port = \"/dev/till/printer\").\n",
    );
    let mut named = Vec::new();
    for p in ports {
        let Some(u) = &p.usb else {
            out.push_str(&format!("\n# {}: a built-in serial port; its name is already stable\n", p.dev));
            continue;
        };
        let role = roles.iter().find(|(_, port)| resolve(port).as_deref() == Some(p.dev.as_str())).map(|(r, _)| *r);
        let ident = match &u.serial {
            Some(s) => format!(
                "ENV{{ID_VENDOR_ID}}==\"{}\", ENV{{ID_MODEL_ID}}==\"{}\", ENV{{ID_SERIAL_SHORT}}==\"{s}\", ENV{{ID_USB_INTERFACE_NUM}}==\"{}\"",
                u.vendor, u.product, u.interface
            ),
            // Without a serial number, the socket it is plugged into names it.
            None => format!("KERNELS==\"{}\"", u.kernels),
        };
        out.push_str(&format!(
            "\n# {} ({} {}:{}{}){}\n",
            p.dev,
            if u.name.is_empty() { "USB serial adapter" } else { &u.name },
            u.vendor,
            u.product,
            u.serial
                .as_ref()
                .map(|s| format!(", serial {s}"))
                .unwrap_or_else(|| ", no serial number: named by its USB socket".into()),
            if role.is_some() { "" } else { ": no configured device uses it; give it a role" }
        ));
        let rule = format!(
            "SUBSYSTEM==\"tty\", {ident}, GROUP=\"till\", MODE=\"0660\", ENV{{ID_MM_DEVICE_IGNORE}}=\"1\", SYMLINK+=\"till/{}\"\n",
            role.unwrap_or("ROLE")
        );
        match role {
            Some(r) => {
                named.push(r);
                out.push_str(&rule);
            }
            None => out.push_str(&format!("# {rule}")),
        }
    }
    for (role, port) in roles {
        if !named.contains(role) {
            out.push_str(&format!("\n# {role}: configured as {port}, which is none of the adapters above\n"));
        }
    }
    out
}

pub(super) fn ports(cfg: &Config, udev: bool) -> anyhow::Result<ExitCode> {
    let found = scan(Path::new("/sys"));
    if udev {
        let resolve = |p: &str| std::fs::canonicalize(p).ok().map(|p| p.display().to_string());
        print!("{}", udev_rules(&found, &roles(cfg), &resolve));
        return Ok(ExitCode::SUCCESS);
    }
    if found.is_empty() {
        println!("no serial ports found");
    }
    for p in &found {
        match &p.usb {
            Some(u) => println!(
                "{}\tUSB {}:{}\tserial {}\tinterface {}\t{}",
                p.dev,
                u.vendor,
                u.product,
                u.serial.as_deref().unwrap_or("(none)"),
                u.interface,
                u.name
            ),
            None => println!("{}\tbuilt-in", p.dev),
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, text: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// A sysfs with an FTDI adapter (serial A1B2), a CH340 without a serial number, a UART
    /// that is there and one that is not.
    fn fake_sys() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let sys = t.path();
        let usb = |dev: &str, iface: &str, tty: &str, vendor: &str, product: &str, serial: Option<&str>| {
            let d = sys.join("devices/pci0000:00/usb1").join(dev);
            write(&d.join("idVendor"), &format!("{vendor}\n"));
            write(&d.join("idProduct"), &format!("{product}\n"));
            write(&d.join("manufacturer"), "Maker\n");
            write(&d.join("product"), "Serial \"Cable\"\n");
            if let Some(s) = serial {
                write(&d.join("serial"), &format!("{s}\n"));
            }
            let i = d.join(iface);
            write(&i.join("bInterfaceNumber"), "00\n");
            let port = i.join(tty);
            std::fs::create_dir_all(port.join("tty").join(tty)).unwrap();
            std::fs::create_dir_all(sys.join("class/tty").join(tty)).unwrap();
            std::os::unix::fs::symlink(&port, sys.join("class/tty").join(tty).join("device")).unwrap();
        };
        usb("1-1", "1-1:1.0", "ttyUSB0", "0403", "6001", Some("A1B2"));
        usb("1-2", "1-2:1.0", "ttyUSB1", "1a86", "7523", None);
        for (n, ty) in [("ttyS0", "4"), ("ttyS1", "0")] {
            let d = sys.join("devices/pnp0").join(n);
            std::fs::create_dir_all(&d).unwrap();
            write(&sys.join("class/tty").join(n).join("type"), ty);
            std::os::unix::fs::symlink(&d, sys.join("class/tty").join(n).join("device")).unwrap();
        }
        std::fs::create_dir_all(sys.join("class/tty/tty0")).unwrap();
        t
    }

    #[test]
    fn adapters_are_found_with_their_serial_numbers() {
        let t = fake_sys();
        let ports = scan(t.path());
        let devs: Vec<&str> = ports.iter().map(|p| p.dev.as_str()).collect();
        assert_eq!(devs, ["/dev/ttyS0", "/dev/ttyUSB0", "/dev/ttyUSB1"]);
        let ftdi = ports[1].usb.as_ref().unwrap();
        assert_eq!((ftdi.vendor.as_str(), ftdi.product.as_str()), ("0403", "6001"));
        assert_eq!(ftdi.serial.as_deref(), Some("A1B2"));
        assert_eq!((ftdi.interface.as_str(), ftdi.kernels.as_str()), ("00", "1-1:1.0"));
        assert_eq!(ftdi.name, "Maker Serial Cable", "quotes are dropped");
        assert_eq!(ports[2].usb.as_ref().unwrap().serial, None);
        assert!(scan(&t.path().join("nothing")).is_empty());
    }

    #[test]
    fn the_rules_name_configured_devices_and_leave_the_rest_commented() {
        let t = fake_sys();
        let ports = scan(t.path());
        let roles = vec![
            ("printer", "/dev/serial/by-id/usb-Maker-if00".to_string()),
            ("pumps", "/dev/ttyUSB1".to_string()),
            ("scale", "/dev/ttyUSB7".to_string()),
        ];
        let resolve = |p: &str| match p {
            "/dev/serial/by-id/usb-Maker-if00" => Some("/dev/ttyUSB0".to_string()),
            "/dev/ttyUSB1" => Some(p.to_string()),
            _ => None,
        };
        let rules = udev_rules(&ports, &roles, &resolve);
        let active: Vec<&str> = rules.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
        assert_eq!(
            active,
            [
                "SUBSYSTEM==\"tty\", ENV{ID_VENDOR_ID}==\"0403\", ENV{ID_MODEL_ID}==\"6001\", ENV{ID_SERIAL_SHORT}==\"A1B2\", ENV{ID_USB_INTERFACE_NUM}==\"00\", GROUP=\"till\", MODE=\"0660\", ENV{ID_MM_DEVICE_IGNORE}=\"1\", SYMLINK+=\"till/printer\"",
                "SUBSYSTEM==\"tty\", KERNELS==\"1-2:1.0\", GROUP=\"till\", MODE=\"0660\", ENV{ID_MM_DEVICE_IGNORE}=\"1\", SYMLINK+=\"till/pumps\"",
            ]
        );
        assert!(rules.contains("# scale: configured as /dev/ttyUSB7, which is none of the adapters above"));
        assert!(rules.contains("# /dev/ttyS0: a built-in serial port"));
        // With nothing configured every adapter gets a placeholder to fill in.
        let blank = udev_rules(&ports, &[], &resolve);
        assert_eq!(blank.lines().filter(|l| l.starts_with("# SUBSYSTEM==") && l.contains("till/ROLE")).count(), 2);
        assert!(blank.lines().all(|l| l.is_empty() || l.starts_with('#')));
    }
}
