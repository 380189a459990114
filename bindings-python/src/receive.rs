//! `check_request` and `Engine`: the core's receive decision
//! (`erpops_core::receive`, contract §4) for Python receivers.
//!
//! `check_request` runs the decision's ladder for an existing receiver
//! (Flask, FastAPI, Django) that keeps its own connector table: it returns
//! the `Event` or raises `RequestRejected` carrying the core's status, code,
//! RFC 9457 problem body and headers. `Engine` is the core's whole in-memory
//! receiver (tenants, connectors, quota, replay set, incidents). Neither
//! decides anything itself.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use erpops_core::quota::Plan;
use erpops_core::receive::{
    self as core_receive, AdminError, Body, ConfigOverrides, ConnectorRecord, ConnectorSecret,
    Context, Engine, InboundRequest, Outcome, ReceiveConfig, Response, TenantRecord,
};
use erpops_core::signature::Secret;
use erpops_core::wire;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyMapping};

use crate::contract::{event_of, pii_policy_of, uuid_of};
use crate::errors::{error, guard, Kind};
use crate::event::PyEvent;
use crate::input::{bytes_of, is_bytes_like};
use crate::signature::PySecret;
use crate::time::{duration_of, timestamp_of};

/// The receiver limits from keyword arguments (`None`: the core's default
/// for that limit, see `ConfigOverrides`).
fn config_of(
    max_body_bytes: Option<usize>,
    future_skew: Option<&Bound<'_, PyAny>>,
    max_age: Option<&Bound<'_, PyAny>>,
    replay_window: Option<&Bound<'_, PyAny>>,
) -> PyResult<ReceiveConfig> {
    let duration = |d: Option<&Bound<'_, PyAny>>, name| d.map(|d| duration_of(d, name)).transpose();
    ReceiveConfig::with(ConfigOverrides {
        max_body_bytes,
        future_skew: duration(future_skew, "future_skew")?,
        max_age: duration(max_age, "max_age")?,
        replay_window: duration(replay_window, "replay_window")?,
    })
    .map_err(|e| PyValueError::new_err(format!("{e} ({})", e.code())))
}

/// The value of header `name` in `headers` (any mapping or iterable of
/// pairs), compared ASCII case-insensitively, as bytes.
fn header(headers: &Bound<'_, PyAny>, name: &str) -> PyResult<Option<Vec<u8>>> {
    let items = match headers.cast::<PyMapping>() {
        Ok(m) => m.items()?.into_any(),
        Err(_) => headers.clone(),
    };
    for item in items.try_iter()? {
        let item = item?;
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let key = bytes_of(&key, "a header name")?;
        if key.eq_ignore_ascii_case(name.as_bytes()) {
            return Ok(Some(bytes_of(&value, "a header value")?.into_owned()));
        }
    }
    Ok(None)
}

/// `RequestRejected` for a refusal `response`.
fn rejected(py: Python<'_>, response: &Response) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let problem = crate::json::loads(py, &response.body)?;
        let detail: String = problem
            .get_item("detail")
            .and_then(|d| d.extract())
            .unwrap_or_default();
        let headers = PyDict::new(py);
        for (name, value) in &response.headers {
            headers.set_item(*name, value)?;
        }
        let extra = PyDict::new(py);
        extra.set_item("problem", problem)?;
        extra.set_item("headers", headers)?;
        let code = response.code.map_or("rejected", |c| c.code());
        Ok(error(
            py,
            Kind::RequestRejected,
            code,
            &detail,
            Some(response.status),
            Some(&extra),
        ))
    };
    build().unwrap_or_else(|e| e)
}

