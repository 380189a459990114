//! An event is stored once: when its raw body reads back as exactly the
//! normalized event, the SQLite row keeps the raw body only (empty JSON
//! column) and the REST API reads the event from it; otherwise (PII
//! redacted, raw body not kept, or a body that normalizes differently) the
//! normalized JSON is stored as before.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use erpops_core::event::{parse_event, Event, ParseOptions};
use erpops_receiver::clock;
use erpops_receiver::store::sqlite::DB_FILE;
use erpops_receiver::store::{EventFilter, NewEvent, ReadStore, SqliteStore, WriterStore};
use uuid::Uuid;

const CONNECTOR: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";

fn parsed(body: &str) -> Event {
    let opts = ParseOptions::new(clock::now())
        .with_header_connector_id(Uuid::parse_str(CONNECTOR).unwrap());
    parse_event(body.as_bytes(), &opts).unwrap().event
}

fn stored_json(dir: &std::path::Path, id: &str) -> String {
    rusqlite::Connection::open(dir.join(DB_FILE))
        .unwrap()
        .query_row(
            "SELECT event_json FROM events WHERE event_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn the_raw_body_alone_reads_back_as_the_normalized_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    let now = clock::now();
    // Spaces and metadata: the raw bytes differ from the normalized JSON,
    // the event they read back as does not.
    let at = now.to_rfc3339();
    let plain = format!(
        "{{ \"connector_id\": \"{CONNECTOR}\", \"event_type\": \"integration.failed\", \
         \"timestamp\": \"{at}\", \"severity\": \"error\", \"source\": \"GL\", \
         \"message\": \"Exit code 1\", \"metadata\": {{\"run\": 7, \"ok\": false}} }}"
    );
    let a = parsed(&plain);
    let b = parsed(&plain.replace("Exit code 1", "Exit code 2"));
    let rows = [
        ("evt_raw", &a, Some(plain.as_bytes())),
        // Redacted events keep no raw body: the JSON is the only copy.
        ("evt_json", &b, None),
    ];
    store.begin().unwrap();
    for (id, event, raw) in rows {
        store
            .insert_event(&NewEvent {
                event_id: id,
                tenant_id: "t",
                event,
                raw_body: raw,
                incident_id: None,
                received_at: now,
                replay_expires_at: None,
            })
            .unwrap();
    }
    store.commit().unwrap();
    assert_eq!(stored_json(dir.path(), "evt_raw"), "", "stored once");
    assert_eq!(
        stored_json(dir.path(), "evt_json"),
        serde_json::to_string(&b).unwrap()
    );
    let listed = store
        .list_events("t", &EventFilter::default(), None, 10)
        .unwrap();
    let by_id = |id: &str| {
        listed
            .iter()
            .find(|l| l.id == id)
            .map(|l| l.json["event"].clone())
            .unwrap()
    };
    assert_eq!(by_id("evt_raw"), serde_json::to_value(&a).unwrap());
    assert_eq!(by_id("evt_json"), serde_json::to_value(&b).unwrap());
}

#[test]
fn a_body_that_does_not_read_back_as_the_event_keeps_its_json() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    let now = clock::now();
    let body = format!(
        "{{\"connector_id\":\"{CONNECTOR}\",\"event_type\":\"integration.failed\",\"timestamp\":\"{}\",\"severity\":\"error\",\"message\":\"a\"}}",
        now.to_rfc3339()
    );
    // As if normalization had changed the message: not what the body says.
    let mut event = parsed(&body);
    event.message = Some("b".into());
    store.begin().unwrap();
    store
        .insert_event(&NewEvent {
            event_id: "evt_x",
            tenant_id: "t",
            event: &event,
            raw_body: Some(body.as_bytes()),
            incident_id: None,
            received_at: now,
            replay_expires_at: None,
        })
        .unwrap();
    store.commit().unwrap();
    assert_eq!(
        stored_json(dir.path(), "evt_x"),
        serde_json::to_string(&event).unwrap()
    );
    let listed = store
        .list_events("t", &EventFilter::default(), None, 10)
        .unwrap();
    assert_eq!(listed[0].json["event"]["message"], "b");
}
