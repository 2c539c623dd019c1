//! Ticket tests: examples for each rule, then properties over random tickets.

use super::catalog::{FuelGrade, Product, Unit};
use super::money::{Currency, RoundingRule};
use super::tax::{TaxBasis, TaxClass, TaxComponent, TaxPolicy, TaxRounding};
use super::ticket::*;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::HashMap;

fn classes() -> HashMap<String, TaxClass> {
    let pct = |n: &str, r: Decimal, compound| TaxComponent { name: n.into(), basis: TaxBasis::Percent(r), compound };
    let mut m = HashMap::new();
    m.insert(
        "STD".into(),
        TaxClass { code: "STD".into(), name: "VAT 19%".into(), components: vec![pct("VAT", dec!(19), false)] },
    );
    m.insert(
        "RED".into(),
        TaxClass { code: "RED".into(), name: "VAT 7%".into(), components: vec![pct("VAT", dec!(7), false)] },
    );
    m.insert(
        "GST18".into(),
        TaxClass {
            code: "GST18".into(),
            name: "GST 18%".into(),
            components: vec![pct("CGST", dec!(9), false), pct("SGST", dec!(9), false)],
        },
    );
    m.insert(
        "FUEL".into(),
        TaxClass {
            code: "FUEL".into(),
            name: "Fuel".into(),
            components: vec![
                TaxComponent { name: "Energy tax".into(), basis: TaxBasis::PerUnit(dec!(0.6545)), compound: false },
                pct("VAT", dec!(19), true),
            ],
        },
    );
    m
}

fn pricing(include: bool, rounding: TaxRounding, minor: u32, cash_increment: Option<Decimal>) -> Pricing {
    Pricing {
        currency: Currency { code: "XXX".into(), minor_units: minor, cash_increment },
        line_rule: RoundingRule::HalfUp,
        cash_rule: RoundingRule::HalfUp,
        tax: TaxPolicy { prices_include_tax: include, rounding, rule: RoundingRule::HalfUp },
        tax_classes: classes(),
    }
}

fn eur() -> Pricing {
    pricing(true, TaxRounding::PerTicket, 2, None)
}

fn product(sku: &str, price: Decimal, class: &str, unit: Unit, age: Option<u8>) -> Product {
    Product {
        sku: sku.into(),
        name: sku.into(),
        barcodes: vec![],
        category: "Test".into(),
        price,
        tax_class: class.into(),
        unit,
        age_restriction: age,
    }
}

fn ticket_of(items: &[(Decimal, Decimal, &str)]) -> Ticket {
    let mut t = Ticket::default();
    for (i, (price, qty, class)) in items.iter().enumerate() {
        let unit = if qty.scale() > 0 { Unit::Kg } else { Unit::Each };
        t.add(Line::shop(&product(&format!("S{i}"), *price, class, unit, None), *qty).unwrap()).unwrap();
    }
    t
}

#[test]
fn fuel_line_is_volume_times_price_rounded_to_the_currency() {
    let grade = FuelGrade {
        code: "E10".into(),
        name: "Super E10".into(),
        price_per_litre: dec!(1.739),
        tax_class: "FUEL".into(),
    };
    let mut t = Ticket::default();
    t.add(Line::fuel(&grade, dec!(32.17)).unwrap()).unwrap();
    let totals = t.totals(&eur()).unwrap();
    // 32.17 * 1.739 = 55.94363 -> 55.94
    assert_eq!(totals.total, dec!(55.94));
    // Energy tax 32.17 * 0.6545 = 21.055265; VAT = 55.94 - net - excise.
    let excise = totals.tax.iter().find(|r| r.name == "Energy tax").unwrap();
    assert_eq!(excise.amount, dec!(21.06));
    assert_eq!(totals.tax_total, totals.tax.iter().map(|r| r.amount).sum::<Decimal>());
}

