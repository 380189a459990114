//! `erpops serve` settings: a TOML file, overridden by `ERPOPS_*`
//! environment variables, overridden by flags. Unknown keys in the file
//! are refused (a typo must not silently fall back to a default).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::retention::{Retention, RetentionFile, RetentionFlags};
use crate::store::Location;

/// Default listen address (loopback: exposing it is a deliberate choice).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default data directory.
pub const DEFAULT_DATA: &str = "./erpops-data";
/// Default cap on one client address's connections.
pub const DEFAULT_MAX_CONNECTIONS_PER_IP: usize = 64;
/// Default number of connections kept back for `/healthz` and `/metrics`.
pub const DEFAULT_RESERVED_CONNECTIONS: usize = 16;
/// Largest `reserved_connections`.
pub const MAX_RESERVED_CONNECTIONS: usize = 1024;
/// Default time allowed for a request head, in seconds.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;
/// Default time allowed for a request head while the connection slots run
/// short, in milliseconds.
pub const DEFAULT_BUSY_HEADER_TIMEOUT_MS: u64 = 1000;

/// The file's shape; every key optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// `listen = "127.0.0.1:8080"`.
    pub listen: Option<String>,
    /// `data = "./erpops-data"`.
    pub data: Option<PathBuf>,
    /// `max_body_bytes = 65536`.
    pub max_body_bytes: Option<usize>,
    /// `max_connections = 1024`.
    pub max_connections: Option<usize>,
    /// `store = "postgres://user@host:5432/erpops"`: a shared PostgreSQL
    /// store instead of SQLite in the data directory.
    pub store: Option<String>,
    /// `store_pool_size = 8`: store connections the HTTP tasks may hold
    /// for record reads.
    pub store_pool_size: Option<usize>,
    /// `[retention]`: days each kind of row is kept (see
    /// [`crate::retention`]).
    pub retention: Option<RetentionFile>,
    /// `max_connections_per_ip = 64`: connections one client address may
    /// hold at once (0: no cap).
    pub max_connections_per_ip: Option<usize>,
    /// `reserved_connections = 16`: connections kept back for `/healthz`
    /// and `/metrics` once the `max_connections` are all in use.
    pub reserved_connections: Option<usize>,
    /// `header_timeout_secs = 10`: time allowed for a request head.
    pub header_timeout_secs: Option<u64>,
    /// `busy_header_timeout_ms = 1000`: the same while more than 75% of the
    /// connection slots are in use.
    pub busy_header_timeout_ms: Option<u64>,
    /// `[admin_app]`: the browser app at `/admin` (see
    /// [`AdminAppSettings`]).
    pub admin_app: Option<AdminAppFile>,
}

/// The `[admin_app]` table; every key optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminAppFile {
    /// `enabled = true`: serve the app at `/admin` (false: 404 there).
    pub enabled: Option<bool>,
    /// `session_idle_minutes = 30`: a session unused this long ends.
    pub session_idle_minutes: Option<u64>,
    /// `session_max_hours = 12`: a session ends this long after sign-in,
    /// however busy.
    pub session_max_hours: Option<u64>,
    /// `behind_tls_proxy = false`: browsers reach the receiver through a
    /// proxy that terminates TLS, so the session cookie is `Secure`.
    pub behind_tls_proxy: Option<bool>,
}

/// `--admin-app-*` flags (`None` when not given).
#[derive(Debug, Default, Clone, Copy)]
pub struct AdminAppFlags {
    /// `--admin-app-enabled`.
    pub enabled: Option<bool>,
    /// `--admin-app-session-idle-minutes`.
    pub session_idle_minutes: Option<u64>,
    /// `--admin-app-session-max-hours`.
    pub session_max_hours: Option<u64>,
    /// `--admin-app-behind-tls-proxy`.
    pub behind_tls_proxy: Option<bool>,
}

