//! TLS to the PostgreSQL store, configured the way libpq is: by the URL's
//! `sslmode` and `sslrootcert` parameters (or, when the URL does not say,
//! `PGSSLMODE` and `PGSSLROOTCERT`), so a `--store` URL copied from a
//! managed provider's console means what it means to `psql`.
//!
//! `tokio-postgres` parses `sslmode=disable|prefer|require` only and knows
//! nothing of certificates, so [`connect`] reads those two parameters
//! itself, removes them from the URL it hands to the client, sets the
//! client's own TLS mode and builds a rustls configuration that enforces
//! the verification the mode asks for:
//!
//! | `sslmode`           | encrypted                    | certificate checked                                   |
//! |---------------------|------------------------------|-------------------------------------------------------|
//! | `disable`           | never                        | —                                                     |
//! | `allow`, `prefer` (default) | when the server offers it | only if `sslrootcert` is given (then as `verify-ca`) |
//! | `require`           | always (refused otherwise)   | only if `sslrootcert` is given (then as `verify-ca`)  |
//! | `verify-ca`         | always                       | chain to `sslrootcert` (required)                     |
//! | `verify-full`       | always                       | chain, and the certificate names the URL's host       |
//!
//! That is libpq's table, with two differences: without `sslrootcert`,
//! `verify-full` trusts the system's CA store (libpq reads
//! `~/.postgresql/root.crt`) and `verify-ca` is refused (a chain to a
//! public CA without the name accepts any certificate issued to anyone;
//! libpq 16 refuses `sslrootcert=system` with it for the same reason),
//! and `allow`/`prefer` never retry in plain
//! text after a failed handshake (libpq's `prefer` does). A mode that needs
//! TLS never falls back to plain text: the client refuses a server that
//! does not offer it. `sslrootcert=system` is libpq 16's spelling of "the
//! system's roots" and, as there, implies `verify-full`.
//!
//! rustls with ring does the TLS (no OpenSSL or cmake needed to build a
//! receiver); the system's roots come from `rustls-native-certs` (the
//! operating system's store, so a CA the administrator added is trusted
//! and updates follow the OS), read once per process.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::config::SslMode;
use tokio_postgres::NoTls;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::{StoreError, StoreResult};

/// libpq's `sslmode` values, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl Mode {
    fn parse(value: &str) -> StoreResult<Self> {
        Ok(match value {
            "disable" => Mode::Disable,
            "allow" => Mode::Allow,
            "prefer" => Mode::Prefer,
            "require" => Mode::Require,
            "verify-ca" => Mode::VerifyCa,
            "verify-full" => Mode::VerifyFull,
            other => {
                return Err(config_error(format!(
                    "sslmode={other} is not one of disable, allow, prefer, require, verify-ca, \
                     verify-full; use verify-full (with sslrootcert=… for a private CA) across \
                     a network"
                )))
            }
        })
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Disable => "disable",
            Mode::Allow => "allow",
            Mode::Prefer => "prefer",
            Mode::Require => "require",
            Mode::VerifyCa => "verify-ca",
            Mode::VerifyFull => "verify-full",
        }
    }

    /// Whether the connection must be encrypted (no plain-text session).
    fn requires_tls(self) -> bool {
        self >= Mode::Require
    }
}

/// Where trusted CA certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Roots {
    /// No CA: the certificate is not checked (`prefer`/`require` only).
    Unchecked,
    /// The PEM file named by `sslrootcert`.
    File(String),
    /// The operating system's store.
    System,
}

/// What the URL asks for, read before the client sees it.
#[derive(Debug)]
struct Plan {
    /// The URL without the parameters `tokio-postgres` cannot parse.
    config: tokio_postgres::Config,
    mode: Mode,
    roots: Roots,
}

/// Connects to the `postgres://` URL with the TLS its `sslmode` and
/// `sslrootcert` ask for; every failure is a [`StoreError::Database`]
/// whose message names the fix (never the URL: it may hold a password).
pub(super) fn connect(url: &str) -> StoreResult<super::Session> {
    let plan = plan(url, |name| std::env::var(name).ok())?;
    // The connection's own runtime: one thread, driven only while this
    // connection waits for an answer (see `super::Session`).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::Database(format!("cannot start the PostgreSQL client: {e}")))?;
    let client = if plan.mode == Mode::Disable {
        runtime
            .block_on(plan.config.connect(NoTls))
            .map(|(client, connection)| {
                runtime.spawn(connection);
                client
            })
    } else {
        let tls = MakeRustlsConnect::new(client_config(&plan)?);
        runtime
            .block_on(plan.config.connect(tls))
            .map(|(client, connection)| {
                runtime.spawn(connection);
                client
            })
    };
    let client = client.map_err(|e| explain(&e, plan.mode))?;
    Ok(super::Session { runtime, client })
}

