//! The ready-to-paste senders shown with a connector's new secret: curl
//! (with openssl for the signature), the GnuCOBOL example of the C SDK,
//! Python and Node. Each sends one signed `payroll.batch.failed` event of
//! severity `error` (so it opens an incident) to this receiver.
//!
//! Values are checked before they go into shell or source text: the
//! connector id is a UUID, the secret 64 hex digits, the base URL comes
//! from [`base_url`], which keeps only host characters.

/// The receiver's base URL as the browser reached it: the `Host` header
/// when it holds only host-name characters (else `fallback`), `https`
/// behind a TLS proxy.
pub fn base_url(host: Option<&str>, tls: bool, fallback: &str) -> String {
    let host = host
        .map(str::trim)
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or(fallback);
    format!("{}://{host}", if tls { "https" } else { "http" })
}

/// The four snippets, as (element id, heading, text).
pub fn all(
    url: &str,
    connector_id: &str,
    secret: &str,
) -> [(&'static str, &'static str, String); 4] {
    [
        (
            "snippet-curl",
            "curl and openssl",
            curl(url, connector_id, secret),
        ),
        (
            "snippet-cobol",
            "GnuCOBOL (libERPOps)",
            cobol(url, connector_id),
        ),
        (
            "snippet-python",
            "Python (erpops package)",
            python(url, connector_id),
        ),
        (
            "snippet-node",
            "Node (erpops package)",
            node(url, connector_id),
        ),
    ]
}

/// bash: sets `ERPOPS_URL` first, builds the body with the current time,
/// signs it with openssl and posts it; prints the status (202).
pub fn curl(url: &str, connector_id: &str, secret: &str) -> String {
    [
        format!("ERPOPS_URL='{url}'"),
        format!("ERPOPS_CONNECTOR_ID='{connector_id}'"),
        format!("ERPOPS_SECRET='{secret}'"),
        "BODY='{\"connector_id\":\"'\"$ERPOPS_CONNECTOR_ID\"'\",\"event_type\":\"payroll.batch.failed\",\
         \"timestamp\":\"'\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"'\",\"severity\":\"error\",\
         \"source\":\"PSFT_PAYROLL_BATCH\",\"message\":\"Exit code 1 at record 18441\"}'"
            .to_owned(),
        "SIG=$(printf '%s' \"$BODY\" | openssl dgst -sha256 -hmac \"$ERPOPS_SECRET\" | awk '{print $NF}')"
            .to_owned(),
        "curl -sS -o /dev/null -w '%{http_code}\\n' -X POST \"$ERPOPS_URL/functions/v1/receive-event\" \\"
            .to_owned(),
        "  -H 'Content-Type: application/json' \\".to_owned(),
        "  -H \"X-ERPOps-Connector-Id: $ERPOPS_CONNECTOR_ID\" \\".to_owned(),
        "  -H \"X-ERPOps-Signature: sha256=$SIG\" \\".to_owned(),
        "  --data-binary \"$BODY\"".to_owned(),
    ]
    .join("\n")
}

/// The C SDK's PAYNOTFY.cbl example pointed at this connector, built and
/// run as a failed payroll step, and its body and signature posted.
pub fn cobol(url: &str, connector_id: &str) -> String {
    let short = connector_id.get(..8).unwrap_or(connector_id);
    [
        "# ffi-c/examples/cobol/PAYNOTFY.cbl from the C SDK, with this connector's id".to_owned(),
        format!("export ERPOPS_URL='{url}'"),
        "export ERPOPS_SECRET='<the secret above>'".to_owned(),
        format!(
            "sed 's/3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d/{connector_id}/' PAYNOTFY.cbl > PAYNOTFY-{short}.cbl"
        ),
        "cobc -x -fstatic-call -I \"$(pkg-config --variable=includedir erpops)\" \\".to_owned(),
        format!("  -o PAYNOTFY PAYNOTFY-{short}.cbl -lERPOps"),
        "ERPOPS_RUN_PHASE=failed ERPOPS_EVENT_TIME=\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\" ./PAYNOTFY"
            .to_owned(),
        "curl --data-binary @body.json -H 'Content-Type: application/json' \\".to_owned(),
        "  -H \"X-ERPOps-Signature: $(cat sig.txt)\" \\".to_owned(),
        format!("  -H 'X-ERPOps-Connector-Id: {connector_id}' \\"),
        "  \"$ERPOPS_URL/functions/v1/receive-event\"".to_owned(),
    ]
    .join("\n")
}

/// Python: `erpops.signed_request` and the standard library's HTTP client.
pub fn python(url: &str, connector_id: &str) -> String {
    [
        "# pip install erpops; export ERPOPS_SECRET='<the secret above>'".to_owned(),
        "import os, urllib.request".to_owned(),
        "from datetime import datetime, timezone".to_owned(),
        "import erpops".to_owned(),
        String::new(),
        "body, headers = erpops.signed_request(".to_owned(),
        "    secret=os.environ[\"ERPOPS_SECRET\"].encode(),".to_owned(),
        format!("    connector_id=\"{connector_id}\","),
        "    event_type=\"payroll.batch.failed\",".to_owned(),
        "    timestamp=datetime.now(timezone.utc),".to_owned(),
        "    severity=\"error\",".to_owned(),
        "    source=\"PSFT_PAYROLL_BATCH\",".to_owned(),
        "    message=\"Exit code 1 at record 18441\",".to_owned(),
        ")".to_owned(),
        "request = urllib.request.Request(".to_owned(),
        format!(
            "    \"{url}/functions/v1/receive-event\", data=body, headers=headers, method=\"POST\""
        ),
        ")".to_owned(),
        "print(urllib.request.urlopen(request).status)  # 202".to_owned(),
    ]
    .join("\n")
}

/// Node 18+: `signedRequest` and the built-in `fetch`.
pub fn node(url: &str, connector_id: &str) -> String {
    [
        "// npm install erpops; export ERPOPS_SECRET='<the secret above>'".to_owned(),
        "const { signedRequest } = require('erpops')".to_owned(),
        String::new(),
        "const { body, headers } = signedRequest(".to_owned(),
        "  {".to_owned(),
        format!("    connector_id: '{connector_id}',"),
        "    event_type: 'payroll.batch.failed',".to_owned(),
        "    timestamp: new Date(),".to_owned(),
        "    severity: 'error',".to_owned(),
        "    source: 'PSFT_PAYROLL_BATCH',".to_owned(),
        "    message: 'Exit code 1 at record 18441',".to_owned(),
        "  },".to_owned(),
        "  process.env.ERPOPS_SECRET,".to_owned(),
        ")".to_owned(),
        format!("fetch('{url}/functions/v1/receive-event', {{ method: 'POST', headers, body }})"),
        "  .then((res) => console.log(res.status)) // 202".to_owned(),
    ]
    .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_header_is_kept_only_when_it_is_a_host() {
        assert_eq!(
            base_url(Some("127.0.0.1:8080"), false, "x"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            base_url(Some("a'b"), true, "localhost"),
            "https://localhost"
        );
        let c = curl("http://h:1", "id", "s3cr3t");
        assert!(c.starts_with("ERPOPS_URL='http://h:1'\n"));
        assert!(c.contains("payroll.batch.failed"));
    }
}
