import { describe, expect, it } from 'vitest'
import type { Company } from '../../server/acd/directory'
import { buildCallEventBody, retryDelayMs } from '../../server/webhooks/dispatcher'
import { computeSignature, signatureHeader, verifyWebhookSignature } from '../../server/webhooks/signature'

describe('retry delays', () => {
  const opts = { baseDelayMs: 1000, maxDelayMs: 60_000 }
  it('double with each attempt, between half and all of the exponential delay', () => {
    expect(retryDelayMs(1, opts, () => 0)).toBe(500)
    expect(retryDelayMs(1, opts, () => 1)).toBe(1000)
    expect(retryDelayMs(2, opts, () => 0)).toBe(1000)
    expect(retryDelayMs(3, opts, () => 1)).toBe(4000)
    expect(retryDelayMs(4, opts, () => 0.5)).toBe(6000)
  })
  it('are capped', () => {
    expect(retryDelayMs(30, opts, () => 1)).toBe(60_000)
    expect(retryDelayMs(30, opts, () => 0)).toBe(30_000)
  })
  it('spread events that failed together', () => {
    const seen = new Set(Array.from({ length: 50 }, () => retryDelayMs(3, opts)))
    expect(seen.size).toBeGreaterThan(20)
  })
})

describe('signatures', () => {
  const secret = 'whsec_test'
  const body = '{"call_status":"started","call_id":"c1"}'
  it('sign t.body with HMAC-SHA256 and verify', () => {
    const header = signatureHeader(secret, body, 1_700_000_000)
    expect(header).toBe(`t=1700000000,v1=${computeSignature(secret, 1_700_000_000, body)}`)
    // Known answer, computed independently: printf '%s' '1700000000.<body>' | openssl dgst -sha256 -hmac whsec_test
    expect(computeSignature(secret, 1_700_000_000, body)).toBe('5d33c98c0e9704a879279e57f6ed3ef548bf91a524eb6b51156d8ccd2a311a5a')
    expect(verifyWebhookSignature({ secret, header, body, nowSec: 1_700_000_100 })).toBe(true)
    expect(verifyWebhookSignature({ secret, header, body: Buffer.from(body), nowSec: 1_700_000_100 })).toBe(true)
  })
  it('refuse another body, another secret, an old timestamp, a malformed header', () => {
    const header = signatureHeader(secret, body, 1_700_000_000)
    expect(verifyWebhookSignature({ secret, header, body: body.replace('c1', 'c2'), nowSec: 1_700_000_000 })).toBe(false)
    expect(verifyWebhookSignature({ secret: 'whsec_other', header, body, nowSec: 1_700_000_000 })).toBe(false)
    expect(verifyWebhookSignature({ secret, header, body, nowSec: 1_700_000_301 })).toBe(false)
    expect(verifyWebhookSignature({ secret, header, body, nowSec: 1_700_000_301, toleranceSec: 600 })).toBe(true)
    for (const h of [undefined, '', 'v1=abc', 't=1700000000', `t=x,v1=${'0'.repeat(64)}`, header.replace(/v1=./, 'v1=g')]) {
      expect(verifyWebhookSignature({ secret, header: h, body, nowSec: 1_700_000_000 })).toBe(false)
    }
  })
})

describe('call event bodies', () => {
  const company: Company = { id: 'demo', name: 'Demo', projectId: 25, accountSid: 'ACab9b' }
  const party = { number: '84899199866', alias: '84899199866', is_online: false, type: 'internal' as const }
  it("follow the documents' field order, with the company's fields and defaults", () => {
    const b = buildCallEventBody(company, { call_status: 'ringing', call_id: 'c1', from: party, to: { ...party, type: 'external' } }, 42)
    expect(Object.keys(b)).toEqual([
      'call_status',
      'project_id',
      'request_from_user_id',
      'account_sid',
      'timestamp_ms',
      'from',
      'to',
      'clientCustomData',
      'type',
      'call_id',
    ])
    expect(b).toMatchObject({
      project_id: 25,
      account_sid: 'ACab9b',
      timestamp_ms: 42,
      request_from_user_id: '',
      clientCustomData: '',
      type: 'stringee_call',
    })
    const e = buildCallEventBody(
      company,
      {
        call_status: 'ended',
        call_id: 'c1',
        from: party,
        to: party,
        callCreatedReason: 'EXTERNAL_CALL_IN',
        endCallCause: 'USER_END_CALL',
        endedBy: 'INTERNAL',
        callType: 'IVR',
        duration: 3,
        answerDuration: 1,
      },
      42,
    )
    expect(Object.keys(e)).toEqual([
      'call_status',
      'project_id',
      'request_from_user_id',
      'account_sid',
      'timestamp_ms',
      'type',
      'call_id',
      'clientCustomData',
      'callCreatedReason',
      'endCallCause',
      'endedBy',
      'callType',
      'duration',
      'answerDuration',
      'from',
      'to',
    ])
  })
  it('carry the satisfaction key last on ended, and refuse it elsewhere or malformed', () => {
    const end = {
      call_status: 'ended' as const,
      call_id: 'c1',
      from: party,
      to: party,
      callCreatedReason: 'EXTERNAL_CALL_IN' as const,
      endCallCause: 'USER_END_CALL',
      endedBy: 'EXTERNAL' as const,
      callType: 'CALL' as const,
      duration: 3,
      answerDuration: 1,
    }
    const e = buildCallEventBody(company, { ...end, satisfaction: '4' }, 42)
    expect(Object.keys(e).at(-1)).toBe('satisfaction')
    expect(e.satisfaction).toBe('4')
    expect(buildCallEventBody(company, end, 42)).not.toHaveProperty('satisfaction')
    expect(() => buildCallEventBody(company, { ...end, satisfaction: '42' }, 1)).toThrow(/satisfaction/)
    expect(() => buildCallEventBody(company, { ...end, call_status: 'agentEnded', satisfaction: '4' }, 1)).toThrow(/satisfaction/)
  })
  it('refuse an ended event without its end fields', () => {
    expect(() => buildCallEventBody(company, { call_status: 'ended', call_id: 'c1', from: party, to: party }, 1)).toThrow(
      /callCreatedReason/,
    )
    expect(() =>
      buildCallEventBody(
        company,
        {
          call_status: 'ended',
          call_id: 'c1',
          from: party,
          to: party,
          callCreatedReason: 'CLIENT_MAKE_CALL',
          endCallCause: '',
          endedBy: 'EXTERNAL',
          callType: 'CALL',
          duration: 1,
          answerDuration: 0,
        },
        1,
      ),
    ).toThrow(/endCallCause/)
  })
})
