//! Batch jobs in the receiver (issue #23), end to end through the real
//! HTTP server, writer and store: `erpops admin jobs` while the server
//! runs, run signals (`*.started`, `*.succeeded` with `metadata.run_id`
//! and `records_processed`) as signed posts, `GET /v1/jobs` and
//! `GET /v1/jobs/{id}/runs` (next expected run, last runs, median,
//! status, isolated between tenants), `run_too_long` opened by the tick
//! while a run is still going, and the run's timer kept across a restart.
//! Hours pass on this process's clock ([`clock::advance`]); only
//! `a_job_is_tracked_run_by_run_and_its_timers_survive_a_restart` moves it,
//! and no other case here depends on the time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::time::Duration;

use common::*;
use erpops_core::schedule::Schedule;
use erpops_receiver::cli::{
    AdminCommand, HeartbeatCommand, JobCommand, MatchArgs, RuleCommand, TenantCommand,
    WindowCommand,
};
use erpops_receiver::clock;
use erpops_receiver::store::SqliteStore;
use serde_json::Value;

/// Polls `f` until it returns `Some` (30 s at most).
async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..600 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// `erpops admin jobs set` with the flags the cases use.
#[allow(clippy::too_many_arguments)]
fn set_job(
    connector: &str,
    source: &str,
    schedule: &[&str],
    time_zone: Option<&str>,
    period: Option<&str>,
    max_runtime: Option<&str>,
    deadline: Option<&str>,
    depends_on: &[&str],
) -> AdminCommand {
    AdminCommand::Jobs(JobCommand::Set {
        connector: connector.into(),
        source: source.into(),
        schedule: schedule.iter().map(|s| (*s).to_owned()).collect(),
        time_zone: time_zone.map(str::to_owned),
        period: period.map(str::to_owned),
        grace: Some("15m".into()),
        max_runtime: max_runtime.map(str::to_owned),
        min_runtime: None,
        min_records: None,
        failure_threshold: None,
        recovery_threshold: None,
        deadline: deadline.map(str::to_owned),
        deadline_time_zone: None,
        depends_on: depends_on.iter().map(|s| (*s).to_owned()).collect(),
        severity: "critical".into(),
    })
}

/// A run signal of `source`: `payroll.run.<phase>` with `metadata`.
fn signal(connector: &str, source: &str, phase: &str, metadata: &str) -> String {
    format!(
        "{{\"connector_id\":\"{connector}\",\"event_type\":\"payroll.run.{phase}\",\
         \"timestamp\":\"{}\",\"severity\":\"info\",\"source\":\"{source}\",\
         \"message\":\"{phase}\",\"metadata\":{metadata}}}",
        now_rfc3339()
    )
}

async fn send(server: &TestServer, connector: &str, secret: &str, body: &str) {
    let r = post_signed(server, connector, secret, body).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
}

/// The one job `/v1/jobs` lists for `key`.
async fn the_job(server: &TestServer, key: &str) -> Value {
    let r = server.api("GET", "/v1/jobs", key, "").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let data = r.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{data:?}");
    data[0].clone()
}

/// Notifications of `key`'s tenant with `reason`.
async fn notified(server: &TestServer, key: &str, reason: &str) -> Vec<Value> {
    let r = server
        .api("GET", &format!("/v1/alerts?reason={reason}"), key, "")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["data"].as_array().unwrap().clone()
}

