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
    /// TOML settings file (keys: listen, data, max_body_bytes,
    /// max_connections); environment and flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Create (once) a demo tenant on the Free plan and a connector, and
    /// print its id, secret and a ready-to-paste curl command.
    #[arg(long)]
    pub demo: bool,
}

/// `erpops admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Data directory [env: ERPOPS_DATA] [default: ./erpops-data].
    #[arg(long, global = true)]
    pub data: Option<PathBuf>,
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
}

/// `erpops admin api-keys …`.
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key for a tenant; prints it ONCE.
    Create {
        /// The tenant whose data the key reads.
        #[arg(long)]
        tenant: String,
        /// A label to recognize it by.
        #[arg(long, default_value = "")]
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
        /// Plan: free, professional or enterprise.
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
        /// free, professional or enterprise.
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
    /// Receiver URL (http://host:port/functions/v1/receive-event).
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