#[test]
fn weighed_items_take_decimal_quantities_and_pieces_do_not() {
    let bananas = product("BAN", dec!(1.99), "RED", Unit::Kg, None);
    let line = Line::shop(&bananas, dec!(0.755)).unwrap();
    let mut t = Ticket::default();
    t.add(line).unwrap();
    assert_eq!(t.totals(&eur()).unwrap().total, dec!(1.50)); // 1.50245
    let cola = product("COLA", dec!(2.19), "STD", Unit::Each, None);
    assert!(matches!(Line::shop(&cola, dec!(1.5)), Err(TicketError::BadQuantity { .. })));
    assert!(matches!(Line::shop(&bananas, dec!(0.0001)), Err(TicketError::BadQuantity { .. })));
    assert!(matches!(Line::shop(&cola, dec!(0)), Err(TicketError::BadQuantity { .. })));
    assert!(matches!(Line::shop(&cola, dec!(-1)), Err(TicketError::BadQuantity { .. })));
}

#[test]
fn voided_lines_stay_on_the_ticket_and_count_nothing() {
    let mut t = ticket_of(&[(dec!(2.00), dec!(1), "STD"), (dec!(3.00), dec!(1), "STD")]);
    t.void_line(1).unwrap();
    assert_eq!(t.lines.len(), 2);
    assert!(t.lines[0].voided);
    assert_eq!(t.totals(&eur()).unwrap().total, dec!(3.00));
    assert_eq!(t.void_line(1), Err(TicketError::AlreadyVoided(1)));
    assert_eq!(t.void_line(3), Err(TicketError::NoSuchLine(3)));
    assert_eq!(t.void_line(0), Err(TicketError::NoSuchLine(0)));
}

#[test]
fn line_and_ticket_discounts() {
    let p = eur();
    let mut t = ticket_of(&[(dec!(10.00), dec!(1), "STD"), (dec!(5.00), dec!(1), "RED")]);
    assert_eq!(t.set_line_discount(1, Discount::Percent(dec!(10)), &p).unwrap(), dec!(10));
    let totals = t.totals(&p).unwrap();
    assert_eq!(totals.lines[0].discount, dec!(1.00));
    assert_eq!(totals.subtotal, dec!(14.00));
    // 1.00 off a 14.00 ticket is 7.14...% of it; split 9:5 over the lines.
    t.set_ticket_discount(Discount::Amount(dec!(1.00)), &p).unwrap();
    let totals = t.totals(&p).unwrap();
    assert_eq!(totals.total, dec!(13.00));
    assert_eq!(totals.lines[0].ticket_discount_share + totals.lines[1].ticket_discount_share, dec!(1.00));
    assert_eq!(totals.lines[0].ticket_discount_share, dec!(0.64));
    // A discount larger than what it applies to is refused, and so is one of 0.
    assert!(matches!(t.set_line_discount(2, Discount::Amount(dec!(5.01)), &p), Err(TicketError::BadDiscount { .. })));
    assert!(matches!(t.set_line_discount(2, Discount::Percent(dec!(0)), &p), Err(TicketError::BadDiscount { .. })));
    assert!(matches!(t.set_line_discount(2, Discount::Amount(dec!(0.001)), &p), Err(TicketError::NotExact(_))));
}

#[test]
fn age_restricted_items_need_a_confirmation_before_tender() {
    let p = eur();
    let mut t = Ticket::default();
    t.add(Line::shop(&product("BEER", dec!(1.29), "STD", Unit::Each, Some(16)), dec!(1)).unwrap()).unwrap();
    assert_eq!(t.tender(Method::Cash, None, &p), Err(TicketError::AgeNotConfirmed(16)));
    assert_eq!(t.confirm_age(), Ok(16));
    // A stronger restriction added later needs a new confirmation.
    t.add(Line::shop(&product("VODKA", dec!(12.99), "STD", Unit::Each, Some(18)), dec!(1)).unwrap()).unwrap();
    assert_eq!(t.tender(Method::Cash, None, &p), Err(TicketError::AgeNotConfirmed(18)));
    t.confirm_age().unwrap();
    assert!(matches!(t.tender(Method::Cash, None, &p), Ok(TenderOutcome::Complete(_))));
    assert_eq!(Ticket::default().confirm_age(), Err(TicketError::NoAgeRestriction));
}

