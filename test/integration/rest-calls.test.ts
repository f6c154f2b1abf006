import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { MAX_GREETING_BYTES } from '../../server/api'
import { decodeWav, encodeWav, linearToMulaw } from '../../server/api/wav'
import type { CallRecord, NewCallRecord } from '../../server/store'
import { restToken, startServer } from '../support/server'
import { restClient, type RestClient } from '../support/rest'

// The call management API (stringee-call-management-api.txt): call history with every filter, paging
// and sort; recordings; greeting uploads. Call records are written through the store's call-record
// API, the one the call control uses.
let cc: ContactCenter
let api: RestClient

beforeAll(async () => {
  cc = await startServer()
  api = restClient(cc, await restToken(cc))
})
afterAll(async () => {
  await cc?.close()
})

/** The fields of the document's sample row. */
const SAMPLE_ROW_FIELDS = [
  'object_type',
  'id',
  'project_id',
  'customer_number',
  'stringee_number',
  'direction',
  'start_time',
  'end_time',
  'answer_time',
  'enqueue_time',
  'duration',
  'ivr_duration',
  'portal',
  'account',
  'hold_duration',
  'talk_duration',
  'recorded',
  'have_voice_mail',
  'end_call_reason',
  'route_to_agent',
  'acw_duration',
  'status',
  'account_name',
  'account_email',
  'campaign_name',
  'contactname',
  'company_id',
  'companyname',
  'from_user_id',
  'record_path',
  'participants',
  'answer_duration',
  'answer_duration_minutes',
  'first_answer_time',
  'callee',
  'video_call',
]

const BASE = 1_626_627_600_000
/** Twelve calls with every field varied, in start order. */
function fixture(): NewCallRecord[] {
  const out: NewCallRecord[] = []
  for (let i = 0; i < 12; i++) {
    out.push({
      id: `call-vn-1-TEST${String(i).padStart(4, '0')}-${BASE + i}`,
      companyId: 'demo',
      direction: (i % 3) as 0 | 1 | 2,
      startTime: BASE + i * 60_000,
      customerNumber: `8498888${String(1000 + i)}`,
      stringeeNumber: i % 2 ? '842471000101' : '842471000102',
      agentId: i % 4 === 0 ? 'agt-1001' : 'agt-1002',
      accountName: i % 4 === 0 ? 'Alice Chen' : 'Bruno Silva',
      status: ((i % 4) + 1) as 1 | 2 | 3 | 4,
      enqueueTime: i * 2,
      haveVoiceMail: i === 5,
      queueId: i % 2 ? 'QU_SALES' : 'QU_SUPPORT',
      attachedData: { order: i },
      portal: 'PT8LB2FD3Q',
      routeToAgent: i % 4 === 0,
    })
  }
  return out
}
let calls: CallRecord[] = []

beforeAll(async () => {
  for (const rec of fixture()) {
    await cc.store.calls.create(rec)
    const i = Number(rec.id.slice(14, 18))
    const answered = rec.status === 1
    const updated = await cc.store.calls.finish('demo', rec.id, {
      endTime: rec.startTime + 30_000 + i * 1000,
      answerTime: answered ? rec.startTime + 10_000 : 0,
      firstAnswerTime: answered ? rec.startTime + 10_000 : null,
      endCallReason: answered ? 'USER_END_CALL' : 'TIMEOUT_ANSWER',
      endCause: answered ? 'USER_END_CALL' : '480 Temporarily Unavailable',
      satisfactionKey: answered ? '5' : null,
    })
    calls.push(updated!)
  }
})

const ids = (rows: { id: string }[]): string[] => rows.map((r) => r.id)
const byStartDesc = (a: CallRecord, b: CallRecord): number => b.startTime - a.startTime || b.id.localeCompare(a.id)

