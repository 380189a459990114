//! `erpops`: see `erpops --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use erpops_receiver::cli::{Cli, Command};
use erpops_receiver::settings::{self, Overrides};
use erpops_receiver::{admin, client, demo, serve};

fn data_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| std::env::var_os("ERPOPS_DATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(settings::DEFAULT_DATA))
}

fn fail(message: &str) -> ExitCode {
    eprintln!("erpops: {message}");
    ExitCode::from(client::EXIT_LOCAL)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to stderr; they never carry secrets or bodies (the filter
    // keeps the PostgreSQL client's statement parameters out at any level).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour only on a terminal: log files and journald get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(erpops_receiver::logging::filter(
            std::env::var("ERPOPS_LOG").ok().as_deref(),
        ))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    match cli.command {
        Command::Serve(args) => {
            let flags = Overrides {
                listen: args.listen,
                data: args.data,
                store: args.store,
                store_pool_size: args.store_pool,
                retention: erpops_receiver::retention::RetentionFlags {
                    events_days: args.retain_events_days,
                    notifications_days: args.retain_notifications_days,
                    incidents_days: args.retain_incidents_days,
                },
                max_connections_per_ip: args.max_connections_per_ip,
                reserved_connections: args.reserved_connections,
                header_timeout_secs: args.header_timeout_secs,
                busy_header_timeout_ms: args.busy_header_timeout_ms,
                admin_app: settings::AdminAppFlags {
                    enabled: args.admin_app_enabled,
                    session_idle_minutes: args.admin_app_session_idle_minutes,
                    session_max_hours: args.admin_app_session_max_hours,
                    behind_tls_proxy: args.admin_app_behind_tls_proxy,
                },
            };
            let resolved = match settings::resolve(
                args.config.as_deref(),
                |k| std::env::var(k).ok(),
                &flags,
            ) {
                Ok(s) => s,
                Err(e) => return fail(&e),
            };
            runtime.block_on(async {
                let stop = serve::shutdown_signal();
                let (receiver, demo_info) = match serve::start(&resolved, args.demo).await {
                    Ok(r) => r,
                    Err(e) => return fail(&e),
                };
                let addr = receiver.server.addr;
                tracing::info!(%addr, data = %resolved.data.display(), "erpops receiver listening");
                if let Some(d) = demo_info {
                    println!("ERPOps demo receiver on http://{addr}");
                    println!("connector id: {}", d.connector_id);
                    println!("secret:       {}", d.secret);
                    println!("\nPaste this to send the API reference's example event:\n");
                    println!("{}\n", demo::curl_command(&d, addr));
                    if resolved.admin_app.enabled {
                        println!("Admin app: http://{addr}/admin");
                        println!("API key:   {} (this start's; shown only now)\n", d.api_key);
                    }
                }
                stop.await;
                tracing::info!("shutting down: finishing in-flight requests");
                receiver.shutdown().await;
                ExitCode::SUCCESS
            })
        }
        Command::Admin(args) => match erpops_receiver::store::Location::of(
            args.store
                .or_else(|| std::env::var("ERPOPS_STORE").ok())
                .as_deref(),
            &data_dir(args.data),
        )
        .and_then(|location| admin::run(&location, &args.command))
        {
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Sign(args) => {
            let secret = match client::secret_from_env(&args.secret_env) {
                Ok(s) => s,
                Err(e) => return fail(&e),
            };
            match client::read_body(args.file.as_deref()) {
                Ok(body) => {
                    println!("{}", erpops_core::sign(&secret, &body).as_str());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::Send(args) => {
            let secret = match client::secret_from_env(&args.secret_env) {
                Ok(s) => s,
                Err(e) => return fail(&e),
            };
            let body = match client::build_body(&args) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("erpops: {}", e.message);
                    return ExitCode::from(e.exit);
                }
            };
            ExitCode::from(runtime.block_on(client::send(&args, body, &secret)))
        }
    }
}
