import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { devToken, restToken, startServer } from '../support/server'
import { restClient, type RestClient } from '../support/rest'

// Contract tests of the queue API (stringee-queue-api.txt) against the real server: the document's
// sample requests get its sample shapes, every field keeps its documented default, bad input gets its
// documented result code (docs/REST_API.md), never a 500.
const SECRET = 'rest-queue-test-secret-0123456789abcdef'
let cc: ContactCenter
let api: RestClient

beforeAll(async () => {
  cc = await startServer({ jwtSecret: SECRET })
  api = restClient(cc, await restToken(cc))
})
afterAll(async () => {
  await cc?.close()
})

const SAMPLE_CREATE = {
  name: 'QUEUE_NAME',
  record_calls: false,
  agent_wrap_up_after_calls: true,
  wrap_up_time_limit: 20,
  schedule: 2,
  wait_agent_answer_timeout: 15,
  wait_greeting: 'file-1.mp3',
  maximum_queue_size: 5,
  maximum_queue_wait_time: 60,
}

async function createQueue(body: Record<string, unknown> = { name: 'Q' }): Promise<string> {
  const res = await api.post('/v1/queue', body)
  expect(res.body).toMatchObject({ r: 0 })
  return res.body.queueID as string
}

describe('create a queue: POST /v1/queue', () => {
  it('answers the sample request with the sample response', async () => {
    const res = await api.post('/v1/queue', SAMPLE_CREATE)
    expect(res.status).toBe(200)
    expect(Object.keys(res.body).sort()).toEqual(['message', 'project', 'queueID', 'r'])
    expect(res.body).toMatchObject({ r: 0, project: 1, message: 'Create queue success' })
    expect(res.body.queueID).toMatch(/^QU_[A-Z0-9]{16}$/)
    const row = await api.get(`/v1/queue/${res.body.queueID}`)
    expect(row.body.data).toMatchObject({
      id: res.body.queueID,
      account: 1,
      project: 1,
      name: 'QUEUE_NAME',
      record_calls: 0,
      agent_wrap_up_after_calls: 1,
      wrap_up_time_limit: 20,
      schedule: 2,
      wait_agent_answer_timeout: 15,
      wait_greeting: 'file-1.mp3',
      hold_greeting: '',
      maximum_queue_size: 5,
      maximum_queue_wait_time: 60,
      enable_voicemail: 0,
    })
  })

  it('gives every field left out its documented default', async () => {
    const id = await createQueue({ name: 'Defaults' })
    const { body } = await api.get(`/v1/queue/${id}`)
    expect(body.data).toEqual({
      id,
      account: 1,
      project: 1,
      name: 'Defaults',
      record_calls: 1,
      agent_wrap_up_after_calls: 1,
      wrap_up_time_limit: 10,
      schedule: 1,
      wait_agent_answer_timeout: 15,
      wait_greeting: '',
      hold_greeting: '',
      maximum_queue_size: 5,
      maximum_queue_wait_time: 60,
      from_number_callout_to_agent: '',
      get_list_agents_url: '',
      cond_routing: 1,
      enable_voicemail: 0,
    })
  })

  it('stores every field of the document', async () => {
    const id = await createQueue({
      name: 'Everything',
      record_calls: true,
      agent_wrap_up_after_calls: false,
      wrap_up_time_limit: 0,
      schedule: 1,
      wait_agent_answer_timeout: 3,
      wait_greeting: 'wait.wav',
      hold_greeting: 'hold.wav',
      maximum_queue_size: 7,
      maximum_queue_wait_time: 90,
      from_number_callout_to_agent: '842471000101',
      get_list_agents_url: 'https://crm.example.com/agents?x=1',
      cond_routing: 2,
    })
    const { body } = await api.get(`/v1/queue/${id}`)
    expect(body.data).toMatchObject({
      record_calls: 1,
      agent_wrap_up_after_calls: 0,
      wrap_up_time_limit: 0,
      wait_agent_answer_timeout: 3,
      wait_greeting: 'wait.wav',
      hold_greeting: 'hold.wav',
      maximum_queue_size: 7,
      maximum_queue_wait_time: 90,
      from_number_callout_to_agent: '842471000101',
      get_list_agents_url: 'https://crm.example.com/agents?x=1',
      cond_routing: 2,
    })
    // The in-memory Directory the call control reads has the same settings.
    expect(cc.dir.queues.get(id)?.settings).toMatchObject({
      record_calls: true,
      wait_agent_answer_timeout: 3,
      cond_routing: 2,
      get_list_agents_url: 'https://crm.example.com/agents?x=1',
    })
  })
})

