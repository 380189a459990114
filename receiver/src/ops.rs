//! The operations both `erpops admin` (the CLI) and the REST writes
//! (`api::writes`, issue #24) perform, so each rule is written once:
//! making a connector (its UUID and secret from [`crate::clock`]),
//! rotating its secret, making and revoking API keys, and checking rules,
//! silences, heartbeats, jobs and maintenance windows with the core's own
//! validation before they are stored.
//!
//! Each function does the change (or the check) and returns what the
//! caller shows; the CLI words its errors with its flags, the REST API
//! answers them as problems with the [`OpError::code`].

use core::fmt;
use std::collections::BTreeSet;
use std::time::Duration;

use erpops_core::alert::{
    AlertConfig, AlertEngine, AlertError, AlertRule, Heartbeat, Job, JobKey, MaintenanceWindow,
    Silence,
};
use erpops_core::Timestamp;
use uuid::Uuid;

use crate::clock;
use crate::store::alerts::AlertConfigRows;
use crate::store::{AdminStore, StoreError};

/// The longest overlap of a rotation: previous secrets verify at most 30
/// days more (a sender that has not switched by then has a bigger problem
/// than a refused event).
pub const MAX_OVERLAP: Duration = Duration::from_secs(30 * 86_400);

/// The longest connector name or API key label, in characters.
pub const MAX_LABEL_CHARS: usize = 128;

/// Why an operation was refused.
#[derive(Debug)]
pub enum OpError {
    /// The core's validation refused a rule, silence, heartbeat, job or
    /// window (its code: `invalid_name`, `watched_twice`, …).
    Alert(AlertError),
    /// An input the receiver refuses itself: (code, message).
    Invalid(&'static str, String),
    /// The store failed, or a named row does not exist.
    Store(StoreError),
}

impl OpError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            OpError::Alert(e) => e.code(),
            OpError::Invalid(code, _) => code,
            OpError::Store(e) => e.code(),
        }
    }
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpError::Alert(e) => write!(f, "{e} (code {})", e.code()),
            OpError::Invalid(_, message) => f.write_str(message),
            OpError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl From<StoreError> for OpError {
    fn from(e: StoreError) -> Self {
        OpError::Store(e)
    }
}

impl From<AlertError> for OpError {
    fn from(e: AlertError) -> Self {
        OpError::Alert(e)
    }
}

/// The OS random source failed (no id or secret can be made).
fn random(e: String) -> OpError {
    OpError::Store(StoreError::Database(e))
}

/// A connector name or key label: 1 to [`MAX_LABEL_CHARS`] characters,
/// not blank, no control characters (it is shown in tables and pages).
pub fn check_label(value: &str, field: &'static str) -> Result<(), OpError> {
    if value.trim().is_empty()
        || value.chars().count() > MAX_LABEL_CHARS
        || value.chars().any(char::is_control)
    {
        return Err(OpError::Invalid(
            "invalid_field",
            format!(
                "{field} must be 1 to {MAX_LABEL_CHARS} characters, not blank, without control \
                 characters"
            ),
        ));
    }
    Ok(())
}

/// A new connector: its id and first secret (shown once).
#[derive(Debug, Clone)]
pub struct NewConnector {
    /// Its UUID.
    pub id: Uuid,
    /// Its first secret (64 hex digits).
    pub secret: String,
}

/// Makes a connector of `tenant`.
pub fn create_connector<S: AdminStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    name: &str,
    now: Timestamp,
) -> Result<NewConnector, OpError> {
    check_label(name, "name")?;
    let id = clock::new_uuid().map_err(random)?;
    let secret = clock::new_secret().map_err(random)?;
    store.create_connector(&id, tenant, name, &secret, now)?;
    Ok(NewConnector { id, secret })
}

/// Adds a new secret to connector `id`; the previous ones verify until
/// `now + overlap` (at most [`MAX_OVERLAP`]). Returns the secret and that
/// time.
pub fn rotate_secret<S: AdminStore + ?Sized>(
    store: &mut S,
    id: &Uuid,
    overlap: Duration,
    now: Timestamp,
) -> Result<(String, Timestamp), OpError> {
    if overlap > MAX_OVERLAP {
        return Err(OpError::Invalid(
            "invalid_field",
            format!(
                "the overlap must be 0 to {} seconds (30 days)",
                MAX_OVERLAP.as_secs()
            ),
        ));
    }
    let secret = clock::new_secret().map_err(random)?;
    let until = now.saturating_add(overlap);
    store.rotate_secret(id, &secret, until, now)?;
    Ok((secret, until))
}

