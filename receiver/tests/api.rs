//! The REST API under /v1 with two tenants: authentication, isolation
//! (another tenant's ids answer 404), filters, cursor pagination,
//! acknowledge/resolve through the writer, usage, and revocation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use erpops_receiver::cli::{AdminCommand, ApiKeyCommand};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tenants_see_only_their_own_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "free", "redact");
    server.tenant("b", "professional", "redact");
    let (ca, sa) = server.connector("a");
    let (cb, sb) = server.connector("b");
    let (key_a_id, key_a) = server.api_key("a");
    let (_, key_b) = server.api_key("b");

    // Tenant a: three failures of different sources, so three incidents.
    let mut incidents_a = Vec::new();
    for source in ["GL_LOAD", "PAYROLL", "AP_EXPORT"] {
        let body = format!(
            "{{\"connector_id\":\"{ca}\",\"event_type\":\"integration.failed\",\"timestamp\":\"{}\",\"severity\":\"error\",\"source\":\"{source}\",\"message\":\"failed\"}}",
            now_rfc3339()
        );
        let r = post_signed(&server, &ca, &sa, &body).await;
        assert_eq!(r.status, 202);
        incidents_a.push(r.body["incident_id"].as_str().unwrap().to_owned());
    }
    let rb = post_signed(&server, &cb, &sb, &body(&cb, "b fails")).await;
    let incident_b = rb.body["incident_id"].as_str().unwrap().to_owned();

    // Authentication.
    let r = server.api("GET", "/v1/incidents", "erpk_wrong", "").await;
    assert_eq!((r.status, r.code().as_deref()), (401, Some("unauthorized")));
    let r = request("GET", &server.url("/v1/incidents"), &[], Vec::new()).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/problem+json")
    );

    // Listing with pagination: 2 + 1, newest first, no overlap.
    let p1 = server.api("GET", "/v1/incidents?limit=2", &key_a, "").await;
    assert_eq!(p1.status, 200, "{:?}", p1.body);
    assert_eq!(p1.body["data"].as_array().unwrap().len(), 2);
    let cursor = p1.body["next_cursor"].as_str().unwrap().to_owned();
    let p2 = server
        .api(
            "GET",
            &format!("/v1/incidents?limit=2&cursor={cursor}"),
            &key_a,
            "",
        )
        .await;
    assert_eq!(p2.body["data"].as_array().unwrap().len(), 1);
    assert!(p2.body["next_cursor"].is_null());
    let mut seen: Vec<String> = p1.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .chain(p2.body["data"].as_array().unwrap())
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    seen.sort();
    let mut expected = incidents_a.clone();
    expected.sort();
    assert_eq!(seen, expected);

    // Filters.
    let r = server
        .api("GET", "/v1/incidents?source=PAYROLL", &key_a, "")
        .await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["data"][0]["source"], "PAYROLL");
    let r = server
        .api("GET", "/v1/incidents?status=resolved", &key_a, "")
        .await;
    assert!(r.body["data"].as_array().unwrap().is_empty());
    let r = server
        .api("GET", "/v1/incidents?colour=red", &key_a, "")
        .await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (400, Some("unknown_parameter"))
    );

    // Isolation: b's incident is "not found" for a, and vice versa.
    let r = server
        .api("GET", &format!("/v1/incidents/{incident_b}"), &key_a, "")
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code().as_deref(), Some("incident_not_found"));
    let r = server
        .api("GET", &format!("/v1/incidents/{incident_b}"), &key_b, "")
        .await;
    assert_eq!(r.status, 200);
    let r = server
        .api(
            "POST",
            &format!("/v1/incidents/{incident_b}/acknowledge"),
            &key_a,
            "",
        )
        .await;
    assert_eq!(r.status, 404);
    // The same code whichever route names the missing incident.
    assert_eq!(r.code().as_deref(), Some("incident_not_found"));
    let r = server
        .api("GET", &format!("/v1/connectors/{cb}"), &key_a, "")
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code().as_deref(), Some("connector_not_found"));
    let r = server.api("GET", "/v1/connectors", &key_a, "").await;
    let list = r.body["data"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], ca.as_str());
    let r = server.api("GET", "/v1/events", &key_b, "").await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["data"][0]["event"]["connector_id"], cb.as_str());

    // Acknowledge, then resolve; a second resolve is a conflict.
    let target = &incidents_a[0];
    let r = server
        .api(
            "POST",
            &format!("/v1/incidents/{target}/acknowledge"),
            &key_a,
            "{\"actor\":\"ana\",\"note\":\"on it\"}",
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "acknowledged");
    assert_eq!(r.body["acknowledged_by"], "ana");
    let r = server
        .api(
            "POST",
            &format!("/v1/incidents/{target}/resolve"),
            &key_a,
            "",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "resolved");
    assert_eq!(r.body["resolved_by"], format!("api_key:{key_a_id}"));
    let r = server
        .api(
            "POST",
            &format!("/v1/incidents/{target}/resolve"),
            &key_a,
            "",
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (409, Some("already_resolved"))
    );
    let r = server
        .api("GET", &format!("/v1/incidents/{target}"), &key_a, "")
        .await;
    assert_eq!(r.body["status"], "resolved", "the command is stored");

    // Usage counts accepted events of the tenant only.
    let r = server.api("GET", "/v1/usage", &key_a, "").await;
    assert_eq!(r.body["plan"], "free");
    assert_eq!(r.body["metrics"][0]["metric"], "inbound_event");
    assert_eq!(r.body["metrics"][0]["used"], 3);
    assert_eq!(r.body["metrics"][0]["limit"], 100);

    // Revocation applies to the next request.
    server.admin(AdminCommand::ApiKeys(ApiKeyCommand::Revoke {
        id: key_a_id,
    }));
    let r = server.api("GET", "/v1/usage", &key_a, "").await;
    assert_eq!(r.status, 401);
    server.stop().await;
}

