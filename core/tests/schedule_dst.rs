//! Schedules on concrete 2026 daylight-saving dates in America/Chicago,
//! Europe/London and Australia/Sydney; errors; serde (issue #23).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use erpops_core::schedule::{
    next_fire_after, CronEntry, Expectation, Schedule, ScheduleError, TZDB_VERSION,
};
use erpops_core::Timestamp;

fn ts(text: &str) -> Timestamp {
    Timestamp::parse_canonical(text).unwrap_or_else(|| panic!("bad timestamp {text}"))
}

fn fires(cron: &str, zone: &str, after: &str, n: usize) -> Vec<String> {
    Schedule::single(cron, zone)
        .unwrap()
        .fires_after(ts(after), n)
        .iter()
        .map(Timestamp::to_rfc3339)
        .collect()
}

#[test]
fn chicago_spring_forward_0230_fires_once_at_0300_cdt() {
    // 2026-03-08 02:00 CST -> 03:00 CDT (08:00Z); 02:30 does not exist.
    assert_eq!(
        fires("30 2 * * *", "America/Chicago", "2026-03-06T12:00:00Z", 3),
        [
            "2026-03-07T08:30:00Z", // 02:30 CST
            "2026-03-08T08:00:00Z", // gap: 03:00 CDT, the first instant after it
            "2026-03-09T07:30:00Z", // 02:30 CDT
        ]
    );
}

#[test]
fn chicago_fall_back_0130_fires_once_at_the_first_0130() {
    // 2026-11-01 02:00 CDT -> 01:00 CST (07:00Z); 01:30 happens twice.
    assert_eq!(
        fires("30 1 * * *", "America/Chicago", "2026-10-30T12:00:00Z", 3),
        [
            "2026-10-31T06:30:00Z", // 01:30 CDT
            "2026-11-01T06:30:00Z", // 01:30 CDT, the first of the two
            "2026-11-02T07:30:00Z", // 01:30 CST
        ]
    );
    // From inside the repeated hour (01:10 CST), the repeat of 01:30 is
    // not a fire time: the next one is the next day.
    assert_eq!(
        fires("30 1 * * *", "America/Chicago", "2026-11-01T07:10:00Z", 1),
        ["2026-11-02T07:30:00Z"]
    );
    // From between the two 01:30s, the same.
    assert_eq!(
        fires("30 1 * * *", "America/Chicago", "2026-11-01T06:30:00Z", 1),
        ["2026-11-02T07:30:00Z"]
    );
}

#[test]
fn london_2026_transitions() {
    // 2026-03-29 01:00 GMT -> 02:00 BST (01:00Z); 01:30 does not exist.
    assert_eq!(
        fires("30 1 * * *", "Europe/London", "2026-03-27T12:00:00Z", 3),
        [
            "2026-03-28T01:30:00Z",
            "2026-03-29T01:00:00Z", // 02:00 BST
            "2026-03-30T00:30:00Z",
        ]
    );
    // A 02:30 job exists that day (02:30 BST).
    assert_eq!(
        fires("30 2 * * *", "Europe/London", "2026-03-28T12:00:00Z", 1),
        ["2026-03-29T01:30:00Z"]
    );
    // 2026-10-25 02:00 BST -> 01:00 GMT (01:00Z); 01:30 happens twice.
    assert_eq!(
        fires("30 1 * * *", "Europe/London", "2026-10-23T12:00:00Z", 3),
        [
            "2026-10-24T00:30:00Z",
            "2026-10-25T00:30:00Z", // 01:30 BST, the first
            "2026-10-26T01:30:00Z",
        ]
    );
}

#[test]
fn sydney_2026_transitions() {
    // 2026-04-05 03:00 AEDT -> 02:00 AEST (16:00Z on the 4th): 02:30 twice.
    assert_eq!(
        fires("30 2 * * *", "Australia/Sydney", "2026-04-03T00:00:00Z", 3),
        [
            "2026-04-03T15:30:00Z", // 02:30 AEDT on the 4th
            "2026-04-04T15:30:00Z", // 02:30 AEDT on the 5th, the first
            "2026-04-05T16:30:00Z", // 02:30 AEST on the 6th
        ]
    );
    // 2026-10-04 02:00 AEST -> 03:00 AEDT (16:00Z on the 3rd): no 02:30.
    assert_eq!(
        fires("30 2 * * *", "Australia/Sydney", "2026-10-02T00:00:00Z", 3),
        [
            "2026-10-02T16:30:00Z", // 02:30 AEST on the 3rd
            "2026-10-03T16:00:00Z", // gap: 03:00 AEDT on the 4th
            "2026-10-04T15:30:00Z", // 02:30 AEDT on the 5th
        ]
    );
}