describe('call history: GET /v1/call/log', () => {
  it('answers the sample request in the sample shape, with every field of the sample row', async () => {
    const res = await api.get('/v1/call/log')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ r: 0, msg: 'Success', data: { totalCount: 12, totalPages: 2, currentPage: 1, limit: 10 } })
    const rows = res.body.data.rows as Record<string, unknown>[]
    expect(ids(rows as { id: string }[])).toEqual(ids([...calls].sort(byStartDesc).slice(0, 10)))
    for (const f of SAMPLE_ROW_FIELDS) expect(rows[0], f).toHaveProperty(f)
    const answered = calls.find((c) => c.status === 1 && c.id.includes('TEST0008'))!
    const row = rows.find((r) => r.id === answered.id)
    expect(row).toMatchObject({
      object_type: 'call',
      project_id: 1,
      customer_number: answered.customerNumber,
      stringee_number: '842471000102',
      direction: 2,
      start_time: answered.startTime,
      end_time: answered.startTime + 38_000,
      answer_time: answered.startTime + 10_000,
      first_answer_time: answered.startTime + 10_000,
      duration: 38,
      answer_duration: 28,
      answer_duration_minutes: 1,
      talk_duration: 28,
      enqueue_time: 16,
      account: 'agt-1001',
      account_name: 'Alice Chen',
      portal: 'PT8LB2FD3Q',
      recorded: false,
      record_path: null,
      have_voice_mail: false,
      end_call_reason: 'USER_END_CALL',
      route_to_agent: true,
      status: 1,
      queue_id: 'QU_SUPPORT',
      attached_data: { order: 8 },
      end_cause: 'USER_END_CALL',
      satisfaction_key: '5',
    })
  })

  it('filters by each documented parameter', async () => {
    const t0 = BASE + 2 * 60_000
    const t1 = BASE + 6 * 60_000
    const checks: [string, (c: CallRecord) => boolean][] = [
      [`call_id=${calls[3]!.id}`, (c) => c.id === calls[3]!.id],
      [`time=${t0}-${t1}`, (c) => c.startTime >= t0 && c.startTime <= t1],
      [`time=${t0}-`, (c) => c.startTime >= t0],
      [`time=-${t1}`, (c) => c.startTime <= t1],
      ['answer_duration=20', (c) => c.answerDuration >= 20],
      ['queue_duration=10', (c) => c.enqueueTime >= 10],
      ['direction=1', (c) => c.direction === 1],
      ['direction=0', (c) => c.direction === 0],
      ['agent_id=agt-1001', (c) => c.agentId === 'agt-1001'],
      ['status=2', (c) => c.status === 2],
      ['stringee_number=0101', (c) => c.stringeeNumber.includes('0101')],
      ['customer_number=1007', (c) => c.customerNumber.includes('1007')],
      ['has_voicemail=1', (c) => c.haveVoiceMail],
      ['has_voicemail=0', (c) => !c.haveVoiceMail],
      [`direction=1&status=2&time=${BASE}-${BASE + 11 * 60_000}`, (c) => c.direction === 1 && c.status === 2],
    ]
    for (const [query, pred] of checks) {
      const res = await api.get(`/v1/call/log?limit=100&${query}`)
      const expected = calls.filter(pred).sort(byStartDesc)
      expect(expected.length, query).toBeGreaterThan(0)
      expect(expected.length, query).toBeLessThan(calls.length)
      expect(res.body.data.totalCount, query).toBe(expected.length)
      expect(ids(res.body.data.rows), query).toEqual(ids(expected))
    }
  })

  it('answers the StringeeX sample request (call_id empty, a time range, a direction) at /v1/call/history too', async () => {
    const res = await api.get(`/v1/call/history?call_id=&time=${BASE}-${BASE + 86_399_999}&direction=1`)
    expect(res.body).toMatchObject({ r: 0, msg: 'Success' })
    expect(ids(res.body.data.rows)).toEqual(ids(calls.filter((c) => c.direction === 1).sort(byStartDesc)))
  })

  it('pages and sorts', async () => {
    const page2 = await api.get('/v1/call/log?page=2&limit=5')
    expect(page2.body.data).toMatchObject({ totalCount: 12, totalPages: 3, currentPage: 2, limit: 5 })
    expect(ids(page2.body.data.rows)).toEqual(ids([...calls].sort(byStartDesc).slice(5, 10)))
    const asc = await api.get('/v1/call/log?sort_by=duration&sort_order=asc&limit=100')
    expect(ids(asc.body.data.rows)).toEqual(ids([...calls].sort((a, b) => a.duration - b.duration || a.id.localeCompare(b.id))))
    const desc = await api.get('/v1/call/log?sort_by=enqueue_time&sort_order=DESC&limit=3')
    expect(ids(desc.body.data.rows)).toEqual(
      ids([...calls].sort((a, b) => b.enqueueTime - a.enqueueTime || b.id.localeCompare(a.id)).slice(0, 3)),
    )
  })

  it('refuses a sort_order not allowed with r = 12, and a sort_by off the list with r = 13', async () => {
    for (const order of ['up', 'random', '1; drop table call_records']) {
      const res = await api.get(`/v1/call/log?sort_order=${encodeURIComponent(order)}`)
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ r: 12 })
      expect(typeof res.body.msg).toBe('string')
    }
    for (const by of ['password', 'start_time; drop table call_records', 'company_id']) {
      const res = await api.get(`/v1/call/log?sort_by=${encodeURIComponent(by)}`)
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ r: 13 })
    }
    expect((await api.get('/v1/call/log')).body.data.totalCount).toBe(12)
  })

  it('refuses bad filters with documented codes, never a 500', async () => {
    const cases: [string, number][] = [
      ['direction=5', 4],
      ['direction=x', 3],
      ['status=0', 4],
      ['has_voicemail=2', 4],
      ['answer_duration=-1', 4],
      ['time=yesterday', 4],
      ['time=5-1', 4],
      ['limit=0', 4],
      ['limit=101', 4],
      ['page=-1', 4],
      ['call_id=a&call_id=b', 3],
    ]
    for (const [q, r] of cases) {
      const res = await api.get(`/v1/call/log?${q}`)
      expect(res.body, q).toMatchObject({ r })
      expect(res.status, q).toBe(400)
    }
  })

  it('shows a company only its own calls', async () => {
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
    const other = restClient(cc, await restToken(cc, 'other'))
    expect((await other.get('/v1/call/log')).body.data).toMatchObject({ totalCount: 0, rows: [] })
    expect((await other.get(`/v1/call/log?call_id=${calls[0]!.id}`)).body.data.totalCount).toBe(0)
  })
})

