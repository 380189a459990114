//! The command line: `erpops serve | admin | sign | send`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// ERPOps receiver and client: accept signed ERP integration events,
/// administer tenants and connectors, and sign or send events from shell
/// steps of batch jobs.
#[derive(Debug, Parser)]
#[command(name = "erpops", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the receiver (POST /functions/v1/receive-event, GET /healthz).
    Serve(ServeArgs),
    /// Manage tenants and connectors in a data directory (safe while the
    /// server runs).
    Admin(AdminArgs),
    /// Print the X-ERPOps-Signature value for a body (stdin or --file).
    Sign(SignArgs),
    /// Build or read an event, sign it and POST it, retrying safely.
    Send(Box<SendArgs>),
}

/// `erpops serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [env: ERPOPS_LISTEN] [default: 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<String>,
    /// Data directory (created if missing) [env: ERPOPS_DATA] [default:
    /// ./erpops-data].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Shared PostgreSQL store, `postgres://user:password@host:port/db`,
    /// instead of SQLite in the data directory [env: ERPOPS_STORE].
    #[arg(long)]
    pub store: Option<String>,
    /// Store connections the HTTP tasks may hold for record reads (at most;
    /// a request waits for one, then gets 503) [env: ERPOPS_STORE_POOL_SIZE]
    /// [default: 8].
    #[arg(long = "store-pool")]
    pub store_pool: Option<usize>,
    /// Days an accepted event is kept, 0 = forever
    /// [env: ERPOPS_RETENTION_EVENTS_DAYS] [default: 30].
    #[arg(long = "retain-events-days")]
    pub retain_events_days: Option<u32>,
    /// Days a delivered or failed notification is kept, 0 = forever
    /// [env: ERPOPS_RETENTION_NOTIFICATIONS_DAYS] [default: 30].
    #[arg(long = "retain-notifications-days")]
    pub retain_notifications_days: Option<u32>,
    /// Days a resolved incident and its history are kept (at least 2),
    /// 0 = forever [env: ERPOPS_RETENTION_INCIDENTS_DAYS] [default: 90].
    #[arg(long = "retain-incidents-days")]
    pub retain_incidents_days: Option<u32>,
    /// TOML settings file (keys: listen, data, max_body_bytes,
    /// max_connections, store, store_pool_size, max_connections_per_ip,
    /// reserved_connections, header_timeout_secs, busy_header_timeout_ms,
    /// a `[retention]` table: events_days, notifications_days,
    /// incidents_days, and an `[admin_app]` table: enabled,
    /// session_idle_minutes, session_max_hours, behind_tls_proxy);
    /// environment and flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Create (once) a demo tenant on the Free plan and a connector, and
    /// print its id, secret and a ready-to-paste curl command.
    #[arg(long)]
    pub demo: bool,
    /// Connections one client address (IPv4 address, IPv6 /64) may hold at
    /// once; more are answered 503 and closed; 0 = no cap (behind a proxy)
    /// [env: ERPOPS_MAX_CONNECTIONS_PER_IP] [default: 64].
    #[arg(long)]
    pub max_connections_per_ip: Option<usize>,
    /// Connections kept back for /healthz and /metrics once max_connections
    /// are all in use [env: ERPOPS_RESERVED_CONNECTIONS] [default: 16].
    #[arg(long)]
    pub reserved_connections: Option<usize>,
    /// Seconds allowed for a request head [env: ERPOPS_HEADER_TIMEOUT_SECS]
    /// [default: 10].
    #[arg(long)]
    pub header_timeout_secs: Option<u64>,
    /// Milliseconds allowed for a request head while more than 75% of
    /// max_connections are in use [env: ERPOPS_BUSY_HEADER_TIMEOUT_MS]
    /// [default: 1000].
    #[arg(long)]
    pub busy_header_timeout_ms: Option<u64>,
    /// Serve the admin app at /admin (false: /admin answers 404)
    /// [env: ERPOPS_ADMIN_APP_ENABLED] [default: true].
    #[arg(long, value_name = "true|false")]
    pub admin_app_enabled: Option<bool>,
    /// Minutes an unused admin app session lasts
    /// [env: ERPOPS_ADMIN_APP_SESSION_IDLE_MINUTES] [default: 30].
    #[arg(long)]
    pub admin_app_session_idle_minutes: Option<u64>,
    /// Hours an admin app session lasts at most after sign-in
    /// [env: ERPOPS_ADMIN_APP_SESSION_MAX_HOURS] [default: 12].
    #[arg(long)]
    pub admin_app_session_max_hours: Option<u64>,
    /// Browsers reach this receiver through a TLS-terminating proxy: the
    /// session cookie is Secure [env: ERPOPS_ADMIN_APP_BEHIND_TLS_PROXY]
    /// [default: false].
    #[arg(long, value_name = "true|false")]
    pub admin_app_behind_tls_proxy: Option<bool>,
}

