import { describe, expect, it } from 'vitest'
import { ApiError } from '../../server/api/result'
import { Bool, Clearable, Int, IntOf, List, Str, Type, validate, type Part } from '../../server/api/schema'

// The REST API's validation (server/api/schema.ts): what a handler receives, and the result code and
// message of the first bad field.
const S = Type.Object({
  name: Str({ max: 5 }),
  code: Type.Optional(Str({ max: 8, pattern: [/^[a-z]+$/, 'may hold a-z only.'] })),
  greeting: Type.Optional(Clearable({ max: 8 })),
  n: Type.Optional(Int({ min: 1, max: 9 })),
  mode: Type.Optional(IntOf([1, 2])),
  on: Type.Optional(Bool()),
  tags: Type.Optional(List(Str({ max: 4 }), { max: 3, min: 1, sort: true })),
})

function fails(data: unknown, part: Part = 'body'): [string, string] {
  try {
    validate(S, data, part)
  } catch (err) {
    if (err instanceof ApiError) return [err.result, err.message]
    throw err
  }
  throw new Error('no error')
}

describe('validate', () => {
  it('trims, converts 1/0 to booleans, clears with "" or null, drops duplicates and unknown fields', () => {
    expect(validate(S, { name: ' ab ', on: 1, greeting: '', tags: ['b', 'a', 'b'], other: 1 }, 'body')).toEqual({
      name: 'ab',
      on: true,
      greeting: null,
      tags: ['a', 'b'],
    })
    expect(validate(S, { name: 'x', on: false, greeting: null }, 'body')).toEqual({ name: 'x', on: false, greeting: null })
  })

  it('answers r = 2 for a required field missing, null or empty, and r = 4 for an optional one empty', () => {
    expect(fails({})).toEqual(['MISSING_FIELD', 'name is required.'])
    expect(fails({ name: null })).toEqual(['MISSING_FIELD', 'name is required.'])
    expect(fails({ name: '  ' })).toEqual(['MISSING_FIELD', 'name must not be empty.'])
    expect(fails({ name: 'x', code: '' })).toEqual(['INVALID_VALUE', 'code must not be empty.'])
    expect(fails({ name: 'x', tags: [] })).toEqual(['INVALID_VALUE', 'tags must not be empty.'])
  })

  it('answers r = 3 for a wrong JSON type and r = 4 for a value out of bounds, naming the field', () => {
    expect(fails({ name: 5 })).toEqual(['INVALID_TYPE', 'name must be a string.'])
    expect(fails({ name: 'x', code: null })).toEqual(['INVALID_TYPE', 'code must be a string.'])
    expect(fails({ name: 'x', n: 1.5 })).toEqual(['INVALID_TYPE', 'n must be a whole number.'])
    expect(fails({ name: 'x', n: '2' })).toEqual(['INVALID_TYPE', 'n must be a whole number.'])
    expect(fails({ name: 'x', on: 'yes' })).toEqual(['INVALID_TYPE', 'on must be true or false (or 1 or 0).'])
    expect(fails({ name: 'x', tags: ['a', 1] })).toEqual(['INVALID_TYPE', 'tags must be an array of strings.'])
    expect(fails({ name: 'abcdef' })).toEqual(['INVALID_VALUE', 'name must be at most 5 characters.'])
    expect(fails({ name: 'x', code: 'A1' })).toEqual(['INVALID_VALUE', 'code may hold a-z only.'])
    expect(fails({ name: 'x', n: 10 })).toEqual(['INVALID_VALUE', 'n must be at most 9.'])
    expect(fails({ name: 'x', mode: 3 })).toEqual(['INVALID_VALUE', 'mode must be one of 1, 2.'])
    expect(fails({ name: 'x', tags: ['a', 'b', 'c', 'd'] })).toEqual(['INVALID_VALUE', 'tags may hold at most 3 entries.'])
  })

  it('reports the first bad field in the schema order', () => {
    expect(fails({ n: 0, name: 5 })).toEqual(['INVALID_TYPE', 'name must be a string.'])
  })

  it('refuses a body that is not an object (r = 8), and takes no body as an empty one', () => {
    expect(fails([1])).toEqual(['INVALID_BODY', 'The request body must be a JSON object.'])
    expect(fails('x')).toEqual(['INVALID_BODY', 'The request body must be a JSON object.'])
    expect(fails(null)).toEqual(['MISSING_FIELD', 'name is required.'])
  })

  it('reads query parameters as strings: digits as numbers, empty as absent, repeated as r = 3', () => {
    expect(validate(S, { name: 'x', n: ' 3 ', code: '' }, 'querystring')).toEqual({ name: 'x', n: 3 })
    expect(fails({ name: 'x', n: 'abc' }, 'querystring')).toEqual(['INVALID_TYPE', 'n must be a whole number.'])
    expect(fails({ name: ['a', 'b'] }, 'querystring')).toEqual(['INVALID_TYPE', 'name must be given once.'])
    expect(fails({ name: '' }, 'querystring')).toEqual(['MISSING_FIELD', 'name is required.'])
  })

  it('answers r = 5 for a bad id in the path, and hands the id over unchanged', () => {
    const P = Type.Object({ id: Str({ max: 4 }) })
    expect(validate(P, { id: ' ab' }, 'params')).toEqual({ id: ' ab' })
    expect(() => validate(P, { id: 'abcdef' }, 'params')).toThrow(expect.objectContaining({ result: 'NOT_FOUND' }))
  })
})
