//! Till's counter screens (view only). The Slint screens arrive with the counter-screens issue;
//! they will talk to `till::service::Session` only through its `Command`s, never to the store.
