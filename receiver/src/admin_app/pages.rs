//! The pages, as maud templates: every value is escaped by the template
//! (maud escapes whatever is interpolated unless wrapped in
//! `PreEscaped`, used here only for the app's own stylesheet and script).
//!
//! Markup ids and classes named in the brief are what the browser
//! test finds elements by: keep them.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde_json::Value;

use super::assets::{CSS, SCRIPT};

/// Who is signed in, for the page header.
#[derive(Debug, Clone)]
pub struct Nav<'a> {
    /// The session's CSRF token (for the sign-out form).
    pub csrf: &'a str,
    /// The key id signed in with.
    pub key_id: &'a str,
    /// Its tenant.
    pub tenant: &'a str,
    /// Which section is shown (`incidents`, `connectors`, …).
    pub active: &'a str,
}

/// A flash line: `Ok` in `role="status"`, `Err` in `role="alert"`.
pub type Flash = Option<Result<String, String>>;

const SECTIONS: [(&str, &str, &str); 6] = [
    ("incidents", "/admin/incidents", "Incidents"),
    ("connectors", "/admin/connectors", "Connectors"),
    ("api-keys", "/admin/api-keys", "API keys"),
    ("jobs", "/admin/jobs", "Jobs"),
    ("alerting", "/admin/alerting", "Alerting"),
    ("usage", "/admin/usage", "Usage"),
];

/// The page frame: header with navigation and sign-out, `<main>` with
/// the page's one `<h1>` first.
pub fn layout(title: &str, nav: Option<&Nav<'_>>, flash: &Flash, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · ERPOps admin" }
                style { (PreEscaped(CSS)) }
            }
            body {
                a class="skip" href="#main" { "Skip to the page" }
                header {
                    a href="/admin" { strong { "ERPOps admin" } }
                    @if let Some(nav) = nav {
                        nav aria-label="Sections" {
                            ul {
                                @for (key, href, label) in SECTIONS {
                                    li {
                                        @if key == nav.active {
                                            a href=(href) aria-current="page" { (label) }
                                        } @else {
                                            a href=(href) { (label) }
                                        }
                                    }
                                }
                            }
                        }
                        span { "Tenant " code { (nav.tenant) } " · key " code { (nav.key_id) } }
                        form method="post" action="/admin/logout" {
                            (csrf_input(nav.csrf))
                            button #logout type="submit" class="secondary" { "Sign out" }
                        }
                    }
                }
                main #main {
                    h1 { (title) }
                    @match flash {
                        Some(Ok(m)) => { p role="status" { (m) } }
                        Some(Err(m)) => { p role="alert" { (m) } }
                        None => {}
                    }
                    (body)
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// The hidden CSRF input every form carries.
pub fn csrf_input(token: &str) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(token); }
}

/// A button copying the text of element `target`.
pub fn copy_button(target: &str, what: &str) -> Markup {
    html! {
        button type="button" class="copy secondary" data-copy-target=(target) {
            "Copy " (what) span class="copy-state" {}
        }
    }
}

/// The sign-in page.
pub fn login(login_token: &str, flash: &Flash) -> Markup {
    layout(
        "Sign in",
        None,
        flash,
        html! {
            p { "Sign in with an API key of your tenant. An operator creates one with "
                code { "erpops admin api-keys create --tenant <tenant>" } "." }
            form #login-form method="post" action="/admin/login" {
                (csrf_input(login_token))
                label for="api_key" { "API key" }
                input #api_key type="password" name="api_key" autocomplete="off" required
                    spellcheck="false" size="70";
                p { button type="submit" { "Sign in" } }
            }
        },
    )
}

