import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { readWav } from '../../server/switch/recorder'
import { CUSTOMER_TONE_HZ } from '../../server/sim/network'
import { BEEP_HZ } from '../../server/calls/prompts'
import { toneAmplitude } from '../../server/switch/audio'
import { sleep, until } from '../support/calls'
import { startReceiver, type Receiver } from '../support/receiver'
import { restClient, type RestClient } from '../support/rest'
import { deskAgent, hears, ok, recordOf, uploadTone, type DeskAgent } from '../support/routing'
import { restToken, startServer } from '../support/server'
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

// Queue overflow with real calls: a full queue and a caller waiting too long go to voicemail (a beep,
// then the caller's own audio recorded, one channel); a queue outside its business hours takes a
// voicemail or says it is closed; the queue's wait and hold greetings are what callers hear.
const VOICEMAIL_MAX_S = 3
let cc: ContactCenter
let api: RestClient
let events: Receiver
const desks: DeskAgent[] = []
const tmp = mkdtempSync(path.join(tmpdir(), 'sobot-vm-'))

beforeAll(async () => {
  cc = await startServer({ routing: { voicemailMaxSeconds: VOICEMAIL_MAX_S } })
  api = restClient(cc, await restToken(cc))
  events = await startReceiver()
  await ok(api.put('/v1/project', { event_url: events.url }))
})
afterEach(async () => {
  for (const d of desks.splice(0)) {
    await d.agent.resetLogout().catch(() => {})
    d.agent.destroy()
    await d.phone.close()
  }
})
afterAll(async () => {
  await cc?.close()
  await events?.close()
  rmSync(tmp, { recursive: true, force: true })
})

let n = 0
/** A queue nobody serves unless `agents` are given; its number. */
async function queue(settings: Record<string, unknown>, agents: string[] = []): Promise<{ queueId: string; number: string }> {
  const queueId = (
    await ok(
      api.post('/v1/queue', {
        name: `Overflow ${++n}`,
        record_calls: false,
        cond_routing: 2,
        agent_wrap_up_after_calls: false,
        ...settings,
      }),
    )
  ).queueID as string
  if (agents.length) {
    const groupId = (await ok(api.post('/v1/group', { name: `G ${n}` }))).groupID as string
    for (const a of agents) await ok(api.post('/v1/manage-agents-in-group', { agent_id: `agt-${a}`, group_id: groupId }))
    await ok(api.post('/v1/routing-call-to-groups', { queue_id: queueId, group_id: groupId, priority: 1 }))
  }
  const number = `84247400${String(n).padStart(4, '0')}`
  await ok(api.post('/v1/number', { number, queue_id: queueId }))
  return { queueId, number }
}

function simOf(customer: string) {
  const view = cc.network!.list().find((c) => c.number === customer && c.direction === 'inbound')!
  return { id: view.id, sim: cc.network!.simCall(view.id)! }
}

/** The recording of a call, downloaded through the REST API. */
async function recording(callId: string): Promise<{ channels: number; data: Int16Array[] }> {
  const res = await fetch(`${cc.url}/v1/call/recording/${callId}`, { headers: { 'x-stringee-auth': await restToken(cc) } })
  expect(res.status).toBe(200)
  const file = path.join(tmp, `${callId}.wav`)
  writeFileSync(file, Buffer.from(await res.arrayBuffer()))
  return readWav(file)
}

