import { Type, type Static, type TObject, type TSchema, type TUnsafe } from 'typebox'
import { ApiError } from './result'

/**
 * The REST API's field types, as TypeBox schemas: each is a JSON Schema object (what the docs
 * generator and fastify read) whose TypeScript type is the value a handler receives (`Static`), so
 * the schema is the single source of a field's validation, type and documentation.
 *
 * The rules are the Stringee documents' and this server's (docs/REST_API.md), which plain JSON Schema
 * validation does not give: strings are trimmed before they are checked; a Boolean is true/false or
 * 1/0; a clearable field takes null or "" to clear; a required field that is missing, null or empty is
 * r = 2, a wrong JSON type r = 3, a value outside what is allowed r = 4; the first bad field in the
 * schema's order is the one reported, with a message naming it; query parameters are strings and are
 * converted (an empty one is absent, a repeated one r = 3); unknown fields are ignored. `validate`
 * below applies them by walking the same schema, and index.ts makes it fastify's validator for /v1.
 */

/** Keywords of ours beside JSON Schema's: the validator and the docs read them, JSON consumers ignore them. */
export interface Extra {
  /** The docs' default when it is not a plain value (computed from another field, generated). */
  'x-default'?: string
  /** What `pattern` asks for, in words: the error message and the docs say it. */
  'x-pattern'?: string
  /** A check beyond JSON Schema: says what is wrong, or undefined. */
  'x-check'?: (value: never) => string | undefined
  /** Arrays: sort the values (after removing duplicates). */
  'x-sort'?: boolean
  /** The expected type in words, for a type error ("an object of days ..."). */
  'x-type'?: string
}

interface Common {
  description?: string
  default?: unknown
  'x-default'?: string
}

export interface StrOptions extends Common {
  /** at most this many characters once trimmed (255 by default) */
  max?: number
  min?: number
  /** a pattern the trimmed value must match, with what it asks for in words */
  pattern?: [RegExp, string]
  check?: (s: string) => string | undefined
}

function strSchema(o: StrOptions, type: string | string[]): Record<string, unknown> {
  return {
    type,
    maxLength: o.max ?? 255,
    ...(o.min !== undefined ? { minLength: o.min } : {}),
    ...(o.pattern ? { pattern: o.pattern[0].source, 'x-pattern': o.pattern[1] } : {}),
    ...(o.check ? { 'x-check': o.check } : {}),
    ...common(o),
  }
}

function common(o: Common): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (o.description !== undefined) out.description = o.description
  if (o.default !== undefined) out.default = o.default
  if (o['x-default'] !== undefined) out['x-default'] = o['x-default']
  return out
}

/** A String (trimmed; never empty). */
export const Str = (o: StrOptions = {}): TUnsafe<string> => Type.Unsafe<string>(strSchema(o, 'string'))

/** A String that null or "" clears (null afterwards). */
export const Clearable = (o: StrOptions = {}): TUnsafe<string | null> => Type.Unsafe<string | null>(strSchema(o, ['string', 'null']))

/** A String, one of `values`. */
export const OneOf = <const V extends readonly string[]>(values: V, o: Common = {}): TUnsafe<V[number]> =>
  Type.Unsafe<V[number]>({ type: 'string', maxLength: Math.max(...values.map((v) => v.length)), enum: [...values], ...common(o) })

/** An http:// or https:// URL that null or "" clears. */
export const HttpUrl = (o: Common = {}): TUnsafe<string | null> =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength: 2048, format: 'uri', 'x-check': checkHttpUrl, ...common(o) })

export interface IntOptions extends Common {
  min?: number
  max?: number
}

/** An Int: a JSON integer (in a query, its digits). */
export function Int(o: IntOptions = {}): TUnsafe<number> {
  return Type.Unsafe<number>({
    type: 'integer',
    ...(o.min !== undefined ? { minimum: o.min } : {}),
    ...(o.max !== undefined ? { maximum: o.max } : {}),
    ...common(o),
  })
}

/** An Int, one of `values`. */
export const IntOf = <const V extends readonly number[]>(values: V, o: Common = {}): TUnsafe<V[number]> =>
  Type.Unsafe<V[number]>({ type: 'integer', enum: [...values], ...common(o) })

/** A Boolean: true or false, or 1 or 0 as the Stringee samples write them. */
export const Bool = (o: Common = {}): TUnsafe<boolean> => Type.Unsafe<boolean>({ type: 'boolean', ...common(o) })

export interface ListOptions extends Common {
  /** at most this many entries */
  max: number
  /** at least this many (1: not empty) */
  min?: number
  sort?: boolean
  /** null allowed (and kept: it means something, e.g. "every scheme") */
  nullable?: boolean
  /** the expected type in words */
  type?: string
}