describe('list queues: GET /v1/queue', () => {
  it('answers the sample request in the sample shape', async () => {
    const res = await api.get('/v1/queue')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ r: 0, message: 'Load queue(s) success', project: 1 })
    const data = res.body.data
    expect(typeof data.totalCount).toBe('string')
    const total = Number(data.totalCount)
    expect(data).toMatchObject({ totalPages: Math.ceil(total / 50), currentPage: 1, limit: 50 })
    expect(data.queues).toHaveLength(Math.min(total, 50))
    const sales = data.queues.find((q: { id: string }) => q.id === 'QU_SALES')
    expect(sales).toMatchObject({
      id: 'QU_SALES',
      account: 1,
      project: 1,
      name: 'Sales',
      record_calls: 1,
      wait_greeting: '',
      hold_greeting: '',
    })
    for (const k of [
      'id',
      'account',
      'project',
      'name',
      'agent_wrap_up_after_calls',
      'wrap_up_time_limit',
      'enable_voicemail',
      'schedule',
      'wait_greeting',
      'hold_greeting',
      'wait_agent_answer_timeout',
      'record_calls',
    ]) {
      expect(sales).toHaveProperty(k)
    }
  })

  it('pages with page and limit', async () => {
    for (let i = 0; i < 3; i++) await createQueue({ name: `Paged ${i}` })
    const all = (await api.get('/v1/queue?limit=100')).body.data
    const total = Number(all.totalCount)
    expect(total).toBeGreaterThanOrEqual(5)
    const page2 = (await api.get('/v1/queue?page=2&limit=2')).body.data
    expect(page2).toMatchObject({ totalCount: String(total), totalPages: Math.ceil(total / 2), currentPage: 2, limit: 2 })
    expect(page2.queues.map((q: { id: string }) => q.id)).toEqual(all.queues.slice(2, 4).map((q: { id: string }) => q.id))
    const beyond = (await api.get(`/v1/queue?page=${total + 1}&limit=1`)).body.data
    expect(beyond.queues).toEqual([])
  })

  it('refuses bad paging with r = 3 or 4', async () => {
    expect((await api.get('/v1/queue?page=0')).body).toMatchObject({ r: 4 })
    expect((await api.get('/v1/queue?limit=1000')).body).toMatchObject({ r: 4 })
    expect((await api.get('/v1/queue?limit=abc')).body).toMatchObject({ r: 3 })
  })
})

describe('update a queue: PUT /v1/queue/{QUEUE_ID}', () => {
  it('answers the sample request with the sample response, changing only what it names', async () => {
    const id = await createQueue({ ...SAMPLE_CREATE, record_calls: true, name: 'To update' })
    const res = await api.put(`/v1/queue/${id}`, { record_calls: false, wait_agent_answer_timeout: 33 })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ r: 0, message: 'Update queue success', project: 1 })
    const { body } = await api.get(`/v1/queue/${id}`)
    expect(body.data).toMatchObject({
      name: 'To update',
      record_calls: 0,
      wait_agent_answer_timeout: 33,
      wrap_up_time_limit: 20,
      schedule: 2,
      wait_greeting: 'file-1.mp3',
    })
  })

  it('clears a greeting with ""', async () => {
    const id = await createQueue({ name: 'Greeting', wait_greeting: 'a.wav', hold_greeting: 'b.wav' })
    expect((await api.put(`/v1/queue/${id}`, { wait_greeting: '', hold_greeting: null })).body).toMatchObject({ r: 0 })
    expect((await api.get(`/v1/queue/${id}`)).body.data).toMatchObject({ wait_greeting: '', hold_greeting: '' })
  })
})

describe('delete a queue: DELETE /v1/queue/{QUEUE_ID}', () => {
  it('answers the sample request with the sample response', async () => {
    const id = await createQueue({ name: 'To delete' })
    const res = await api.call('DELETE', `/v1/queue/${id}`, undefined, { 'content-type': 'application/json' })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ r: 0, project: 1, message: 'Delete queue success' })
    expect((await api.get(`/v1/queue/${id}`)).body).toMatchObject({ r: 5 })
    expect(cc.dir.queues.has(id)).toBe(false)
  })

  it('refuses to delete a queue that numbers or IVR keys route to (r = 7)', async () => {
    const res = await api.del('/v1/queue/QU_SALES')
    expect(res.status).toBe(409)
    expect(res.body).toMatchObject({ r: 7, project: 1 })
    expect(res.body.message).toContain('842471000101')
    expect(cc.dir.queues.has('QU_SALES')).toBe(true)
  })
})