describe('overflow to voicemail', () => {
  it('sends a call beyond maximum_queue_size to voicemail: a beep, then the caller alone is recorded', async () => {
    const { queueId, number } = await queue({ maximum_queue_size: 1, maximum_queue_wait_time: 0 })
    cc.network!.callIn(number, '13933000001')
    await until(() => cc.calls.waitingCount(queueId) === 1, 'the first caller to wait')
    cc.network!.callIn(number, '13933000002')
    const second = await until(
      () => !!cc.network!.list().find((c) => c.number === '13933000002')?.answeredAt,
      'the second call to be answered',
    ).then(() => simOf('13933000002'))
    await hears(second.sim, BEEP_HZ, 'the voicemail beep', 8000, 0.1)
    expect(cc.calls.waitingCount(queueId)).toBe(1) // the first caller still waits; the second never queued
    await sleep(1500) // the message
    cc.network!.hangup(second.id)

    const rec = await recordOf(cc, '13933000002', (r) => r.endTime > 0 && r.recorded)
    expect(rec).toMatchObject({ queueId, status: 2, haveVoiceMail: true, recorded: true, routeToAgent: false, agentId: null })
    const wav = await recording(rec.id)
    expect(wav.channels).toBe(1)
    const tail = wav.data[0]!.subarray(Math.max(0, wav.data[0]!.length - 8000))
    expect(toneAmplitude(tail, CUSTOMER_TONE_HZ)).toBeGreaterThan(0.05) // the caller's own 440 Hz
    expect(toneAmplitude(tail, BEEP_HZ)).toBeLessThan(0.02) // not what the caller heard
    expect(wav.data[0]!.length / 8000).toBeGreaterThan(1)
    const voicemails = (await api.get('/v1/call/log?has_voicemail=1')).body.data
    expect(voicemails.rows.map((r: { id: string }) => r.id)).toEqual([rec.id])
    expect(voicemails.rows[0]).toMatchObject({
      have_voice_mail: true,
      recorded: true,
      record_path: `/v1/call/recording/${rec.id}`,
      status: 2,
    })
    const [ended] = await events.waitFor(1, (r) => r.body.call_id === rec.id && r.body.call_status === 'ended')
    expect(ended!.body).toMatchObject({ endedBy: 'EXTERNAL', callType: 'CALL' })

    cc.network!.hangup(simOf('13933000001').id)
    await recordOf(cc, '13933000001')
  })

  it('sends a caller waiting longer than maximum_queue_wait_time to voicemail, and hangs up at the voicemail limit', async () => {
    const { queueId, number } = await queue({ maximum_queue_wait_time: 2, maximum_queue_size: 0 })
    const t0 = Date.now()
    cc.network!.callIn(number, '13933000003')
    await until(() => cc.calls.waitingCount(queueId) === 1, 'the caller to wait')
    const { sim } = simOf('13933000003')
    await hears(sim, BEEP_HZ, 'the voicemail beep', 8000, 0.1)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000)
    expect(cc.calls.waitingCount(queueId)).toBe(0)
    // Nobody hangs up: the server ends the message after VOICEMAIL_MAX_S seconds.
    await sim.waitEnded(VOICEMAIL_MAX_S * 1000 + 5000)
    const rec = await recordOf(cc, '13933000003', (r) => r.endTime > 0 && r.recorded)
    expect(rec).toMatchObject({ haveVoiceMail: true, status: 2, endCallReason: 'SERVER_HANGUP' })
    expect(rec.enqueueTime).toBeGreaterThanOrEqual(2)
    const wav = await recording(rec.id)
    expect(wav.data[0]!.length / 8000).toBeGreaterThan(VOICEMAIL_MAX_S - 1)
    expect(wav.data[0]!.length / 8000).toBeLessThan(VOICEMAIL_MAX_S + 1)
  })
})

