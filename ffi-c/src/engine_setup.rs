//! Setting up an `erpops_engine`: its limits, tenants, connectors and
//! secrets.
//!
//! A C receiver keeps its own records (a file, a table) and rebuilds the
//! engine from them at start, then mirrors each admin change. Every call here
//! is a thin conversion onto the core's `Engine` admin methods, so a C
//! receiver and the Rust one refuse the same mistakes with the same codes.

use std::time::Duration;

use erpops_core::pii::PiiPolicy;
use erpops_core::quota::{Limit, Plan};
use erpops_core::receive::{ConfigOverrides, Engine, ReceiveConfig, TenantRecord};
use erpops_core::signature::Secret;
use erpops_core::Timestamp;
use uuid::Uuid;

use crate::boundary::{guard, guard_or, input, input_str, required, Failure};
use crate::engine::{admin, engine_mut, erpops_engine};
use crate::status::erpops_status;
use crate::validate::{
    ERPOPS_PII_POLICY_ALLOW, ERPOPS_PII_POLICY_REDACT, ERPOPS_PII_POLICY_REJECT,
};

/// A limit of `erpops_engine_add_tenant_custom` meaning "no limit" (usage is
/// still counted for reporting).
pub const ERPOPS_UNLIMITED: u64 = u64::MAX;

/// An `expires_at_unix_ms` of `erpops_engine_add_connector_secret` meaning
/// "never expires".
pub const ERPOPS_NO_EXPIRY: i64 = i64::MAX;

/// A `replay_window_secs` meaning "the least window that closes the gap":
/// `max_age_secs + future_skew_secs` of the same config, whatever they are
/// set to (the default, as in Python and Node when the window is left out).
pub const ERPOPS_REPLAY_WINDOW_AUTO: u64 = 0;

/// Limits of an engine. Get the defaults from
/// `erpops_engine_config_default()` and change what you need.
/// `struct_size` lets the struct grow in later versions.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct erpops_engine_config {
    /// `sizeof(erpops_engine_config)`.
    pub struct_size: usize,
    /// Largest accepted body in bytes (default 65536).
    pub max_body_bytes: usize,
    /// How far ahead of `now` an event timestamp may be (default 300 s).
    pub future_skew_secs: u64,
    /// How old an event may be (default 86400 s).
    pub max_age_secs: u64,
    /// How long an accepted event's digest is remembered; at least
    /// `max_age_secs + future_skew_secs`. The default,
    /// `ERPOPS_REPLAY_WINDOW_AUTO`, is exactly that sum, so changing
    /// `max_age_secs` alone never makes the config invalid.
    pub replay_window_secs: u64,
}

fn default_config() -> erpops_engine_config {
    let c = ReceiveConfig::default();
    erpops_engine_config {
        struct_size: core::mem::size_of::<erpops_engine_config>(),
        max_body_bytes: c.max_body_bytes(),
        future_skew_secs: c.future_skew().as_secs(),
        max_age_secs: c.max_age().as_secs(),
        replay_window_secs: ERPOPS_REPLAY_WINDOW_AUTO,
    }
}

/// The contract's defaults: 64 KiB, 5 min skew, 24 h age, and
/// `ERPOPS_REPLAY_WINDOW_AUTO` (age plus skew: 24 h 5 min with these).
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn erpops_engine_config_default() -> erpops_engine_config {
    guard_or(default_config(), default_config)
}

fn receive_config(c: &erpops_engine_config) -> Result<ReceiveConfig, Failure> {
    let expected = core::mem::size_of::<erpops_engine_config>();
    if c.struct_size != expected {
        return Err(Failure::new(
            erpops_status::InvalidArgument,
            format!(
                "config.struct_size is {} but this library expects {expected}; start from \
                 erpops_engine_config_default()",
                c.struct_size
            ),
        ));
    }
    ReceiveConfig::with(ConfigOverrides {
        max_body_bytes: Some(c.max_body_bytes),
        future_skew: Some(Duration::from_secs(c.future_skew_secs)),
        max_age: Some(Duration::from_secs(c.max_age_secs)),
        replay_window: (c.replay_window_secs != ERPOPS_REPLAY_WINDOW_AUTO)
            .then(|| Duration::from_secs(c.replay_window_secs)),
    })
    .map_err(|e| Failure::new(erpops_status::InvalidArgument, format!("{}: {e}", e.code())))
}

