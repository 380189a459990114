//! Signs the API reference's example body and verifies it: what `make run`
//! shows until the receiver lands.
//!
//! `cargo run -p erpops-core --example sign_sample [SECRET]`

use erpops_core::signature::{sign, verify, Secret};
use erpops_core::wire::{CONNECTOR_ID_HEADER, SIGNATURE_HEADER};

const CONNECTOR_ID: &str = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret_text = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "YOUR_SECRET".to_owned());
    let secret = Secret::new(secret_text.as_bytes())?;
    let body = format!(
        r#"{{"connector_id":"{CONNECTOR_ID}","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441"}}"#
    );
    let header = sign(&secret, body.as_bytes());
    verify(&[secret], body.as_bytes(), Some(header.as_bytes()))?;

    println!("body:   {body}");
    println!("{SIGNATURE_HEADER}: {header}");
    println!("{CONNECTOR_ID_HEADER}: {CONNECTOR_ID}");
    println!();
    println!("check it independently:");
    println!("  printf '%s' '{body}' | openssl dgst -sha256 -hmac '{secret_text}'");
    Ok(())
}
