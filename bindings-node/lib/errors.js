'use strict'
// ErpopsError: what `validate` and `checkRequest` throw. It carries the
// core's answer unchanged (HTTP status, stable snake_case code, violations,
// RFC 9457 problem body and response headers) so a receiver can answer the
// sender with it directly.

class ErpopsError extends Error {
  /**
   * @param {{ message: string, status: number, code: string, errors?: Array<{pointer: string, code: string, message: string}>, problem?: object, headers?: Record<string, string> }} fields
   */
  constructor(fields) {
    super(fields.message)
    this.name = 'ErpopsError'
    this.status = fields.status
    this.code = fields.code
    this.errors = fields.errors ?? []
    if (fields.problem !== undefined) this.problem = fields.problem
    if (fields.headers !== undefined) this.headers = fields.headers
  }
}

module.exports = { ErpopsError }
