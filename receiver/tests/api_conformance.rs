//! What Schemathesis found where docs/openapi.yaml and the REST API
//! disagreed (issue #24), each pinned here so it cannot come back without
//! `make test-schemathesis`: empty query values, enum and UUID filters, the
//! incident commands' body, an Idempotency-Key that is not ASCII, and 405
//! for any undeclared method.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;

/// An empty query value is the same as an absent one (an HTML form sends an
/// unset filter as `?since=`): the same page, not 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_query_value_is_an_absent_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "free", "redact");
    let (c, s) = server.connector("a");
    let (_, key) = server.api_key("a");
    assert_eq!(
        post_signed(&server, &c, &s, &body(&c, "failed"))
            .await
            .status,
        202
    );
    for (path, empty) in [
        (
            "/v1/incidents",
            "?status=&severity=&connector=&source=&since=&limit=&cursor=",
        ),
        (
            "/v1/events",
            "?connector=&event_type=&severity=&source=&since=&limit=&cursor=",
        ),
        (
            "/v1/alerts",
            "?state=&incident=&rule=&reason=&since=&limit=&cursor=",
        ),
        ("/v1/connectors", "?limit=&cursor="),
        ("/v1/jobs", "?cursor="),
    ] {
        let plain = server.api("GET", path, &key, "").await;
        assert_eq!(plain.status, 200, "{path}: {:?}", plain.body);
        let r = server.api("GET", &format!("{path}{empty}"), &key, "").await;
        assert_eq!(r.status, 200, "{path}{empty}: {:?}", r.body);
        assert_eq!(r.body, plain.body, "{path}{empty}");
    }
    // Unknown names are still refused, empty or not.
    let r = server.api("GET", "/v1/incidents?sinse=", &key, "").await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("unknown_parameter"))
    );
    server.stop().await;
}

/// The filters the spec declares as enums or UUIDs refuse other values
/// with 400 instead of quietly matching nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enum_and_uuid_filters_refuse_other_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "free", "redact");
    let (c, _) = server.connector("a");
    let (_, key) = server.api_key("a");
    for path in [
        "/v1/incidents?status=null".to_owned(),
        "/v1/incidents?status=OPEN".to_owned(),
        "/v1/incidents?severity=fatal".to_owned(),
        "/v1/incidents?connector=payroll".to_owned(),
        "/v1/events?severity=null".to_owned(),
        "/v1/events?connector=42".to_owned(),
    ] {
        let r = server.api("GET", &path, &key, "").await;
        assert_eq!(
            (r.status, r.code().as_deref()),
            (400, Some("invalid_parameter")),
            "{path}: {:?}",
            r.body
        );
    }
    for path in [
        "/v1/incidents?status=acknowledged&severity=critical".to_owned(),
        format!("/v1/incidents?connector={c}"),
        format!("/v1/events?connector={c}&severity=warn"),
    ] {
        assert_eq!(
            server.api("GET", &path, &key, "").await.status,
            200,
            "{path}"
        );
    }
    server.stop().await;
}

