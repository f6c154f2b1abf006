import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { until } from '../support/calls'
import { restClient, type RestClient } from '../support/rest'
import { ok, recordOf } from '../support/routing'
import { restToken, startServer } from '../support/server'

// The routing engine's REST API: business hours, outbound display schemes, agents' outbound routes,
// realtime calls and stop call. Every bad input gets its result code, never a 500.
let cc: ContactCenter
let api: RestClient
let other: RestClient

beforeAll(async () => {
  cc = await startServer()
  api = restClient(cc, await restToken(cc))
  await cc.store.config.saveCompany({
    id: 'other',
    name: 'Other',
    projectId: 2,
    accountId: 2,
    accountSid: 'ACo',
    apiKeySid: 'SKother',
    eventUrl: null,
    webhookSecret: 'whsec_o',
  })
  other = restClient(cc, await restToken(cc, 'other'))
})
afterAll(async () => {
  await cc?.close()
})

const r = async (p: Promise<{ status: number; body: Record<string, any> }>): Promise<number> => {
  const res = await p
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(500)
  return res.body.r as number
}

describe('business hours', () => {
  it('defaults to Monday-Friday 08:00-18:00 UTC, changes what is given, and refuses bad values', async () => {
    expect((await api.get('/v1/business-hours')).body).toMatchObject({
      r: 0,
      project: 1,
      data: { timezone: 'UTC', default: true, closed_dates: [], week: { mon: ['08:00-18:00'], fri: ['08:00-18:00'], sat: [], sun: [] } },
    })
    for (const [body, code] of [
      [{ timezone: 'Mars/Olympus' }, 4],
      [{ timezone: 7 }, 3],
      [{ week: [] }, 3],
      [{ week: 'mon' }, 3],
      [{ week: { funday: [] } }, 4],
      [{ week: { mon: '08:00-18:00' } }, 3],
      [{ week: { mon: [8] } }, 3],
      [{ week: { mon: ['18:00-08:00'] } }, 4],
      [{ week: { mon: ['8:00-18:00'] } }, 4],
      [{ week: { mon: ['08:00-24:01'] } }, 4],
      [{ closed_dates: ['2025-13-01'] }, 4],
      [{ closed_dates: '2025-01-01' }, 3],
    ] as [Record<string, unknown>, number][]) {
      expect(await r(api.put('/v1/business-hours', body)), JSON.stringify(body)).toBe(code)
    }
    expect(await r(api.put('/v1/business-hours', '[1]'))).toBe(8)
    expect((await api.get('/v1/business-hours')).body.data.default).toBe(true) // nothing was saved

    await ok(
      api.put('/v1/business-hours', {
        timezone: 'Asia/Ho_Chi_Minh',
        week: { sat: ['09:00-12:00', '13:00-24:00'] },
        closed_dates: ['2026-01-01', '2025-09-02'],
      }),
    )
    expect((await api.get('/v1/business-hours')).body.data).toMatchObject({
      timezone: 'Asia/Ho_Chi_Minh',
      default: false,
      closed_dates: ['2025-09-02', '2026-01-01'],
      week: { mon: ['08:00-18:00'], sat: ['09:00-12:00', '13:00-24:00'], sun: [] },
    })
    // Per company.
    expect((await other.get('/v1/business-hours')).body.data).toMatchObject({ timezone: 'UTC', default: true })
    expect(await r(restClient(cc, undefined).get('/v1/business-hours'))).toBe(1)
  })
})

describe('outbound display schemes', () => {
  it("creates, lists, changes and deletes schemes of the company's outbound numbers", async () => {
    for (const [body, code] of [
      [{ numbers: ['842471000101'] }, 2],
      [{ name: 'x' }, 2],
      [{ name: 'x', numbers: [] }, 2],
      [{ name: 'x', numbers: '842471000101' }, 3],
      [{ name: 'x', numbers: ['849999999999'] }, 5],
      [{ name: 'x', code: 'bad code!', numbers: ['842471000101'] }, 4],
    ] as [Record<string, unknown>, number][]) {
      expect(await r(api.post('/v1/outbound-scheme', body)), JSON.stringify(body)).toBe(code)
    }
    const created = await ok(api.post('/v1/outbound-scheme', { name: 'North', numbers: ['842471000101', '842471000100'] }))
    expect(created.code).toMatch(/^OS_[A-Z0-9]{12}$/)
    await ok(api.post('/v1/outbound-scheme', { code: 'SOUTH', name: 'South', numbers: ['842471000102'] }))
    expect(await r(api.post('/v1/outbound-scheme', { code: 'SOUTH', name: 'again', numbers: ['842471000102'] }))).toBe(6)
    expect((await api.get('/v1/outbound-scheme')).body.data).toMatchObject({
      totalCount: '2',
      schemes: [{ code: created.code, name: 'North', numbers: ['842471000101', '842471000100'] }, { code: 'SOUTH' }],
    })
    await ok(api.put('/v1/outbound-scheme/SOUTH', { name: 'South 2', numbers: ['842471000101'] }))
    expect((await api.get('/v1/outbound-scheme/SOUTH')).body.data).toMatchObject({ name: 'South 2', numbers: ['842471000101'] })
    expect(await r(api.put('/v1/outbound-scheme/SOUTH', { numbers: [] }))).toBe(4)
    // A number that allows no outbound calls cannot be shown.
    await ok(api.put('/v1/number/NU_MAIN', { allow_outbound_calls: false }))
    expect(await r(api.put('/v1/outbound-scheme/SOUTH', { numbers: ['842471000100'] }))).toBe(4)
    await ok(api.put('/v1/number/NU_MAIN', { allow_outbound_calls: true }))

    // In use by an agent: not deleted.
    await ok(api.put('/v1/agent/agt-1002/outbound-route', { schemes: ['SOUTH'], current_rule: 2 }))
    expect(await r(api.del('/v1/outbound-scheme/SOUTH'))).toBe(7)
    await ok(api.put('/v1/agent/agt-1002/outbound-route', { schemes: null, current_rule: 1, current_scheme: null }))
    await ok(api.del('/v1/outbound-scheme/SOUTH'))
    expect(await r(api.get('/v1/outbound-scheme/SOUTH'))).toBe(5)
    // Another company sees none of them.
    expect(await r(other.get(`/v1/outbound-scheme/${created.code}`))).toBe(5)
    expect(await r(other.del(`/v1/outbound-scheme/${created.code}`))).toBe(5)
    expect(await r(other.post('/v1/outbound-scheme', { name: 'mine', numbers: ['842471000101'] }))).toBe(5)
  })
})

