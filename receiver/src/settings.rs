//! `erpops serve` settings: a TOML file, overridden by `ERPOPS_*`
//! environment variables, overridden by flags. Unknown keys in the file
//! are refused (a typo must not silently fall back to a default).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::retention::{Retention, RetentionFile, RetentionFlags};
use crate::store::Location;

/// Default listen address (loopback: exposing it is a deliberate choice).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default data directory.
pub const DEFAULT_DATA: &str = "./erpops-data";

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
    /// deliverer; see docs/deployment.md).
    pub store_pool_size: usize,
    /// How long events, notifications and resolved incidents are kept.
    pub retention: Retention,
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
                     max_body_bytes, max_connections, store, store_pool_size and the \
                     [retention] table (events_days, notifications_days, incidents_days)",
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
    Ok(Settings {
        listen,
        data,
        max_body_bytes,
        max_connections,
        store,
        store_pool_size,
        retention,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
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
            retention: RetentionFlags::default(),
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
}