/// Splits libpq's TLS parameters off `url` and parses the rest. As with
/// libpq, `PGSSLMODE` and `PGSSLROOTCERT` (read through `env`; empty
/// counts as unset) apply when the URL does not say.
fn plan(url: &str, env: impl Fn(&str) -> Option<String>) -> StoreResult<Plan> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut mode = None;
    let mut rootcert = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => mode = Some(Mode::parse(&percent_decode(value)?)?),
            "sslrootcert" => rootcert = Some(percent_decode(value)?),
            "sslcert" | "sslkey" | "sslpassword" | "sslcrl" | "sslcrldir" => {
                return Err(config_error(format!(
                    "{key} is not supported by the PostgreSQL store yet (client certificates \
                     and CRLs); authenticate with a password in the URL, and remove {key}"
                )))
            }
            _ => kept.push(pair),
        }
    }
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    if mode.is_none() {
        if let Some(value) = set("PGSSLMODE") {
            mode = Some(
                Mode::parse(&value)
                    .map_err(|e| config_error(format!("PGSSLMODE (from the environment): {e}")))?,
            );
        }
    }
    if rootcert.is_none() {
        rootcert = set("PGSSLROOTCERT");
    }
    let roots = match rootcert.as_deref() {
        Some("system") => Roots::System,
        Some("") => return Err(config_error("sslrootcert is empty: give the path of a PEM file with your provider's CA certificates, or sslrootcert=system".to_owned())),
        Some(path) => Roots::File(path.to_owned()),
        None => Roots::Unchecked,
    };
    let mode = match (mode, &roots) {
        // libpq 16: the system's roots only make sense with the host checked.
        (None, Roots::System) => Mode::VerifyFull,
        (Some(m), Roots::System) if m != Mode::VerifyFull => {
            return Err(config_error(format!(
                "sslrootcert=system needs sslmode=verify-full (got sslmode={}): a public CA \
                 vouches for a name, so the name must be checked",
                m.name()
            )))
        }
        (Some(m), _) => m,
        (None, _) => Mode::Prefer,
    };
    let roots = match (mode, roots) {
        (Mode::VerifyFull, Roots::Unchecked) => Roots::System,
        (Mode::VerifyCa, Roots::Unchecked) => {
            return Err(config_error(
                "sslmode=verify-ca needs sslrootcert=/path/to/ca.pem (your provider's or your \
                 own CA): checked against the system's public CAs without the host name, any \
                 publicly issued certificate would pass; or use sslmode=verify-full"
                    .to_owned(),
            ))
        }
        (_, r) => r,
    };
    let stripped = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config: tokio_postgres::Config = stripped.parse().map_err(|e| {
        config_error(format!(
            "the --store URL is not a valid PostgreSQL URL ({e}); write it as \
             postgres://user:password@host:port/database?sslmode=verify-full"
        ))
    })?;
    config.ssl_mode(match mode {
        Mode::Disable => SslMode::Disable,
        Mode::Allow | Mode::Prefer => SslMode::Prefer,
        Mode::Require | Mode::VerifyCa | Mode::VerifyFull => SslMode::Require,
    });
    Ok(Plan {
        config,
        mode,
        roots,
    })
}

/// The rustls configuration enforcing `plan`'s verification (ring as the
/// crypto provider, TLS 1.2 and 1.3).
fn client_config(plan: &Plan) -> StoreResult<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algs = provider.signature_verification_algorithms;
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| config_error(format!("TLS setup failed ({e})")))?;
    let roots = match &plan.roots {
        Roots::Unchecked => None,
        Roots::File(path) => Some(Arc::new(file_roots(path)?)),
        Roots::System => Some(system_roots()?),
    };
    let config = match (plan.mode, roots) {
        (Mode::VerifyFull, Some(roots)) => {
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        // verify-ca, and libpq's "a root certificate turns prefer/require
        // into verify-ca"; or no check at all without one.
        (_, roots) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnly { roots, algs }))
            .with_no_client_auth(),
    };
    Ok(config)
}

/// Reads the CA certificates of a PEM file (`sslrootcert`).
fn file_roots(path: &str) -> StoreResult<RootCertStore> {
    let bytes = std::fs::read(path).map_err(|e| {
        config_error(format!(
            "cannot read sslrootcert={path} ({e}): give the path of the PEM file with your \
             provider's CA certificates, readable by the receiver"
        ))
    })?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        let cert = cert.map_err(|e| {
            config_error(format!(
                "sslrootcert={path} is not a PEM certificate file ({e}): download the CA \
                 bundle again (it starts with -----BEGIN CERTIFICATE-----)"
            ))
        })?;
        roots.add(cert).map_err(|e| {
            config_error(format!(
                "sslrootcert={path} holds a certificate that cannot be a CA ({e}): use your \
                 provider's CA bundle, not the server's own certificate"
            ))
        })?;
    }
    if roots.is_empty() {
        return Err(config_error(format!(
            "sslrootcert={path} holds no certificate: download your provider's CA bundle (PEM, \
             -----BEGIN CERTIFICATE----- blocks) to that path"
        )));
    }
    Ok(roots)
}