/// `erpops admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Data directory [env: ERPOPS_DATA] [default: ./erpops-data].
    #[arg(long, global = true)]
    pub data: Option<PathBuf>,
    /// The PostgreSQL store the receivers share, when they use one
    /// [env: ERPOPS_STORE].
    #[arg(long, global = true)]
    pub store: Option<String>,
    /// What to manage.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// Admin areas.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Tenants: accounts with a plan and a PII policy.
    #[command(subcommand)]
    Tenants(TenantCommand),
    /// Connectors: senders with an id and HMAC secrets.
    #[command(subcommand)]
    Connectors(ConnectorCommand),
    /// API keys for the REST API under /v1 (shown once, stored hashed).
    #[command(subcommand, name = "api-keys")]
    ApiKeys(ApiKeyCommand),
    /// Alert rules: which incident transitions notify which channel.
    #[command(subcommand)]
    Rules(RuleCommand),
    /// Silences: time-ranged mutes of matching notifications.
    #[command(subcommand)]
    Silences(SilenceCommand),
    /// Heartbeats: expect a source to report every period; a missed run
    /// opens an incident.
    #[command(subcommand)]
    Heartbeats(HeartbeatCommand),
    /// Batch jobs: cron schedules in a time zone (or a period), start
    /// grace, runtime limits, a daily deadline and dependencies.
    #[command(subcommand)]
    Jobs(JobCommand),
    /// Maintenance windows: recurring silences (cron start, duration, time
    /// zone).
    #[command(subcommand)]
    Windows(WindowCommand),
    /// Webhook destination per tenant (channel `webhook`).
    #[command(subcommand)]
    Webhooks(WebhookCommand),
    /// Custom plans with their own limits, assignable like the named plans.
    #[command(subcommand)]
    Plans(PlanCommand),
    /// Write a consistent copy of the SQLite database to a new file while
    /// the server runs (a PostgreSQL store: pg_dump, see
    /// docs/deployment.md). The copy holds secrets: keep it private.
    Backup {
        /// The backup file to create; refused if it exists.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Put a backup file into the data directory (--data), which must hold
    /// no database and not be served; nothing there is overwritten.
    Restore {
        /// The backup file written by `erpops admin backup`.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
}

/// Which incidents a rule or silence covers (every condition optional;
/// none means all).
#[derive(Debug, Clone, Default, Args)]
pub struct MatchArgs {
    /// Only incidents of this connector (UUID).
    #[arg(long)]
    pub connector: Option<String>,
    /// Glob on the incident's source, e.g. `PSFT_*`.
    #[arg(long)]
    pub source: Option<String>,
    /// Glob on the event type that opened it, e.g. `integration.*`.
    #[arg(long)]
    pub event_type: Option<String>,
    /// Only incidents at least this severe: info, warn, error, critical.
    #[arg(long)]
    pub min_severity: Option<String>,
}

/// `erpops admin rules …`.
#[derive(Debug, Subcommand)]
// Parsed once per process: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum RuleCommand {
    /// Create a rule, or replace the tenant's rule with the same id (its
    /// throttling history is kept).
    Create {
        /// The tenant: the rule only notifies about its incidents.
        #[arg(long)]
        tenant: String,
        /// Rule id (unique across tenants), e.g. `payroll-pager`.
        #[arg(long)]
        id: String,
        /// Display name (defaults to the id).
        #[arg(long)]
        name: Option<String>,
        /// Where notifications go: `log` or `webhook` (the tenant's
        /// webhook destination).
        #[arg(long)]
        channel: String,
        /// Transitions that notify, comma-separated: opened, escalated,
        /// reopened, resolved, ack_expired, missed_run, flapping_started,
        /// flapping_stopped, missed_start, run_too_long, run_too_short,
        /// deadline_missed, too_few_records, runs_failing. Default: all.
        #[arg(long, value_delimiter = ',')]
        kinds: Vec<String>,
        /// Which incidents.
        #[command(flatten)]
        matchers: MatchArgs,
        /// Re-notify an incident still open this long after the last
        /// notification, and hold repeats that say nothing new (seconds).
        #[arg(long)]
        repeat_secs: Option<u64>,
        /// Collect a connector's notifications for this long and send them
        /// together (seconds).
        #[arg(long)]
        group_wait_secs: Option<u64>,
    },
    /// List rules.
    List {
        /// Only this tenant's.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Delete a rule (its held notifications and timers go with it).
    Delete {
        /// Rule id.
        id: String,
    },
}

/// `erpops admin silences …`.
#[derive(Debug, Subcommand)]
pub enum SilenceCommand {
    /// Create a silence (operator-wide: narrow it with the matchers).
    Create {
        /// Silence id, e.g. `maint-2026-11-27`.
        #[arg(long)]
        id: String,
        /// What it mutes.
        #[command(flatten)]
        matchers: MatchArgs,
        /// Start (RFC 3339); default now.
        #[arg(long)]
        starts_at: Option<String>,
        /// End (RFC 3339).
        #[arg(long, required_unless_present = "duration_secs")]
        ends_at: Option<String>,
        /// Or: length in seconds from the start.
        #[arg(long, conflicts_with = "ends_at")]
        duration_secs: Option<u64>,
        /// Why (shown in the list).
        #[arg(long)]
        comment: Option<String>,
    },
    /// List silences.
    List,
    /// Delete a silence: what it held is released now.
    Delete {
        /// Silence id.
        id: String,
    },
}

/// `erpops admin heartbeats …`.
#[derive(Debug, Subcommand)]
pub enum HeartbeatCommand {
    /// Expect `source` of a connector to send an event at least every
    /// period (plus grace); replaces an existing expectation.
    Create {
        /// Connector id.
        #[arg(long)]
        connector: String,
        /// The event `source` (exact), e.g. PSFT_PAYROLL_BATCH.
        #[arg(long)]
        source: String,
        /// How often the job runs, in seconds (86400 for nightly).
        #[arg(long)]
        period_secs: u64,
        /// How late a run may be before it counts as missed, in seconds.
        #[arg(long, default_value_t = 0)]
        grace_secs: u64,
        /// Severity of the missed-run incident.
        #[arg(long, default_value = "error")]
        severity: String,
    },
    /// List heartbeat expectations.
    List {
        /// Only this tenant's connectors.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Pause an expectation (maintenance, job disabled): no deadline until
    /// it is resumed; time spent paused is never a missed run.
    Pause {
        /// Connector id.
        #[arg(long)]
        connector: String,
        /// The event source.
        #[arg(long)]
        source: String,
    },
    /// Resume a paused expectation; its next deadline counts from now.
    Resume {
        /// Connector id.
        #[arg(long)]
        connector: String,
        /// The event source.
        #[arg(long)]
        source: String,
    },
    /// Delete an expectation.
    Delete {
        /// Connector id.
        #[arg(long)]
        connector: String,
        /// The event source.
        #[arg(long)]
        source: String,
    },
}

/// `erpops admin jobs …`.
#[derive(Debug, Subcommand)]
// Parsed once per process: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum JobCommand {
    /// Watch a batch job, or change how it is watched (its runs, open
    /// incidents and pause state are kept).
    #[command(alias = "create")]
    Set {
        /// Connector id.
        #[arg(long)]
        connector: String,
        /// The event `source` (exact) the job's run signals carry.
        #[arg(long)]
        source: String,
        /// When the job starts: a 5-field cron expression (or @daily, ...)
        /// read in --time-zone, e.g. "0 2 * * MON-FRI"; repeatable (due at
        /// every fire time of any of them).
        #[arg(long, value_name = "CRON")]
        schedule: Vec<String>,
        /// IANA time zone of the --schedule expressions, e.g.
        /// America/Chicago [default: UTC].
        #[arg(long, value_name = "ZONE")]
        time_zone: Option<String>,
        /// Or: the job reports at least this often (seconds, or 30m, 6h,
        /// 1d), as a heartbeat does.
        #[arg(long, value_name = "DURATION", conflicts_with = "schedule")]
        period: Option<String>,
        /// How late a due run may start (or report) before it counts as
        /// missed [default: 0].
        #[arg(long, value_name = "DURATION")]
        grace: Option<String>,
        /// A run still going this long after its start opens
        /// `run_too_long`.
        #[arg(long, value_name = "DURATION")]
        max_runtime: Option<String>,
        /// A run that succeeds sooner opens `run_too_short`.
        #[arg(long, value_name = "DURATION")]
        min_runtime: Option<String>,
        /// A run that succeeds having processed fewer records
        /// (`metadata.records_processed`) opens `too_few_records`.
        #[arg(long, value_name = "N")]
        min_records: Option<u64>,
        /// Open `runs_failing` after this many failed runs in a row.
        #[arg(long, value_name = "N")]
        failure_threshold: Option<u32>,
        /// Resolve `runs_failing` after this many successful runs in a row
        /// [default: 1] (needs --failure-threshold).
        #[arg(long, value_name = "N", requires = "failure_threshold")]
        recovery_threshold: Option<u32>,
        /// Local time of day (HH:MM) by which each scheduled run must have
        /// succeeded, e.g. 06:00 (schedules only).
        #[arg(long, value_name = "HH:MM")]
        deadline: Option<String>,
        /// IANA time zone of --deadline [default: --time-zone].
        #[arg(long, value_name = "ZONE", requires = "deadline")]
        deadline_time_zone: Option<String>,
        /// A job this one depends on: SOURCE (same connector) or
        /// CONNECTOR/SOURCE (a connector of the same tenant); repeatable.
        /// While it has an open incident, this job's notifications are
        /// held (`inhibited`).
        #[arg(long, value_name = "[CONNECTOR/]SOURCE")]
        depends_on: Vec<String>,
        /// Severity of the incidents its expectations open.
        #[arg(long, default_value = "error")]
        severity: String,
    },
    /// List jobs with their schedule and limits.
    List {
        /// Only this tenant's connectors.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Pause a job: nothing is expected until it is resumed (its runs are
    /// still recorded).
    Pause {
        /// Connector id.
        #[arg(long)]
        connector: String,
        /// The event source.
        #[arg(long)]
        source: String,
    },
    /// Resume a paused job; its next due time counts from now.
    Resume {
        /// Connector id.
        #[arg(long)]
        connector: String,
        /// The event source.
        #[arg(long)]
        source: String,
    },
    /// Stop watching a job (its open incidents stay; resolve them).
    #[command(alias = "delete")]
    Remove {
        /// Connector id.
        #[arg(long)]
        connector: String,
        /// The event source.
        #[arg(long)]
        source: String,
    },
}

/// `erpops admin windows …`.
#[derive(Debug, Subcommand)]
pub enum WindowCommand {
    /// Create a maintenance window, or replace the one with the same id.
    #[command(alias = "create")]
    Set {
        /// Window id, e.g. `erp-patching`.
        #[arg(long)]
        id: String,
        /// When each occurrence starts: a 5-field cron expression read in
        /// --time-zone, e.g. "0 1 * * SUN".
        #[arg(long, value_name = "CRON")]
        schedule: String,
        /// IANA time zone of --schedule [default: UTC].
        #[arg(long, value_name = "ZONE")]
        time_zone: Option<String>,
        /// How long each occurrence lasts (seconds, or 30m, 4h).
        #[arg(long, value_name = "DURATION")]
        duration: String,
        /// What it holds.
        #[command(flatten)]
        matchers: MatchArgs,
        /// Why (shown in the list).
        #[arg(long)]
        comment: Option<String>,
    },
    /// List maintenance windows.
    List,
    /// Remove a window: what it holds is released now.
    #[command(alias = "delete")]
    Remove {
        /// Window id.
        id: String,
    },
}

/// `erpops admin webhooks …`.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Set a tenant's destination; prints the signing secret ONCE (a new
    /// one each time).
    Set {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// https://host:port/path (verified against the system's CAs), or
        /// http:// on a private network
        #[arg(long)]
        url: String,
    },
    /// Show a tenant's destination (never its secret).
    Show {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
    },
    /// Remove a tenant's destination (its webhook notifications then fail).
    Delete {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
    },
}

/// `erpops admin plans …`.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Create a custom plan; assign it with `tenants plan <id> <name>`.
    Create {
        /// Plan name (letters, digits, `-`, `_`; not a built-in name).
        name: String,
        /// Inbound events per UTC day: a number or `unlimited`.
        #[arg(long)]
        events_per_day: String,
        /// AI queries per UTC month: a number or `unlimited`.
        #[arg(long, default_value = "0")]
        ai_queries_per_month: String,
    },
    /// List custom plans.
    List,
}

