//! The fuel reconciliation of a day: each pump's meters against what it sold, tested and lost
//! to drive-offs; each grade's tanks against their book stock (opening + deliveries - litres
//! that left them), as litres and as a share of the throughput, judged against thresholds.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the store read and added up for the reconciliation; litres exact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FuelFigures {
    /// Each meter's first and last volume of the day, by (pump, nozzle); nozzle 0 is the whole
    /// pump's meter (used when its nozzles were not read).
    pub meter_first: Vec<((u8, u8), Decimal)>,
    pub meter_last: Vec<((u8, u8), Decimal)>,
    /// The grade of each nozzle read.
    pub nozzle_grades: Vec<((u8, u8), String)>,
    /// Each tank's first and last volume of the day.
    pub tank_first: Vec<(u8, Decimal)>,
    pub tank_last: Vec<(u8, Decimal)>,
    pub deliveries: Vec<(u8, Decimal)>,
    /// Litres sold per pump and grade, and per grade (fuel lines, whatever the receipt).
    pub pump_sold: Vec<((u8, String), Decimal)>,
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
    /// The nozzle and its grade; none for a pump whose nozzles were not read (its own meter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nozzle: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
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
        let by_nozzle = |rows: &[(u8, String, Decimal)]| {
            sum_of(&rows.iter().map(|(p, g, l)| ((*p, g.clone()), *l)).collect::<Vec<_>>())
        };
        let (offs, tests) = (by_nozzle(&f.drive_offs), by_nozzle(&f.pump_tests));
        let zero = Decimal::ZERO;
        let grade_of: BTreeMap<(u8, u8), &String> = f.nozzle_grades.iter().map(|(k, g)| (*k, g)).collect();
        // What left the pump through one nozzle (its grade), or through any (`None`).
        let through = |m: &BTreeMap<(u8, String), Decimal>, pump: u8, grade: Option<&String>| -> Decimal {
            m.iter().filter(|((p, g), _)| *p == pump && grade.is_none_or(|x| x == g)).map(|(_, l)| *l).sum()
        };
        let nozzles_read: Vec<u8> = first.keys().filter(|(_, n)| *n > 0).map(|(p, _)| *p).collect();
        let pumps = first
            .iter()
            // A pump's own meter counts only when its nozzles were not read.
            .filter(|((p, n), _)| *n > 0 || !nozzles_read.contains(p))
            .filter_map(|(&(pump, nozzle), open)| {
                let close = *last.get(&(pump, nozzle))?;
                let metered = close - open;
                let grade = grade_of.get(&(pump, nozzle)).copied().filter(|_| nozzle > 0);
                // A nozzle whose grade is unknown cannot be matched with what it sold.
                if nozzle > 0 && grade.is_none() {
                    return None;
                }
                let (s, t, d) =
                    (through(&sold, pump, grade), through(&tests, pump, grade), through(&offs, pump, grade));
                Some(PumpRecon {
                    pump,
                    nozzle: (nozzle > 0).then_some(nozzle),
                    grade: grade.cloned(),
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
        // Pump 1's nozzles were read (E5 on 1, B7 on 2); pump 2 only as a whole.
        let f = FuelFigures {
            meter_first: vec![((1, 0), dec!(9000)), ((1, 1), dec!(1000)), ((1, 2), dec!(300)), ((2, 0), dec!(500))],
            meter_last: vec![((1, 0), dec!(9070)), ((1, 1), dec!(1060)), ((1, 2), dec!(310)), ((2, 0), dec!(520))],
            nozzle_grades: vec![((1, 1), "E5".into()), ((1, 2), "B7".into())],
            tank_first: vec![(1, dec!(10000)), (2, dec!(8000))],
            tank_last: vec![(1, dec!(9945)), (2, dec!(7890))],
            deliveries: vec![],
            pump_sold: vec![((1, "E5".into()), dec!(50)), ((1, "B7".into()), dec!(8)), ((2, "B7".into()), dec!(20))],
            grade_sold: vec![("E5".into(), dec!(50)), ("B7".into(), dec!(28))],
            drive_offs: vec![(1, "E5".into(), dec!(5))],
            pump_tests: vec![(1, "E5".into(), dec!(5))],
            tank_series: vec![
                (2, "t0".into(), dec!(8000)),
                (1, "t0".into(), dec!(10000)),
                (2, "t1".into(), dec!(7900)),
            ],
        };
        let r = FuelRecon::build(&f, &[(1, "E5".into()), (2, "B7".into())], dec!(0.5), dec!(1));
        let key = |p: &PumpRecon| (p.pump, p.nozzle, p.grade.clone());
        assert_eq!(
            r.pumps.iter().map(key).collect::<Vec<_>>(),
            [(1, Some(1), Some("E5".into())), (1, Some(2), Some("B7".into())), (2, None, None)],
            "a pump whose nozzles were read is reconciled per nozzle"
        );
        assert_eq!(r.pumps[0].variance, dec!(0), "60 metered = 50 sold + 5 test + 5 drive-off");
        assert_eq!((r.pumps[1].sold, r.pumps[1].variance), (dec!(8), dec!(2)), "10 metered, 8 sold: 2 missing");
        assert_eq!(r.pumps[2].variance, dec!(0));
        let e5 = r.tanks.iter().find(|t| t.grade == "E5").unwrap();
        assert_eq!((e5.out, e5.book, e5.variance, e5.status.as_str()), (dec!(55), dec!(9945), dec!(0), "ok"));
        // 82 litres gone from the diesel tank for 28 sold: a leak far beyond 1 %.
        let b7 = r.tanks.iter().find(|t| t.grade == "B7").unwrap();
        assert_eq!((b7.book, b7.variance, b7.percent), (dec!(7972), dec!(-82), Some(dec!(-292.86))));
        assert_eq!(b7.status, "alarm");
        assert_eq!(status(Some(dec!(-0.6)), dec!(0.5), dec!(1)), "warn");
        assert_eq!(status(None, dec!(0.5), dec!(1)), "ok");
        assert_eq!(r.levels.iter().map(|l| (l.tank, l.readings.len())).collect::<Vec<_>>(), [(1, 1), (2, 2)]);
    }
}