/// The operating system's trusted CAs (`crate::https`).
fn system_roots() -> StoreResult<Arc<RootCertStore>> {
    crate::https::system_roots().map_err(|e| {
        config_error(format!(
            "{e}, or set sslrootcert=/path/to/ca.pem to your provider's CA bundle"
        ))
    })
}

/// Checks the chain to `roots` without the host name (`verify-ca`), or
/// nothing at all without roots (`prefer`/`require`: encryption against
/// a passive listener only). Handshake signatures are always verified.
#[derive(Debug)]
struct ChainOnly {
    roots: Option<Arc<RootCertStore>>,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.algs.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// A connection failure as a message that says what to change.
fn explain(err: &tokio_postgres::Error, mode: Mode) -> StoreError {
    let mode_name = mode.name();
    // The client's own text ("error performing TLS handshake") hides the
    // cause in `source()`: show the whole chain.
    let e = chain(err);
    let message = match rustls_cause(err) {
        Some(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        )) => format!(
            "the PostgreSQL server's certificate does not name the host of --store \
             (sslmode={mode_name}; {e}): connect with the host name the certificate is issued \
             for (the provider's endpoint name, not an IP address), or use sslmode=verify-ca \
             to check the CA only"
        ),
        Some(rustls::Error::InvalidCertificate(
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. },
        )) => format!(
            "the PostgreSQL server's certificate is expired or not yet valid \
             (sslmode={mode_name}; {e}): renew the server's certificate, or check this \
             machine's clock"
        ),
        Some(rustls::Error::InvalidCertificate(_)) => format!(
            "the PostgreSQL server's certificate is not trusted (sslmode={mode_name}; {e}): set \
             sslrootcert=/path/to/ca.pem in --store to your provider's CA bundle \
             (docs/deployment.md), and check that --store names the right server"
        ),
        Some(_) => format!(
            "the TLS handshake with the PostgreSQL store failed (sslmode={mode_name}; {e}); \
             check that the server's TLS setup is valid, or see docs/deployment.md"
        ),
        None if mode.requires_tls() && e.contains("does not support TLS") => {
            format!(
                "the PostgreSQL server does not offer TLS and sslmode={mode_name} requires it \
                 (the store never falls back to plain text): turn ssl on in the server's \
                 configuration, or, on a trusted private network only, set sslmode=disable"
            )
        }
        None => format!(
            "cannot connect to the PostgreSQL store ({e}); check the host, port, user and \
             database of --store"
        ),
    };
    StoreError::Database(message)
}

/// `e` and its sources, `: `-separated.
fn chain(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut next = std::error::Error::source(e);
    while let Some(cause) = next {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        next = cause.source();
    }
    text
}

/// The rustls error behind a connection failure, if there is one: the
/// client wraps it in an `io::Error`, whose `source()` skips it, so each
/// link is also looked into with `io::Error::get_ref`.
fn rustls_cause(e: &tokio_postgres::Error) -> Option<&rustls::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(r);
            }
        }
        next = err.source();
    }
    None
}

fn config_error(message: String) -> StoreError {
    StoreError::Database(message)
}