/// The secrets of a connector record from a secret or an iterable of
/// secrets (none expiring).
fn connector_secrets(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Vec<ConnectorSecret>> {
    Ok(crate::signature::candidate_secrets(py, obj)?
        .into_iter()
        .map(|secret| ConnectorSecret {
            secret,
            expires_at: None,
        })
        .collect())
}

/// Checks one inbound request exactly as the ERPOps receiver would
/// (method, size, media type, headers, signature over the raw body, event
/// contract) and returns the `Event`.
///
/// `secrets` is one secret or an iterable of secrets (for every connector),
/// a mapping from connector id (lowercase text) to secrets, or a callable
/// taking the connector id and returning its secrets (or `None`: unknown
/// connector, 403). Raises `RequestRejected` with `.status`, `.code`, the
/// RFC 9457 `.problem` dict and the response `.headers`.
///
/// Quota and replay detection need state: use `Engine` (or your store)
/// for those; this check admits every valid, correctly signed event.
#[pyfunction]
#[pyo3(signature = (headers, body, *, secrets, now = None, method = "POST", pii_policy = None, max_body_bytes = None, future_skew = None, max_age = None, request_id = ""))]
#[allow(clippy::too_many_arguments)]
pub fn check_request(
    py: Python<'_>,
    headers: &Bound<'_, PyAny>,
    body: &Bound<'_, PyAny>,
    secrets: &Bound<'_, PyAny>,
    now: Option<&Bound<'_, PyAny>>,
    method: &str,
    pii_policy: Option<&str>,
    max_body_bytes: Option<usize>,
    future_skew: Option<&Bound<'_, PyAny>>,
    max_age: Option<&Bound<'_, PyAny>>,
    request_id: &str,
) -> PyResult<PyEvent> {
    guard(py, || {
        let config = config_of(max_body_bytes, future_skew, max_age, None)?;
        let now = timestamp_of(py, now)?;
        let mut tenant = TenantRecord::new(Plan::Enterprise);
        if let Some(p) = pii_policy {
            tenant.pii_policy = pii_policy_of(p)?;
        }
        let content_type = header(headers, "Content-Type")?;
        let signature = header(headers, wire::SIGNATURE_HEADER)?;
        let connector_id = header(headers, wire::CONNECTOR_ID_HEADER)?;
        let body = bytes_of(body, "body")?;
        let request = InboundRequest {
            method,
            content_type: content_type.as_deref(),
            signature: signature.as_deref(),
            connector_id: connector_id.as_deref(),
            body: Body::Bytes(&body),
        };
        let auth = core_receive::authenticate(&request, &config, request_id)
            .map_err(|r| rejected(py, &r))?;
        let id = auth.connector_id.hyphenated().to_string();
        let found = if secrets.is_callable() && !secrets.is_instance_of::<PySecret>() {
            let got = secrets.call1((id.as_str(),))?;
            (!got.is_none()).then_some(got)
        } else if !is_bytes_like(secrets) && secrets.cast::<PyMapping>().is_ok() {
            let m = secrets.cast::<PyMapping>()?;
            if m.contains(id.as_str())? {
                Some(m.get_item(id.as_str())?)
            } else {
                None
            }
        } else {
            Some(secrets.clone())
        };
        let record = found
            .map(|s| -> PyResult<ConnectorRecord> {
                Ok(ConnectorRecord {
                    tenant_id: String::new(),
                    enabled: true,
                    secrets: connector_secrets(py, &s)?,
                })
            })
            .transpose()?;
        let context = Context {
            connector: record.as_ref(),
            tenant: Some(&tenant),
            replay_expires_at: None,
            quota: None,
        };
        match core_receive::decide(auth, &context, &config, now, request_id) {
            Outcome::Accepted(accepted) => {
                let accepted = *accepted;
                Ok(event_of(erpops_core::event::ParsedEvent {
                    event: accepted.event,
                    redactions: accepted.redactions,
                }))
            }
            Outcome::Respond(response) => Err(rejected(py, &response)),
        }
    })
}

/// The answer of `Engine.receive`: what to send back.
#[pyclass(frozen, module = "erpops", name = "ReceiveResponse")]
pub struct PyReceiveResponse {
    /// HTTP status.
    #[pyo3(get)]
    status: u16,
    /// `[(name, value)]` header fields, in order.
    #[pyo3(get)]
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    /// The refusal code (`signature_mismatch`, ...), `None` for 200 and 202.
    #[pyo3(get)]
    code: Option<&'static str>,
}

#[pymethods]
impl PyReceiveResponse {
    /// The body bytes (JSON; `application/problem+json` for refusals).
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.body)
    }

    /// The body parsed as JSON.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || crate::json::loads(py, &self.body))
    }

    fn __repr__(&self) -> String {
        format!(
            "ReceiveResponse(status={}, code={:?})",
            self.status, self.code
        )
    }
}

/// The whole receiver in memory: tenants, connectors, the quota ledger, the
/// replay set and an incident model, deciding each request with the core's
/// `Engine`. Thread-safe (one lock).
#[pyclass(frozen, module = "erpops", name = "Engine")]
pub struct PyEngine {
    engine: Mutex<Engine>,
}

