import { ApiError } from './result'

/**
 * Parsers for request fields. Each takes the raw value and either returns it normalised or throws an
 * ApiError naming the field: MISSING_FIELD (2), INVALID_TYPE (3) or INVALID_VALUE (4). Body fields
 * must have their JSON types (an Int is a JSON integer, a Boolean is true/false or 0/1); query
 * parameters are strings and are converted.
 */
export type Fields = Record<string, unknown>

export function bodyOf(raw: unknown): Fields {
  if (raw === undefined || raw === null) return {}
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ApiError('INVALID_BODY', 'The request body must be a JSON object.')
  return raw as Fields
}

const has = (b: Fields, k: string): boolean => Object.prototype.hasOwnProperty.call(b, k) && b[k] !== undefined

export function present(b: Fields, k: string): boolean {
  return has(b, k)
}

export interface StrOpts {
  max?: number
  /** a pattern the trimmed value must match, with what to say when it does not */
  pattern?: [RegExp, string]
}

function checkStr(name: string, v: unknown, o: StrOpts): string {
  if (typeof v !== 'string') throw new ApiError('INVALID_TYPE', `${name} must be a string.`)
  const s = v.trim()
  if (s.length > (o.max ?? 255)) throw new ApiError('INVALID_VALUE', `${name} must be at most ${o.max ?? 255} characters.`)
  if (o.pattern && s !== '' && !o.pattern[0].test(s)) throw new ApiError('INVALID_VALUE', `${name} ${o.pattern[1]}`)
  return s
}

export function reqStr(b: Fields, name: string, o: StrOpts = {}): string {
  if (!has(b, name) || b[name] === null) throw new ApiError('MISSING_FIELD', `${name} is required.`)
  const s = checkStr(name, b[name], o)
  if (!s) throw new ApiError('MISSING_FIELD', `${name} must not be empty.`)
  return s
}

/** undefined when absent; a non-empty string otherwise. */
export function optStr(b: Fields, name: string, o: StrOpts = {}): string | undefined {
  if (!has(b, name)) return undefined
  if (b[name] === null) throw new ApiError('INVALID_TYPE', `${name} must be a string.`)
  const s = checkStr(name, b[name], o)
  if (!s) throw new ApiError('INVALID_VALUE', `${name} must not be empty.`)
  return s
}

/** undefined when absent; null when null or "" (clears); the string otherwise. */
export function optNullableStr(b: Fields, name: string, o: StrOpts = {}): string | null | undefined {
  if (!has(b, name)) return undefined
  if (b[name] === null) return null
  const s = checkStr(name, b[name], o)
  return s === '' ? null : s
}

export function optBool(b: Fields, name: string): boolean | undefined {
  if (!has(b, name)) return undefined
  const v = b[name]
  if (v === true || v === 1) return true
  if (v === false || v === 0) return false
  throw new ApiError('INVALID_TYPE', `${name} must be true or false (or 1 or 0).`)
}

export interface IntOpts {
  min?: number
  max?: number
  /** the only values allowed */
  oneOf?: readonly number[]
}

function checkInt(name: string, n: number, o: IntOpts): number {
  if (o.oneOf && !o.oneOf.includes(n)) throw new ApiError('INVALID_VALUE', `${name} must be one of ${o.oneOf.join(', ')}.`)
  if (o.min !== undefined && n < o.min) throw new ApiError('INVALID_VALUE', `${name} must be at least ${o.min}.`)
  if (o.max !== undefined && n > o.max) throw new ApiError('INVALID_VALUE', `${name} must be at most ${o.max}.`)
  return n
}

export function optInt(b: Fields, name: string, o: IntOpts = {}): number | undefined {
  if (!has(b, name)) return undefined
  const v = b[name]
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ApiError('INVALID_TYPE', `${name} must be a whole number.`)
  return checkInt(name, v, o)
}

export function reqInt(b: Fields, name: string, o: IntOpts = {}): number {
  if (!has(b, name) || b[name] === null) throw new ApiError('MISSING_FIELD', `${name} is required.`)
  return optInt(b, name, o)!
}

/** A query parameter holding a whole number; undefined when absent or empty. */
export function queryInt(q: Fields, name: string, o: IntOpts = {}): number | undefined {
  const v = q[name]
  if (v === undefined || v === '') return undefined
  if (typeof v !== 'string' || !/^-?\d{1,15}$/.test(v.trim())) throw new ApiError('INVALID_TYPE', `${name} must be a whole number.`)
  return checkInt(name, Number(v), o)
}

export function queryStr(q: Fields, name: string, max = 255): string | undefined {
  const v = q[name]
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw new ApiError('INVALID_TYPE', `${name} must be given once.`)
  const s = v.trim()
  if (s.length > max) throw new ApiError('INVALID_VALUE', `${name} must be at most ${max} characters.`)
  return s === '' ? undefined : s
}

/** page (from 1) and limit (1..maxLimit) of a list. */
export function paging(q: Fields, defaultLimit = 50, maxLimit = 100): { page: number; limit: number } {
  return {
    page: queryInt(q, 'page', { min: 1, max: 1_000_000 }) ?? 1,
    limit: queryInt(q, 'limit', { min: 1, max: maxLimit }) ?? defaultLimit,
  }
}

/** The data block of a list, in the Stringee documents' shape (totalCount is a string there). */
export function listData<T>(
  key: string,
  all: T[] | { total: number; rows: T[] },
  p: { page: number; limit: number },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const total = Array.isArray(all) ? all.length : all.total
  const rows = Array.isArray(all) ? all.slice((p.page - 1) * p.limit, p.page * p.limit) : all.rows
  return {
    totalCount: String(total),
    ...extra,
    totalPages: Math.ceil(total / p.limit),
    currentPage: p.page,
    limit: p.limit,
    [key]: rows,
  }
}

export const PHONE_NUMBER: [RegExp, string] = [/^\+?[0-9]{2,20}$/, 'must be a phone number: digits, optionally after a +.']
export const HTTP_URL: [RegExp, string] = [/^https?:\/\/[^\s/?#]+[^\s]*$/i, 'must be an http:// or https:// URL.']