#[test]
fn change_is_given_only_from_cash() {
    let p = eur();
    let mut t = ticket_of(&[(dec!(7.45), dec!(1), "STD")]);
    assert_eq!(
        t.tender(Method::Card, Some(dec!(10.00)), &p),
        Err(TicketError::CardOverDue { amount: dec!(10.00), due: dec!(7.45) })
    );
    assert!(t.payments.is_empty(), "a refused tender takes nothing");
    assert!(matches!(t.tender(Method::Cash, Some(Decimal::MAX), &p), Err(TicketError::TooLarge(_))));
    assert_eq!(MAX_PAYMENT, dec!(1_000_000_000_000));
    assert_eq!(t.tender(Method::Card, Some(dec!(5.00)), &p), Ok(TenderOutcome::Partial { remaining: dec!(2.45) }));
    // Lines are locked once a payment is taken.
    assert_eq!(t.void_line(1), Err(TicketError::Locked));
    match t.tender(Method::Cash, Some(dec!(5.00)), &p).unwrap() {
        TenderOutcome::Complete(s) => {
            assert_eq!(s.change, dec!(2.55));
            assert_eq!(s.paid, dec!(10.00));
            assert_eq!(s.cash_rounding, dec!(0));
        }
        other => panic!("expected completion, got {other:?}"),
    }
}

#[test]
fn cash_rounding_applies_to_the_cash_part_only() {
    let p = pricing(true, TaxRounding::PerTicket, 2, Some(dec!(0.05)));
    // All cash: 10.02 due, rounded to 10.00 in cash.
    let mut t = ticket_of(&[(dec!(10.02), dec!(1), "STD")]);
    let TenderOutcome::Complete(s) = t.tender(Method::Cash, Some(dec!(20.00)), &p).unwrap() else { panic!() };
    assert_eq!((s.cash_rounding, s.change), (dec!(-0.02), dec!(10.00)));
    // All card: charged exactly, no rounding.
    let mut t = ticket_of(&[(dec!(10.02), dec!(1), "STD")]);
    let TenderOutcome::Complete(s) = t.tender(Method::Card, None, &p).unwrap() else { panic!() };
    assert_eq!((s.cash_rounding, s.paid), (dec!(0), dec!(10.02)));
    // Split: 5.00 card, 5.03 left rounds to 5.05 in cash.
    let mut t = ticket_of(&[(dec!(10.03), dec!(1), "STD")]);
    t.tender(Method::Card, Some(dec!(5.00)), &p).unwrap();
    let TenderOutcome::Complete(s) = t.tender(Method::Cash, Some(dec!(5.05)), &p).unwrap() else { panic!() };
    assert_eq!((s.cash_rounding, s.change), (dec!(0.02), dec!(0)));
    // The exact cash amount (none given) is the rounded one.
    let mut t = ticket_of(&[(dec!(3.99), dec!(1), "STD")]);
    let TenderOutcome::Complete(s) = t.tender(Method::Cash, None, &p).unwrap() else { panic!() };
    assert_eq!((s.paid, s.cash_rounding, s.change), (dec!(4.00), dec!(0.01), dec!(0)));
}

#[test]
fn tax_exclusive_prices_add_tax_on_top() {
    let p = pricing(false, TaxRounding::PerLine, 2, None);
    let t = ticket_of(&[(dec!(100.00), dec!(1), "GST18"), (dec!(0.99), dec!(3), "GST18")]);
    let totals = t.totals(&p).unwrap();
    // Line 2: 2.97 net, 0.2673 CGST -> 0.27 per line.
    assert_eq!(totals.subtotal, dec!(102.97));
    assert_eq!(totals.tax.len(), 2);
    assert_eq!(totals.tax[0].amount, dec!(9.27));
    assert_eq!(totals.tax[1].amount, dec!(9.27));
    assert_eq!(totals.total, dec!(121.51));
}

