import hmac, hashlib, json, requests
from datetime import datetime, timezone
body = json.dumps({"connector_id": "YOUR_ID", "event_type": "integration.failed",
"timestamp": datetime.now(timezone.utc).isoformat(), "severity": "error",
"source": "PSFT_PAYROLL_BATCH", "message": "Exit code 1 at record 18441"})
sig = "sha256=" + hmac.new(b"YOUR_SECRET", body.encode(), hashlib.sha256).hexdigest()
requests.post("https://api.erpops.ai/functions/v1/receive-event",
headers={"Content-Type": "application/json",
"X-ERPOps-Connector-Id": "YOUR_ID", "X-ERPOps-Signature": sig},
data=body)