impl PyEngine {
    fn lock(&self) -> MutexGuard<'_, Engine> {
        self.engine.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `erpops.Error` with the core's admin code (`tenant_exists`, ...).
fn admin_error(py: Python<'_>, e: &AdminError) -> PyErr {
    error(py, Kind::AdminError, e.code(), &e.to_string(), None, None)
}

/// A plan given as a name or a mapping (see `QuotaLedger`).
fn plan_arg(plan: &Bound<'_, PyAny>) -> PyResult<Plan> {
    crate::quota::plan_of(plan)
}

#[pymethods]
impl PyEngine {
    /// An empty engine with the contract's limits or the given ones.
    #[new]
    #[pyo3(signature = (*, max_body_bytes = None, future_skew = None, max_age = None, replay_window = None))]
    fn new(
        py: Python<'_>,
        max_body_bytes: Option<usize>,
        future_skew: Option<&Bound<'_, PyAny>>,
        max_age: Option<&Bound<'_, PyAny>>,
        replay_window: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guard(py, || {
            let config = config_of(max_body_bytes, future_skew, max_age, replay_window)?;
            Ok(PyEngine {
                engine: Mutex::new(Engine::new(config)),
            })
        })
    }

    /// Adds a tenant with its plan (name or limits mapping), PII policy and
    /// suspension flag.
    #[pyo3(signature = (tenant_id, *, plan = None, pii_policy = "redact", suspended = false))]
    fn add_tenant(
        &self,
        py: Python<'_>,
        tenant_id: &str,
        plan: Option<&Bound<'_, PyAny>>,
        pii_policy: &str,
        suspended: bool,
    ) -> PyResult<()> {
        guard(py, || {
            let plan = plan.map(plan_arg).transpose()?.unwrap_or(Plan::Free);
            let record = TenantRecord {
                plan,
                pii_policy: pii_policy_of(pii_policy)?,
                suspended,
            };
            let added = self.lock().add_tenant(tenant_id, record);
            added.map_err(|e| admin_error(py, &e))
        })
    }

    /// Adds a connector of `tenant` with its secrets: one secret, or an
    /// iterable of secrets or of `(secret, expires_at)` pairs (`expires_at`
    /// an aware `datetime`, Unix seconds or `None`).
    #[pyo3(signature = (connector_id, *, tenant, secrets, enabled = true))]
    fn add_connector(
        &self,
        py: Python<'_>,
        connector_id: &Bound<'_, PyAny>,
        tenant: &str,
        secrets: &Bound<'_, PyAny>,
        enabled: bool,
    ) -> PyResult<()> {
        guard(py, || {
            let id = uuid_of(connector_id, "connector_id")?;
            let mut list = Vec::new();
            if secrets.is_instance_of::<PySecret>() || is_bytes_like(secrets) {
                list.push(ConnectorSecret {
                    secret: one_secret_of(py, secrets)?,
                    expires_at: None,
                });
            } else {
                for item in secrets.try_iter()? {
                    let item = item?;
                    if let Ok((s, exp)) =
                        item.extract::<(Bound<'_, PyAny>, Option<Bound<'_, PyAny>>)>()
                    {
                        if !is_bytes_like(&item) {
                            list.push(ConnectorSecret {
                                secret: one_secret_of(py, &s)?,
                                expires_at: exp.map(|e| timestamp_of(py, Some(&e))).transpose()?,
                            });
                            continue;
                        }
                    }
                    list.push(ConnectorSecret {
                        secret: one_secret_of(py, &item)?,
                        expires_at: None,
                    });
                }
            }
            let record = ConnectorRecord {
                tenant_id: tenant.to_owned(),
                enabled,
                secrets: list,
            };
            let added = self.lock().insert_connector(id, record);
            added.map_err(|e| admin_error(py, &e))
        })
    }

    /// Adds `secret` as the connector's new secret; the ones it had stay
    /// valid for `overlap` (seconds or `timedelta`) after `now`.
    #[pyo3(signature = (connector_id, secret, *, overlap, now = None))]
    fn rotate_secret(
        &self,
        py: Python<'_>,
        connector_id: &Bound<'_, PyAny>,
        secret: &Bound<'_, PyAny>,
        overlap: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        guard(py, || {
            let id = uuid_of(connector_id, "connector_id")?;
            let secret = one_secret_of(py, secret)?;
            let overlap: Duration = duration_of(overlap, "overlap")?;
            let now = timestamp_of(py, now)?;
            let done = self.lock().rotate_secret(id, secret, now, overlap);
            done.map_err(|e| admin_error(py, &e))
        })
    }

