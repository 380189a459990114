// A minimal ERPOps receiver in Express, using the erpops package.
//
// Run:  npm install express erpops
//       ERPOPS_CONNECTOR_ID=... ERPOPS_SECRET=... node express_receiver.js
// Then POST signed events to http://127.0.0.1:3000/functions/v1/receive-event
// (PORT sets another port; 0 picks a free one). It prints the address it
// listens on once it is ready.
//
// `erpopsMiddleware` runs the product's receive decision on the raw request:
// method, size, media type, headers, the signature over the exact body bytes
// *before* the body is parsed, then the event contract against the header's
// connector id. A refusal is answered with the status, the RFC 9457 problem
// body and the headers the ERPOps receiver itself would send; an accepted
// event reaches the handler as `req.erpopsEvent`.
'use strict'

const express = require('express')
const { erpopsMiddleware, RECEIVE_PATH } = require('erpops')

const connector = (process.env.ERPOPS_CONNECTOR_ID || '').toLowerCase()
const secret = process.env.ERPOPS_SECRET || ''
if (!connector || !secret) {
  console.error('set ERPOPS_CONNECTOR_ID and ERPOPS_SECRET (the connector id and its secret from ERPOps admin)')
  process.exit(2)
}

// connector id (lowercase) -> its active secrets (the current one first; a
// rotated-out one stays until it expires), or null for an unknown connector.
const secretsFor = (id) => (id === connector ? [secret] : null)

const app = express()
// Mounted before any body parser: a parsed and re-serialized body can never
// match its signature.
app.post(RECEIVE_PATH, erpopsMiddleware({ secretsFor }), (req, res) => {
  const event = req.erpopsEvent
  // ... store the event, feed an IncidentModel, notify ...
  res.status(202).json({ status: 'accepted', event_type: event.event_type, severity: event.severity })
})

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}${RECEIVE_PATH}`)
})
process.on('SIGTERM', () => server.close())
