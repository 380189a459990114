//! AI-query metering (issue #24) through the real server: `POST
//! /v1/usage/ai-queries` charges the plan's monthly limit (calendar month,
//! UTC), answers 429 with the exact `Retry-After` to the 1st of next month
//! once it is used up, charges an idempotent retry once, starts over at
//! 00:00 UTC on the 1st, and `/v1/usage` and `/v1/usage/daily` show it.
//!
//! The expected month boundary is computed here from the calendar, not by
//! the core's `Window`, so a wrong window in the core fails this test. The
//! clock moves ([`clock::advance`]), so this file holds one test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::time::Duration;

use common::*;
use erpops_receiver::clock;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (Unix seconds now, Unix seconds of the next 1st of a month at 00:00 UTC,
/// length of the current month in seconds).
fn month_edges() -> (i64, i64, i64) {
    let text = clock::now().to_rfc3339();
    let (y, m): (i64, i64) = (text[0..4].parse().unwrap(), text[5..7].parse().unwrap());
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let start = days_from_civil(y, m, 1) * 86_400;
    let next = days_from_civil(ny, nm, 1) * 86_400;
    (clock::now().unix_seconds(), next, next - start)
}

async fn charge(server: &TestServer, key: &str, idempotency: Option<&str>) -> Reply {
    let auth = format!("Bearer {key}");
    let mut headers = vec![("Authorization", auth.as_str())];
    if let Some(k) = idempotency {
        headers.push(("Idempotency-Key", k));
    }
    request(
        "POST",
        &server.url("/v1/usage/ai-queries"),
        &headers,
        Vec::new(),
    )
    .await
}

fn ai_metric(usage: &serde_json::Value) -> serde_json::Value {
    usage["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "ai_query")
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_free_plan_allows_100_ai_queries_a_month_then_429_until_the_1st() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    server.tenant("acme", "free", "redact");
    server.tenant("bigco", "enterprise", "redact");
    let (_, key) = server.api_key("acme");
    let (_, big_key) = server.api_key("bigco");
    let (connector, secret) = server.connector("acme");

    // Two events today show in the daily counts: 30 days, today last.
    for n in 0..2 {
        let r = post_signed(
            &server,
            &connector,
            &secret,
            &body(&connector, &format!("e{n}")),
        )
        .await;
        assert_eq!(r.status, 202, "{:?}", r.body);
    }
    let daily = server.api("GET", "/v1/usage/daily", &key, "").await;
    assert_eq!(daily.status, 200, "{:?}", daily.body);
    let days = daily.body["data"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    let today = &clock::now().to_rfc3339()[..10];
    assert_eq!(days[29]["date"], today);
    assert_eq!(days[29]["inbound_events"], 2);
    assert!(days[..29].iter().all(|d| d["inbound_events"] == 0));
    assert!(days
        .windows(2)
        .all(|w| w[0]["date"].as_str() < w[1]["date"].as_str()));
    let other = server.api("GET", "/v1/usage/daily", &big_key, "").await;
    assert_eq!(
        other.body["data"][29]["inbound_events"], 0,
        "tenant isolation"
    );

    // The first query, retried with its Idempotency-Key, is charged once.
    let (_, next, month_len) = month_edges();
    let first = charge(&server, &key, Some("q-1")).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["used"], 1);
    assert_eq!(first.body["remaining"], 99);
    assert_eq!(first.body["limit"], 100);
    assert_eq!(
        first.header("RateLimit-Policy").unwrap(),
        format!("\"ai-queries\";q=100;w={month_len}")
    );
    let retry = charge(&server, &key, Some("q-1")).await;
    assert_eq!(retry.status, 200);
    assert_eq!(retry.header("Idempotent-Replayed").as_deref(), Some("true"));
    assert_eq!(retry.body["remaining"], 99, "a retry is not charged again");
    let bad = charge(&server, &key, Some("")).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.code().as_deref(), Some("invalid_idempotency_key"));

    for n in 2..=100u64 {
        let r = charge(&server, &key, None).await;
        assert_eq!(r.status, 200, "query {n}: {:?}", r.body);
        assert_eq!(r.body["used"], n);
        assert!(r
            .header("RateLimit")
            .unwrap()
            .starts_with(&format!("\"ai-queries\";r={};t=", 100 - n)));
    }

    // The 101st: 429 with Retry-After to the 1st of next month, 00:00 UTC.
    let before = clock::now().unix_seconds();
    let refused = charge(&server, &key, None).await;
    let after = clock::now().unix_seconds();
    assert_eq!(refused.status, 429, "{:?}", refused.body);
    assert_eq!(refused.code().as_deref(), Some("quota_exceeded"));
    let retry_after: i64 = refused.header("Retry-After").unwrap().parse().unwrap();
    assert!(
        (next - after..=next - before).contains(&retry_after),
        "Retry-After {retry_after} is not the time to {next} (now {before}..{after})"
    );
    assert_eq!(
        refused.header("RateLimit").unwrap(),
        format!("\"ai-queries\";r=0;t={retry_after}")
    );
    let usage = server.api("GET", "/v1/usage", &key, "").await;
    let ai = ai_metric(&usage.body);
    assert_eq!(ai["used"], 100, "a refusal is not charged: {ai}");
    assert_eq!(ai["limit"], 100);
    assert!(usage.body["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["metric"] == "inbound_event" && m["used"] == 2));

    // An unlimited plan is never refused and gets no RateLimit fields.
    let big = charge(&server, &big_key, None).await;
    assert_eq!(big.status, 200);
    assert!(big.header("RateLimit").is_none());

    // Five seconds before the 1st it is still refused; at the 1st it is not.
    let now = clock::now().unix_seconds();
    clock::advance(Duration::from_secs(u64::try_from(next - now - 5).unwrap()));
    let late = charge(&server, &key, None).await;
    assert_eq!(late.status, 429);
    let ra: i64 = late.header("Retry-After").unwrap().parse().unwrap();
    assert!(
        (1..=5).contains(&ra),
        "Retry-After {ra} just before the 1st"
    );
    clock::advance(Duration::from_secs(6));
    let fresh = charge(&server, &key, None).await;
    assert_eq!(fresh.status, 200, "{:?}", fresh.body);
    assert_eq!(fresh.body["used"], 1, "the new month starts at 0");
    // The key of last month's first query is a new query this month.
    let again = charge(&server, &key, Some("q-1")).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["used"], 2);
    assert!(again.header("Idempotent-Replayed").is_none());
}