    /// Enables or disables a connector (a disabled one gets 403).
    fn set_connector_enabled(
        &self,
        py: Python<'_>,
        connector_id: &Bound<'_, PyAny>,
        enabled: bool,
    ) -> PyResult<()> {
        guard(py, || {
            let id = uuid_of(connector_id, "connector_id")?;
            let done = self.lock().set_connector_enabled(id, enabled);
            done.map_err(|e| admin_error(py, &e))
        })
    }

    /// Suspends or reinstates a tenant (a suspended one gets 403).
    fn set_tenant_suspended(
        &self,
        py: Python<'_>,
        tenant_id: &str,
        suspended: bool,
    ) -> PyResult<()> {
        guard(py, || {
            let done = self.lock().set_tenant_suspended(tenant_id, suspended);
            done.map_err(|e| admin_error(py, &e))
        })
    }

    /// Changes a tenant's plan (applies to the next request).
    fn set_plan(&self, py: Python<'_>, tenant_id: &str, plan: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(py, || {
            let plan = plan_arg(plan)?;
            let done = self.lock().set_plan(tenant_id, plan);
            done.map_err(|e| admin_error(py, &e))
        })
    }

    /// Changes a tenant's PII policy (`redact`, `reject`, `allow`).
    fn set_pii_policy(&self, py: Python<'_>, tenant_id: &str, policy: &str) -> PyResult<()> {
        guard(py, || {
            let policy = pii_policy_of(policy)?;
            let done = self.lock().set_pii_policy(tenant_id, policy);
            done.map_err(|e| admin_error(py, &e))
        })
    }

    /// Decides one request and applies its effects (store, quota, replay
    /// set, incidents); returns the `ReceiveResponse` to send. `body=None`
    /// with `body_length` tells the engine the receiver stopped reading a
    /// body over the limit.
    #[pyo3(signature = (headers, body, *, method = "POST", now = None, request_id = "", body_length = None))]
    #[allow(clippy::too_many_arguments)]
    fn receive(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        body: Option<&Bound<'_, PyAny>>,
        method: &str,
        now: Option<&Bound<'_, PyAny>>,
        request_id: &str,
        body_length: Option<u64>,
    ) -> PyResult<PyReceiveResponse> {
        guard(py, || {
            let now = timestamp_of(py, now)?;
            let content_type = header(headers, "Content-Type")?;
            let signature = header(headers, wire::SIGNATURE_HEADER)?;
            let connector_id = header(headers, wire::CONNECTOR_ID_HEADER)?;
            let body = body.map(|b| bytes_of(b, "body")).transpose()?;
            let body = match (&body, body_length) {
                (Some(b), _) => Body::Bytes(b),
                (None, Some(length)) => Body::TooLarge { length },
                (None, None) => {
                    return Err(PyTypeError::new_err(
                        "give the body, or body=None with body_length when it was too large",
                    ))
                }
            };
            let request = InboundRequest {
                method,
                content_type: content_type.as_deref(),
                signature: signature.as_deref(),
                connector_id: connector_id.as_deref(),
                body,
            };
            let response = self.lock().receive(&request, now, request_id);
            Ok(PyReceiveResponse {
                status: response.status,
                headers: response.headers,
                body: response.body,
                code: response.code.map(|c| c.code()),
            })
        })
    }

    /// Every incident the engine's model holds, as dicts.
    fn incidents<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let engine = self.lock();
            let all: Vec<_> = engine.incidents().incidents().collect();
            crate::json::to_py(py, &all)
        })
    }

    /// Inbound events `tenant_id` used today (UTC) at `now`.
    #[pyo3(signature = (tenant_id, now = None))]
    fn used(
        &self,
        py: Python<'_>,
        tenant_id: &str,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        guard(py, || {
            let now = timestamp_of(py, now)?;
            Ok(self
                .lock()
                .ledger()
                .used(tenant_id, erpops_core::quota::Metric::InboundEvent, now))
        })
    }
}

/// One secret (`Secret`, bytes, str, ...).
fn one_secret_of(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Secret> {
    crate::signature::one_secret(py, obj)
}