/** An array of `items`, without duplicates (they are dropped). */
export function List<T extends TSchema>(items: T, o: ListOptions & { nullable: true }): TUnsafe<Static<T>[] | null>
export function List<T extends TSchema>(items: T, o: ListOptions): TUnsafe<Static<T>[]>
export function List<T extends TSchema>(items: T, o: ListOptions): TUnsafe<Static<T>[] | null> {
  return Type.Unsafe<Static<T>[] | null>({
    type: o.nullable ? ['array', 'null'] : 'array',
    items,
    maxItems: o.max,
    ...(o.min !== undefined ? { minItems: o.min } : {}),
    uniqueItems: true,
    ...(o.sort ? { 'x-sort': true } : {}),
    ...(o.type ? { 'x-type': o.type } : {}),
    ...common(o),
  })
}

export { Type, type Static, type TObject }

/** Paging of a list: `page` from 1, `limit` from 1 to `maxLimit`. */
export const paging = (defaultLimit = 50, maxLimit = 100) => ({
  page: Type.Optional(Int({ min: 1, max: 1_000_000, default: 1 })),
  limit: Type.Optional(Int({ min: 1, max: maxLimit, default: defaultLimit })),
})

export const PHONE_NUMBER: [RegExp, string] = [/^\+?[0-9]{2,20}$/, 'must be a phone number: digits, optionally after a +.']

function checkHttpUrl(s: string): string | undefined {
  let u: URL
  try {
    u = new URL(s)
  } catch {
    return 'must be an http:// or https:// URL.'
  }
  return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'must be an http:// or https:// URL.'
}

// --- the validator ---------------------------------------------------------------------------------

/** Where a value comes from: a JSON body keeps its JSON types; a query or path holds strings. */
export type Part = 'body' | 'querystring' | 'params'

type Schema = Record<string, unknown> & Extra
const ABSENT = Symbol('absent')

/**
 * Checks `data` against `schema` and returns it normalised (trimmed, converted, only the schema's
 * fields), or throws the ApiError of its first bad field.
 */
export function validate<S extends TSchema>(schema: S, data: unknown, part: Part): Static<S> {
  if (part === 'params') {
    // Ids are checked, never changed.
    try {
      check(schema as Schema, data ?? {}, '', false, part)
      return data as Static<S>
    } catch {
      const v = Object.values((data ?? {}) as Record<string, unknown>)[0]
      throw new ApiError('NOT_FOUND', `No such item: ${String(v ?? '').slice(0, 40)}.`)
    }
  }
  if (part === 'body') {
    if (data === undefined || data === null) data = {}
    else if (typeof data !== 'object' || Array.isArray(data)) throw new ApiError('INVALID_BODY', 'The request body must be a JSON object.')
  }
  return check(schema as Schema, data, '', false, part) as Static<S>
}

function types(s: Schema): string[] {
  return Array.isArray(s.type) ? (s.type as string[]) : [s.type as string]
}

function check(s: Schema, v: unknown, path: string, required: boolean, part: Part): unknown {
  const [type] = types(s)
  const nullable = types(s).includes('null')
  const inQuery = part !== 'body'
  if (v === null && !inQuery && type !== 'boolean') {
    if (nullable) return null
    if (required) throw new ApiError('MISSING_FIELD', `${path} is required.`)
  }
  switch (type) {
    case 'object':
      return checkObject(s, v, path, part)
    case 'string':
      return checkString(s, v, path, required, inQuery)
    case 'integer':
      return checkInt(s, v, path, inQuery)
    case 'boolean':
      if (v === true || v === 1) return true
      if (v === false || v === 0) return false
      throw new ApiError('INVALID_TYPE', `${path} must be true or false (or 1 or 0).`)
    case 'array':
      return checkArray(s, v, path, required, part)
    default:
      throw new Error(`schema of ${path}: type ${String(s.type)} is not supported`)
  }
}

function checkObject(s: Schema, v: unknown, path: string, part: Part): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ApiError('INVALID_TYPE', `${path} must be ${s['x-type'] ?? 'an object'}.`)
  const props = (s.properties ?? {}) as Record<string, Schema>
  const required = (s.required ?? []) as string[]
  const o = v as Record<string, unknown>
  if (s.additionalProperties === false) {
    for (const k of Object.keys(o))
      if (!(k in props)) throw new ApiError('INVALID_VALUE', `${path}: ${k.slice(0, 16)} is not one of ${Object.keys(props).join(', ')}.`)
  }
  const out: Record<string, unknown> = {}
  for (const [k, p] of Object.entries(props)) {
    const name = path ? `${path}.${k}` : k
    const isRequired = required.includes(k)
    const raw = Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined
    const value = raw === undefined || (part !== 'body' && raw === '') ? ABSENT : check(p, raw, name, isRequired, part)
    if (value === ABSENT) {
      if (isRequired) throw new ApiError('MISSING_FIELD', `${name} is required.`)
      continue
    }
    out[k] = value
  }
  return out
}

