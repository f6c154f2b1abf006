/**
 * The REST API's result codes: every response carries `r`, 0 on success. The catalogue is the single
 * source for the codes, their HTTP statuses and default messages; docs/REST_API.md lists the same
 * table (a unit test keeps the two in step). 12 is Stringee's own (sort_order not allowed); the others
 * are this server's choice, since the Stringee documents give no other codes.
 */
export const RESULTS = {
  OK: { r: 0, http: 200, message: 'Success' },
  AUTH_FAILED: { r: 1, http: 401, message: 'The X-STRINGEE-AUTH token is missing, invalid or expired.' },
  MISSING_FIELD: { r: 2, http: 400, message: 'A required field is missing.' },
  INVALID_TYPE: { r: 3, http: 400, message: 'A field has the wrong type.' },
  INVALID_VALUE: { r: 4, http: 400, message: 'A field has a value outside what is allowed.' },
  NOT_FOUND: { r: 5, http: 404, message: 'No such item in this project.' },
  ALREADY_EXISTS: { r: 6, http: 409, message: 'An item with this key already exists.' },
  IN_USE: { r: 7, http: 409, message: 'The item is in use; change what refers to it first.' },
  INVALID_BODY: { r: 8, http: 400, message: 'The request body could not be read as a JSON object.' },
  NO_SUCH_ROUTE: { r: 9, http: 404, message: 'No such API.' },
  TOO_LARGE: { r: 10, http: 413, message: 'The request or file is too large.' },
  UNSUPPORTED_FILE: { r: 11, http: 415, message: 'The file is not a supported WAV file.' },
  SORT_ORDER_NOT_ALLOWED: { r: 12, http: 400, message: 'Sort_order not allowed' },
  SORT_BY_NOT_ALLOWED: { r: 13, http: 400, message: 'Sort_by not allowed.' },
  CALL_STATE: {
    r: 14,
    http: 409,
    message: 'The call cannot do this now (not answered, on hold, in a consult, or the target cannot take it).',
  },
  SERVER_ERROR: { r: 99, http: 500, message: 'The server failed to process the request.' },
} as const

export type ResultName = keyof typeof RESULTS

export class ApiError extends Error {
  readonly r: number
  readonly http: number

  constructor(
    readonly result: Exclude<ResultName, 'OK'>,
    message?: string,
  ) {
    super(message ?? RESULTS[result].message)
    this.name = 'ApiError'
    this.r = RESULTS[result].r
    this.http = RESULTS[result].http
  }
}