/// Makes an API key of `tenant`; returns its id and the key (shown once:
/// only its SHA-256 is stored).
pub fn create_api_key<S: AdminStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    label: &str,
    now: Timestamp,
) -> Result<(String, String), OpError> {
    check_label(label, "label")?;
    let key = clock::new_api_key().map_err(random)?;
    let id = format!(
        "key_{}",
        hex::encode(clock::random_bytes::<8>().map_err(random)?)
    );
    store.create_api_key(&id, tenant, &clock::hash_api_key(&key), label, now)?;
    Ok((id, key))
}

/// Checks a rule of `tenant`: a known channel and the core's validation.
/// Returns whether its channel is `webhook` while the tenant has no
/// webhook destination yet (allowed; worth a note).
pub fn check_rule<S: AdminStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    rule: &AlertRule,
) -> Result<bool, OpError> {
    if !crate::alerts::CHANNELS.contains(&rule.channel.as_str()) {
        return Err(OpError::Invalid(
            "invalid_channel",
            format!(
                "unknown channel {:?}; use {}",
                rule.channel,
                crate::alerts::CHANNELS.join(" or ")
            ),
        ));
    }
    rule.validate()?;
    Ok(rule.channel == "webhook" && store.webhook(tenant)?.is_none())
}

/// Checks a silence with the core's validation.
pub fn check_silence(silence: &Silence) -> Result<(), OpError> {
    Ok(silence.validate()?)
}

/// Checks a maintenance window with the core's validation.
pub fn check_window(window: &MaintenanceWindow) -> Result<(), OpError> {
    Ok(window.validate()?)
}

/// Checks a heartbeat: the core's validation, and that no job watches the
/// same connector and source (`watched_twice`).
pub fn check_heartbeat<S: AdminStore + ?Sized>(
    store: &mut S,
    heartbeat: &Heartbeat,
) -> Result<(), OpError> {
    heartbeat.validate()?;
    let config = store.alert_config()?;
    if config.jobs.iter().any(|j| j.key() == heartbeat.key()) {
        return Err(OpError::Alert(AlertError::WatchedTwice));
    }
    Ok(())
}

/// A scratch engine with the stored heartbeats and jobs (but `skip`), so
/// the core decides what depends on the whole configuration (a dependency
/// cycle, a heartbeat on the same source).
fn scratch_engine(config: &AlertConfigRows, skip: &JobKey, now: Timestamp) -> AlertEngine {
    let mut engine = AlertEngine::new(AlertConfig::with_defaults());
    for h in &config.heartbeats {
        let _ = engine.set_heartbeat(h.clone(), now);
    }
    for j in config.jobs.iter().filter(|j| j.key() != *skip) {
        let _ = engine.set_job(j.clone(), now);
    }
    engine
}

/// The dependencies of a job whose connector is not one of `tenant`'s: a
/// job depends only on jobs of its own tenant.
pub fn foreign_dependencies<S: AdminStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    depends_on: &BTreeSet<JobKey>,
) -> Result<Vec<Uuid>, OpError> {
    let mut foreign = Vec::new();
    for key in depends_on {
        let owner = store.connector_tenant(&key.connector_id)?;
        if owner.as_deref() != Some(tenant) {
            foreign.push(key.connector_id);
        }
    }
    Ok(foreign)
}

/// Checks a job of `tenant`'s connector before it is stored: the core's
/// validation, dependencies only on the tenant's own jobs, and what
/// depends on the stored configuration (set into a scratch engine).
/// Returns whether a job of this connector and source is already stored
/// (a replacement), and whether that one was paused.
pub fn check_job<S: AdminStore + ?Sized>(
    store: &mut S,
    tenant: &str,
    job: &Job,
    now: Timestamp,
) -> Result<Option<bool>, OpError> {
    if let Some(c) = foreign_dependencies(store, tenant, &job.depends_on)?.first() {
        return Err(OpError::Invalid(
            "foreign_dependency",
            format!(
                "depends_on: connector {c} is not a connector of tenant {tenant}; a job depends \
                 only on jobs of its own tenant"
            ),
        ));
    }
    job.validate()?;
    let config = store.alert_config()?;
    let key = job.key();
    let existing = config
        .jobs
        .iter()
        .find(|j| j.key() == key)
        .map(|j| j.paused);
    scratch_engine(&config, &key, now).set_job(job.clone(), now)?;
    Ok(existing)
}