#[test]
fn every_time_in_a_gap_and_its_end_fire_once() {
    assert_eq!(
        fires("*/15 * * * *", "America/Chicago", "2026-03-08T07:40:00Z", 3),
        [
            "2026-03-08T07:45:00Z", // 01:45 CST
            "2026-03-08T08:00:00Z", // 02:00–02:45 and 03:00 CDT: once
            "2026-03-08T08:15:00Z", // 03:15 CDT
        ]
    );
}

#[test]
fn an_hourly_job_does_not_fire_in_the_repeated_hour() {
    assert_eq!(
        fires("0 * * * *", "America/Chicago", "2026-11-01T05:30:00Z", 3),
        [
            "2026-11-01T06:00:00Z", // 01:00 CDT
            "2026-11-01T08:00:00Z", // 02:00 CST (01:00 CST is a repeat)
            "2026-11-01T09:00:00Z",
        ]
    );
}

#[test]
fn payroll_weekdays_at_0200_chicago() {
    // Friday 2026-03-06 after its run: next is Monday 03-09, now on CDT.
    assert_eq!(
        fires(
            "0 2 * * MON-FRI",
            "America/Chicago",
            "2026-03-06T09:00:00Z",
            2
        ),
        ["2026-03-09T07:00:00Z", "2026-03-10T07:00:00Z"]
    );
}

#[test]
fn several_entries_fire_at_the_union_once_each() {
    let s = Schedule::new(vec![
        CronEntry::new("0 2 * * *", "America/Chicago").unwrap(),
        CronEntry::new("0 8 * * *", "UTC").unwrap(),
    ])
    .unwrap();
    // In winter 02:00 CST is 08:00Z: one fire a day; in summer two.
    let got: Vec<_> = s
        .fires_after(ts("2026-03-06T00:00:00Z"), 4)
        .iter()
        .map(Timestamp::to_rfc3339)
        .collect();
    assert_eq!(
        got,
        [
            "2026-03-06T08:00:00Z",
            "2026-03-07T08:00:00Z",
            "2026-03-08T08:00:00Z", // gap end for Chicago's 02:00 = 08:00Z too
            "2026-03-09T07:00:00Z",
        ]
    );
    assert_eq!(
        next_fire_after(&s, ts("2026-03-09T07:00:00Z")),
        Some(ts("2026-03-09T08:00:00Z"))
    );
}

#[test]
fn nicknames() {
    let z = "Europe/London";
    let a = "2026-06-15T10:20:00Z"; // a Monday, 11:20 BST
    assert_eq!(fires("@hourly", z, a, 1), ["2026-06-15T11:00:00Z"]);
    assert_eq!(fires("@daily", z, a, 1), ["2026-06-15T23:00:00Z"]);
    assert_eq!(fires("@weekly", z, a, 1), ["2026-06-20T23:00:00Z"]);
    assert_eq!(fires("@monthly", z, a, 1), ["2026-06-30T23:00:00Z"]);
    assert_eq!(fires("@yearly", z, a, 1), ["2027-01-01T00:00:00Z"]);
    assert_eq!(fires("@ANNUALLY", z, a, 1), ["2027-01-01T00:00:00Z"]);
}

#[test]
fn day_of_month_or_day_of_week_as_in_vixie_cron() {
    // The 1st of the month OR any Monday (2026-06-15 is a Monday).
    assert_eq!(
        fires("0 0 1 * MON", "UTC", "2026-06-15T10:00:00Z", 3),
        [
            "2026-06-22T00:00:00Z",
            "2026-06-29T00:00:00Z",
            "2026-07-01T00:00:00Z",
        ]
    );
}

