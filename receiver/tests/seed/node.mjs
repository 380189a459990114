import crypto from 'crypto';
const body = JSON.stringify({ connector_id: 'YOUR_ID', event_type: 'integration.failed',
timestamp: new Date().toISOString(), severity: 'error',
source: 'PSFT_PAYROLL_BATCH', message: 'Exit code 1 at record 18441' });
const sig = 'sha256=' + crypto.createHmac('sha256', 'YOUR_SECRET').update(body).digest('hex');
await fetch('https://api.erpops.ai/functions/v1/receive-event', {
method: 'POST',
headers: { 'Content-Type': 'application/json',
'X-ERPOps-Connector-Id': 'YOUR_ID', 'X-ERPOps-Signature': sig },
body,
});