#[test]
fn refund_payments_go_to_card_first_and_never_exceed_what_was_paid() {
    let p = pricing(true, TaxRounding::PerTicket, 2, Some(dec!(0.05)));
    let (pay, _) = refund_payments(dec!(12.00), dec!(10.00), dec!(5.00), &p);
    assert_eq!(
        pay,
        vec![
            Payment { method: Method::Card, amount: dec!(-10.00), card_intent: None },
            Payment { method: Method::Cash, amount: dec!(-2.00), card_intent: None }
        ]
    );
    let (pay, rounding) = refund_payments(dec!(3.02), dec!(0), dec!(5.00), &p);
    assert_eq!(pay, vec![Payment { method: Method::Cash, amount: dec!(-3.00), card_intent: None }]);
    assert_eq!(rounding, dec!(0.02));
    // More than is left is never paid out.
    let (pay, _) = refund_payments(dec!(50.00), dec!(10.00), dec!(5.00), &p);
    assert_eq!(pay.iter().map(|p| p.amount).sum::<Decimal>(), dec!(-15.00));
}

// ---------------------------------------------------------------------------------------------
// Properties.

fn arb_line() -> impl Strategy<Value = (Decimal, Decimal, &'static str)> {
    let class = prop_oneof![Just("STD"), Just("RED"), Just("GST18"), Just("FUEL")];
    let price = (1i64..50_000).prop_map(|c| Decimal::new(c, 2));
    let qty = prop_oneof![(1i64..20).prop_map(Decimal::from), (1i64..20_000).prop_map(|g| Decimal::new(g, 3))];
    (price, qty, class)
}

fn arb_pricing() -> impl Strategy<Value = Pricing> {
    (
        any::<bool>(),
        prop_oneof![Just(TaxRounding::PerLine), Just(TaxRounding::PerTicket)],
        prop_oneof![Just(0u32), Just(2u32), Just(3u32)],
        prop_oneof![Just(None), Just(Some(5i64)), Just(Some(10i64))],
        prop_oneof![Just(RoundingRule::HalfUp), Just(RoundingRule::HalfEven)],
    )
        .prop_map(|(include, rounding, minor, inc, rule)| {
            let unit = Decimal::new(1, minor);
            let mut p = pricing(include, rounding, minor, inc.map(|i| unit * Decimal::from(i)));
            p.tax.rule = rule;
            p.cash_rule = rule;
            p.line_rule = rule;
            p
        })
}