#[test]
fn seconds_and_fractions_of_the_start_instant() {
    // Strictly after: a start exactly on a fire time gives the next one.
    assert_eq!(
        fires("0 * * * *", "UTC", "2026-06-15T10:00:00Z", 1),
        ["2026-06-15T11:00:00Z"]
    );
    assert_eq!(
        fires("0 * * * *", "UTC", "2026-06-15T09:59:59.999999999Z", 1),
        ["2026-06-15T10:00:00Z"]
    );
    // Zones with odd offsets: Kolkata +05:30, Kathmandu +05:45.
    assert_eq!(
        fires("0 2 * * *", "Asia/Kathmandu", "2026-06-15T00:00:00Z", 1),
        ["2026-06-15T20:15:00Z"]
    );
}

#[test]
fn lord_howe_half_hour_gap() {
    // Lord Howe moves its clock by 30 minutes: 2026-10-04 02:00 -> 02:30
    // (+10:30 -> +11), 15:30Z on the 3rd.
    assert_eq!(
        fires(
            "15 2 * * *",
            "Australia/Lord_Howe",
            "2026-10-03T00:00:00Z",
            2
        ),
        ["2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"]
    );
}

fn code(r: Result<Schedule, ScheduleError>) -> (&'static str, String) {
    let e = r.unwrap_err();
    (e.code(), e.to_string())
}

#[test]
fn bad_expressions_and_zones_are_typed_errors() {
    for bad in [
        "",
        "0 2 * *",
        "0 0 2 * * *",
        "0 0 2 * * * 2026",
        "61 * * * *",
        "* 24 * * *",
        "0 0 0 * *",
        "0 0 * 13 *",
        "0 0 * * 8",
        "x * * * *",
        "@reboot",
        "@midnight",
        "@every 5m",
        "*/0 * * * *",
        "5-1 * * * *",
    ] {
        let (c, msg) = code(Schedule::single(bad, "UTC"));
        assert_eq!(c, "invalid_cron", "{bad:?}: {msg}");
        assert!(msg.contains("5 fields"), "{msg}");
    }
    let long = format!("0 0 * * {}", "1,".repeat(100) + "1");
    assert_eq!(code(Schedule::single(&long, "UTC")).0, "invalid_cron");

    let (c, msg) = code(Schedule::single("0 0 30 2 *", "UTC"));
    assert_eq!(c, "cron_never_fires");
    assert!(msg.contains("February 30"), "{msg}");
    // Leap days and fifth weekdays are rare, not never.
    assert!(Schedule::single("0 0 29 2 *", "UTC").is_ok());
    assert!(Schedule::single("0 0 31 * *", "UTC").is_ok());

    let (c, msg) = code(Schedule::single("0 2 * * *", "America/Chigaco"));
    assert_eq!(c, "unknown_time_zone");
    assert!(
        msg.contains("America/Chicago") && msg.contains(TZDB_VERSION),
        "{msg}"
    );

    let (c, _) = code(Schedule::new(vec![]));
    assert_eq!(c, "invalid_schedule");
    let many = vec![CronEntry::new("@daily", "UTC").unwrap(); 33];
    assert_eq!(code(Schedule::new(many)).0, "invalid_schedule");
}