/// Default idle limit of an admin app session, in minutes.
pub const DEFAULT_SESSION_IDLE_MINUTES: u64 = 30;
/// Default absolute limit of an admin app session, in hours.
pub const DEFAULT_SESSION_MAX_HOURS: u64 = 12;

/// The admin app's resolved settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminAppSettings {
    /// Whether `/admin` is served (else it answers 404 like any unknown
    /// path).
    pub enabled: bool,
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in.
    pub session_max: Duration,
    /// Whether browsers reach the receiver over TLS through a proxy: the
    /// session cookie is then `Secure`, and sign-in throttling counts the
    /// client address the proxy appended to `X-Forwarded-For`.
    pub behind_tls_proxy: bool,
}

impl Default for AdminAppSettings {
    fn default() -> Self {
        AdminAppSettings {
            enabled: true,
            session_idle: Duration::from_secs(DEFAULT_SESSION_IDLE_MINUTES * 60),
            session_max: Duration::from_secs(DEFAULT_SESSION_MAX_HOURS * 3600),
            behind_tls_proxy: false,
        }
    }
}

impl AdminAppSettings {
    /// Flag, else `ERPOPS_ADMIN_APP_*`, else the file's `[admin_app]`,
    /// else the default; the idle limit must be 1 minute to the maximum
    /// length, the maximum 1 to 168 hours.
    pub fn resolve(
        file: &AdminAppFile,
        env: &impl Fn(&str) -> Option<String>,
        flags: &AdminAppFlags,
    ) -> Result<Self, String> {
        let boolean = |key: &str, flag: Option<bool>, file: Option<bool>, default: bool| {
            if let Some(v) = flag {
                return Ok(v);
            }
            match env(key) {
                Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                    "1" | "true" | "yes" | "on" => Ok(true),
                    "0" | "false" | "no" | "off" => Ok(false),
                    _ => Err(format!("{key}={v:?} is not true or false")),
                },
                None => Ok(file.unwrap_or(default)),
            }
        };
        let enabled = boolean(
            "ERPOPS_ADMIN_APP_ENABLED",
            flags.enabled,
            file.enabled,
            true,
        )?;
        let behind_tls_proxy = boolean(
            "ERPOPS_ADMIN_APP_BEHIND_TLS_PROXY",
            flags.behind_tls_proxy,
            file.behind_tls_proxy,
            false,
        )?;
        let idle = layered(
            env,
            "ERPOPS_ADMIN_APP_SESSION_IDLE_MINUTES",
            flags.session_idle_minutes,
            file.session_idle_minutes,
            DEFAULT_SESSION_IDLE_MINUTES,
        )?;
        let max = layered(
            env,
            "ERPOPS_ADMIN_APP_SESSION_MAX_HOURS",
            flags.session_max_hours,
            file.session_max_hours,
            DEFAULT_SESSION_MAX_HOURS,
        )?;
        if !(1..=168).contains(&max) {
            return Err(format!(
                "admin_app.session_max_hours must be from 1 to 168, not {max}"
            ));
        }
        if idle == 0 || idle > max * 60 {
            return Err(format!(
                "admin_app.session_idle_minutes must be from 1 to session_max_hours × 60 ({}), \
                 not {idle}",
                max * 60
            ));
        }
        Ok(AdminAppSettings {
            enabled,
            session_idle: Duration::from_secs(idle * 60),
            session_max: Duration::from_secs(max * 3600),
            behind_tls_proxy,
        })
    }
}

/// Flag values (`None` when not given).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--listen`.
    pub listen: Option<String>,
    /// `--data`.
    pub data: Option<PathBuf>,
    /// `--store`.
    pub store: Option<String>,
    /// `--store-pool`.
    pub store_pool_size: Option<usize>,
    /// `--retain-*-days`.
    pub retention: RetentionFlags,
    /// `--max-connections-per-ip`.
    pub max_connections_per_ip: Option<usize>,
    /// `--reserved-connections`.
    pub reserved_connections: Option<usize>,
    /// `--header-timeout-secs`.
    pub header_timeout_secs: Option<u64>,
    /// `--busy-header-timeout-ms`.
    pub busy_header_timeout_ms: Option<u64>,
    /// `--admin-app-*`.
    pub admin_app: AdminAppFlags,
}

