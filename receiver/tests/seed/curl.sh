BODY='{"connector_id":"YOUR_ID","event_type":"integration.failed","timestamp":"2026-04-20T03:00:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH","message":"Exit code 1 at record 18441"}'
SIG=$(echo -n "$BODY" | openssl dgst -sha256 -hmac "YOUR_SECRET" | awk '{print $2}')
curl -X POST https://api.erpops.ai/functions/v1/receive-event \
-H "Content-Type: application/json" \
-H "X-ERPOps-Connector-Id: YOUR_ID" \
-H "X-ERPOps-Signature: sha256=$SIG" \
-d "$BODY"
