//! The fuel reconciliation of a day: each pump's meters against what it sold, tested and lost
//! to drive-offs; each grade's tanks against their book stock (opening + deliveries - litres
//! that left them), as litres and as a share of the throughput, judged against thresholds.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the store read and added up for the reconciliation; litres exact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FuelFigures {
    /// Each pump's first and last meter volume of the day.
    pub meter_first: Vec<(u8, Decimal)>,
    pub meter_last: Vec<(u8, Decimal)>,
    /// Each tank's first and last volume of the day.
    pub tank_first: Vec<(u8, Decimal)>,
    pub tank_last: Vec<(u8, Decimal)>,
    pub deliveries: Vec<(u8, Decimal)>,
    /// Litres sold per pump and per grade (fuel lines, whatever the receipt).
    pub pump_sold: Vec<(u8, Decimal)>,
    pub grade_sold: Vec<(String, Decimal)>,
    /// (pump, grade, litres) of drive-offs and of pump tests.
    pub drive_offs: Vec<(u8, String, Decimal)>,
    pub pump_tests: Vec<(u8, String, Decimal)>,
    /// Every tank reading of the day in order: (tank, time, litres).
    pub tank_series: Vec<(u8, String, Decimal)>,
}

/// A tank's volume at each reading of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TankLevels {
    pub tank: u8,
    /// (time, litres), oldest first.
    pub readings: Vec<(String, Decimal)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PumpRecon {
    pub pump: u8,
    pub meter_open: Decimal,
    pub meter_close: Decimal,
    /// What the meters say went through the pump.
    pub metered: Decimal,
    pub sold: Decimal,
    pub tests: Decimal,
    pub drive_offs: Decimal,
    /// metered - (sold + tests + drive-offs): not zero when a fill is missing from the till.
    pub variance: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TankRecon {
    /// The tanks holding the grade (reconciled together).
    pub tanks: Vec<u8>,
    pub grade: String,
    pub opening: Decimal,
    pub deliveries: Decimal,
    /// Litres that left the tanks: sold and driven off (pump tests go back in).
    pub out: Decimal,
    /// opening + deliveries - out.
    pub book: Decimal,
    pub closing: Decimal,
    /// closing - book: negative when fuel is missing.
    pub variance: Decimal,
    /// The variance as a share of `out`, in percent (two decimals).
    pub percent: Option<Decimal>,
    /// "ok", "warn" or "alarm".
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FuelRecon {
    pub pumps: Vec<PumpRecon>,
    pub tanks: Vec<TankRecon>,
    /// The tanks' levels over the day, for the chart.
    #[serde(default)]
    pub levels: Vec<TankLevels>,
    pub warn_percent: Decimal,
    pub alarm_percent: Decimal,
}

fn sum_of<K: Ord + Clone>(rows: &[(K, Decimal)]) -> BTreeMap<K, Decimal> {
    let mut m = BTreeMap::new();
    for (k, v) in rows {
        *m.entry(k.clone()).or_insert(Decimal::ZERO) += *v;
    }
    m
}

/// The variance's judgement against the thresholds (by its size, either way).
pub fn status(percent: Option<Decimal>, warn: Decimal, alarm: Decimal) -> &'static str {
    match percent.map(|p| p.abs()) {
        Some(p) if p >= alarm => "alarm",
        Some(p) if p >= warn => "warn",
        _ => "ok",
    }
}

impl FuelRecon {
    /// `tanks`: (tank, grade) as configured.
    pub fn build(f: &FuelFigures, tanks: &[(u8, String)], warn: Decimal, alarm: Decimal) -> FuelRecon {
        let first = sum_of(&f.meter_first);
        let last = sum_of(&f.meter_last);
        let sold = sum_of(&f.pump_sold);
        let by_pump =
            |rows: &[(u8, String, Decimal)]| sum_of(&rows.iter().map(|(p, _, l)| (*p, *l)).collect::<Vec<_>>());
        let (offs, tests) = (by_pump(&f.drive_offs), by_pump(&f.pump_tests));
        let zero = Decimal::ZERO;
        let pumps = first
            .iter()
            .filter_map(|(pump, open)| {
                let close = *last.get(pump)?;
                let metered = close - open;
                let (s, t, d) = (
                    sold.get(pump).copied().unwrap_or(zero),
                    tests.get(pump).copied().unwrap_or(zero),
                    offs.get(pump).copied().unwrap_or(zero),
                );
                Some(PumpRecon {
                    pump: *pump,
                    meter_open: *open,
                    meter_close: close,
                    metered,
                    sold: s,
                    tests: t,
                    drive_offs: d,
                    variance: metered - s - t - d,
                })
            })
            .collect();
        let mut grades: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
        for (t, g) in tanks {
            grades.entry(g.as_str()).or_default().push(*t);
        }
        let (tfirst, tlast, deliv) = (sum_of(&f.tank_first), sum_of(&f.tank_last), sum_of(&f.deliveries));
        let gsold = sum_of(&f.grade_sold);
        let goffs = sum_of(&f.drive_offs.iter().map(|(_, g, l)| (g.clone(), *l)).collect::<Vec<_>>());
        let tanks = grades
            .into_iter()
            .filter(|(_, ts)| ts.iter().all(|t| tfirst.contains_key(t) && tlast.contains_key(t)))
            .map(|(grade, ts)| {
                let add =
                    |m: &BTreeMap<u8, Decimal>| ts.iter().map(|t| m.get(t).copied().unwrap_or(zero)).sum::<Decimal>();
                let (opening, closing, deliveries) = (add(&tfirst), add(&tlast), add(&deliv));
                let out = gsold.get(grade).copied().unwrap_or(zero) + goffs.get(grade).copied().unwrap_or(zero);
                let book = opening + deliveries - out;
                let variance = closing - book;
                let percent = (!out.is_zero()).then(|| (variance * Decimal::ONE_HUNDRED / out).round_dp(2));
                TankRecon {
                    tanks: ts,
                    grade: grade.to_string(),
                    opening,
                    deliveries,
                    out,
                    book,
                    closing,
                    variance,
                    percent,
                    status: status(percent, warn, alarm).to_string(),
                }
            })
            .collect();
        let mut levels: Vec<TankLevels> = Vec::new();
        for (tank, at, v) in &f.tank_series {
            match levels.iter_mut().find(|l| l.tank == *tank) {
                Some(l) => l.readings.push((at.clone(), *v)),
                None => levels.push(TankLevels { tank: *tank, readings: vec![(at.clone(), *v)] }),
            }
        }
        levels.sort_by_key(|l| l.tank);
        FuelRecon { pumps, tanks, levels, warn_percent: warn, alarm_percent: alarm }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn meters_and_tanks_reconcile_and_a_leak_alarms() {
        let f = FuelFigures {
            meter_first: vec![(1, dec!(1000)), (2, dec!(500))],
            meter_last: vec![(1, dec!(1060)), (2, dec!(520))],
            tank_first: vec![(1, dec!(10000)), (2, dec!(8000))],
            tank_last: vec![(1, dec!(9945)), (2, dec!(7900))],
            deliveries: vec![],
            pump_sold: vec![(1, dec!(50)), (2, dec!(20))],
            grade_sold: vec![("E5".into(), dec!(50)), ("B7".into(), dec!(20))],
            drive_offs: vec![(1, "E5".into(), dec!(5))],
            pump_tests: vec![(1, "E5".into(), dec!(5))],
            tank_series: vec![
                (2, "t0".into(), dec!(8000)),
                (1, "t0".into(), dec!(10000)),
                (2, "t1".into(), dec!(7900)),
            ],
        };
        let r = FuelRecon::build(&f, &[(1, "E5".into()), (2, "B7".into())], dec!(0.5), dec!(1));
        assert_eq!(r.pumps[0].variance, dec!(0), "60 metered = 50 sold + 5 test + 5 drive-off");
        assert_eq!(r.pumps[1].variance, dec!(0));
        let e5 = r.tanks.iter().find(|t| t.grade == "E5").unwrap();
        assert_eq!((e5.out, e5.book, e5.variance, e5.status.as_str()), (dec!(55), dec!(9945), dec!(0), "ok"));
        // 80 litres gone from the diesel tank for 20 sold: a leak far beyond 1 %.
        let b7 = r.tanks.iter().find(|t| t.grade == "B7").unwrap();
        assert_eq!((b7.book, b7.variance, b7.percent), (dec!(7980), dec!(-80), Some(dec!(-400))));
        assert_eq!(b7.status, "alarm");
        assert_eq!(status(Some(dec!(-0.6)), dec!(0.5), dec!(1)), "warn");
        assert_eq!(status(None, dec!(0.5), dec!(1)), "ok");
        assert_eq!(r.levels.iter().map(|l| (l.tank, l.readings.len())).collect::<Vec<_>>(), [(1, 1), (2, 2)]);
    }
}