/// The resolved settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The data directory.
    pub data: PathBuf,
    /// Largest body accepted.
    pub max_body_bytes: usize,
    /// Connections served at once.
    pub max_connections: usize,
    /// Where the durable state lives (SQLite in `data` unless a
    /// `postgres://` store was given).
    pub store: Location,
    /// Store connections the HTTP tasks may hold for record reads (the
    /// receiver's other connections: one writer, one REST API reader, one
    /// for the REST writes, one deliverer; see docs/deployment.md).
    pub store_pool_size: usize,
    /// How long events, notifications and resolved incidents are kept.
    pub retention: Retention,
    /// Connections one client address (an IPv4 address, an IPv6 /64) may
    /// hold at once; more are answered 503 and closed. 0: no cap.
    pub max_connections_per_ip: usize,
    /// Connections kept back for `/healthz` and `/metrics`, used only when
    /// the `max_connections` are all in use.
    pub reserved_connections: usize,
    /// Time allowed for a request head (the first one, or the next one on
    /// a kept-alive connection).
    pub header_timeout: Duration,
    /// The same while more than 75% of the `max_connections` are in use.
    pub busy_header_timeout: Duration,
    /// The admin app at `/admin`.
    pub admin_app: AdminAppSettings,
}

/// Resolves file → environment (`env` lookup, injectable for tests) →
/// flags. Errors say which source and key is wrong.
pub fn resolve(
    file: Option<&Path>,
    env: impl Fn(&str) -> Option<String>,
    flags: &Overrides,
) -> Result<Settings, String> {
    let from_file = match file {
        None => FileSettings::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
            toml::from_str::<FileSettings>(&text).map_err(|e| {
                format!(
                    "the config file {} is invalid: {e}; known keys are listen, data, \
                     max_body_bytes, max_connections, store, store_pool_size, \
                     max_connections_per_ip, reserved_connections, header_timeout_secs, \
                     busy_header_timeout_ms, the [retention] table (events_days, \
                     notifications_days, incidents_days) and the [admin_app] table (enabled, \
                     session_idle_minutes, session_max_hours, behind_tls_proxy)",
                    path.display()
                )
            })?
        }
    };
    let listen = flags
        .listen
        .clone()
        .or_else(|| env("ERPOPS_LISTEN"))
        .or(from_file.listen)
        .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let listen: SocketAddr = listen.parse().map_err(|_| {
        format!("listen address {listen:?} is not host:port, e.g. {DEFAULT_LISTEN}")
    })?;
    let data = flags
        .data
        .clone()
        .or_else(|| env("ERPOPS_DATA").map(PathBuf::from))
        .or(from_file.data)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
    let number = |key: &str, file_value: Option<usize>, default: usize| -> Result<usize, String> {
        match env(key) {
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map_err(|_| format!("{key}={v:?} is not a whole number")),
            None => Ok(file_value.unwrap_or(default)),
        }
    };
    let max_body_bytes = number(
        "ERPOPS_MAX_BODY_BYTES",
        from_file.max_body_bytes,
        erpops_core::event::DEFAULT_MAX_BODY_BYTES,
    )?;
    let max_connections = number("ERPOPS_MAX_CONNECTIONS", from_file.max_connections, 1024)?;
    if max_connections == 0 {
        return Err("max_connections must be at least 1".to_owned());
    }
    let store_pool_size = match flags.store_pool_size {
        Some(n) => n,
        None => number(
            "ERPOPS_STORE_POOL_SIZE",
            from_file.store_pool_size,
            crate::server::records::DEFAULT_POOL_SIZE,
        )?,
    };
    let max_pool = crate::server::records::MAX_POOL_SIZE;
    if !(1..=max_pool).contains(&store_pool_size) {
        return Err(format!(
            "store_pool_size must be from 1 to {max_pool} (store connections for record reads), \
             not {store_pool_size}"
        ));
    }
    let store = flags
        .store
        .clone()
        .or_else(|| env("ERPOPS_STORE"))
        .or(from_file.store);
    let store = Location::of(store.as_deref(), &data)?;
    let retention = Retention::resolve(
        &from_file.retention.unwrap_or_default(),
        &env,
        &flags.retention,
    )?;
    let (max_connections_per_ip, reserved_connections, header_timeout, busy_header_timeout) =
        connection_limits(
            &env,
            flags,
            [
                from_file.max_connections_per_ip.map(to_u64),
                from_file.reserved_connections.map(to_u64),
                from_file.header_timeout_secs,
                from_file.busy_header_timeout_ms,
            ],
        )?;
    let admin_app = AdminAppSettings::resolve(
        &from_file.admin_app.unwrap_or_default(),
        &env,
        &flags.admin_app,
    )?;
    Ok(Settings {
        admin_app,
        listen,
        data,
        max_body_bytes,
        max_connections,
        store,
        store_pool_size,
        retention,
        max_connections_per_ip,
        reserved_connections,
        header_timeout,
        busy_header_timeout,
    })
}

