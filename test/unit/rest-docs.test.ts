import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { RESULTS } from '../../server/api/result'

// docs/REST_API.md is the REST API's reference: its result-code table must be the catalogue's.
describe('docs/REST_API.md', () => {
  const doc = readFileSync(path.join(__dirname, '../../docs/REST_API.md'), 'utf8')
  const table = new Map([...doc.matchAll(/^\| (\d+) \| (\d{3}) \|/gm)].map((m) => [Number(m[1]), Number(m[2])]))

  it('lists every result code with its HTTP status, and no other', () => {
    const codes = Object.values(RESULTS)
    expect(new Set(codes.map((c) => c.r)).size).toBe(codes.length)
    expect([...table.entries()].sort((a, b) => a[0] - b[0])).toEqual(codes.map((c) => [c.r, c.http]).sort((a, b) => a[0]! - b[0]!))
  })
})
