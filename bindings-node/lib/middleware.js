'use strict'
// erpopsMiddleware: the Express/Connect glue around the core's receive
// decision. It does the I/O only: reads the raw body itself (at most one
// byte past the limit, so the core sees an oversized body and answers 413
// exactly as the receiver does), refuses loudly when a body parser already
// consumed the stream, looks up the connector's secrets through the caller's
// `secretsFor`, and writes the core's answer (status, problem body, headers).
// Every decision about the bytes is the core's (`check`, by default the
// package's `checkRequest`).

const { ErpopsError } = require('./errors.js')
const args = require('./args.js')

/** Why the request body can no longer be read raw, or null. */
function consumedBy(req) {
  if (req._body === true) return 'a body parser (req._body is set)'
  if (req.body !== undefined) return `a body parser (req.body is already ${args.describe(req.body)})`
  if (req.readableEnded) return 'another middleware (the request stream has already been read)'
  return null
}

/** The error for a body that was parsed before erpopsMiddleware saw it. */
function alreadyParsed(req, by) {
  const e = new Error(
    `erpopsMiddleware cannot verify ${req.method} ${req.originalUrl ?? req.url}: the body was already consumed by ${by}. ` +
      'A signature covers the raw bytes as sent; a parsed and re-serialized body will never match. ' +
      'Mount erpopsMiddleware before express.json()/bodyParser for this route (or exclude the route from the parser), ' +
      "e.g. app.post('/functions/v1/receive-event', erpopsMiddleware({ secretsFor }), handler).",
  )
  e.code = 'body_already_parsed'
  return e
}

/**
 * Reads the request body: all of it when it has at most `limit` bytes,
 * otherwise the first `limit + 1` bytes, after which reading stops (the
 * sender may be streaming gigabytes; the core only needs to see "too large").
 */
function readRaw(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    let done = false
    const finish = (err, value) => {
      if (done) return
      done = true
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('aborted', onAborted)
      if (err) reject(err)
      else resolve(value)
    }
    const onData = (chunk) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      chunks.push(buf)
      size += buf.length
      if (size > limit) {
        req.pause()
        finish(null, { body: Buffer.concat(chunks, size).subarray(0, limit + 1), complete: false })
      }
    }
    const onEnd = () => finish(null, { body: Buffer.concat(chunks, size), complete: true })
    const onError = (err) => finish(err)
    const onAborted = () => finish(Object.assign(new Error('the client aborted the request'), { code: 'ECONNRESET' }))
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onAborted)
  })
}

/** Writes the core's rejection: status, headers and RFC 9457 problem body. */
function answer(res, error, complete) {
  res.statusCode = error.status
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value)
  res.setHeader('Content-Type', 'application/problem+json')
  // The rest of an oversized body was never read: the connection cannot
  // carry another request.
  if (!complete) res.setHeader('Connection', 'close')
  res.end(JSON.stringify(error.problem ?? { status: error.status, code: error.code, detail: error.message }))
}

function header(value) {
  return Array.isArray(value) ? value[0] : value
}

/**
 * @param {{ secretsFor: (connectorId: string, req: object) => unknown, maxBodyBytes?: number, check?: Function, checkOptions?: object }} options
 */
function makeMiddleware(defaultCheck, defaultLimit) {
  return function erpopsMiddleware(options) {
    const o = args.options(options)
    if (typeof o.secretsFor !== 'function') {
      throw new TypeError('erpopsMiddleware({ secretsFor }) needs secretsFor(connectorId, req) returning the connector secrets')
    }
    const limit = o.maxBodyBytes ?? defaultLimit
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new TypeError(`maxBodyBytes must be a non-negative integer, got ${limit}`)
    }
    const check = o.check ?? defaultCheck
    if (typeof check !== 'function') {
      throw new Error(
        'erpopsMiddleware needs checkRequest, the core receive decision, which this build of erpops does not have yet',
      )
    }
    return function erpops(req, res, next) {
      const by = consumedBy(req)
      if (by) {
        next(alreadyParsed(req, by))
        return
      }
      readRaw(req, limit)
        .then(async ({ body, complete }) => {
          const connectorId = header(req.headers['x-erpops-connector-id'])
          const secrets = connectorId === undefined ? null : await o.secretsFor(connectorId, req)
          try {
            req.erpopsEvent = check(req.headers, body, { method: req.method, ...o.checkOptions, secrets, maxBodyBytes: limit })
          } catch (e) {
            if (e instanceof ErpopsError) {
              answer(res, e, complete)
              if (!complete) res.once('finish', () => req.destroy())
              return
            }
            throw e
          }
          req.erpopsRawBody = body
          next()
        })
        .catch(next)
    }
  }
}

module.exports = { makeMiddleware, consumedBy, readRaw }