describe("agents' outbound routes", () => {
  it('has defaults, checks every reference, and keeps the current choice within what the agent may use', async () => {
    expect((await api.get('/v1/agent/agt-1003/outbound-route')).body.data).toEqual({
      agent_id: 'agt-1003',
      rules: [1, 2, 3],
      schemes: null,
      numbers: [],
      current_rule: 1,
      current_scheme: null,
      current_number: null,
    })
    for (const [body, code] of [
      [{ rules: [4] }, 4],
      [{ rules: [] }, 4],
      [{ rules: '1' }, 3],
      [{ schemes: ['NOPE'] }, 5],
      [{ schemes: 'NOPE' }, 3],
      [{ numbers: ['849999999999'] }, 5],
      [{ rules: [1], current_rule: 3 }, 4],
      [{ current_rule: 5 }, 4],
      [{ numbers: ['842471000101'], current_number: '842471000102' }, 5],
      [{ current_scheme: 'NOPE' }, 5],
    ] as [Record<string, unknown>, number][]) {
      expect(await r(api.put('/v1/agent/agt-1003/outbound-route', body)), JSON.stringify(body)).toBe(code)
    }
    expect(await r(api.get('/v1/agent/agt-nobody/outbound-route'))).toBe(5)
    expect(await r(other.get('/v1/agent/agt-1003/outbound-route'))).toBe(5)
    await ok(api.put('/v1/agent/agt-1003/outbound-route', { rules: [1, 3], numbers: ['842471000101', '842471000102'], current_rule: 3 }))
    expect((await api.get('/v1/agent/agt-1003/outbound-route')).body.data).toMatchObject({
      rules: [1, 3],
      numbers: ['842471000101', '842471000102'],
      current_rule: 3,
      current_number: '842471000101',
    })
    // Narrowing the rules moves the current one back inside them.
    await ok(api.put('/v1/agent/agt-1003/outbound-route', { rules: [1] }))
    expect((await api.get('/v1/agent/agt-1003/outbound-route')).body.data).toMatchObject({ rules: [1], current_rule: 1 })
  })
})

describe('realtime calls and stop call', () => {
  it("lists the company's calls in progress in Stringee's shape and stops one by id", async () => {
    const empty = (await api.get('/v1/call/realtime')).body
    expect(empty).toMatchObject({ r: 0, message: 'Load call(s) success', data: { totalCount: 0, currentPage: 1, limit: 200, calls: [] } })
    // Nobody is logged in: the caller waits in QU_SUPPORT.
    cc.network!.callIn('842471000102', '13977000001')
    await until(async () => (await api.get('/v1/call/realtime')).body.data.calls[0]?.state === 'queued', 'the call to wait in its queue')
    const { calls } = (await api.get('/v1/call/realtime')).body.data
    expect(calls).toEqual([
      {
        callId: expect.stringMatching(/^call-/),
        stringeeNumber: '842471000102',
        agent: '',
        startTime: expect.any(Number),
        answeredTime: 0,
        stringeeNumberNickname: 'Support line',
        customerNumber: '13977000001',
        direction: 'callin',
        queueId: 'QU_SUPPORT',
        state: 'queued',
      },
    ])
    const callId = calls[0].callId as string
    expect((await other.get('/v1/call/realtime')).body.data.calls).toEqual([])
    expect((await other.post('/v1/call/stop', { callId })).body).toMatchObject({ r: 5, msg: expect.any(String) })
    expect(await r(api.post('/v1/call/stop', {}))).toBe(2)
    expect(await r(api.post('/v1/call/stop', { callId: 7 }))).toBe(3)
    expect(await r(api.post('/v1/call/stop', { callId: 'call-unknown' }))).toBe(5)
    expect(await r(api.get('/v1/call/realtime?limit=0'))).toBe(4)

    expect((await api.post('/v1/call/stop', { callId })).body).toMatchObject({ r: 0, message: 'Stop call success', callId })
    await until(() => cc.network!.list().find((c) => c.number === '13977000001')?.state === 'ended', 'the caller to be hung up')
    expect(await recordOf(cc, '13977000001')).toMatchObject({
      id: callId,
      status: 2,
      queueId: 'QU_SUPPORT',
      endCallReason: 'SERVER_HANGUP',
    })
    expect((await api.get('/v1/call/realtime')).body.data.calls).toEqual([])
    expect(await r(api.post('/v1/call/stop', { callId }))).toBe(5)
  })
})