describe('business hours (schedule 2)', () => {
  it('outside the hours: voicemail with enable_voicemail, else a closed message and a hang-up; inside: agents', async () => {
    // Closed all week in the company's time zone.
    await ok(
      api.put('/v1/business-hours', {
        timezone: 'Asia/Ho_Chi_Minh',
        week: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
      }),
    )
    expect((await api.get('/v1/business-hours')).body.data).toMatchObject({ timezone: 'Asia/Ho_Chi_Minh', open_now: false, default: false })
    const withVm = await queue({ schedule: 2, enable_voicemail: true })
    cc.network!.callIn(withVm.number, '13933000004')
    await until(() => !!cc.network!.list().find((c) => c.number === '13933000004')?.answeredAt, 'the call to be answered')
    const vm = simOf('13933000004')
    await hears(vm.sim, BEEP_HZ, 'the voicemail beep', 8000, 0.1)
    await sleep(800)
    cc.network!.hangup(vm.id)
    expect(await recordOf(cc, '13933000004', (r) => r.endTime > 0 && r.recorded)).toMatchObject({
      haveVoiceMail: true,
      status: 2,
      queueId: withVm.queueId,
    })

    const agent = await deskAgent(cc, '1001')
    desks.push(agent)
    const closed = await queue({ schedule: 2, enable_voicemail: false }, ['1001'])
    cc.network!.callIn(closed.number, '13933000005')
    await until(() => !!cc.network!.list().find((c) => c.number === '13933000005')?.answeredAt, 'the call to be answered')
    const msg = simOf('13933000005')
    await until(() => msg.sim.receivedRms(Date.now() - 500) > 0.01, 'the closed message')
    await msg.sim.waitEnded(20_000) // the server hangs up after the message
    expect(await recordOf(cc, '13933000005')).toMatchObject({
      haveVoiceMail: false,
      status: 2,
      agentId: null,
      endCallReason: 'SERVER_HANGUP',
    })
    expect(agent.phone.calls.size).toBe(0) // the ready agent was never offered it

    // Open around the clock: the same queue routes to its agent.
    await ok(
      api.put('/v1/business-hours', {
        week: {
          mon: ['00:00-24:00'],
          tue: ['00:00-24:00'],
          wed: ['00:00-24:00'],
          thu: ['00:00-24:00'],
          fri: ['00:00-24:00'],
          sat: ['00:00-24:00'],
          sun: ['00:00-24:00'],
        },
      }),
    )
    cc.network!.callIn(closed.number, '13933000006')
    await agent.log.waitFor('EventEstablished', undefined, 10_000)
    await agent.agent.hangup()
    expect(await recordOf(cc, '13933000006')).toMatchObject({ agentId: 'agt-1001', status: 1 })
  })
})

describe('greetings from uploaded files', () => {
  it('plays wait_greeting to waiting callers and hold_greeting on hold', async () => {
    const wait = await uploadTone(api, 700, 1)
    const hold = await uploadTone(api, 1200, 1)
    const agent = await deskAgent(cc, '1002', { autoAnswer: false })
    desks.push(agent)
    await agent.agent.notReady({ reasonCode: 11 })
    const { number } = await queue({ wait_greeting: wait, hold_greeting: hold, maximum_queue_wait_time: 0 }, ['1002'])
    cc.network!.callIn(number, '13933000007')
    await until(() => !!cc.network!.list().find((c) => c.number === '13933000007')?.answeredAt, 'the call to be answered')
    const { sim } = simOf('13933000007')
    await hears(sim, 700, 'the wait greeting')
    await sleep(1200) // it loops
    expect(sim.toneLevel(700, 400)).toBeGreaterThan(0.05)

    const rings = agent.log.next('EventRinging', undefined, 10_000)
    await agent.agent.ready()
    await rings
    await until(() => agent.phone.calls.size > 0, "the agent's phone to ring")
    ;[...agent.phone.calls][0]!.answer()
    await agent.log.waitFor('EventEstablished', undefined, 10_000)
    await until(() => sim.toneLevel(700, 400) < 0.01, 'the greeting to stop')
    await agent.agent.holdCall()
    await hears(sim, 1200, 'the hold greeting')
    expect(sim.toneLevel(700, 400)).toBeLessThan(0.01)
    await agent.agent.retrieveCall()
    await until(() => sim.toneLevel(1200, 400) < 0.01, 'the hold greeting to stop')
    await agent.agent.hangup()
  })
})