/// A known route with another method: 405 `method_not_allowed` with the
/// methods it takes in `Allow`, as a problem, before the API key is looked
/// at (as the receive path answers 405 before its signature); a path that
/// is no route is still 404 once the key is checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_method_on_a_known_route_is_405_with_allow() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "free", "redact");
    let (_, key) = server.api_key("a");
    let cases = [
        ("DELETE", "/v1/incidents", "GET"),
        ("POST", "/v1/incidents", "GET"),
        ("PUT", "/v1/incidents/inc_x", "GET"),
        ("GET", "/v1/incidents/inc_x/acknowledge", "POST"),
        ("PATCH", "/v1/incidents/inc_x/resolve", "POST"),
        // The writes of #24 added methods to some paths.
        ("PUT", "/v1/connectors", "GET, POST"),
        (
            "DELETE",
            "/v1/connectors/00000000-0000-0000-0000-000000000000",
            "GET",
        ),
        ("GET", "/v1/connectors/x/rotate", "POST"),
        ("PATCH", "/v1/rules/r1", "GET, PUT, DELETE"),
        ("POST", "/v1/heartbeats/c/s", "PUT, DELETE"),
        ("DELETE", "/v1/api-keys", "GET, POST"),
        ("POST", "/v1/audit", "GET"),
        ("POST", "/v1/events", "GET"),
        ("PUT", "/v1/alerts", "GET"),
        ("POST", "/v1/usage/", "GET"),
        ("POST", "/healthz", "GET, HEAD"),
        ("PUT", "/healthz", "GET, HEAD"),
        ("DELETE", "/metrics", "GET, HEAD"),
        ("HEAD", RECEIVE, "POST"),
        ("GET", RECEIVE, "POST"),
        ("PUT", RECEIVE, "POST"),
    ];
    for (method, path, allow) in cases {
        for auth in [Some(key.as_str()), None] {
            let r = match auth {
                Some(key) => server.api(method, path, key, "").await,
                None => request(method, &server.url(path), &[], Vec::new()).await,
            };
            let what = format!("{method} {path} (key: {})", auth.is_some());
            assert_eq!(r.status, 405, "{what}: {:?}", r.body);
            assert_eq!(r.header("allow").as_deref(), Some(allow), "{what}");
            assert_eq!(
                r.header("content-type").as_deref(),
                Some("application/problem+json"),
                "{what}"
            );
            if method != "HEAD" {
                assert_eq!(r.code().as_deref(), Some("method_not_allowed"), "{what}");
                assert_eq!(r.body["status"], 405, "{what}");
                assert!(r.body["request_id"].is_string(), "{what}");
            }
        }
    }
    // Still 404: paths that are no route, whatever the method.
    for (method, path) in [
        ("DELETE", "/v1/nothing"),
        ("GET", "/v1/incidents/a/b/c/d"),
        ("POST", "/nowhere"),
        ("GET", "/healthz/"),
    ] {
        let r = server.api(method, path, &key, "").await;
        assert_eq!(r.status, 404, "{method} {path}");
        assert!(r.header("allow").is_none());
    }
    // The right methods are unaffected.
    assert_eq!(server.api("GET", "/v1/usage", &key, "").await.status, 200);
    assert_eq!(
        request("GET", &server.url("/healthz"), &[], Vec::new())
            .await
            .status,
        200
    );
    // A load balancer's HEAD health check: the GET's status and headers,
    // no body.
    for path in ["/healthz", "/metrics"] {
        let head = request("HEAD", &server.url(path), &[], Vec::new()).await;
        assert_eq!(head.status, 200, "HEAD {path}");
        assert_eq!(
            head.body,
            serde_json::Value::Null,
            "HEAD {path} has no body"
        );
    }
    server.stop().await;
}

