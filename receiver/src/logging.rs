//! The log filter of `erpops`: `ERPOPS_LOG` (an `EnvFilter` spec, default
//! `info`) with one level that no spec can raise: tokio-postgres logs
//! every statement's parameters at debug level, and those include
//! connector secrets (a connector's creation or rotation) and the admin
//! app's session tokens, which must never reach a log.

use tracing_subscriber::EnvFilter;

/// The filter for `spec` (`ERPOPS_LOG`'s value; `None` or an invalid
/// spec: `info`), with `tokio_postgres::query` held at `info`.
pub fn filter(spec: Option<&str>) -> EnvFilter {
    let base = spec
        .and_then(|s| EnvFilter::try_new(s).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    match "tokio_postgres::query=info".parse() {
        Ok(directive) => base.add_directive(directive),
        Err(_) => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_parameters_stay_out_of_the_log_at_any_level() {
        for spec in [
            None,
            Some("debug"),
            Some("trace"),
            Some("tokio_postgres=trace"),
        ] {
            let f = filter(spec).to_string();
            assert!(f.contains("tokio_postgres::query=info"), "{spec:?}: {f}");
        }
    }
}