/// Creates an engine with `config`'s limits. A replay window set shorter
/// than `max_age_secs + future_skew_secs` is refused with
/// `ERPOPS_STATUS_INVALID_ARGUMENT`, and the last error message starts with
/// `replay_window_too_short:`.
///
/// Thread-safe.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_engine_new_with_config(
    config: *const erpops_engine_config,
    engine_out: *mut *mut erpops_engine,
) -> erpops_status {
    guard(|| {
        let config = required(config.cast_mut(), "config")?;
        let out = required(engine_out, "engine_out")?;
        // SAFETY: non-NULL, readable (caller contract).
        let config = receive_config(unsafe { &*config })?;
        let handle = Box::into_raw(Box::new(erpops_engine {
            inner: Engine::new(config),
        }));
        // SAFETY: non-NULL, writable (caller contract).
        unsafe { out.write(handle) };
        Ok(())
    })
}

fn pii_policy(value: i32) -> Result<PiiPolicy, Failure> {
    match value {
        ERPOPS_PII_POLICY_REDACT => Ok(PiiPolicy::Redact),
        ERPOPS_PII_POLICY_REJECT => Ok(PiiPolicy::Reject),
        ERPOPS_PII_POLICY_ALLOW => Ok(PiiPolicy::Allow),
        other => Err(Failure::new(
            erpops_status::InvalidArgument,
            format!("pii_policy {other} is not an ERPOPS_PII_POLICY_* value"),
        )),
    }
}

fn named_plan(name: &str) -> Result<Plan, Failure> {
    Plan::from_name(name).ok_or_else(|| {
        Failure::new(
            erpops_status::InvalidArgument,
            format!(
                "plan {name:?} is not one of free, professional, enterprise; use \
                 erpops_engine_add_tenant_custom for negotiated limits"
            ),
        )
    })
}

fn limit(value: u64) -> Limit {
    if value == ERPOPS_UNLIMITED {
        Limit::Unlimited
    } else {
        Limit::Finite(value)
    }
}

/// # Safety
/// As for `input_str`.
unsafe fn connector_id(ptr: *const u8, len: usize) -> Result<Uuid, Failure> {
    // SAFETY: forwarded caller contract.
    let text = unsafe { input_str(ptr, len, "connector_id")? };
    erpops_core::event::parse_connector_id(text).ok_or_else(|| {
        Failure::new(
            erpops_status::InvalidArgument,
            format!("connector_id {text:?} is not a hyphenated UUID"),
        )
    })
}

fn add_tenant(e: &mut Engine, id: &str, plan: Plan, policy: i32) -> Result<(), Failure> {
    let mut record = TenantRecord::new(plan);
    record.pii_policy = pii_policy(policy)?;
    e.add_tenant(id, record).map_err(admin)
}

/// Adds an active tenant: `plan` is `free`, `professional` or `enterprise`;
/// `pii_policy` one of `ERPOPS_PII_POLICY_*`.
///
/// Not thread-safe on one handle (nor is any `erpops_engine_*` call).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_engine_add_tenant(
    engine: *mut erpops_engine,
    tenant_id: *const u8,
    tenant_id_len: usize,
    plan: *const u8,
    plan_len: usize,
    pii_policy: i32,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let e = unsafe { engine_mut(engine)? };
        // SAFETY: caller contract for inputs.
        let id = unsafe { input_str(tenant_id, tenant_id_len, "tenant_id")? };
        // SAFETY: caller contract for inputs.
        let plan = named_plan(unsafe { input_str(plan, plan_len, "plan")? })?;
        add_tenant(e, id, plan, pii_policy)
    })
}

/// Adds an active tenant on a negotiated plan: at most
/// `inbound_events_per_day` accepted events per UTC day and
/// `ai_queries_per_month` AI queries per UTC month (`ERPOPS_UNLIMITED` for
/// no limit; 0 refuses everything).
///
/// Not thread-safe on one handle.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_engine_add_tenant_custom(
    engine: *mut erpops_engine,
    tenant_id: *const u8,
    tenant_id_len: usize,
    inbound_events_per_day: u64,
    ai_queries_per_month: u64,
    pii_policy: i32,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let e = unsafe { engine_mut(engine)? };
        // SAFETY: caller contract for inputs.
        let id = unsafe { input_str(tenant_id, tenant_id_len, "tenant_id")? };
        let plan = Plan::Custom {
            inbound_events: limit(inbound_events_per_day),
            ai_queries: limit(ai_queries_per_month),
        };
        add_tenant(e, id, plan, pii_policy)
    })
}

/// Moves a tenant to a named plan (`free`, `professional`, `enterprise`);
/// the next request is metered against it.
///
/// Not thread-safe on one handle.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_engine_set_tenant_plan(
    engine: *mut erpops_engine,
    tenant_id: *const u8,
    tenant_id_len: usize,
    plan: *const u8,
    plan_len: usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let e = unsafe { engine_mut(engine)? };
        // SAFETY: caller contract for inputs.
        let id = unsafe { input_str(tenant_id, tenant_id_len, "tenant_id")? };
        // SAFETY: caller contract for inputs.
        let plan = named_plan(unsafe { input_str(plan, plan_len, "plan")? })?;
        e.set_plan(id, plan).map_err(admin)
    })
}