fn arb_ticket() -> impl Strategy<Value = (Pricing, Ticket)> {
    (
        arb_pricing(),
        prop::collection::vec(arb_line(), 1..25),
        prop::collection::vec((0usize..25, 1i64..100), 0..5),
        prop::option::of(1i64..60),
        prop::collection::vec(0usize..25, 0..3),
    )
        .prop_map(|(p, lines, line_discounts, ticket_pct, voids)| {
            let mut t = ticket_of(&lines);
            for (i, pct) in line_discounts {
                let _ = t.set_line_discount(i % lines.len() + 1, Discount::Percent(Decimal::from(pct)), &p);
            }
            for v in voids {
                let _ = t.void_line(v % lines.len() + 1);
            }
            if let Some(pct) = ticket_pct {
                let _ = t.set_ticket_discount(Discount::Percent(Decimal::from(pct)), &p);
            }
            (p, t)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn tax_rows_sum_to_the_tax_total((p, t) in arb_ticket()) {
        let totals = t.totals(&p).unwrap();
        prop_assert_eq!(totals.tax.iter().map(|r| r.amount).sum::<Decimal>(), totals.tax_total);
        for r in &totals.tax {
            prop_assert!(p.currency.is_exact(r.amount), "row {:?} not in minor units", r);
        }
    }

    #[test]
    fn lines_plus_tax_equal_the_total((p, t) in arb_ticket()) {
        let totals = t.totals(&p).unwrap();
        let lines: Decimal = totals.lines.iter().map(|l| l.amount).sum();
        prop_assert_eq!(lines, totals.subtotal);
        let shares: Decimal = totals.lines.iter().map(|l| l.ticket_discount_share).sum();
        prop_assert_eq!(shares, totals.discount, "ticket discount shares add up to it");
        let expected = if p.tax.prices_include_tax { lines - totals.discount } else { lines - totals.discount + totals.tax_total };
        prop_assert_eq!(expected, totals.total);
        prop_assert!(p.currency.is_exact(totals.total));
        for l in &totals.lines {
            prop_assert!(l.amount >= Decimal::ZERO && l.ticket_discount_share <= l.amount);
        }
    }

    #[test]
    fn split_tenders_and_change_conserve_every_minor_unit(
        (p, t) in arb_ticket(),
        cards in prop::collection::vec(1i64..5000, 0..3),
        cash_extra in 0i64..10_000,
    ) {
        let mut t = t;
        if t.is_empty() { return Ok(()); }
        let totals = t.totals(&p).unwrap();
        let unit = p.currency.minor_unit();
        let mut card_total = Decimal::ZERO;
        let mut outcome = None;
        for c in cards {
            let due = t.due(&totals);
            let a = (Decimal::from(c) * unit).min(due);
            if a <= Decimal::ZERO { break; }
            card_total += a;
            match t.tender(Method::Card, Some(a), &p).unwrap() {
                TenderOutcome::Complete(s) => { outcome = Some(s); break; }
                TenderOutcome::Partial { remaining } => prop_assert_eq!(remaining, totals.total - card_total),
            }
        }
        let s = match outcome {
            Some(s) => s,
            None => {
                let cash_due = p.currency.round_cash(t.due(&totals), p.cash_rule);
                let give = cash_due + Decimal::from(cash_extra) * unit;
                match t.tender(Method::Cash, Some(give.max(unit)), &p).unwrap() {
                    TenderOutcome::Complete(s) => s,
                    TenderOutcome::Partial { .. } => return Err(TestCaseError::fail("cash of at least the rounded due must complete")),
                }
            }
        };
        // Conservation: what came in minus the change is the total plus the cash rounding.
        prop_assert_eq!(s.paid - s.change, s.totals.total + s.cash_rounding);
        prop_assert_eq!(s.paid, s.payments.iter().map(|p| p.amount).sum::<Decimal>());
        let cash_in: Decimal = s.payments.iter().filter(|p| p.method == Method::Cash).map(|p| p.amount).sum();
        prop_assert!(s.change >= Decimal::ZERO);
        prop_assert!(s.change <= cash_in, "change only from cash");
        for amount in [s.paid, s.change, s.cash_rounding] {
            prop_assert!(p.currency.is_exact(amount));
        }
    }

    #[test]
    fn cash_rounding_only_touches_cash((p, t) in arb_ticket(), all_card in any::<bool>()) {
        let mut t = t;
        if t.is_empty() { return Ok(()); }
        let total = t.totals(&p).unwrap().total;
        let method = if all_card { Method::Card } else { Method::Cash };
        let s = match t.tender(method, None, &p).unwrap() {
            TenderOutcome::Complete(s) => s,
            TenderOutcome::Partial { .. } => return Err(TestCaseError::fail("paying the due must complete")),
        };
        if all_card {
            prop_assert_eq!(s.cash_rounding, Decimal::ZERO);
            prop_assert_eq!(s.paid, total);
        } else {
            let inc = p.currency.cash_increment.unwrap_or(p.currency.minor_unit());
            prop_assert!(s.cash_rounding.abs() * Decimal::TWO <= inc);
            prop_assert_eq!(s.paid % inc, Decimal::ZERO, "cash paid is a multiple of the smallest coin");
            prop_assert_eq!(s.paid, total + s.cash_rounding);
        }
    }
}