/// `erpops admin api-keys …`.
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key for a tenant; prints it ONCE.
    Create {
        /// The tenant whose data the key reads.
        #[arg(long)]
        tenant: String,
        /// A label to recognize it by (1-128 characters).
        #[arg(long, default_value = "erpops admin")]
        label: String,
    },
    /// List keys (ids and labels, never the keys).
    List {
        /// Only this tenant's.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Revoke a key by its id (`key_…`): it answers 401 from then on.
    Revoke {
        /// Key id.
        id: String,
    },
}

/// `erpops admin tenants …`.
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    Create {
        /// Tenant id (letters, digits, `-`, `_`).
        id: String,
        /// Display name (defaults to the id).
        #[arg(long)]
        name: Option<String>,
        /// Plan: free, professional, enterprise or a custom plan's name.
        #[arg(long, default_value = "free")]
        plan: String,
        /// What to do with personal data in events: redact, reject or allow.
        #[arg(long, default_value = "redact")]
        pii: String,
    },
    /// List tenants.
    List,
    /// Change a tenant's plan (applies to the next request).
    Plan {
        /// Tenant id.
        id: String,
        /// free, professional, enterprise or a custom plan's name.
        plan: String,
    },
    /// Suspend a tenant: its connectors get 403 tenant_suspended.
    Suspend {
        /// Tenant id.
        id: String,
    },
    /// Lift a suspension.
    Resume {
        /// Tenant id.
        id: String,
    },
}

