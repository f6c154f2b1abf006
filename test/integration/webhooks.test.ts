import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import type { CallEventInput, DispatcherOptions } from '../../server/webhooks/dispatcher'
import { verifyWebhookSignature } from '../../server/webhooks/signature'
import { restToken, startServer } from '../support/server'
import { restClient, type RestClient } from '../support/rest'
import { startReceiver, waitUntil, type Receiver } from '../support/receiver'

// Call-event webhooks against real local HTTP receivers: delivered at least once (persisted first,
// retried with backoff on errors, timeouts and non-2xx), in order per call, signed, and resumed after
// a restart.
const TIMINGS: Partial<DispatcherOptions> = { timeoutMs: 400, baseDelayMs: 100, maxDelayMs: 800, pollMs: 50, maxAttempts: 4 }

let cc: ContactCenter
let api: RestClient
const receivers: Receiver[] = []

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args)
  receivers.push(r)
  return r
}

async function pointAt(r: Receiver, client = api): Promise<void> {
  expect((await client.put('/v1/project', { event_url: r.url })).body).toMatchObject({ r: 0 })
}

const party = (number: string, type: 'internal' | 'external') => ({ number, alias: number, is_online: type === 'internal', type })

function event(callId: string, status: CallEventInput['call_status'], extra: Partial<CallEventInput> = {}): CallEventInput {
  const base: CallEventInput = {
    call_status: status,
    call_id: callId,
    request_from_user_id: 'agent_1',
    from: party('84899199866', 'internal'),
    to: party('84909985668', 'external'),
    clientCustomData: '{"order":42}',
  }
  if (status === 'ended')
    Object.assign(base, {
      callCreatedReason: 'CLIENT_MAKE_CALL',
      endCallCause: '486 Busy Here',
      endedBy: 'EXTERNAL',
      callType: 'CALL',
      duration: 9,
      answerDuration: 0,
    })
  return { ...base, ...extra }
}

beforeAll(async () => {
  cc = await startServer({ webhooks: TIMINGS })
  api = restClient(cc, await restToken(cc))
})
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close()
})
afterAll(async () => {
  await cc?.close()
})