describe('bad input gets its documented result code, never a 500', () => {
  const cases: [string, Record<string, unknown> | string, number][] = [
    ['no name', { record_calls: true }, 2],
    ['an empty name', { name: '  ' }, 2],
    ['a null name', { name: null }, 2],
    ['a number as the name', { name: 5 }, 3],
    ['wait_agent_answer_timeout below 3', { name: 'x', wait_agent_answer_timeout: 2 }, 4],
    ['a negative wrap_up_time_limit', { name: 'x', wrap_up_time_limit: -1 }, 4],
    ['schedule 3', { name: 'x', schedule: 3 }, 4],
    ['cond_routing 0', { name: 'x', cond_routing: 0 }, 4],
    ['a string as record_calls', { name: 'x', record_calls: 'yes' }, 3],
    ['a string as wrap_up_time_limit', { name: 'x', wrap_up_time_limit: '20' }, 3],
    ['a fraction as maximum_queue_size', { name: 'x', maximum_queue_size: 1.5 }, 3],
    ['an object as wait_greeting', { name: 'x', wait_greeting: { f: 1 } }, 3],
    ['an ftp get_list_agents_url', { name: 'x', get_list_agents_url: 'ftp://x' }, 4],
    ['letters as from_number_callout_to_agent', { name: 'x', from_number_callout_to_agent: 'abc' }, 4],
    ['a name of 1000 characters', { name: 'x'.repeat(1000) }, 4],
    ['an array body', '[1,2]', 8],
    ['broken JSON', '{"name": ', 8],
    ['a JSON string body', '"name"', 8],
  ]
  for (const [what, body, r] of cases) {
    it(`create with ${what}: r = ${r}`, async () => {
      const res = await api.post('/v1/queue', body)
      expect(res.body).toMatchObject({ r })
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expect(typeof res.body.message).toBe('string')
    })
  }

  it('update with a timeout below 3 is refused and changes nothing', async () => {
    const id = await createQueue({ name: 'Unchanged', wait_agent_answer_timeout: 20 })
    expect((await api.put(`/v1/queue/${id}`, { wait_agent_answer_timeout: 2, name: 'Changed' })).body).toMatchObject({ r: 4 })
    expect((await api.get(`/v1/queue/${id}`)).body.data).toMatchObject({ name: 'Unchanged', wait_agent_answer_timeout: 20 })
  })

  it('an unknown queue is r = 5 for get, update and delete', async () => {
    for (const res of [
      await api.get('/v1/queue/QU_NOPE'),
      await api.put('/v1/queue/QU_NOPE', { name: 'x' }),
      await api.del('/v1/queue/QU_NOPE'),
    ]) {
      expect(res.status).toBe(404)
      expect(res.body).toMatchObject({ r: 5, project: 1 })
    }
  })

  it('a body that is not JSON is r = 8', async () => {
    const res = await api.call('POST', '/v1/queue', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(res.body).toMatchObject({ r: 8 })
    expect(res.status).toBe(400)
  })

  it('hostile requests get a result code and a 4xx, never a 500', async () => {
    const probes: [string, string, string | undefined, Record<string, string>, number][] = [
      ['GET', '/v1/call/recording/%ZZ', undefined, {}, 4],
      ['GET', `/v1/queue/${'x'.repeat(5000)}`, undefined, {}, 4],
      ['GET', '/v1/call/log?call_id=%00', undefined, {}, 4],
      ['GET', '/v1/call/log?answer_duration=99999999999', undefined, {}, 4],
      ['GET', '/v1/greetingfile/%00', undefined, {}, 4],
      ['POST', '/v1/queue', '{"name":"\\u0000x"}', { 'content-type': 'application/json' }, 4],
      ['POST', '/v1/queue', JSON.stringify({ name: 'ok', wait_greeting: 'a\u0000b' }), { 'content-type': 'application/json' }, 4],
      ['POST', '/v1/queue', 'x'.repeat(300_000), { 'content-type': 'application/json' }, 10],
      ['POST', '/v1/greetingfile', '--x\r\nbroken', { 'content-type': 'multipart/form-data; boundary=x' }, 8],
      ['POST', '/v1/greetingfile', 'no boundary', { 'content-type': 'multipart/form-data' }, 8],
      ['PATCH', '/v1/queue/QU_SALES', '{}', { 'content-type': 'application/json' }, 9],
    ]
    for (const [method, p, body, headers, r] of probes) {
      const res = await api.call(method, p, body, headers)
      expect(res.body, `${method} ${p.slice(0, 40)}`).toMatchObject({ r })
      expect(res.status, `${method} ${p.slice(0, 40)}`).toBeGreaterThanOrEqual(400)
      expect(res.status, `${method} ${p.slice(0, 40)}`).toBeLessThan(500)
    }
  })

  it('an unknown route is r = 9', async () => {
    const res = await api.get('/v1/queues')
    expect(res.status).toBe(404)
    expect(res.body).toMatchObject({ r: 9 })
  })
})

describe('authentication: X-STRINGEE-AUTH on every request', () => {
  const sign = (claims: Record<string, unknown>, opts: { exp?: number; secret?: string; jti?: boolean } = {}) => {
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('SKdemo')
      .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 60)
    if (opts.jti !== false) jwt = jwt.setJti(`jti-${Math.random()}`)
    return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET))
  }

  it('accepts a token made by a backend the way the guide shows (jti, iss, exp, rest_api)', async () => {
    const res = await restClient(cc, await sign({ rest_api: true })).get('/v1/queue')
    expect(res.body).toMatchObject({ r: 0 })
  })

  it('refuses every bad token with r = 1 and HTTP 401, before reading the body', async () => {
    const bad: [string, string | undefined][] = [
      ['no header', undefined],
      ['garbage', 'not-a-jwt'],
      ['an agent token', await devToken(cc, '1001')],
      ['no rest_api claim', await sign({})],
      ['rest_api false', await sign({ rest_api: false })],
      ['an expired token', await sign({ rest_api: true }, { exp: Math.floor(Date.now() / 1000) - 10 })],
      ['another secret', await sign({ rest_api: true }, { secret: 'another-secret-0123456789abcdef0123' })],
      ['no jti', await sign({ rest_api: true }, { jti: false })],
    ]
    for (const [what, token] of bad) {
      const client = restClient(cc, token)
      for (const res of [
        await client.get('/v1/queue'),
        await client.post('/v1/queue', '{broken'),
        await client.del('/v1/queue/QU_SALES'),
      ]) {
        expect(res.status, what).toBe(401)
        expect(res.body, what).toMatchObject({ r: 1 })
      }
    }
    expect(cc.dir.queues.has('QU_SALES')).toBe(true)
  })

  it('refuses a token whose API key names no company', async () => {
    const token = await new SignJWT({ rest_api: true })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('SKnobody')
      .setJti('x')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
      .sign(new TextEncoder().encode(SECRET))
    expect((await restClient(cc, token).get('/v1/queue')).body).toMatchObject({ r: 1 })
  })

  it('a REST token is refused by the agent command API', async () => {
    const token = await restToken(cc)
    const res = await fetch(`${cc.url}/cti/v1/agent/_init`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ companyId: 'demo', agent: '1001' }),
    })
    expect(res.status).toBe(401)
  })

  it("keeps companies apart: another company sees none of demo's queues and cannot touch them", async () => {
    await cc.store.config.saveCompany({
      id: 'other',
      name: 'Other',
      projectId: 2,
      accountId: 2,
      accountSid: 'ACother',
      apiKeySid: 'SKother',
      eventUrl: null,
      webhookSecret: 'whsec_x',
    })
    const other = restClient(cc, await restToken(cc, 'other'))
    const list = await other.get('/v1/queue')
    expect(list.body).toMatchObject({ r: 0, project: 2, data: { totalCount: '0', queues: [] } })
    expect((await other.put('/v1/queue/QU_SALES', { name: 'mine' })).body).toMatchObject({ r: 5 })
    expect((await other.del('/v1/queue/QU_SUPPORT')).body).toMatchObject({ r: 5 })
    const id = (await other.post('/v1/queue', { name: 'Other queue' })).body.queueID
    expect((await api.get(`/v1/queue/${id}`)).body).toMatchObject({ r: 5 })
    expect(cc.dir.queues.get('QU_SALES')?.name).toBe('Sales')
  })
})