/// Suspends (`true`) or reinstates (`false`) a tenant: a suspended tenant's
/// connectors are answered 403 `tenant_suspended`.
///
/// Not thread-safe on one handle.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_engine_set_tenant_suspended(
    engine: *mut erpops_engine,
    tenant_id: *const u8,
    tenant_id_len: usize,
    suspended: bool,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let e = unsafe { engine_mut(engine)? };
        // SAFETY: caller contract for inputs.
        let id = unsafe { input_str(tenant_id, tenant_id_len, "tenant_id")? };
        e.set_tenant_suspended(id, suspended).map_err(admin)
    })
}

/// Adds an enabled connector (hyphenated UUID text) of an existing tenant
/// with one secret that never expires.
///
/// Not thread-safe on one handle.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_engine_add_connector(
    engine: *mut erpops_engine,
    tenant_id: *const u8,
    tenant_id_len: usize,
    connector_id: *const u8,
    connector_id_len: usize,
    secret: *const u8,
    secret_len: usize,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let e = unsafe { engine_mut(engine)? };
        // SAFETY: caller contract for inputs.
        let tenant = unsafe { input_str(tenant_id, tenant_id_len, "tenant_id")? };
        // SAFETY: caller contract for inputs.
        let id = unsafe { self::connector_id(connector_id, connector_id_len)? };
        // SAFETY: caller contract for inputs.
        let secret = Secret::new(unsafe { input(secret, secret_len, "secret")? })?;
        e.add_connector(id, tenant, secret).map_err(admin)
    })
}

/// Gives a connector one more secret, verifying while
/// `now < expires_at_unix_ms` (`ERPOPS_NO_EXPIRY`: always). This restores a
/// rotation recorded elsewhere; `erpops_engine_rotate_connector_secret`
/// starts one.
///
/// Not thread-safe on one handle.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_engine_add_connector_secret(
    engine: *mut erpops_engine,
    connector_id: *const u8,
    connector_id_len: usize,
    secret: *const u8,
    secret_len: usize,
    expires_at_unix_ms: i64,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let e = unsafe { engine_mut(engine)? };
        // SAFETY: caller contract for inputs.
        let id = unsafe { self::connector_id(connector_id, connector_id_len)? };
        // SAFETY: caller contract for inputs.
        let secret = Secret::new(unsafe { input(secret, secret_len, "secret")? })?;
        let expires_at = (expires_at_unix_ms != ERPOPS_NO_EXPIRY)
            .then(|| Timestamp::from_unix_millis(expires_at_unix_ms));
        e.add_secret(id, secret, expires_at).map_err(admin)
    })
}

/// Rotates a connector's secret at `now_unix_ms`: `secret` becomes the
/// current one and every older secret keeps verifying for `overlap_secs`
/// more (or until its own earlier expiry), so senders can switch without a
/// refused event.
///
/// Not thread-safe on one handle.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_engine_rotate_connector_secret(
    engine: *mut erpops_engine,
    connector_id: *const u8,
    connector_id_len: usize,
    secret: *const u8,
    secret_len: usize,
    now_unix_ms: i64,
    overlap_secs: u64,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let e = unsafe { engine_mut(engine)? };
        // SAFETY: caller contract for inputs.
        let id = unsafe { self::connector_id(connector_id, connector_id_len)? };
        // SAFETY: caller contract for inputs.
        let secret = Secret::new(unsafe { input(secret, secret_len, "secret")? })?;
        e.rotate_secret(
            id,
            secret,
            Timestamp::from_unix_millis(now_unix_ms),
            Duration::from_secs(overlap_secs),
        )
        .map_err(admin)
    })
}

/// Enables (`true`) or disables (`false`) a connector: a disabled
/// connector's requests are answered 403 `connector_disabled`.
///
/// Not thread-safe on one handle.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn erpops_engine_set_connector_enabled(
    engine: *mut erpops_engine,
    connector_id: *const u8,
    connector_id_len: usize,
    enabled: bool,
) -> erpops_status {
    guard(|| {
        // SAFETY: caller contract.
        let e = unsafe { engine_mut(engine)? };
        // SAFETY: caller contract for inputs.
        let id = unsafe { self::connector_id(connector_id, connector_id_len)? };
        e.set_connector_enabled(id, enabled).map_err(admin)
    })
}