describe('delivery', () => {
  it('POSTs every documented field, in order, signed, to a receiver that answers', async () => {
    const rx = await receiver()
    await pointAt(rx)
    const statuses = ['created', 'started', 'ringing', 'answered', 'agentEnded', 'ended'] as const
    for (const s of statuses) await cc.webhooks.enqueue('demo', event('call-ok-1', s, { timestamp_ms: 1_515_859_261_381 }))
    const got = await rx.waitFor(statuses.length)
    expect(got.map((r) => r.body.call_status)).toEqual([...statuses])

    const started = got[1]!.body
    expect(Object.keys(started)).toEqual([
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
    expect(started).toEqual({
      call_status: 'started',
      project_id: 1,
      request_from_user_id: 'agent_1',
      account_sid: cc.dir.companies.get('demo')!.accountSid,
      timestamp_ms: 1_515_859_261_381,
      from: { number: '84899199866', alias: '84899199866', is_online: true, type: 'internal' },
      to: { number: '84909985668', alias: '84909985668', is_online: false, type: 'external' },
      clientCustomData: '{"order":42}',
      type: 'stringee_call',
      call_id: 'call-ok-1',
    })
    const ended = got[5]!.body
    expect(ended).toMatchObject({
      call_status: 'ended',
      callCreatedReason: 'CLIENT_MAKE_CALL',
      endCallCause: '486 Busy Here',
      endedBy: 'EXTERNAL',
      callType: 'CALL',
      duration: 9,
      answerDuration: 0,
      type: 'stringee_call',
      call_id: 'call-ok-1',
    })
    for (const k of [
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
    ]) {
      expect(ended).toHaveProperty(k)
    }

    // Signed with the company's secret, over the raw body; the receivers' helper says so.
    const secret = (await api.get('/v1/project')).body.data.webhook_secret as string
    for (const r of got) {
      expect(r.headers['content-type']).toBe('application/json')
      expect(r.headers['x-sobot-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
      expect(verifyWebhookSignature({ secret, header: r.headers['x-sobot-signature'], body: r.raw })).toBe(true)
      expect(
        verifyWebhookSignature({ secret, header: r.headers['x-sobot-signature'], body: r.raw.replace('call-ok-1', 'call-ok-2') }),
      ).toBe(false)
      expect(verifyWebhookSignature({ secret: 'whsec_wrong', header: r.headers['x-sobot-signature'], body: r.raw })).toBe(false)
      expect(r.headers['x-sobot-delivery-attempt']).toBe('1')
    }
    expect(new Set(got.map((r) => r.headers['x-sobot-event-id'])).size).toBe(statuses.length)

    const log = await api.get('/v1/project/webhook-events?call_id=call-ok-1')
    expect(log.body.data.events.map((e: { status: string; attempts: number }) => [e.status, e.attempts])).toEqual(
      statuses.map(() => ['delivered', 1]),
    )
  })

  it("retries a receiver that fails twice, with backoff, the same event each time, and holds the call's next event until then", async () => {
    const rx = await receiver((r, n) => (n <= 2 ? 500 : 200))
    await pointAt(rx)
    await cc.webhooks.enqueue('demo', event('call-flaky', 'created'))
    await cc.webhooks.enqueue('demo', event('call-flaky', 'ringing'))
    const got = await rx.waitFor(4)
    expect(got.map((r) => `${r.body.call_status}#${r.headers['x-sobot-delivery-attempt']}`)).toEqual([
      'created#1',
      'created#2',
      'created#3',
      'ringing#1',
    ])
    expect(new Set(got.slice(0, 3).map((r) => r.headers['x-sobot-event-id'])).size).toBe(1)
    expect(new Set(got.slice(0, 3).map((r) => r.raw)).size).toBe(1)
    // Backoff: the first retry waits at least half the base delay, the second at least half of twice it.
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(TIMINGS.baseDelayMs! / 2 - 5)
    expect(got[2]!.at - got[1]!.at).toBeGreaterThanOrEqual(TIMINGS.baseDelayMs! - 5)
    await waitUntil(
      async () => (await api.get('/v1/project/webhook-events?call_id=call-flaky&status=delivered')).body.data.totalCount === '2',
      5000,
      'both delivered',
    )
    const [first] = (await api.get('/v1/project/webhook-events?call_id=call-flaky')).body.data.events
    expect(first).toMatchObject({ status: 'delivered', attempts: 3, last_http_status: 200 })
  })

  it('times out a receiver that hangs, and delivers on a later attempt', async () => {
    const rx = await receiver((_r, n) => (n === 1 ? 'hang' : 200))
    await pointAt(rx)
    await cc.webhooks.enqueue('demo', event('call-hang', 'created'))
    const got = await rx.waitFor(2, undefined, 5000)
    expect(got.map((r) => r.headers['x-sobot-delivery-attempt'])).toEqual(['1', '2'])
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(TIMINGS.timeoutMs! - 5)
    await waitUntil(
      async () => (await api.get('/v1/project/webhook-events?call_id=call-hang')).body.data.events[0]?.status === 'delivered',
      5000,
      'delivery',
    )
  })

  it('treats any non-2xx answer (a redirect, a 404) as a failure', async () => {
    const rx = await receiver((_r, n) => [302, 404, 204][n - 1] ?? 200)
    await pointAt(rx)
    await cc.webhooks.enqueue('demo', event('call-non2xx', 'created'))
    await rx.waitFor(3)
    await waitUntil(
      async () => (await api.get('/v1/project/webhook-events?call_id=call-non2xx')).body.data.events[0]?.status === 'delivered',
      5000,
      'delivery',
    )
    expect((await api.get('/v1/project/webhook-events?call_id=call-non2xx')).body.data.events[0]).toMatchObject({
      attempts: 3,
      last_http_status: 204,
    })
  })

  it("gives an event up after maxAttempts, and the call's next events go on; other calls are never held up", async () => {
    const rx = await receiver((r) => (r.body.call_id === 'call-doomed' && r.body.call_status === 'created' ? 503 : 200))
    await pointAt(rx)
    await cc.webhooks.enqueue('demo', event('call-doomed', 'created'))
    await cc.webhooks.enqueue('demo', event('call-doomed', 'ended'))
    await cc.webhooks.enqueue('demo', event('call-other', 'created'))
    // The other call is not held up by the failing one: it arrives while that one is still being retried.
    await rx.waitFor(1, (r) => r.body.call_id === 'call-other', 2000)
    const doomedSoFar = rx.requests.filter((r) => r.body.call_id === 'call-doomed')
    expect(doomedSoFar.length).toBeLessThan(TIMINGS.maxAttempts!)
    expect(doomedSoFar.every((r) => r.body.call_status === 'created')).toBe(true)
    const ended = await rx.waitFor(1, (r) => r.body.call_id === 'call-doomed' && r.body.call_status === 'ended', 10_000)
    const attempts = rx.requests.filter((r) => r.body.call_id === 'call-doomed' && r.body.call_status === 'created')
    expect(attempts).toHaveLength(TIMINGS.maxAttempts!)
    expect(ended[0]!.at).toBeGreaterThan(attempts.at(-1)!.at)
    const events = (await api.get('/v1/project/webhook-events?call_id=call-doomed')).body.data.events
    expect(events[0]).toMatchObject({ status: 'failed', attempts: TIMINGS.maxAttempts, last_http_status: 503, last_error: 'HTTP 503' })
  })

  it('signs with the current secret after a rotation', async () => {
    const rx = await receiver()
    await pointAt(rx)
    const secret = (await api.post('/v1/project/webhook-secret')).body.webhook_secret as string
    await cc.webhooks.enqueue('demo', event('call-rotated', 'created'))
    const [r] = await rx.waitFor(1)
    expect(verifyWebhookSignature({ secret, header: r!.headers['x-sobot-signature'], body: r!.raw })).toBe(true)
  })
})

describe('enqueue', () => {
  it('stores nothing when the company has no event URL', async () => {
    expect((await api.put('/v1/project', { event_url: null })).body).toMatchObject({ r: 0 })
    await expect(cc.webhooks.enqueue('demo', event('call-nowhere', 'created'))).resolves.toBeNull()
    expect((await api.get('/v1/project/webhook-events?call_id=call-nowhere')).body.data.totalCount).toBe('0')
  })

  it('refuses malformed events and unknown companies', async () => {
    const rx = await receiver()
    await pointAt(rx)
    await expect(cc.webhooks.enqueue('demo', { ...event('c', 'created'), call_status: 'exploded' as never })).rejects.toThrow(/call_status/)
    await expect(cc.webhooks.enqueue('demo', { ...event('c', 'created'), call_id: '' })).rejects.toThrow(/call_id/)
    await expect(cc.webhooks.enqueue('demo', { ...event('c', 'created'), from: { number: 5 } as never })).rejects.toThrow(/from/)
    await expect(cc.webhooks.enqueue('demo', event('c', 'ended', { endedBy: 'NOBODY' as never }))).rejects.toThrow(/endedBy/)
    await expect(cc.webhooks.enqueue('demo', event('c', 'ended', { duration: -1 }))).rejects.toThrow(/duration/)
    await expect(cc.webhooks.enqueue('nope', event('c', 'created'))).rejects.toThrow(/company/)
    expect((await api.get('/v1/project/webhook-events?call_id=c')).body.data.totalCount).toBe('0')
  })
})

describe('restart', () => {
  it('resumes undelivered webhooks after a restart, in order, and delivers each at least once', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sobot-webhook-restart-'))
    const rx = await receiver(() => 500)
    try {
      const first = await startServer({ dataDir, webhooks: TIMINGS })
      const client = restClient(first, await restToken(first))
      await pointAt(rx, client)
      for (const s of ['created', 'ringing', 'answered'] as const) await first.webhooks.enqueue('demo', event('call-restart', s))
      await rx.waitFor(2) // the first event has been tried and refused at least twice
      await first.close()
      const seenBefore = rx.requests.length
      expect(rx.requests.map((r) => `${r.body.call_id}:${r.body.call_status}`)).toEqual(rx.requests.map(() => 'call-restart:created'))

      rx.behaviour = () => 200
      const second = await startServer({ dataDir, webhooks: TIMINGS })
      try {
        const got = await rx.waitFor(seenBefore + 3)
        expect(got.slice(seenBefore).map((r) => r.body.call_status)).toEqual(['created', 'ringing', 'answered'])
        const client2 = restClient(second, await restToken(second))
        await waitUntil(
          async () => (await client2.get('/v1/project/webhook-events?call_id=call-restart&status=delivered')).body.data.totalCount === '3',
          5000,
          'all delivered',
        )
      } finally {
        await second.close()
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