describe('recordings: GET and DELETE /v1/call/recording/{CALL_ID}', () => {
  it("downloads a call's recording, and deletes it", async () => {
    const call = calls[0]!
    const audio = encodeWav(
      Int16Array.from({ length: 8000 }, (_, i) => Math.round(8000 * Math.sin(i / 3))),
      8000,
    )
    const rec = await cc.store.recordings.save('demo', call.id, audio, { durationMs: 1000 })
    expect(existsSync(rec.file)).toBe(true)
    const row = (await api.get(`/v1/call/log?call_id=${call.id}`)).body.data.rows[0]
    expect(row).toMatchObject({ recorded: true, record_path: `/v1/call/recording/${call.id}` })

    const res = await fetch(`${cc.url}${row.record_path}`, { headers: { 'x-stringee-auth': await restToken(cc) } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('audio/wav')
    expect(Buffer.from(await res.arrayBuffer()).equals(audio)).toBe(true)

    const del = await api.del(`/v1/call/recording/${call.id}`)
    expect(del.body).toMatchObject({ r: 0, msg: 'Delete record success' })
    expect(existsSync(rec.file)).toBe(false)
    expect((await api.get(`/v1/call/recording/${call.id}`)).body).toMatchObject({ r: 5 })
    expect((await api.del(`/v1/call/recording/${call.id}`)).body).toMatchObject({ r: 5 })
    expect((await api.get(`/v1/call/log?call_id=${call.id}`)).body.data.rows[0]).toMatchObject({ recorded: false, record_path: null })
  })

  it("an unknown call, or another company's, has no recording (r = 5)", async () => {
    await cc.store.recordings.save('demo', calls[1]!.id, encodeWav(new Int16Array(80), 8000))
    expect((await api.get('/v1/call/recording/call-nope')).body).toMatchObject({ r: 5 })
    await cc.store.config.saveCompany({
      id: 'third',
      name: 'Third',
      projectId: 3,
      accountId: 3,
      accountSid: 'ACt',
      apiKeySid: 'SKthird',
      eventUrl: null,
      webhookSecret: 'whsec_t',
    })
    const third = restClient(cc, await restToken(cc, 'third'))
    expect((await third.get(`/v1/call/recording/${calls[1]!.id}`)).body).toMatchObject({ r: 5 })
    expect((await third.del(`/v1/call/recording/${calls[1]!.id}`)).body).toMatchObject({ r: 5 })
    expect(await cc.store.recordings.get('demo', calls[1]!.id)).toBeDefined()
  })
})

describe('greeting files: /v1/greetingfile', () => {
  const tone = (rate: number, seconds: number, hz = 440, amp = 12000): Int16Array =>
    Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate)))
  const upload = (file: Uint8Array, opts: { field?: string; desc?: string; name?: string } = {}) => {
    const form = new FormData()
    if (opts.desc !== undefined) form.append('desc', opts.desc)
    form.append(opts.field ?? 'file_upload', new Blob([new Uint8Array(file)], { type: 'audio/wav' }), opts.name ?? 'greeting.wav')
    return api.post('/v1/greetingfile', form)
  }
  const fetchStored = async (fileSid: string) => {
    const res = await fetch(`${cc.url}/v1/greetingfile/${fileSid}/file`, { headers: { 'x-stringee-auth': await restToken(cc) } })
    expect(res.status).toBe(200)
    return decodeWav(new Uint8Array(await res.arrayBuffer()))
  }
  const crossings = (s: Int16Array): number => {
    let n = 0
    for (let i = 1; i < s.length; i++) if (s[i - 1]! < 0 !== s[i]! < 0) n++
    return n
  }

  it("uploads an 8 kHz PCM16 WAV as the document's form does, and keeps it as it is", async () => {
    const samples = tone(8000, 1)
    const res = await upload(encodeWav(samples, 8000), { desc: 'desc 123' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ r: 0, project: 1, message: 'Upload file success' })
    expect(res.body.filename).toMatch(/^[A-Z0-9]{10}-\d+\.wav$/)
    expect(res.body.fileSid).toMatch(/^[A-Z0-9]{16}$/)
    const stored = await fetchStored(res.body.fileSid)
    expect(stored).toMatchObject({ encoding: 'pcm16', channels: 1, sampleRate: 8000 })
    expect([...stored.samples]).toEqual([...samples])
    const list = await api.get('/v1/greetingfile')
    expect(list.body.data.files).toContainEqual(
      expect.objectContaining({
        fileSid: res.body.fileSid,
        filename: res.body.filename,
        desc: 'desc 123',
        original_name: 'greeting.wav',
        sample_rate: 8000,
        channels: 1,
        duration_ms: 1000,
      }),
    )
  })

  it('converts 44.1 kHz stereo PCM16 and 16 kHz mu-law to 8 kHz mono, keeping the tone', async () => {
    const stereo = tone(44_100, 0.5)
    const interleaved = new Int16Array(stereo.length * 2)
    stereo.forEach((v, i) => {
      interleaved[2 * i] = v
      interleaved[2 * i + 1] = v
    })
    const a = await upload(encodeWav(interleaved, 44_100, { channels: 2 }), { name: 'cd.wav' })
    expect(a.body).toMatchObject({ r: 0 })
    const sa = await fetchStored(a.body.fileSid)
    expect(sa).toMatchObject({ sampleRate: 8000, channels: 1 })
    expect(sa.samples.length).toBe(4000)
    // 440 Hz for half a second crosses zero about 440 times.
    expect(Math.abs(crossings(sa.samples) - 440)).toBeLessThan(10)

    const mu = Uint8Array.from(tone(16_000, 0.25), (v) => linearToMulaw(v))
    const b = await upload(encodeWav(mu, 16_000, { encoding: 'mulaw' }), { name: 'phone.wav' })
    expect(b.body).toMatchObject({ r: 0 })
    const sb = await fetchStored(b.body.fileSid)
    expect(sb.samples.length).toBe(2000)
    expect(Math.abs(crossings(sb.samples) - 220)).toBeLessThan(10)
    const peak = Math.max(...sb.samples.map((v) => Math.abs(v)))
    expect(peak).toBeGreaterThan(10_000)
    expect(peak).toBeLessThan(13_000)
  })

  it('refuses what it cannot play with r = 11, a missing file with r = 2, a JSON body with r = 8', async () => {
    const pcm8 = encodeWav(new Int16Array(0), 8000)
    pcm8.writeUInt16LE(8, 34) // 8-bit PCM
    const float = encodeWav(tone(8000, 0.1), 8000)
    float.writeUInt16LE(3, 20) // IEEE float
    const bad: [string, Uint8Array][] = [
      ['8-bit PCM', pcm8],
      ['float', float],
      ['not a WAV', Buffer.from('ID3\x03\x00 this is an mp3, honestly')],
      ['empty', new Uint8Array(0)],
      ['header only', encodeWav(new Int16Array(0), 8000)],
    ]
    for (const [what, file] of bad) {
      const res = await upload(file)
      expect(res.body, what).toMatchObject({ r: 11 })
      expect(res.status, what).toBe(415)
    }
    expect((await upload(encodeWav(tone(8000, 0.1), 8000), { field: 'file' })).body).toMatchObject({ r: 2 })
    expect((await api.post('/v1/greetingfile', { file_upload: 'x' })).body).toMatchObject({ r: 8 })
  })

  it('accepts a file of several megabytes (a minute of CD-quality stereo)', async () => {
    const samples = tone(44_100, 60, 440, 8000)
    const interleaved = new Int16Array(samples.length * 2)
    samples.forEach((v, i) => {
      interleaved[2 * i] = v
      interleaved[2 * i + 1] = v
    })
    const file = encodeWav(interleaved, 44_100, { channels: 2 })
    expect(file.byteLength).toBeGreaterThan(10_000_000)
    const res = await upload(file)
    expect(res.body).toMatchObject({ r: 0, data: { duration_ms: 60_000, bytes: 44 + 60 * 8000 * 2 } })
  })

  it('refuses a file over the limit with r = 10', async () => {
    const res = await upload(new Uint8Array(MAX_GREETING_BYTES + 1024))
    expect(res.body).toMatchObject({ r: 10 })
    expect(res.status).toBe(413)
  })

  it('a greeting in use by a queue or an IVR node cannot be deleted; unused, it goes with its file', async () => {
    const up = (await upload(encodeWav(tone(8000, 0.2), 8000))).body
    const queue = (await api.post('/v1/queue', { name: 'With music', hold_greeting: up.filename })).body.queueID
    const node = (
      await api.post('/v1/ivrnode', { tree: 'TR_MAIN', node_name: 'Jingle', node_play_mode: 'play', node_play_content: up.filename })
    ).body
    expect(node).toMatchObject({ r: 0 })
    const del = await api.del(`/v1/greetingfile/${up.fileSid}`)
    expect(del.body).toMatchObject({ r: 7 })
    expect(del.body.message).toContain(queue)
    await api.put(`/v1/queue/${queue}`, { hold_greeting: '' })
    await api.del(`/v1/ivrnode/${node.ivrNodeID}`)
    const g = await cc.store.greetings.get('demo', up.fileSid)
    expect(existsSync(cc.store.greetings.fileOf(g!))).toBe(true)
    expect((await api.del(`/v1/greetingfile/${up.fileSid}`)).body).toMatchObject({ r: 0 })
    expect(existsSync(cc.store.greetings.fileOf(g!))).toBe(false)
    expect((await api.get(`/v1/greetingfile/${up.fileSid}`)).body).toMatchObject({ r: 5 })
  })
})