/// `erpops admin connectors …`.
#[derive(Debug, Subcommand)]
pub enum ConnectorCommand {
    /// Create a connector; prints its id and secret ONCE.
    Create {
        /// Owning tenant.
        #[arg(long)]
        tenant: String,
        /// Display name.
        #[arg(long)]
        name: String,
    },
    /// List connectors (never their secrets).
    List {
        /// Only this tenant's.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Add a new secret (printed once); older secrets keep verifying for
    /// the overlap so senders can switch without losing events.
    Rotate {
        /// Connector id.
        id: String,
        /// How long the previous secrets stay valid, in seconds.
        #[arg(long, default_value_t = 86_400)]
        overlap_secs: u64,
    },
    /// Disable a connector: its requests get 403 connector_disabled.
    Disable {
        /// Connector id.
        id: String,
    },
    /// Enable a disabled connector.
    Enable {
        /// Connector id.
        id: String,
    },
}

/// `erpops sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Name of the environment variable holding the secret (a secret on
    /// the command line would show in `ps` and shell history).
    #[arg(long)]
    pub secret_env: String,
    /// Body file; stdin when absent. Signed byte for byte.
    #[arg(long)]
    pub file: Option<PathBuf>,
}

/// `erpops send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Receiver URL (https://host/functions/v1/receive-event, verified against
    /// the system's CAs; or http://host:port/… on a private network).
    #[arg(long)]
    pub url: String,
    /// The connector's UUID.
    #[arg(long)]
    pub connector_id: String,
    /// Name of the environment variable holding the secret.
    #[arg(long)]
    pub secret_env: String,
    /// Send this file's bytes as the body (exactly as they are).
    #[arg(long, conflicts_with_all = ["event_type", "severity", "source", "message", "meta"])]
    pub file: Option<PathBuf>,
    /// Event type, e.g. integration.failed (builds the body).
    #[arg(long, required_unless_present = "file")]
    pub event_type: Option<String>,
    /// info, warn, error or critical.
    #[arg(long)]
    pub severity: Option<String>,
    /// Source system, e.g. PSFT_PAYROLL_BATCH.
    #[arg(long)]
    pub source: Option<String>,
    /// Human message.
    #[arg(long)]
    pub message: Option<String>,
    /// Metadata entry key=value (repeatable); integers, true/false and null
    /// are typed, anything else is a string.
    #[arg(long = "meta", value_name = "KEY=VALUE")]
    pub meta: Vec<String>,
    /// Largest body to send, in bytes: the receiver's max_body_bytes. A
    /// longer event, built or read with --file, is refused before it is
    /// signed (exit 4).
    #[arg(long, default_value_t = erpops_core::event::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// Attempts before giving up (network errors, 5xx, 429).
    #[arg(long, default_value_t = 8)]
    pub max_attempts: u32,
    /// First back-off delay in milliseconds (doubles each attempt, with
    /// jitter, capped at 60 s).
    #[arg(long, default_value_t = 500)]
    pub initial_backoff_ms: u64,
    /// Longest Retry-After honoured, in seconds; a longer wait gives up.
    #[arg(long, default_value_t = 3600)]
    pub max_retry_after_secs: u64,
}
