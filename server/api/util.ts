import type { FastifyRequest } from 'fastify'
import { optNullableStr, type Fields } from './fields'
import { ApiError } from './result'

/** The `{id}` of a route, checked for length (ids are short Stringee-style strings). */
export function idParam(req: FastifyRequest, name = 'id'): string {
  const v = (req.params as Record<string, string | undefined>)[name]
  if (!v || v.length > 128) throw new ApiError('NOT_FOUND', `No such item: ${String(v ?? '').slice(0, 40)}.`)
  return v
}

/** undefined when absent; null when null or "" (clears); otherwise an http(s) URL. */
export function httpUrl(b: Fields, name: string): string | null | undefined {
  const s = optNullableStr(b, name, { max: 2048 })
  if (!s) return s
  let u: URL
  try {
    u = new URL(s)
  } catch {
    throw new ApiError('INVALID_VALUE', `${name} must be an http:// or https:// URL.`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ApiError('INVALID_VALUE', `${name} must be an http:// or https:// URL.`)
  return s
}

/** 1/0 for the lists, as the Stringee samples show booleans. */
export const bit = (b: boolean): 0 | 1 => (b ? 1 : 0)