/// Acknowledge and resolve take `{"actor"?: string, "note"?: string}` and
/// nothing else: not an object is 400 `invalid_body`, another field or type
/// 422 `invalid_field` (they were ignored, and the command applied without
/// the actor or note), the core's limits 422 too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incident_commands_take_only_actor_and_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "free", "redact");
    let (c, s) = server.connector("a");
    let (_, key) = server.api_key("a");
    let r = post_signed(&server, &c, &s, &body(&c, "failed")).await;
    let id = r.body["incident_id"].as_str().unwrap().to_owned();
    let ack = format!("/v1/incidents/{id}/acknowledge");
    let resolve = format!("/v1/incidents/{id}/resolve");
    for (bad, status, code) in [
        ("[]", 400, "invalid_body"),
        ("null", 400, "invalid_body"),
        ("\"alice\"", 400, "invalid_body"),
        ("not json", 400, "invalid_body"),
        ("{\"actor\": 5}", 422, "invalid_field"),
        ("{\"actor\": null}", 422, "invalid_field"),
        ("{\"note\": [\"x\"]}", 422, "invalid_field"),
        (
            "{\"actor\": \"alice\", \"notes\": \"typo\"}",
            422,
            "invalid_field",
        ),
    ] {
        for path in [&ack, &resolve] {
            let r = server.api("POST", path, &key, bad).await;
            assert_eq!(
                (r.status, r.code().as_deref()),
                (status, Some(code)),
                "{path} {bad}: {:?}",
                r.body
            );
        }
    }
    for (bad, code) in [
        ("{\"actor\": \"\"}", "invalid_actor"),
        ("{\"actor\": \"   \"}", "invalid_actor"),
        ("{\"actor\": \"a\\u0007b\"}", "invalid_actor"),
        ("{\"note\": \"a\\u0000b\"}", "invalid_note"),
    ] {
        for path in [&ack, &resolve] {
            let r = server.api("POST", path, &key, bad).await;
            assert_eq!(
                (r.status, r.code().as_deref()),
                (422, Some(code)),
                "{path} {bad}"
            );
        }
    }
    let long = "x".repeat(129);
    let r = server
        .api("POST", &ack, &key, &format!("{{\"actor\": \"{long}\"}}"))
        .await;
    assert_eq!(r.code().as_deref(), Some("invalid_actor"));
    // The incident is untouched by all of the above; a valid body applies.
    let r = server
        .api(
            "POST",
            &ack,
            &key,
            "{\"actor\": \"alice\", \"note\": \"on it\\n\\tlooking\"}",
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["acknowledged_by"], "alice");
    let r = server.api("POST", &resolve, &key, "").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "resolved");
    server.stop().await;
}

/// Every method a route does not declare, TRACE included, is 405 with the
/// route's `Allow`, with or without a key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeclared_methods_are_405_on_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "free", "redact");
    let (_, key) = server.api_key("a");
    let routes = [
        ("/functions/v1/receive-event", "POST"),
        ("/healthz", "GET, HEAD"),
        ("/metrics", "GET, HEAD"),
        ("/v1/incidents", "GET"),
        ("/v1/incidents/inc_00000000000000000000000000000000", "GET"),
        (
            "/v1/incidents/inc_00000000000000000000000000000000/acknowledge",
            "POST",
        ),
        (
            "/v1/incidents/inc_00000000000000000000000000000000/resolve",
            "POST",
        ),
        ("/v1/events", "GET"),
        ("/v1/alerts", "GET"),
        ("/v1/usage", "GET"),
        ("/v1/jobs/job_x/runs", "GET"),
    ];
    for (path, allow) in routes {
        for method in ["TRACE", "OPTIONS", "PATCH"] {
            let r = server.api(method, path, &key, "").await;
            assert_eq!(r.status, 405, "{method} {path}: {:?}", r.body);
            assert_eq!(r.header("allow").as_deref(), Some(allow), "{method} {path}");
        }
    }
    server.stop().await;
}

/// An `Idempotency-Key` header that is not printable ASCII is refused (400
/// `invalid_idempotency_key`), not dropped: the write ran as if no key had
/// been sent, so a retry would have charged (or created) twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_ascii_idempotency_key_is_refused_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "free", "redact");
    let (_, key) = server.api_key("a");
    let auth = format!("Bearer {key}");
    let url = server.url("/v1/usage/ai-queries");
    for bad in ["caf\u{e9}-1", "\u{1F511}"] {
        let value = hyper::header::HeaderValue::from_bytes(bad.as_bytes()).unwrap();
        let client: hyper_util::client::legacy::Client<_, http_body_util::Full<bytes::Bytes>> =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
        let request = hyper::Request::builder()
            .method("POST")
            .uri(&url)
            .header("Authorization", auth.as_str())
            .header("Idempotency-Key", value)
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap();
        let response = client.request(request).await.unwrap();
        assert_eq!(response.status().as_u16(), 400, "{bad:?}");
    }
    // Nothing was charged.
    let r = server.api("GET", "/v1/usage", &key, "").await;
    let ai = r.body["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "ai_query")
        .unwrap()
        .clone();
    assert_eq!(ai["used"], 0, "{ai:?}");
    server.stop().await;
}