/// `GET /v1/connectors` pages like the other lists: `limit`, `cursor`,
/// `next_cursor`, newest first, only the key's tenant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connectors_are_listed_in_pages() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "free", "redact");
    server.tenant("b", "free", "redact");
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(server.connector("a").0);
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let (other, _) = server.connector("b");
    let (_, key) = server.api_key("a");

    let mut seen = Vec::new();
    let mut path = "/v1/connectors?limit=2".to_owned();
    let mut pages = Vec::new();
    loop {
        let r = server.api("GET", &path, &key, "").await;
        assert_eq!(r.status, 200, "{path}: {:?}", r.body);
        let data = r.body["data"].as_array().unwrap();
        pages.push(data.len());
        for c in data {
            assert_eq!(c["tenant_id"], "a");
            assert_eq!(c["active_secrets"], 1);
            seen.push(c["id"].as_str().unwrap().to_owned());
        }
        match r.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/connectors?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, [2, 2, 1]);
    // Newest first, each once, never another tenant's.
    let mut newest_first = created.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    assert!(!seen.contains(&other));
    // The default page holds them all, with no next page.
    let r = server.api("GET", "/v1/connectors", &key, "").await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 5);
    assert!(r.body["next_cursor"].is_null());
    // Exactly a full last page: one more request, empty.
    let r = server.api("GET", "/v1/connectors?limit=5", &key, "").await;
    let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
    let r = server
        .api("GET", &format!("/v1/connectors?cursor={cursor}"), &key, "")
        .await;
    assert!(r.body["data"].as_array().unwrap().is_empty());
    assert!(r.body["next_cursor"].is_null());
    // Bad parameters, as on the other lists.
    for (query, code) in [
        ("limit=0", "invalid_parameter"),
        ("limit=201", "invalid_parameter"),
        ("cursor=nope", "invalid_parameter"),
        ("status=open", "unknown_parameter"),
    ] {
        let r = server
            .api("GET", &format!("/v1/connectors?{query}"), &key, "")
            .await;
        assert_eq!(
            (r.status, r.code().as_deref()),
            (400, Some(code)),
            "{query}"
        );
    }
    server.stop().await;
}

#[test]
fn openapi_describes_every_route() {
    let spec = include_str!("../../docs/openapi.yaml");
    for route in [
        "/functions/v1/receive-event:",
        "/healthz:",
        "/metrics:",
        "/v1/incidents:",
        "/v1/incidents/{id}:",
        "/v1/incidents/{id}/acknowledge:",
        "/v1/incidents/{id}/resolve:",
        "/v1/connectors:",
        "/v1/connectors/{id}:",
        "/v1/events:",
        "/v1/usage:",
        "/v1/jobs:",
        "/v1/jobs/{id}:",
        "/v1/jobs/{id}/runs:",
    ] {
        assert!(
            spec.contains(&format!("\n  {route}\n")),
            "{route} missing from docs/openapi.yaml"
        );
    }
}