#[test]
fn never_fires_check_is_fast() {
    let start = std::time::Instant::now();
    for _ in 0..5 {
        let _ = Schedule::single("0 0 30 2 *", "UTC");
        let _ = Schedule::single("0 0 31 4,6,9,11 *", "UTC");
    }
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn the_end_of_the_supported_range_gives_none() {
    let s = Schedule::single("0 0 1 1 *", "America/Chicago").unwrap();
    assert_eq!(s.next_fire_after(ts("5000-01-02T00:00:00Z")), None);
    assert_eq!(
        s.next_fire_after(Timestamp::from_unix_seconds(i64::MAX)),
        None
    );
    assert_eq!(
        s.next_fire_after(Timestamp::from_unix_seconds(i64::MIN)),
        None
    );
    assert!(s.next_fire_after(ts("4998-06-01T00:00:00Z")).is_some());
}

#[test]
fn zone_names_are_case_insensitive_and_stored_canonically() {
    let e = CronEntry::new(" 0 2 * * mon-fri ", "america/CHICAGO").unwrap();
    assert_eq!(e.time_zone(), "America/Chicago");
    assert_eq!(e.expression(), "0 2 * * mon-fri");
}

#[test]
fn serde_round_trips() {
    let s = Schedule::new(vec![
        CronEntry::new("0 2 * * MON-FRI", "America/Chicago").unwrap(),
        CronEntry::new("@daily", "europe/london").unwrap(),
    ])
    .unwrap();
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(
        json,
        r#"[{"cron":"0 2 * * MON-FRI","time_zone":"America/Chicago"},{"cron":"@daily","time_zone":"Europe/London"}]"#
    );
    let back: Schedule = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    let after = ts("2026-03-06T12:00:00Z");
    assert_eq!(back.fires_after(after, 10), s.fires_after(after, 10));

    for e in [
        Expectation::Schedule(s.clone()),
        Expectation::Period(Duration::from_secs(86_400)),
    ] {
        let json = serde_json::to_string(&e).unwrap();
        let back: Expectation = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }
    assert_eq!(
        serde_json::to_string(&Expectation::Period(Duration::from_secs(3600))).unwrap(),
        r#"{"period":3600}"#
    );
}

#[test]
fn serde_refuses_what_new_refuses() {
    let bad_zone = r#"[{"cron":"0 2 * * *","time_zone":"Mars/Base"}]"#;
    let err = serde_json::from_str::<Schedule>(bad_zone).unwrap_err();
    assert!(err.to_string().contains("unknown time zone"), "{err}");
    let bad_cron = r#"[{"cron":"0 2 * *","time_zone":"UTC"}]"#;
    let err = serde_json::from_str::<Schedule>(bad_cron).unwrap_err();
    assert!(err.to_string().contains("5 fields"), "{err}");
    assert!(serde_json::from_str::<Schedule>("[]").is_err());
    let extra = r#"[{"cron":"0 2 * * *","time_zone":"UTC","tz":"x"}]"#;
    assert!(serde_json::from_str::<Schedule>(extra).is_err());
    assert!(Expectation::Period(Duration::ZERO).validate().is_err());
    assert_eq!(
        Expectation::Period(Duration::from_millis(1500))
            .validate()
            .unwrap_err()
            .code(),
        "invalid_period"
    );
}

#[test]
fn the_syntax_table_of_docs_runs_md() {
    let a = "2026-06-15T10:00:00Z"; // Monday
    for ok in [
        "0 2 * * *",
        "0,30 8-18/2 * * *",
        "0 2 * JAN-MAR MON-FRI",
        "0 18 L * *",
        "0 9 * * 5L",
        "0 9 15W * *",
        "0 9 * * MON#1",
        "0 0 1-7 * +MON",
        "0 0 * * 7",
    ] {
        assert!(Schedule::single(ok, "UTC").is_ok(), "{ok}");
    }
    assert_eq!(
        fires("0,30 8-18/2 * * *", "UTC", a, 3),
        [
            "2026-06-15T10:30:00Z",
            "2026-06-15T12:00:00Z",
            "2026-06-15T12:30:00Z"
        ]
    );
    assert_eq!(
        fires("0 18 L * *", "UTC", a, 2),
        ["2026-06-30T18:00:00Z", "2026-07-31T18:00:00Z"]
    );
    assert_eq!(fires("0 9 * * 5L", "UTC", a, 1), ["2026-06-26T09:00:00Z"]);
    assert_eq!(
        fires("0 9 15W * *", "UTC", "2026-08-01T00:00:00Z", 1),
        ["2026-08-14T09:00:00Z"]
    );
    assert_eq!(
        fires("0 9 * * MON#1", "UTC", a, 1),
        ["2026-07-06T09:00:00Z"]
    );
    // `+`: the first Monday only (day 1-7 AND Monday), not every Monday.
    assert_eq!(
        fires("0 0 1-7 * +MON", "UTC", a, 2),
        ["2026-07-06T00:00:00Z", "2026-08-03T00:00:00Z"]
    );
    assert_eq!(fires("0 0 * * 7", "UTC", a, 1), ["2026-06-21T00:00:00Z"]);
}
