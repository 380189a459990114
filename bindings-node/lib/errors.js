'use strict'
// ErpopsError: what `validate`, the builder and `checkRequest` throw. It
// carries the core's answer unchanged (HTTP status, stable snake_case code,
// violations and their total, RFC 9457 problem body and response headers)
// so a receiver can answer the sender with it directly.

class ErpopsError extends Error {
  /**
   * @param {{ message: string, status: number, code: string, errors?: Array<{pointer: string, code: string, message: string}>, errorCount?: number, problem?: object, headers?: Record<string, string>, size?: number, limit?: number }} fields
   */
  constructor(fields) {
    super(fields.message)
    this.name = 'ErpopsError'
    this.status = fields.status
    this.code = fields.code
    this.errors = fields.errors ?? []
    this.errorCount = fields.errorCount ?? this.errors.length
    if (fields.problem !== undefined) this.problem = fields.problem
    if (fields.headers !== undefined) this.headers = fields.headers
    if (fields.size != null) this.size = fields.size
    if (fields.limit != null) this.limit = fields.limit
  }
}

module.exports = { ErpopsError }