/// A flag, else the environment variable `key`, else the file's value,
/// else `default`.
fn layered<T: std::str::FromStr + Copy>(
    env: &impl Fn(&str) -> Option<String>,
    key: &str,
    flag: Option<T>,
    file_value: Option<T>,
    default: T,
) -> Result<T, String> {
    if let Some(v) = flag {
        return Ok(v);
    }
    match env(key) {
        Some(v) => v
            .trim()
            .parse::<T>()
            .map_err(|_| format!("{key}={v:?} is not a whole number")),
        None => Ok(file_value.unwrap_or(default)),
    }
}

fn to_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The per-address cap, the reserve for health checks and the two header
/// deadlines (issue #22: slow senders), checked against each other. `file`:
/// the file's values of these four keys, in that order.
fn connection_limits(
    env: &impl Fn(&str) -> Option<String>,
    flags: &Overrides,
    file: [Option<u64>; 4],
) -> Result<(usize, usize, Duration, Duration), String> {
    let [file_per_ip, file_reserved, file_header, file_busy] = file;
    let per_ip = layered(
        env,
        "ERPOPS_MAX_CONNECTIONS_PER_IP",
        flags.max_connections_per_ip,
        file_per_ip.and_then(|n| usize::try_from(n).ok()),
        DEFAULT_MAX_CONNECTIONS_PER_IP,
    )?;
    let reserved = layered(
        env,
        "ERPOPS_RESERVED_CONNECTIONS",
        flags.reserved_connections,
        file_reserved.and_then(|n| usize::try_from(n).ok()),
        DEFAULT_RESERVED_CONNECTIONS,
    )?;
    if reserved > MAX_RESERVED_CONNECTIONS {
        return Err(format!(
            "reserved_connections must be from 0 to {MAX_RESERVED_CONNECTIONS} (connections kept \
             back for /healthz and /metrics), not {reserved}"
        ));
    }
    let header_secs = layered(
        env,
        "ERPOPS_HEADER_TIMEOUT_SECS",
        flags.header_timeout_secs,
        file_header,
        DEFAULT_HEADER_TIMEOUT_SECS,
    )?;
    if !(1..=3600).contains(&header_secs) {
        return Err(format!(
            "header_timeout_secs must be from 1 to 3600, not {header_secs}"
        ));
    }
    let busy_ms = layered(
        env,
        "ERPOPS_BUSY_HEADER_TIMEOUT_MS",
        flags.busy_header_timeout_ms,
        file_busy,
        DEFAULT_BUSY_HEADER_TIMEOUT_MS,
    )?;
    if busy_ms < 100 || busy_ms > header_secs.saturating_mul(1000) {
        return Err(format!(
            "busy_header_timeout_ms must be from 100 to header_timeout_secs × 1000 ({}), not \
             {busy_ms}",
            header_secs.saturating_mul(1000)
        ));
    }
    Ok((
        per_ip,
        reserved,
        Duration::from_secs(header_secs),
        Duration::from_millis(busy_ms),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// An environment holding only `pairs` (shared with other settings'
    /// tests, e.g. retention's).
    pub(crate) fn env_of(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn defaults_file_env_flags_in_that_order() {
        let dir = std::env::temp_dir().join(format!("erpops-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("erpops.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:1\"\ndata = \"/from/file\"\nmax_body_bytes = 1000\n",
        )
        .unwrap();
        let none = Overrides::default();
        let d = resolve(None, env_of(&[]), &none).unwrap();
        assert_eq!(d.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(d.max_body_bytes, 64 * 1024);
        let f = resolve(Some(&file), env_of(&[]), &none).unwrap();
        assert_eq!((f.listen.port(), f.max_body_bytes), (1, 1000));
        assert_eq!(f.data, PathBuf::from("/from/file"));
        let e = resolve(
            Some(&file),
            env_of(&[
                ("ERPOPS_LISTEN", "127.0.0.1:2"),
                ("ERPOPS_MAX_BODY_BYTES", "2000"),
            ]),
            &none,
        )
        .unwrap();
        assert_eq!((e.listen.port(), e.max_body_bytes), (2, 2000));
        let flags = Overrides {
            listen: Some("127.0.0.1:3".into()),
            data: Some("/from/flag".into()),
            store: None,
            store_pool_size: None,
            ..Overrides::default()
        };
        let g = resolve(
            Some(&file),
            env_of(&[("ERPOPS_LISTEN", "127.0.0.1:2")]),
            &flags,
        )
        .unwrap();
        assert_eq!(g.listen.port(), 3);
        assert_eq!(g.data, PathBuf::from("/from/flag"));
        std::fs::write(&file, "lissten = \"x\"\n").unwrap();
        let err = resolve(Some(&file), env_of(&[]), &none).unwrap_err();
        assert!(
            err.contains("lissten") && err.contains("known keys"),
            "{err}"
        );
        let err = resolve(None, env_of(&[("ERPOPS_MAX_BODY_BYTES", "lots")]), &none).unwrap_err();
        assert!(err.contains("ERPOPS_MAX_BODY_BYTES"), "{err}");
        let err = resolve(None, env_of(&[("ERPOPS_LISTEN", "nowhere")]), &none).unwrap_err();
        assert!(err.contains("host:port"), "{err}");
        // The record readers' pool: default, file, environment, flag; 0 refused.
        assert_eq!(d.store_pool_size, 8);
        std::fs::write(&file, "store_pool_size = 3\n").unwrap();
        let p = resolve(Some(&file), env_of(&[]), &none).unwrap();
        assert_eq!(p.store_pool_size, 3);
        let p = resolve(
            Some(&file),
            env_of(&[("ERPOPS_STORE_POOL_SIZE", "5")]),
            &none,
        )
        .unwrap();
        assert_eq!(p.store_pool_size, 5);
        let flag = Overrides {
            store_pool_size: Some(6),
            ..Overrides::default()
        };
        let p = resolve(
            Some(&file),
            env_of(&[("ERPOPS_STORE_POOL_SIZE", "5")]),
            &flag,
        )
        .unwrap();
        assert_eq!(p.store_pool_size, 6);
        let err = resolve(None, env_of(&[("ERPOPS_STORE_POOL_SIZE", "0")]), &none).unwrap_err();
        assert!(err.contains("store_pool_size"), "{err}");
        // Retention: a table of its own in the file, unknown keys refused.
        assert_eq!(d.retention, Retention::default());
        std::fs::write(&file, "[retention]\nevents_days = 7\nincidents_days = 0\n").unwrap();
        let r = resolve(Some(&file), env_of(&[]), &none).unwrap();
        assert_eq!(
            r.retention.events,
            Some(std::time::Duration::from_secs(7 * 86_400))
        );
        assert_eq!(r.retention.incidents, None);
        std::fs::write(&file, "[retention]\nevent_days = 7\n").unwrap();
        let err = resolve(Some(&file), env_of(&[]), &none).unwrap_err();
        assert!(err.contains("event_days"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_store_is_sqlite_unless_a_postgres_url_is_given() {
        let none = Overrides::default();
        let s = resolve(None, env_of(&[]), &none).unwrap();
        assert_eq!(s.store, Location::Sqlite(PathBuf::from(DEFAULT_DATA)));
        const URL: &str = "postgres://erpops@db:5432/erpops";
        let s = resolve(None, env_of(&[("ERPOPS_STORE", URL)]), &none).unwrap();
        assert_eq!(s.store, Location::Postgres(URL.to_owned()));
        // The flag wins over the environment.
        let flags = Overrides {
            store: Some("postgresql://other/db".into()),
            ..Overrides::default()
        };
        let s = resolve(None, env_of(&[("ERPOPS_STORE", URL)]), &flags).unwrap();
        assert_eq!(s.store, Location::Postgres("postgresql://other/db".into()));
        let err = resolve(None, env_of(&[("ERPOPS_STORE", "mysql://x")]), &none).unwrap_err();
        assert!(err.contains("postgres://"), "{err}");
        // Never the URL (it may hold a password) in debug output.
        const SECRET: &str = "postgres://u:hunter2@db/erpops";
        let s = resolve(None, env_of(&[("ERPOPS_STORE", SECRET)]), &none).unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn connection_limits_from_defaults_file_env_and_flags() {
        let none = Overrides::default();
        let d = resolve(None, env_of(&[]), &none).unwrap();
        assert_eq!(d.max_connections_per_ip, 64);
        assert_eq!(d.reserved_connections, 16);
        assert_eq!(d.header_timeout, Duration::from_secs(10));
        assert_eq!(d.busy_header_timeout, Duration::from_millis(1000));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("erpops.toml");
        std::fs::write(
            &file,
            "max_connections_per_ip = 8\nreserved_connections = 2\nheader_timeout_secs = 20\n\
             busy_header_timeout_ms = 500\n",
        )
        .unwrap();
        let f = resolve(Some(&file), env_of(&[]), &none).unwrap();
        assert_eq!(
            (
                f.max_connections_per_ip,
                f.reserved_connections,
                f.header_timeout,
                f.busy_header_timeout
            ),
            (8, 2, Duration::from_secs(20), Duration::from_millis(500))
        );
        let env = env_of(&[
            ("ERPOPS_MAX_CONNECTIONS_PER_IP", "0"),
            ("ERPOPS_RESERVED_CONNECTIONS", "4"),
            ("ERPOPS_HEADER_TIMEOUT_SECS", "5"),
            ("ERPOPS_BUSY_HEADER_TIMEOUT_MS", "250"),
        ]);
        let e = resolve(Some(&file), &env, &none).unwrap();
        assert_eq!(
            (
                e.max_connections_per_ip,
                e.reserved_connections,
                e.header_timeout,
                e.busy_header_timeout
            ),
            (0, 4, Duration::from_secs(5), Duration::from_millis(250))
        );
        let flags = Overrides {
            max_connections_per_ip: Some(3),
            reserved_connections: Some(0),
            header_timeout_secs: Some(7),
            busy_header_timeout_ms: Some(7000),
            ..Overrides::default()
        };
        let g = resolve(Some(&file), &env, &flags).unwrap();
        assert_eq!(
            (
                g.max_connections_per_ip,
                g.reserved_connections,
                g.header_timeout,
                g.busy_header_timeout
            ),
            (3, 0, Duration::from_secs(7), Duration::from_secs(7))
        );
        // Refused: the busy deadline longer than the normal one, or too
        // short; a header deadline of 0; not a number; a huge reserve.
        for (key, value, named) in [
            (
                "ERPOPS_BUSY_HEADER_TIMEOUT_MS",
                "20000",
                "busy_header_timeout_ms",
            ),
            (
                "ERPOPS_BUSY_HEADER_TIMEOUT_MS",
                "10",
                "busy_header_timeout_ms",
            ),
            ("ERPOPS_HEADER_TIMEOUT_SECS", "0", "header_timeout_secs"),
            (
                "ERPOPS_MAX_CONNECTIONS_PER_IP",
                "many",
                "ERPOPS_MAX_CONNECTIONS_PER_IP",
            ),
            (
                "ERPOPS_RESERVED_CONNECTIONS",
                "5000",
                "reserved_connections",
            ),
        ] {
            let env = move |k: &str| (k == key).then(|| value.to_owned());
            let err = resolve(None, env, &none).unwrap_err();
            assert!(err.contains(named), "{key}={value}: {err}");
        }
    }

    #[test]
    fn admin_app_settings_from_defaults_file_env_and_flags() {
        let none = Overrides::default();
        let d = resolve(None, env_of(&[]), &none).unwrap();
        assert_eq!(d.admin_app, AdminAppSettings::default());
        assert!(d.admin_app.enabled && !d.admin_app.behind_tls_proxy);
        assert_eq!(d.admin_app.session_idle, Duration::from_secs(30 * 60));
        assert_eq!(d.admin_app.session_max, Duration::from_secs(12 * 3600));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("erpops.toml");
        std::fs::write(
            &file,
            "[admin_app]\nenabled = false\nsession_idle_minutes = 10\nsession_max_hours = 2\n\
             behind_tls_proxy = true\n",
        )
        .unwrap();
        let f = resolve(Some(&file), env_of(&[]), &none).unwrap();
        assert_eq!(
            f.admin_app,
            AdminAppSettings {
                enabled: false,
                session_idle: Duration::from_secs(600),
                session_max: Duration::from_secs(7200),
                behind_tls_proxy: true,
            }
        );
        let env = env_of(&[
            ("ERPOPS_ADMIN_APP_ENABLED", "true"),
            ("ERPOPS_ADMIN_APP_SESSION_IDLE_MINUTES", "5"),
        ]);
        let e = resolve(Some(&file), &env, &none).unwrap();
        assert!(e.admin_app.enabled);
        assert_eq!(e.admin_app.session_idle, Duration::from_secs(300));
        let flags = Overrides {
            admin_app: AdminAppFlags {
                enabled: Some(false),
                behind_tls_proxy: Some(false),
                ..AdminAppFlags::default()
            },
            ..Overrides::default()
        };
        let g = resolve(Some(&file), &env, &flags).unwrap();
        assert!(!g.admin_app.enabled && !g.admin_app.behind_tls_proxy);
        for (key, value) in [
            ("ERPOPS_ADMIN_APP_ENABLED", "maybe"),
            ("ERPOPS_ADMIN_APP_SESSION_IDLE_MINUTES", "0"),
            ("ERPOPS_ADMIN_APP_SESSION_IDLE_MINUTES", "1000"),
            ("ERPOPS_ADMIN_APP_SESSION_MAX_HOURS", "0"),
        ] {
            let env = move |k: &str| (k == key).then(|| value.to_owned());
            assert!(resolve(None, env, &none).is_err(), "{key}={value}");
        }
        std::fs::write(&file, "[admin_app]\nsesion_idle_minutes = 1\n").unwrap();
        let err = resolve(Some(&file), env_of(&[]), &none).unwrap_err();
        assert!(err.contains("sesion_idle_minutes"), "{err}");
    }
}