fn rule(tenant: &str) -> AdminCommand {
    AdminCommand::Rules(RuleCommand::Create {
        tenant: tenant.into(),
        id: format!("{tenant}-jobs"),
        name: None,
        channel: "log".into(),
        kinds: Vec::new(),
        matchers: MatchArgs::default(),
        repeat_secs: None,
        group_wait_secs: None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_is_tracked_run_by_run_and_its_timers_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "enterprise", "allow");
    let (ca, sa) = server.connector("a");
    let (_, key) = server.api_key("a");
    server.admin(rule("a"));
    // Once a year (02:00 Chicago on January 1st), so the hours this case
    // moves the clock never cross a due time: the runs are what it checks.
    let schedule = "0 2 1 1 *";
    let before = clock::now();
    let out = server.admin(set_job(
        &ca,
        "PAYROLL",
        &[schedule],
        Some("America/Chicago"),
        None,
        Some("1h"),
        Some("06:00"),
        &[],
    ));
    assert!(
        out.contains("job job_") && out.contains("next due"),
        "{out}"
    );
    let after = clock::now();
    let fires = Schedule::single(schedule, "America/Chicago").unwrap();
    let expected: Vec<String> = [before, after]
        .iter()
        .map(|t| fires.next_fire_after(*t).unwrap().to_rfc3339())
        .collect();

    // Listed at once from the configuration; the writer loads it within
    // a second and its state (the next expected run) shows.
    let job = eventually("the writer to load the job", || async {
        let job = the_job(&server, &key).await;
        (!job["next_expected_run"].is_null()).then_some(job)
    })
    .await;
    let job_id = job["id"].as_str().unwrap().to_owned();
    assert!(job_id.starts_with("job_"), "{job}");
    assert!(
        expected.contains(&job["next_expected_run"].as_str().unwrap().to_owned()),
        "{job} {expected:?}"
    );
    assert_eq!(job["source"], "PAYROLL");
    assert_eq!(job["schedule"][0]["cron"], schedule);
    assert_eq!(job["schedule"][0]["time_zone"], "America/Chicago");
    assert_eq!(job["period"], Value::Null);
    assert_eq!(job["grace"], 900);
    assert_eq!(job["max_runtime"], 3600);
    assert_eq!(job["deadline"]["time"], "06:00");
    assert_eq!(job["deadline"]["time_zone"], "America/Chicago");
    assert_eq!(job["severity"], "critical");
    assert_eq!(job["status"], "waiting");
    assert_eq!(job["last_runs"], serde_json::json!([]));

    // A run: started, then ten minutes later succeeded with its count.
    send(
        &server,
        &ca,
        &sa,
        &signal(&ca, "PAYROLL", "started", r#"{"run_id":"r1"}"#),
    )
    .await;
    let job = the_job(&server, &key).await;
    assert_eq!(job["status"], "running", "{job}");
    assert_eq!(job["runs_in_progress"][0]["run_id"], "r1");
    clock::advance(Duration::from_secs(600));
    send(
        &server,
        &ca,
        &sa,
        &signal(
            &ca,
            "PAYROLL",
            "succeeded",
            r#"{"run_id":"r1","records_processed":1200}"#,
        ),
    )
    .await;
    let job = the_job(&server, &key).await;
    assert_eq!(job["status"], "ok", "{job}");
    let run = &job["last_runs"][0];
    assert_eq!(run["run_id"], "r1");
    assert_eq!(run["outcome"], "succeeded");
    assert_eq!(run["records_processed"], 1200);
    let duration = run["duration_ms"].as_u64().unwrap();
    assert!((600_000..610_000).contains(&duration), "{run}");
    assert_eq!(job["median_duration_ms"], duration);
    assert!(job["last_seen"].is_string());
    assert_eq!(job["runs_in_progress"], serde_json::json!([]));

    // A run that hangs: the tick opens run_too_long while it runs.
    send(
        &server,
        &ca,
        &sa,
        &signal(&ca, "PAYROLL", "started", r#"{"run_id":"r2"}"#),
    )
    .await;
    clock::advance(Duration::from_secs(3601));
    let too_long = eventually("run_too_long while the run is going", || async {
        notified(&server, &key, "run_too_long")
            .await
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(too_long["incident"]["source"], "PAYROLL");
    assert_eq!(too_long["incident"]["severity"], "critical");
    let job = the_job(&server, &key).await;
    assert_eq!(job["status"], "failing", "{job}");
    assert_eq!(job["incidents"][0]["kind"], "run_too_long");
    assert_eq!(
        job["incidents"][0]["incident_id"], too_long["incident_id"],
        "{job}"
    );
    assert_eq!(job["runs_in_progress"][0]["run_id"], "r2");
    assert_eq!(job["runs_in_progress"][0]["too_long"], true);
    // Its end resolves it.
    send(
        &server,
        &ca,
        &sa,
        &signal(&ca, "PAYROLL", "succeeded", r#"{"run_id":"r2"}"#),
    )
    .await;
    let job = the_job(&server, &key).await;
    assert_eq!(job["status"], "ok", "{job}");
    assert_eq!(job["incidents"], serde_json::json!([]));
    assert_eq!(job["last_runs"][0]["run_id"], "r2");
    assert_eq!(job["last_runs"][1]["run_id"], "r1");
    let r = server
        .api("GET", &format!("/v1/jobs/{job_id}/runs"), &key, "")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["job_id"], job_id.as_str());
    assert_eq!(r.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["data"][0]["run_id"], "r2");

    // A restart in the middle of a run keeps its timer: the run started
    // before the stop is too long an hour later, with no new signal.
    send(
        &server,
        &ca,
        &sa,
        &signal(&ca, "PAYROLL", "started", r#"{"run_id":"r3"}"#),
    )
    .await;
    let due_before = the_job(&server, &key).await["next_expected_run"].clone();
    server.stop().await;
    clock::advance(Duration::from_secs(3601));
    let mut server = start(dir.path()).await;
    eventually(
        "run_too_long of the run started before the restart",
        || async { (notified(&server, &key, "run_too_long").await.len() == 2).then_some(()) },
    )
    .await;
    let job = the_job(&server, &key).await;
    assert_eq!(job["runs_in_progress"][0]["run_id"], "r3", "{job}");
    assert_eq!(job["runs_in_progress"][0]["too_long"], true);
    assert_eq!(job["next_expected_run"], due_before, "the due time is kept");
    let r = server
        .api("GET", &format!("/v1/jobs/{job_id}/runs"), &key, "")
        .await;
    assert_eq!(r.body["in_progress"][0]["run_id"], "r3", "{:?}", r.body);

    // Paused: nothing expected, and the list says so.
    server.admin(AdminCommand::Jobs(JobCommand::Pause {
        connector: ca.clone(),
        source: "PAYROLL".into(),
    }));
    eventually("the pause to reach the engine", || async {
        let job = the_job(&server, &key).await;
        (job["status"] == "paused" && job["next_expected_run"].is_null()).then_some(())
    })
    .await;
    server.admin(AdminCommand::Jobs(JobCommand::Remove {
        connector: ca.clone(),
        source: "PAYROLL".into(),
    }));
    let r = server.api("GET", "/v1/jobs", &key, "").await;
    assert_eq!(r.body["data"], serde_json::json!([]));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_isolated_between_tenants_and_paged() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(dir.path()).await;
    server.tenant("a", "free", "redact");
    server.tenant("b", "free", "redact");
    let (ca, _) = server.connector("a");
    let (cb, _) = server.connector("b");
    let (_, key_a) = server.api_key("a");
    let (_, key_b) = server.api_key("b");
    for source in ["EXTRACT", "LOAD", "REPORT"] {
        server.admin(set_job(&ca, source, &[], None, Some("1d"), None, None, &[]));
    }
    server.admin(set_job(
        &cb,
        "B_ONLY",
        &["@daily"],
        None,
        None,
        None,
        None,
        &[],
    ));

    // Tenant A pages through its three jobs; B's is not among them.
    let first = server.api("GET", "/v1/jobs?limit=2", &key_a, "").await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let page1 = first.body["data"].as_array().unwrap().clone();
    assert_eq!(page1.len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = server
        .api(
            "GET",
            &format!("/v1/jobs?limit=2&cursor={cursor}"),
            &key_a,
            "",
        )
        .await;
    let page2 = second.body["data"].as_array().unwrap().clone();
    assert_eq!(page2.len(), 1);
    assert_eq!(second.body["next_cursor"], Value::Null);
    let mut sources: Vec<String> = page1
        .iter()
        .chain(&page2)
        .map(|j| j["source"].as_str().unwrap().to_owned())
        .collect();
    sources.sort();
    assert_eq!(sources, ["EXTRACT", "LOAD", "REPORT"]);
    assert_eq!(page1[0]["period"], 86_400);
    assert_eq!(page1[0]["schedule"], Value::Null);

    // Tenant B sees only its job, and A's job is unknown to it.
    let b = server.api("GET", "/v1/jobs", &key_b, "").await;
    let b_jobs = b.body["data"].as_array().unwrap();
    assert_eq!(b_jobs.len(), 1);
    assert_eq!(b_jobs[0]["source"], "B_ONLY");
    let a_job = page1[0]["id"].as_str().unwrap();
    for path in [
        format!("/v1/jobs/{a_job}/runs"),
        format!("/v1/jobs/{a_job}"),
    ] {
        let r = server.api("GET", &path, &key_b, "").await;
        assert_eq!(r.status, 404, "{path}: {:?}", r.body);
        assert_eq!(r.code().as_deref(), Some("job_not_found"));
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json")
        );
        let r = server.api("GET", &path, &key_a, "").await;
        assert_eq!(r.status, 200, "{path}: {:?}", r.body);
    }
    let r = server
        .api("GET", "/v1/jobs/job_nope/runs", &key_a, "")
        .await;
    assert_eq!(r.status, 404);
    let r = server.api("GET", "/v1/jobs?bogus=1", &key_a, "").await;
    assert_eq!(r.status, 400);
    // POST /v1/jobs sets a job (#24): without a body it is refused.
    let r = server.api("POST", "/v1/jobs", &key_a, "").await;
    assert_eq!(r.status, 400);
    let r = server.api("PATCH", "/v1/jobs", &key_a, "").await;
    assert_eq!(r.status, 405);
    let r = server.api("GET", "/v1/jobs", "erpk_wrong", "").await;
    assert_eq!(r.status, 401);
    server.stop().await;
}

#[test]
fn admin_refuses_bad_jobs_with_the_flag_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path()).unwrap();
    let mut run = |c: AdminCommand| erpops_receiver::admin::run_on(&mut store, &c);
    for t in ["a", "b"] {
        run(AdminCommand::Tenants(TenantCommand::Create {
            id: t.into(),
            name: None,
            plan: "free".into(),
            pii: "redact".into(),
        }))
        .unwrap();
    }
    let connector = |out: String| parse_id_secret(&out).0;
    let ca = connector(
        run(AdminCommand::Connectors(
            erpops_receiver::cli::ConnectorCommand::Create {
                tenant: "a".into(),
                name: "erp".into(),
            },
        ))
        .unwrap(),
    );
    let cb = connector(
        run(AdminCommand::Connectors(
            erpops_receiver::cli::ConnectorCommand::Create {
                tenant: "b".into(),
                name: "erp".into(),
            },
        ))
        .unwrap(),
    );
    let chicago = Some("America/Chicago");
    let weekdays = ["0 2 * * MON-FRI"];

    let e = run(set_job(
        &ca,
        "P",
        &["0 25 * * *"],
        chicago,
        None,
        None,
        None,
        &[],
    ))
    .unwrap_err();
    assert!(e.starts_with("--schedule \"0 25 * * *\""), "{e}");
    assert!(e.contains("5 fields"), "{e}");
    let e = run(set_job(
        &ca,
        "P",
        &weekdays,
        Some("Mars/Olympus"),
        None,
        None,
        None,
        &[],
    ))
    .unwrap_err();
    assert!(e.starts_with("--time-zone"), "{e}");
    assert!(e.contains("America/Chicago"), "{e}");
    let e = run(set_job(
        &ca,
        "P",
        &[],
        None,
        Some("1d"),
        None,
        Some("06:00"),
        &[],
    ))
    .unwrap_err();
    assert!(e.starts_with("--deadline"), "{e}");
    assert!(e.contains("needs a schedule"), "{e}");
    let e = run(set_job(
        &ca,
        "P",
        &weekdays,
        chicago,
        None,
        None,
        Some("6am"),
        &[],
    ))
    .unwrap_err();
    assert!(e.starts_with("--deadline") && e.contains("HH:MM"), "{e}");
    let e = run(set_job(&ca, "P", &[], None, None, None, None, &[])).unwrap_err();
    assert!(e.contains("--schedule") && e.contains("--period"), "{e}");
    let e = run(set_job(&ca, "P", &[], chicago, Some("1d"), None, None, &[])).unwrap_err();
    assert!(e.starts_with("--time-zone"), "{e}");
    let e = run(set_job(&ca, "P", &[], None, Some("soon"), None, None, &[])).unwrap_err();
    assert!(e.starts_with("--period") && e.contains("2h"), "{e}");
    let mut short = set_job(&ca, "P", &weekdays, chicago, None, Some("10m"), None, &[]);
    if let AdminCommand::Jobs(JobCommand::Set { min_runtime, .. }) = &mut short {
        *min_runtime = Some("1h".into());
    }
    let e = run(short).unwrap_err();
    assert!(
        e.contains("--min-runtime") && e.contains("invalid_runtime_range"),
        "{e}"
    );
    let mut streak = set_job(&ca, "P", &weekdays, chicago, None, None, None, &[]);
    if let AdminCommand::Jobs(JobCommand::Set {
        failure_threshold, ..
    }) = &mut streak
    {
        *failure_threshold = Some(0);
    }
    let e = run(streak).unwrap_err();
    assert!(
        e.contains("--failure-threshold") && e.contains("invalid_threshold"),
        "{e}"
    );
    let e = run(set_job(
        "nope",
        "P",
        &weekdays,
        chicago,
        None,
        None,
        None,
        &[],
    ))
    .unwrap_err();
    assert!(e.contains("UUID"), "{e}");

    // Dependencies: a chain is fine, a cycle is refused naming the flag.
    let out = run(set_job(
        &ca,
        "EXTRACT",
        &weekdays,
        chicago,
        None,
        None,
        Some("06:00"),
        &[],
    ))
    .unwrap();
    assert!(out.contains("0 2 * * MON-FRI America/Chicago"), "{out}");
    run(set_job(
        &ca,
        "LOAD",
        &weekdays,
        chicago,
        None,
        None,
        None,
        &["EXTRACT"],
    ))
    .unwrap();
    let e = run(set_job(
        &ca,
        "EXTRACT",
        &weekdays,
        chicago,
        None,
        None,
        None,
        &["LOAD"],
    ))
    .unwrap_err();
    assert!(
        e.starts_with("--depends-on") && e.contains("dependency_cycle"),
        "{e}"
    );
    let e = run(set_job(
        &ca,
        "SELF",
        &weekdays,
        chicago,
        None,
        None,
        None,
        &["SELF"],
    ))
    .unwrap_err();
    assert!(e.contains("cycle"), "{e}");
    // Another tenant's connector is no dependency.
    let e = run(set_job(
        &ca,
        "X",
        &weekdays,
        chicago,
        None,
        None,
        None,
        &[&format!("{cb}/B_JOB")],
    ))
    .unwrap_err();
    assert!(
        e.starts_with("--depends-on") && e.contains("tenant a"),
        "{e}"
    );

    // One watcher per source: a heartbeat and a job refuse each other.
    let heartbeat = |source: &str| {
        AdminCommand::Heartbeats(HeartbeatCommand::Create {
            connector: ca.clone(),
            source: source.into(),
            period_secs: 3600,
            grace_secs: 0,
            severity: "error".into(),
        })
    };
    let e = run(heartbeat("EXTRACT")).unwrap_err();
    assert!(e.contains("watched_twice"), "{e}");
    run(heartbeat("BEAT")).unwrap();
    let e = run(set_job(
        &ca,
        "BEAT",
        &weekdays,
        chicago,
        None,
        None,
        None,
        &[],
    ))
    .unwrap_err();
    assert!(
        e.contains("watched_twice") && e.contains("heartbeats"),
        "{e}"
    );

    // Listed per tenant; paused and resumed; unknown jobs named.
    let listed = run(AdminCommand::Jobs(JobCommand::List {
        tenant: Some("a".into()),
    }))
    .unwrap();
    assert!(
        listed.contains(
            "\tEXTRACT\t0 2 * * MON-FRI America/Chicago\t900\t-\t-\t06:00 America/Chicago\t-\t\
             critical\tfalse"
        ),
        "{listed}"
    );
    assert!(
        listed.contains("\tLOAD\t") && listed.contains("\tEXTRACT\tcritical"),
        "{listed}"
    );
    let none = run(AdminCommand::Jobs(JobCommand::List {
        tenant: Some("b".into()),
    }))
    .unwrap();
    assert_eq!(none.lines().count(), 1, "{none}");
    run(AdminCommand::Jobs(JobCommand::Pause {
        connector: ca.clone(),
        source: "LOAD".into(),
    }))
    .unwrap();
    // Setting a paused job again keeps it paused.
    let out = run(set_job(
        &ca,
        "LOAD",
        &weekdays,
        chicago,
        None,
        None,
        None,
        &[],
    ))
    .unwrap();
    assert!(out.ends_with("(paused)"), "{out}");
    run(AdminCommand::Jobs(JobCommand::Resume {
        connector: ca.clone(),
        source: "LOAD".into(),
    }))
    .unwrap();
    let e = run(AdminCommand::Jobs(JobCommand::Pause {
        connector: ca.clone(),
        source: "NOPE".into(),
    }))
    .unwrap_err();
    assert!(e.contains("no job") && e.contains("jobs list"), "{e}");
    let e = run(AdminCommand::Jobs(JobCommand::Remove {
        connector: ca.clone(),
        source: "NOPE".into(),
    }))
    .unwrap_err();
    assert!(e.contains("no job"), "{e}");

    // Maintenance windows.
    let window = |schedule: &str, duration: &str| {
        AdminCommand::Windows(WindowCommand::Set {
            id: "patching".into(),
            schedule: schedule.into(),
            time_zone: chicago.map(str::to_owned),
            duration: duration.into(),
            matchers: MatchArgs {
                connector: Some(ca.clone()),
                ..MatchArgs::default()
            },
            comment: Some("ERP patches".into()),
        })
    };
    let out = run(window("0 1 * * SUN", "4h")).unwrap();
    assert!(out.contains("for 14400 s"), "{out}");
    let e = run(window("0 * * * *", "2h")).unwrap_err();
    assert!(
        e.starts_with("--duration") && e.contains("invalid_window"),
        "{e}"
    );
    let e = run(window("0 1 * * FUNDAY", "1h")).unwrap_err();
    assert!(e.starts_with("--schedule"), "{e}");
    let listed = run(AdminCommand::Windows(WindowCommand::List)).unwrap();
    assert!(
        listed.contains("patching\t0 1 * * SUN America/Chicago\t14400\tconnector="),
        "{listed}"
    );
    run(AdminCommand::Windows(WindowCommand::Remove {
        id: "patching".into(),
    }))
    .unwrap();
    let e = run(AdminCommand::Windows(WindowCommand::Remove {
        id: "patching".into(),
    }))
    .unwrap_err();
    assert!(e.contains("no window"), "{e}");

    // Rules take the jobs' transitions, and the refusal lists them.
    let mut r = rule("a");
    if let AdminCommand::Rules(RuleCommand::Create { kinds, .. }) = &mut r {
        *kinds = vec![
            "missed_start".into(),
            "run_too_long".into(),
            "deadline_missed".into(),
        ];
    }
    run(r).unwrap();
    let mut r = rule("a");
    if let AdminCommand::Rules(RuleCommand::Create { kinds, .. }) = &mut r {
        *kinds = vec!["late".into()];
    }
    let e = run(r).unwrap_err();
    assert!(
        e.contains("run_too_short") && e.contains("deadline_missed"),
        "{e}"
    );
}

#[test]
fn the_job_command_lines_parse() {
    use clap::Parser;
    use erpops_receiver::cli::{Cli, Command};
    let parse = |line: &[&str]| match Cli::try_parse_from(line) {
        Ok(Cli {
            command: Command::Admin(a),
        }) => a.command,
        other => panic!("{line:?}: {other:?}"),
    };
    match parse(&[
        "erpops",
        "admin",
        "jobs",
        "set",
        "--connector",
        "c",
        "--source",
        "PAYROLL",
        "--schedule",
        "0 2 * * MON-FRI",
        "--schedule",
        "0 3 1 * *",
        "--time-zone",
        "America/Chicago",
        "--grace",
        "15m",
        "--max-runtime",
        "2h",
        "--min-runtime",
        "60",
        "--min-records",
        "1000",
        "--failure-threshold",
        "3",
        "--recovery-threshold",
        "2",
        "--deadline",
        "06:00",
        "--deadline-time-zone",
        "UTC",
        "--depends-on",
        "EXTRACT",
        "--depends-on",
        "LOAD",
    ]) {
        AdminCommand::Jobs(JobCommand::Set {
            schedule,
            depends_on,
            deadline_time_zone,
            min_records,
            failure_threshold,
            recovery_threshold,
            ..
        }) => {
            assert_eq!(
                (min_records, failure_threshold, recovery_threshold),
                (Some(1000), Some(3), Some(2))
            );
            assert_eq!(schedule, ["0 2 * * MON-FRI", "0 3 1 * *"]);
            assert_eq!(depends_on, ["EXTRACT", "LOAD"]);
            assert_eq!(deadline_time_zone.as_deref(), Some("UTC"));
        }
        other => panic!("{other:?}"),
    }
    // A period and a schedule exclude each other.
    assert!(Cli::try_parse_from([
        "erpops",
        "admin",
        "jobs",
        "set",
        "--connector",
        "c",
        "--source",
        "S",
        "--schedule",
        "@daily",
        "--period",
        "1d",
    ])
    .is_err());
    assert!(matches!(
        parse(&[
            "erpops",
            "admin",
            "jobs",
            "remove",
            "--connector",
            "c",
            "--source",
            "S"
        ]),
        AdminCommand::Jobs(JobCommand::Remove { .. })
    ));
    assert!(matches!(
        parse(&[
            "erpops",
            "admin",
            "windows",
            "set",
            "--id",
            "w",
            "--schedule",
            "0 1 * * SUN",
            "--time-zone",
            "America/Chicago",
            "--duration",
            "4h",
            "--source",
            "PSFT_*",
        ]),
        AdminCommand::Windows(WindowCommand::Set { .. })
    ));
}

#[test]
fn openapi_describes_jobs_and_the_new_reasons() {
    let spec = include_str!("../../docs/openapi.yaml");
    assert!(spec.contains("\n  /v1/jobs:\n"));
    assert!(spec.contains("\n  /v1/jobs/{id}/runs:\n"));
    assert!(spec.contains("\n    Job:\n"));
    assert!(spec.contains("\n    JobRun:\n"));
    for reason in [
        "missed_start",
        "run_too_long",
        "run_too_short",
        "deadline_missed",
        "inhibition_ended",
        "window_ended",
    ] {
        assert!(spec.contains(reason), "{reason}");
    }
}