/// A string field of a JSON object, or "".
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Any field as display text ("—" when missing or null).
pub fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The incident list with its filter form.
pub fn incidents(
    nav: &Nav<'_>,
    flash: &Flash,
    rows: &[Value],
    status: &str,
    severity: &str,
) -> Markup {
    let option = |value: &str, label: &str, current: &str| {
        html! {
            @if value == current { option value=(value) selected { (label) } }
            @else { option value=(value) { (label) } }
        }
    };
    layout(
        "Incidents",
        Some(nav),
        flash,
        html! {
            form method="get" action="/admin/incidents" class="row" aria-label="Filter incidents" {
                div {
                    label for="status" { "Status" }
                    select #status name="status" {
                        (option("", "Any", status))
                        (option("open", "Open", status))
                        (option("acknowledged", "Acknowledged", status))
                        (option("resolved", "Resolved", status))
                    }
                }
                div {
                    label for="severity" { "Severity" }
                    select #severity name="severity" {
                        (option("", "Any", severity))
                        (option("info", "Info", severity))
                        (option("warn", "Warn", severity))
                        (option("error", "Error", severity))
                        (option("critical", "Critical", severity))
                    }
                }
                div { button type="submit" { "Filter" } }
            }
            @if rows.is_empty() {
                p { "No incidents match." }
            }
            table #incidents {
                caption class="visually-hidden" { "Incidents, most recently changed first" }
                thead { tr {
                    th scope="col" { "Title" } th scope="col" { "Status" } th scope="col" { "Severity" }
                    th scope="col" { "Events" } th scope="col" { "Last seen" }
                } }
                tbody {
                    @for i in rows {
                        tr id=(format!("incident-{}", s(i, "id"))) {
                            td { a href=(format!("/admin/incidents/{}", s(i, "id"))) { (s(i, "title")) } }
                            td { (s(i, "status")) }
                            td { (s(i, "severity")) }
                            td { (text(i, "event_count")) }
                            td { (text(i, "last_seen")) }
                        }
                    }
                }
            }
        },
    )
}

/// One timeline line: (time, what, detail).
pub type TimelineEntry = (String, String, String);