/// Decodes `%XX` escapes of a URL query value (a path may be written
/// `%2Fetc%2F…`); `+` is kept, as libpq does.
fn percent_decode(value: &str) -> StoreResult<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(decoded) => {
                    out.push(decoded);
                    i += 3;
                    continue;
                }
                None => {
                    return Err(config_error(format!(
                        "the --store URL has a bad %-escape in {value:?}: write % as %25"
                    )))
                }
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| {
        config_error(format!(
            "the --store URL parameter {value:?} decodes to invalid UTF-8: fix its %-escapes"
        ))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    const BASE: &str = "postgres://erpops:pw@db.example.com:5432/erpops";

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn plan_of(query: &str) -> Plan {
        plan(&format!("{BASE}?{query}"), no_env).unwrap()
    }

    fn error_of(query: &str) -> String {
        plan(&format!("{BASE}?{query}"), no_env)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn pgsslmode_and_pgsslrootcert_apply_when_the_url_does_not_say() {
        let env = |name: &str| match name {
            "PGSSLMODE" => Some("verify-ca".to_owned()),
            "PGSSLROOTCERT" => Some("/etc/db-ca.pem".to_owned()),
            _ => None,
        };
        let p = plan(BASE, env).unwrap();
        assert_eq!(p.mode, Mode::VerifyCa);
        assert_eq!(p.roots, Roots::File("/etc/db-ca.pem".to_owned()));
        assert_eq!(p.config.get_ssl_mode(), SslMode::Require);
        // The URL wins, parameter by parameter.
        let p = plan(&format!("{BASE}?sslmode=disable"), env).unwrap();
        assert_eq!(p.mode, Mode::Disable);
        let p = plan(&format!("{BASE}?sslrootcert=system"), |name: &str| {
            (name == "PGSSLROOTCERT").then(|| "/etc/db-ca.pem".to_owned())
        })
        .unwrap();
        assert_eq!((p.mode, p.roots), (Mode::VerifyFull, Roots::System));
        // Empty is unset; a bad value names the variable.
        let p = plan(BASE, |_: &str| Some(String::new())).unwrap();
        assert_eq!((p.mode, p.roots), (Mode::Prefer, Roots::Unchecked));
        let e = plan(BASE, |name: &str| {
            (name == "PGSSLMODE").then(|| "verify_full".to_owned())
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("PGSSLMODE"), "{e}");
    }

    #[test]
    fn no_sslmode_is_libpq_default_prefer_unchecked() {
        let p = plan(BASE, no_env).unwrap();
        assert_eq!(p.mode, Mode::Prefer);
        assert_eq!(p.roots, Roots::Unchecked);
        assert_eq!(p.config.get_ssl_mode(), SslMode::Prefer);
        assert_eq!(p.config.get_dbname(), Some("erpops"));
    }

    #[test]
    fn each_mode_maps_to_the_clients_mode_and_a_root_source() {
        let cases = [
            ("sslmode=disable", SslMode::Disable, Roots::Unchecked),
            ("sslmode=allow", SslMode::Prefer, Roots::Unchecked),
            ("sslmode=prefer", SslMode::Prefer, Roots::Unchecked),
            ("sslmode=require", SslMode::Require, Roots::Unchecked),
            (
                "sslmode=verify-ca&sslrootcert=ca.pem",
                SslMode::Require,
                Roots::File("ca.pem".to_owned()),
            ),
            ("sslmode=verify-full", SslMode::Require, Roots::System),
        ];
        for (query, ssl, roots) in cases {
            let p = plan_of(query);
            assert_eq!(p.config.get_ssl_mode(), ssl, "{query}");
            assert_eq!(p.roots, roots, "{query}");
        }
    }

    #[test]
    fn verify_modes_never_become_prefer_and_keep_other_parameters() {
        let p = plan_of(
            "connect_timeout=7&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
        );
        assert_eq!(p.mode, Mode::VerifyFull);
        assert_eq!(p.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(p.roots, Roots::File("/etc/ca.pem".to_owned()));
        assert_eq!(
            p.config.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(7))
        );
        assert_eq!(p.config.get_application_name(), Some("x"));
    }

    #[test]
    fn sslrootcert_system_means_verify_full() {
        let p = plan_of("sslrootcert=system");
        assert_eq!((p.mode, p.roots), (Mode::VerifyFull, Roots::System));
        let e = error_of("sslmode=require&sslrootcert=system");
        assert!(e.contains("needs sslmode=verify-full"), "{e}");
    }

    #[test]
    fn bad_parameters_are_refused_with_the_fix() {
        let e = error_of("sslmode=verify-ca");
        assert!(e.contains("verify-ca needs sslrootcert"), "{e}");
        let e = error_of("sslmode=verify_full");
        assert!(e.contains("is not one of"), "{e}");
        let e = error_of("sslmode=require&sslcert=/c.pem");
        assert!(e.contains("sslcert is not supported"), "{e}");
        let e = error_of("sslrootcert=");
        assert!(e.contains("sslrootcert is empty"), "{e}");
        let e = error_of("sslrootcert=%ZZ");
        assert!(e.contains("%-escape"), "{e}");
        let e = error_of("sslmode=require&nonsense=1");
        assert!(e.contains("not a valid PostgreSQL URL"), "{e}");
        assert!(!e.contains("pw"), "the password is never echoed: {e}");
    }

    #[test]
    fn an_unreadable_or_empty_root_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let e = file_roots(missing.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read sslrootcert="), "{e}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = file_roots(empty.to_str().unwrap()).unwrap_err().to_string();
        assert!(e.contains("holds no certificate"), "{e}");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%2fc+d").unwrap(), "a b/c+d");
        assert!(percent_decode("%4").is_err());
        assert!(percent_decode("%ff").is_err());
    }

    #[test]
    fn a_refused_connection_in_a_tls_mode_says_so_without_the_url() {
        // Nothing listens on port 1 of loopback: a plain connection error.
        let e = connect("postgres://u:secret@127.0.0.1:1/db?sslmode=require&connect_timeout=2")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("cannot connect"), "{e}");
        assert!(!e.contains("secret"), "{e}");
    }
}
