//! Finding items at the kiosk: the scanner (a code scanned on the start screen starts in the
//! kiosk's language), and the search: the customer types part of a name on the on-screen
//! keyboard and the tiles show what matches in every category (a view of the catalog the window
//! already holds). What is added goes through the session like a tile's touch.

use super::Gui;
use crate::service::{Command, Outcome};
use std::rc::Rc;

/// The longest search a customer types.
const MAX_SEARCH: usize = 30;

/// `text` after one key of the keyboard: a character, "back" (delete) or "clear".
pub(super) fn search_after(text: &str, key: &str) -> String {
    let mut text = text.to_string();
    match key {
        "back" => {
            text.pop();
        }
        "clear" => text.clear(),
        // No leading space, no two in a row.
        " " if text.is_empty() || text.ends_with(' ') => {}
        k if k.chars().count() == 1 && text.chars().count() < MAX_SEARCH => text.push_str(k),
        _ => {}
    }
    text
}

/// Whether a product's name (lower case) answers a customer's search: every word typed begins a
/// word of the name ("cola" finds "Cola Zero" and "Fruit Gums Cola", not "Chocolate").
pub(super) fn name_matches(name_lc: &str, search: &str) -> bool {
    let words: Vec<&str> = name_lc.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let mut typed = search.split_whitespace().peekable();
    typed.peek().is_some() && typed.all(|t| words.iter().any(|w| w.starts_with(&t.to_lowercase())))
}

impl Gui {
    /// A code the kiosk's scanner read: into the basket while shopping (from the start screen
    /// too); ignored while paying or at the pumps. A code nobody knows calls staff (the session).
    pub(super) fn kiosk_scan(&self, code: &str) {
        let ui = self.kiosk_ui();
        let fuel_only = self.config.kiosk.as_ref().is_some_and(|k| k.fuel_only);
        match ui.get_screen().as_str() {
            "shop" => self.kiosk_touch(),
            "attract" if !fuel_only => {
                self.kiosk_touched_now();
                ui.set_screen("shop".into());
            }
            _ => return,
        }
        self.send(Command::Scan { code: code.to_string() }, |g, r| {
            if let Err(e) = r {
                g.show_error(&e);
            }
            g.kiosk_render();
        });
    }

    /// After a refusal at a kiosk: the session may have called a person (a price not found, a
    /// payment failed), so the kiosk's state is asked for again (`yes`).
    pub(super) fn kiosk_look_again(&self, yes: bool) {
        if yes {
            self.call(|s| s.execute(Command::Ticket).or_else(|_| Ok(Outcome::default())), |_, _| {});
        }
    }

    pub(super) fn wire_kiosk_search(&self, with: impl Fn(&dyn Fn(&Rc<Gui>)) + Clone + 'static) {
        let ui = self.kiosk_ui();
        let w = with.clone();
        ui.on_search_toggle(move || {
            w(&|g| {
                g.kiosk_touch();
                let ui = g.kiosk_ui();
                ui.set_search_open(!ui.get_search_open());
            })
        });
        let w = with;
        ui.on_search_key(move |k| {
            w(&|g| {
                g.kiosk_touch();
                let ui = g.kiosk_ui();
                ui.set_search(search_after(&ui.get_search(), &k).into());
                g.kiosk_render();
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::{name_matches, search_after};

    #[test]
    fn every_word_typed_begins_a_word_of_the_name() {
        assert!(name_matches("cola 0.5 l pet", "COLA"));
        assert!(name_matches("fruit gums cola bottles 200 g", "cola"));
        assert!(name_matches("cola-orange mix 0.5 l pet", "COLA OR"));
        assert!(!name_matches("hot chocolate to go 300 ml", "COLA"));
        assert!(!name_matches("cola 0.5 l pet", "COLA ZERO"));
        assert!(name_matches("coffee to go small 200 ml", "co sm"));
        assert!(!name_matches("cola", ""), "nothing typed finds nothing");
        assert!(name_matches("käse brötchen", "BRÖ"), "letters beyond ASCII");
    }

    #[test]
    fn keys_type_delete_and_clear_within_the_limit() {
        assert_eq!(search_after("CO", "L"), "COL");
        assert_eq!(search_after("COL", "back"), "CO");
        assert_eq!(search_after("", "back"), "");
        assert_eq!(search_after("COLA", "clear"), "");
        assert_eq!(search_after("", " "), "", "no leading space");
        assert_eq!(search_after("A ", " "), "A ", "no two spaces");
        assert_eq!(search_after("A", "unknown"), "A");
        let full = "X".repeat(30);
        assert_eq!(search_after(&full, "Y"), full);
    }
}
