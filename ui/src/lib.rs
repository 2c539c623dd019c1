//! Till's counter screens: view only. The `.slint` files under `ui/ui/` declare the screens and
//! one `global` per concern (`Api`, `Strings`, `Theme`); the application wires them to the
//! service in `till::gui`. Nothing here knows the store, the devices or the network.

slint::include_modules!();