function checkString(s: Schema, v: unknown, path: string, required: boolean, inQuery: boolean): string | null | typeof ABSENT {
  if (inQuery && Array.isArray(v)) throw new ApiError('INVALID_TYPE', `${path} must be given once.`)
  if (typeof v !== 'string') throw new ApiError('INVALID_TYPE', `${path} must be a string.`)
  const str = v.trim()
  const max = (s.maxLength as number | undefined) ?? 255
  if (str.length > max) throw new ApiError('INVALID_VALUE', `${path} must be at most ${max} characters.`)
  if (str === '') {
    if (inQuery) return ABSENT
    if (types(s).includes('null')) return null
    throw new ApiError(required ? 'MISSING_FIELD' : 'INVALID_VALUE', `${path} must not be empty.`)
  }
  const min = s.minLength as number | undefined
  if (min !== undefined && str.length < min) throw new ApiError('INVALID_VALUE', `${path} must be at least ${min} characters.`)
  if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(str))
    throw new ApiError('INVALID_VALUE', `${path} ${s['x-pattern'] ?? `must match ${s.pattern}.`}`)
  const allowed = s.enum as string[] | undefined
  if (allowed && !allowed.includes(str)) throw new ApiError('INVALID_VALUE', `${path} must be one of ${allowed.join(', ')}.`)
  const bad = (s['x-check'] as ((x: string) => string | undefined) | undefined)?.(str)
  if (bad) throw new ApiError('INVALID_VALUE', bad.startsWith(`${path}:`) ? bad : `${path} ${bad}`)
  return str
}

function checkInt(s: Schema, v: unknown, path: string, inQuery: boolean): number {
  let n = v
  if (inQuery) {
    if (typeof v !== 'string' || !/^-?\d{1,15}$/.test(v.trim())) throw new ApiError('INVALID_TYPE', `${path} must be a whole number.`)
    n = Number(v)
  }
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new ApiError('INVALID_TYPE', `${path} must be a whole number.`)
  const allowed = s.enum as number[] | undefined
  if (allowed && !allowed.includes(n)) throw new ApiError('INVALID_VALUE', `${path} must be one of ${allowed.join(', ')}.`)
  if (typeof s.minimum === 'number' && n < s.minimum) throw new ApiError('INVALID_VALUE', `${path} must be at least ${s.minimum}.`)
  if (typeof s.maximum === 'number' && n > s.maximum) throw new ApiError('INVALID_VALUE', `${path} must be at most ${s.maximum}.`)
  return n
}

function checkArray(s: Schema, v: unknown, path: string, required: boolean, part: Part): unknown[] {
  const items = s.items as Schema
  const expected = s['x-type'] ?? `an array of ${describeType(items)}s`
  if (!Array.isArray(v)) throw new ApiError('INVALID_TYPE', `${path} must be ${expected}.`)
  const max = s.maxItems as number
  if (v.length > max) throw new ApiError('INVALID_VALUE', `${path} may hold at most ${max} entries.`)
  const out: unknown[] = []
  v.forEach((x, i) => {
    try {
      out.push(check(items, x, `${path}[${i}]`, false, part))
    } catch (err) {
      // One entry of the wrong type makes the array the wrong type: say what the array must hold.
      if (err instanceof ApiError && err.result === 'INVALID_TYPE') throw new ApiError('INVALID_TYPE', `${path} must be ${expected}.`)
      if (err instanceof ApiError && items['x-check'] && err.message.startsWith(`${path}[${i}] `))
        throw new ApiError(err.result, `${path}: ${err.message.slice(`${path}[${i}] `.length)}`)
      throw err
    }
  })
  const unique = [...new Set(out)]
  if (s['x-sort']) unique.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))))
  const min = s.minItems as number | undefined
  if (min !== undefined && unique.length < min) {
    if (min === 1) throw new ApiError(required ? 'MISSING_FIELD' : 'INVALID_VALUE', `${path} must not be empty.`)
    throw new ApiError('INVALID_VALUE', `${path} must hold at least ${min} entries.`)
  }
  return unique
}

/** A schema's type in words, as the docs and the messages say it. */
export function describeType(s: Schema): string {
  const [type] = types(s)
  if (type === 'string') return 'string'
  if (type === 'integer') return 'whole number'
  if (type === 'boolean') return 'boolean'
  if (type === 'object') return 'object'
  return `array of ${describeType(s.items as Schema)}s`
}