/// One incident: its fields, timeline and the command forms.
pub fn incident(nav: &Nav<'_>, flash: &Flash, i: &Value, timeline: &[TimelineEntry]) -> Markup {
    let id = s(i, "id");
    let status = s(i, "status");
    let command = |action: &str, label: &str| {
        html! {
            form id=(action) method="post" action=(format!("/admin/incidents/{id}/{action}")) {
                (csrf_input(nav.csrf))
                label for=(format!("note-{action}")) { "Note (optional)" }
                input id=(format!("note-{action}")) type="text" name="note" maxlength="1000";
                " "
                button type="submit" { (label) }
            }
        }
    };
    layout(
        s(i, "title"),
        Some(nav),
        flash,
        html! {
            p { a href="/admin/incidents" { "← All incidents" } }
            table {
                caption class="visually-hidden" { "Incident details" }
                tbody {
                    tr { th scope="row" { "Status" } td { span #incident-status { (status) } } }
                    tr { th scope="row" { "Severity" } td { (s(i, "severity")) } }
                    tr { th scope="row" { "Id" } td { code { (id) } } }
                    tr { th scope="row" { "Connector" } td { a href=(format!("/admin/connectors/{}", s(i, "connector_id"))) { code { (s(i, "connector_id")) } } } }
                    tr { th scope="row" { "Source" } td { (text(i, "source")) } }
                    tr { th scope="row" { "Event type" } td { (text(i, "event_type")) } }
                    tr { th scope="row" { "First seen" } td { (text(i, "first_seen")) } }
                    tr { th scope="row" { "Last seen" } td { (text(i, "last_seen")) } }
                    tr { th scope="row" { "Events" } td { (text(i, "event_count")) } }
                    tr { th scope="row" { "Last message" } td { (text(i, "last_message")) } }
                    tr { th scope="row" { "Reopened" } td { (text(i, "reopen_count")) " times" } }
                }
            }
            h2 { "Actions" }
            @if status == "open" { (command("acknowledge", "Acknowledge")) }
            @if status != "resolved" { (command("resolve", "Resolve")) }
            @if status == "resolved" { (command("reopen", "Reopen")) }
            h2 { "Timeline" }
            @if timeline.is_empty() { p { "Nothing recorded yet." } } @else {
                table #timeline {
                    caption class="visually-hidden" { "What happened, oldest first" }
                    thead { tr { th scope="col" { "When" } th scope="col" { "What" } th scope="col" { "Detail" } } }
                    tbody {
                        @for (at, what, detail) in timeline {
                            tr { td { (at) } td { (what) } td { (detail) } }
                        }
                    }
                }
            }
        },
    )
}

/// The connector list and the create form.
pub fn connectors(nav: &Nav<'_>, flash: &Flash, rows: &[Value]) -> Markup {
    layout(
        "Connectors",
        Some(nav),
        flash,
        html! {
            h2 { "New connector" }
            form #create-connector method="post" action="/admin/connectors" {
                (csrf_input(nav.csrf))
                label for="name" { "Name" }
                input #name type="text" name="name" required maxlength="200";
                " "
                button type="submit" { "Create connector" }
            }
            p class="muted" { "Its secret is shown once, on the next page." }
            h2 { "Connectors" }
            @if rows.is_empty() { p { "No connectors yet." } } @else {
                table #connectors {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Id" } th scope="col" { "State" }
                        th scope="col" { "Active secrets" }
                    } }
                    tbody {
                        @for c in rows {
                            tr id=(format!("connector-{}", s(c, "id"))) {
                                td { a href=(format!("/admin/connectors/{}", s(c, "id"))) { (s(c, "name")) } }
                                td { code { (s(c, "id")) } }
                                td { @if c.get("enabled").and_then(Value::as_bool).unwrap_or(false) { "enabled" } @else { "disabled" } }
                                td { (text(c, "active_secrets")) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// One connector: rotate, disable or enable.
pub fn connector(nav: &Nav<'_>, flash: &Flash, c: &Value) -> Markup {
    let id = s(c, "id");
    let enabled = c.get("enabled").and_then(Value::as_bool).unwrap_or(false);
    layout(
        s(c, "name"),
        Some(nav),
        flash,
        html! {
            p { a href="/admin/connectors" { "← All connectors" } }
            table {
                caption class="visually-hidden" { "Connector details" }
                tbody {
                    tr { th scope="row" { "Id" } td { code #connector-id { (id) } } }
                    tr { th scope="row" { "State" } td { span #connector-state { @if enabled { "enabled" } @else { "disabled" } } } }
                    tr { th scope="row" { "Active secrets" } td { (text(c, "active_secrets")) } }
                }
            }
            h2 { "Rotate the secret" }
            form #rotate method="post" action=(format!("/admin/connectors/{id}/rotate")) {
                (csrf_input(nav.csrf))
                label for="overlap_hours" { "Old secrets keep working for (hours)" }
                input #overlap_hours type="number" name="overlap_hours" min="0" max="720" value="24";
                " "
                button type="submit" { "Rotate" }
            }
            h2 { @if enabled { "Disable" } @else { "Enable" } }
            @if enabled {
                form #disable method="post" action=(format!("/admin/connectors/{id}/disable")) {
                    (csrf_input(nav.csrf))
                    p { "A disabled connector's events are refused until it is enabled again." }
                    button type="submit" class="danger" { "Disable connector" }
                }
            } @else {
                form #enable method="post" action=(format!("/admin/connectors/{id}/enable")) {
                    (csrf_input(nav.csrf))
                    button type="submit" { "Enable connector" }
                }
            }
        },
    )
}

/// A connector's new secret, shown once, with the ready senders.
pub fn secret_once(
    nav: &Nav<'_>,
    title: &str,
    connector_id: &str,
    secret: &str,
    previous_until: Option<&str>,
    snippets: &[(&'static str, &'static str, String)],
) -> Markup {
    layout(
        title,
        Some(nav),
        &None,
        html! {
            div class="once" {
                h2 { "The secret, shown once" }
                p { "Copy it now into your sender's configuration. It is not stored readable here and will not be shown again; if it is lost, rotate the secret." }
                p { "Connector id: " code #connector-id { (connector_id) } " " (copy_button("connector-id", "id")) }
                p { "Secret: " code #one-time-secret { (secret) } " " (copy_button("one-time-secret", "secret")) }
                @if let Some(until) = previous_until {
                    p { "The previous secrets keep verifying until " (until) ": switch your senders before then." }
                }
            }
            h2 { "Send a test event" }
            p { "Each of these sends one signed " code { "payroll.batch.failed" } " event of severity error, which opens an incident." }
            @for (id, heading, text) in snippets {
                h3 { (heading) }
                pre id=(id) { (text) }
                p { (copy_button(id, "snippet")) }
            }
            p { a href=(format!("/admin/connectors/{connector_id}")) { "Done: back to the connector" } }
        },
    )
}

/// API keys: the list, revoke buttons and the create form.
pub fn api_keys(nav: &Nav<'_>, flash: &Flash, rows: &[Value], unavailable: Option<&str>) -> Markup {
    layout(
        "API keys",
        Some(nav),
        flash,
        html! {
            h2 { "New API key" }
            form #create-api-key method="post" action="/admin/api-keys" {
                (csrf_input(nav.csrf))
                label for="label" { "Label" }
                input #label type="text" name="label" required maxlength="200";
                " "
                button type="submit" { "Create API key" }
            }
            p class="muted" { "The key is shown once, on the next page." }
            h2 { "Keys" }
            @if let Some(why) = unavailable { p role="alert" { (why) } }
            table #api-keys {
                thead { tr {
                    th scope="col" { "Label" } th scope="col" { "Id" } th scope="col" { "Created" }
                    th scope="col" { "Revoked" } th scope="col" { "Action" }
                } }
                tbody {
                    @for k in rows {
                        tr id=(format!("key-{}", s(k, "id"))) {
                            td { (s(k, "label")) }
                            td { code { (s(k, "id")) } @if s(k, "id") == nav.key_id { " (this session)" } }
                            td { (text(k, "created_at")) }
                            td { (text(k, "revoked_at")) }
                            td {
                                @if k.get("revoked_at").is_none_or(Value::is_null) {
                                    form class="revoke-key inline" method="post" action=(format!("/admin/api-keys/{}/revoke", s(k, "id"))) {
                                        (csrf_input(nav.csrf))
                                        button type="submit" class="danger" aria-label=(format!("Revoke key {}", s(k, "label"))) { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A new API key, shown once.
pub fn key_once(nav: &Nav<'_>, key_id: &str, label: &str, key: &str) -> Markup {
    layout(
        "API key created",
        Some(nav),
        &None,
        html! {
            div class="once" {
                h2 { "The key, shown once" }
                p { "Key " code { (key_id) } " (" (label) "). Copy it now: only its hash is stored, and it will not be shown again." }
                p { code #one-time-key { (key) } " " (copy_button("one-time-key", "key")) }
            }
            p { "Use it as " code { "Authorization: Bearer <key>" } " with the REST API under " code { "/v1" } ", or sign in here with it." }
            p { a href="/admin/api-keys" { "Done: back to the API keys" } }
        },
    )
}

/// The job list.
pub fn jobs(nav: &Nav<'_>, flash: &Flash, rows: &[Value]) -> Markup {
    layout(
        "Jobs",
        Some(nav),
        flash,
        html! {
            @if rows.is_empty() {
                p { "No batch jobs yet. An operator sets one with " code { "erpops admin jobs set" } "." }
            } @else {
                table #jobs {
                    thead { tr {
                        th scope="col" { "Job" } th scope="col" { "Source" } th scope="col" { "Status" }
                        th scope="col" { "Next expected run" } th scope="col" { "Last run" }
                        th scope="col" { "Median duration (ms)" }
                    } }
                    tbody {
                        @for j in rows {
                            tr id=(format!("job-{}", s(j, "id"))) {
                                td { a href=(format!("/admin/jobs/{}", s(j, "id"))) { code { (s(j, "id")) } } }
                                td { (s(j, "source")) }
                                td { (text(j, "status")) }
                                td { (text(j, "next_expected_run")) }
                                td { (last_run(j)) }
                                td { (text(j, "median_duration_ms")) }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn last_run(job: &Value) -> String {
    job.get("last_runs")
        .and_then(Value::as_array)
        .and_then(|runs| runs.first())
        .map_or_else(|| "—".to_owned(), run_summary)
}

fn run_summary(run: &Value) -> String {
    let mut parts = Vec::new();
    for key in ["outcome", "status", "finished_at", "ended_at", "started_at"] {
        if let Some(v) = run.get(key).and_then(Value::as_str) {
            parts.push(v.to_owned());
        }
    }
    if parts.is_empty() {
        run.to_string()
    } else {
        parts.join(" · ")
    }
}

/// One job with its runs.
pub fn job(nav: &Nav<'_>, flash: &Flash, j: &Value, runs: &[Value]) -> Markup {
    let mut settings: Vec<(String, String)> = j
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !["last_runs", "runs_in_progress"].contains(&k.as_str()))
                .map(|(k, v)| {
                    let shown = match v {
                        Value::String(s) => s.clone(),
                        Value::Null => "—".to_owned(),
                        other => other.to_string(),
                    };
                    (k.clone(), shown)
                })
                .collect()
        })
        .unwrap_or_default();
    settings.sort();
    layout(
        &format!("Job {}", s(j, "source")),
        Some(nav),
        flash,
        html! {
            p { a href="/admin/jobs" { "← All jobs" } }
            table #job {
                caption class="visually-hidden" { "Job settings and state" }
                tbody {
                    @for (k, v) in &settings {
                        tr { th scope="row" { (k) } td { (v) } }
                    }
                }
            }
            h2 { "Runs" }
            @if runs.is_empty() { p { "No finished runs recorded yet." } } @else {
                table #runs {
                    thead { tr { th scope="col" { "#" } th scope="col" { "Run" } } }
                    tbody {
                        @for (n, r) in runs.iter().enumerate() {
                            tr { td { (n + 1) } td { (run_summary(r)) } }
                        }
                    }
                }
            }
        },
    )
}

/// One alerting collection on the alerting page.
#[derive(Debug)]
pub struct Collection<'a> {
    /// `rules`, `silences` or `windows`.
    pub kind: &'a str,
    /// Heading.
    pub title: &'a str,
    /// The rows (JSON objects with an `id`), or why they could not be read.
    pub rows: Result<Vec<Value>, String>,
    /// The JSON body an example starts from.
    pub example: &'a str,
}

/// Rules, silences and windows: list, create or replace, delete.
pub fn alerting(
    nav: &Nav<'_>,
    flash: &Flash,
    collections: &[Collection<'_>],
    draft: Option<(&str, &str, &str)>,
) -> Markup {
    layout(
        "Alerting",
        Some(nav),
        flash,
        html! {
            @for c in collections {
                section aria-labelledby=(format!("h-{}", c.kind)) {
                    h2 id=(format!("h-{}", c.kind)) { (c.title) }
                    @match &c.rows {
                        Err(why) => { p role="alert" { (why) } }
                        Ok(rows) if rows.is_empty() => { p { "None yet." } }
                        Ok(rows) => { table id=(c.kind) {
                            thead { tr { th scope="col" { "Id" } th scope="col" { "Definition" } th scope="col" { "Action" } } }
                            tbody {
                                @for r in rows {
                                    tr id=(format!("{}-{}", c.kind, s(r, "id"))) {
                                        td { code { (s(r, "id")) } }
                                        td { pre { (serde_json::to_string_pretty(r).unwrap_or_default()) } }
                                        td {
                                            form class="inline" method="post" action=(format!("/admin/alerting/{}/{}/delete", c.kind, s(r, "id"))) {
                                                (csrf_input(nav.csrf))
                                                button type="submit" class="danger" aria-label=(format!("Delete {}", s(r, "id"))) { "Delete" }
                                            }
                                        }
                                    }
                                }
                            }
                        } }
                    }
                    @let (id, body) = match draft { Some((k, id, body)) if k == c.kind => (id, body), _ => ("", c.example) };
                    form id=(format!("put-{}", c.kind)) method="post" action=(format!("/admin/alerting/{}", c.kind)) {
                        (csrf_input(nav.csrf))
                        label for=(format!("{}-id", c.kind)) { "Id (creates it, or replaces the one with this id)" }
                        input id=(format!("{}-id", c.kind)) type="text" name="id" required maxlength="128" value=(id);
                        label for=(format!("{}-body", c.kind)) { "Definition (JSON)" }
                        textarea id=(format!("{}-body", c.kind)) name="body" required spellcheck="false" { (body) }
                        p { button type="submit" { "Save" } }
                    }
                }
            }
        },
    )
}

/// Usage: the two metrics against the plan and the 30-day chart.
pub fn usage(
    nav: &Nav<'_>,
    usage: &Value,
    events_today: Option<u64>,
    daily: Option<&[(String, u64)]>,
) -> Markup {
    let metric = |name: &str| {
        usage
            .get("metrics")
            .and_then(Value::as_array)
            .and_then(|m| m.iter().find(|x| s(x, "metric") == name))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let events = metric("inbound_event");
    let ai = metric("ai_query");
    let today = events_today.map_or_else(|| text(&events, "used"), |n| n.to_string());
    layout(
        "Usage",
        Some(nav),
        &None,
        html! {
            p { "Plan: " strong { (text(usage, "plan")) } }
            table #usage {
                thead { tr { th scope="col" { "Metric" } th scope="col" { "Used" } th scope="col" { "Limit" } th scope="col" { "Window" } } }
                tbody {
                    tr {
                        th scope="row" { "Inbound events today" }
                        td { span #events-today { (today) } }
                        td { (limit_text(&events)) }
                        td { (text(&events, "window_start")) " – " (text(&events, "window_end")) }
                    }
                    tr {
                        th scope="row" { "AI queries this month" }
                        td { span #ai-queries-month { (text(&ai, "used")) } }
                        td { (limit_text(&ai)) }
                        td { (text(&ai, "window_start")) " – " (text(&ai, "window_end")) }
                    }
                }
            }
            h2 { "Inbound events, last 30 days" }
            @match daily {
                Some(days) => { (chart(days)) }
                None => { p role="alert" { "The daily figures are not available from this receiver (GET /v1/usage/daily)." } }
            }
        },
    )
}

fn limit_text(metric: &Value) -> String {
    match metric.get("limit") {
        None | Some(Value::Null) => "unlimited".to_owned(),
        Some(v) => v.to_string(),
    }
}

/// A bar chart as inline SVG (no script, no image request), described by
/// its title and summary, with the numbers in a table beside it.
pub fn chart(days: &[(String, u64)]) -> Markup {
    const W: u64 = 640;
    const H: u64 = 180;
    const TOP: u64 = 10;
    const BOTTOM: u64 = 30;
    let max = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let n = u64::try_from(days.len()).unwrap_or(1).max(1);
    let slot = W / n;
    let plot = H - TOP - BOTTOM;
    let total: u64 = days.iter().map(|(_, n)| *n).sum();
    let summary = format!(
        "{} days from {} to {}: {total} events in all, at most {} in a day.",
        days.len(),
        days.first().map_or("", |d| d.0.as_str()),
        days.last().map_or("", |d| d.0.as_str()),
        days.iter().map(|(_, n)| *n).max().unwrap_or(0)
    );
    html! {
        svg #usage-chart xmlns="http://www.w3.org/2000/svg" role="img" width=(W) height=(H)
            viewBox=(format!("0 0 {W} {H}")) aria-labelledby="usage-chart-title usage-chart-desc" {
            title #usage-chart-title { "Inbound events per day, last 30 days" }
            desc #usage-chart-desc { (summary) }
            line x1="0" y1=(H - BOTTOM) x2=(W) y2=(H - BOTTOM) stroke="#555" {}
            @for (i, (date, count)) in days.iter().enumerate() {
                @let i = u64::try_from(i).unwrap_or(0);
                @let h = count * plot / max;
                rect x=(i * slot + 2) y=(H - BOTTOM - h) width=(slot.saturating_sub(4).max(1)) height=(h) fill="#1d5a96" {
                    title { (date) ": " (count) }
                }
                @if (n - 1 - i) % 7 == 0 {
                    text x=(i * slot + 2) y=(H - 12) { (date.get(5..).unwrap_or(date)) }
                }
            }
            text x="4" y=(TOP + 10) { "max " (max) }
        }
        details {
            summary { "The same figures as a table" }
            table #usage-daily {
                thead { tr { th scope="col" { "Date (UTC)" } th scope="col" { "Inbound events" } } }
                tbody { @for (date, count) in days { tr { td { (date) } td { (count) } } } }
            }
        }
    }
}

/// A page for a missing or foreign resource (the same for both).
pub fn not_found(nav: Option<&Nav<'_>>) -> Markup {
    layout(
        "Not found",
        nav,
        &None,
        html! {
            p { "There is nothing here for your tenant." }
            p { a href="/admin/incidents" { "Go to the incidents" } }
        },
    )
}

/// A refused form (CSRF) or another plain error.
pub fn error(nav: Option<&Nav<'_>>, title: &str, message: &str) -> Markup {
    layout(
        title,
        nav,
        &Some(Err(message.to_owned())),
        html! {
            p { a href="/admin/incidents" { "Go to the incidents" } }
        },
    )
}
