import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { ANNOUNCEMENT_TONE_HZ, Prompts } from '../../server/calls/prompts'
import { CUSTOMER_TONE_HZ } from '../../server/sim/network'
import { sleep, until } from '../support/calls'
import { startReceiver, type Receiver } from '../support/receiver'
import { restClient, type RestClient } from '../support/rest'
import { deskAgent, hears, ok, recordOf, uploadTone, type DeskAgent } from '../support/routing'
import { restToken, startServer } from '../support/server'

// IVR trees with real calls: the customer (the simulated network) hears each node's prompt and
// presses keys (RFC 4733 DTMF); keys route to a queue, go to another node, forward the call to a
// phone number through the trunk, or stop the call; EMPTY_KEY and INVALID_KEY entries apply. Each
// call is checked against its record (status, ivr_duration, the keys in attached_data) and webhooks.
const GREETING_HZ = 500
let cc: ContactCenter
let api: RestClient
let events: Receiver
let agent: DeskAgent
let queueId: string
let menu: string // number of the talk-mode tree
let short: string // number of the play-mode tree

beforeAll(async () => {
  cc = await startServer()
  api = restClient(cc, await restToken(cc))
  events = await startReceiver()
  await ok(api.put('/v1/project', { event_url: events.url }))
  agent = await deskAgent(cc, '1001')
  queueId = (await ok(api.post('/v1/queue', { name: 'IVR queue', record_calls: false, cond_routing: 2, agent_wrap_up_after_calls: false })))
    .queueID
  const groupId = (await ok(api.post('/v1/group', { name: 'IVR team' }))).groupID
  await ok(api.post('/v1/manage-agents-in-group', { agent_id: 'agt-1001', group_id: groupId }))
  await ok(api.post('/v1/routing-call-to-groups', { queue_id: queueId, group_id: groupId, priority: 1 }))
  const greeting = await uploadTone(api, GREETING_HZ, 0.5)

  // Tree 1: a spoken menu. 1 the queue, 2 the second node, 9 stop.
  const t1 = (await ok(api.post('/v1/ivrtree', { tree_name: 'Menu' }))).ivrTreeID
  const welcome = (
    await ok(
      api.post('/v1/ivrnode', {
        tree: t1,
        node_name: 'Welcome',
        node_play_mode: 'talk',
        node_play_content: 'Welcome. For sales press 1. For more press 2. To hang up press 9.',
        keypress_timeout: 5,
        voice: 'en',
      }),
    )
  ).ivrNodeID
  const more = (
    await ok(
      api.post('/v1/ivrnode', { tree: t1, node_name: 'More', node_play_mode: 'play', node_play_content: greeting, keypress_timeout: 5 }),
    )
  ).ivrNodeID
  await ok(api.post('/v1/ivrkeypress', { node: welcome, node_key: '1', action: 2, queue_id: queueId }))
  await ok(api.post('/v1/ivrkeypress', { node: welcome, node_key: '2', action: 4, next_node: more }))
  await ok(api.post('/v1/ivrkeypress', { node: welcome, node_key: '9', action: 6 }))
  await ok(
    api.post('/v1/ivrkeypress', {
      node: more,
      node_key: '3',
      action: 3,
      to_phone_number: '13955550003',
      from_number_callout_to_agent: '842475000000',
    }),
  )
  menu = '842475000001'
  await ok(api.post('/v1/number', { number: menu, enable_ivr: true, ivr_menu: t1 }))

  // Tree 2: a short played prompt, no barge-in, two loops of 1 s; 5 stops, a wrong key goes to the
  // queue (INVALID_KEY), silence stops the call (EMPTY_KEY).
  const t2 = (await ok(api.post('/v1/ivrtree', { tree_name: 'Short' }))).ivrTreeID
  const only = (
    await ok(
      api.post('/v1/ivrnode', {
        tree: t2,
        node_name: 'Only',
        node_play_mode: 'play',
        node_play_content: greeting,
        keypress_timeout: 1,
        loop_count: 2,
        bargeIn: false,
      }),
    )
  ).ivrNodeID
  await ok(api.post('/v1/ivrkeypress', { node: only, node_key: '5', action: 6 }))
  await ok(api.post('/v1/ivrkeypress', { node: only, node_key: 'INVALID_KEY', action: 2, queue_id: queueId }))
  await ok(api.post('/v1/ivrkeypress', { node: only, node_key: 'EMPTY_KEY', action: 6 }))
  short = '842475000002'
  await ok(api.post('/v1/number', { number: short, enable_ivr: true, ivr_menu: t2 }))
})
afterAll(async () => {
  await agent?.agent.resetLogout().catch(() => {})
  agent?.agent.destroy()
  await agent?.phone.close()
  await cc?.close()
  await events?.close()
})

function customer(number: string) {
  const view = cc.network!.list().find((c) => c.number === number && c.direction === 'inbound')!
  return { id: view.id, sim: cc.network!.simCall(view.id)! }
}

async function dial(to: string, from: string) {
  cc.network!.callIn(to, from)
  await until(() => !!cc.network!.list().find((c) => c.number === from)?.answeredAt, 'the IVR to answer', 8000)
  return customer(from)
}

describe('IVR', () => {
  it('routes to a queue on a key pressed during the spoken prompt; the keys travel with the call', async () => {
    // scripts/ensure-system-deps.sh installs espeak-ng for the tests: the prompt is speech, several
    // seconds of it (the chime that stands in for it without espeak-ng lasts half a second).
    expect(
      await new Prompts({ greetings: cc.store.greetings }).ttsEngine(),
      'espeak-ng is missing: run scripts/ensure-system-deps.sh',
    ).toBe('espeak-ng')
    const c = await dial(menu, '13955000001')
    await until(() => c.sim.receivedRms(Date.now() - 300) > 0.01, 'the prompt')
    await sleep(1500)
    expect(c.sim.receivedRms(Date.now() - 600)).toBeGreaterThan(0.005)
    expect(c.sim.toneLevel(ANNOUNCEMENT_TONE_HZ[1], 600)).toBeLessThan(0.05)
    cc.network!.sendDtmf(c.id, '1')
    const est = await agent.log.waitFor('EventEstablished', undefined, 10_000)
    expect(est.attachedData).toEqual({ ivr: ['1'] })
    expect(est).toMatchObject({ DNIS: menu, ANI: '13955000001' })
    await agent.agent.hangup()
    const rec = await recordOf(cc, '13955000001')
    expect(rec).toMatchObject({
      id: est.callID,
      stringeeNumber: menu,
      queueId,
      status: 1,
      agentId: 'agt-1001',
      attachedData: { ivr: ['1'] },
    })
    expect(rec.ivrDuration).toBeLessThan(5) // barge-in: the key cut the prompt short
    const [answered] = await events.waitFor(1, (r) => r.body.call_id === est.callID && r.body.call_status === 'answered')
    expect(JSON.parse(answered!.body.clientCustomData as string)).toEqual({ ivr: ['1'] })
  })

  it('goes to another node (an uploaded greeting), then forwards the call to a phone number through the trunk', async () => {
    const c = await dial(menu, '13955000002')
    await until(() => c.sim.receivedRms(Date.now() - 300) > 0.01, 'the prompt')
    cc.network!.sendDtmf(c.id, '2')
    await hears(c.sim, GREETING_HZ, "the second node's greeting")
    cc.network!.sendDtmf(c.id, '3')
    await until(
      () => cc.network!.list().some((x) => x.direction === 'outbound' && x.number === '13955550003' && x.state === 'talking'),
      'the forwarded number to answer',
      10_000,
    )
    const fwd = cc.network!.list().find((x) => x.number === '13955550003')!
    expect(fwd.to).toBe('842475000000')
    // The caller and the forwarded number hear each other (the network's phones send 440 Hz).
    await hears(c.sim, CUSTOMER_TONE_HZ, 'the forwarded party')
    await hears(cc.network!.simCall(fwd.id)!, CUSTOMER_TONE_HZ, 'the caller, at the forwarded number')
    cc.network!.hangup(fwd.id)
    await c.sim.waitEnded(8000)
    const rec = await recordOf(cc, '13955000002')
    expect(rec).toMatchObject({ status: 1, callee: '13955550003', attachedData: { ivr: ['2', '3'] }, routeToAgent: false, queueId: null })
    expect(rec.answerTime).toBeGreaterThan(0)
  })

  it('stops the call on key 9: status 3 (stopped at the IVR), callType IVR', async () => {
    const c = await dial(menu, '13955000003')
    await until(() => c.sim.receivedRms(Date.now() - 300) > 0.01, 'the prompt')
    cc.network!.sendDtmf(c.id, '9')
    await c.sim.waitEnded(8000)
    const rec = await recordOf(cc, '13955000003')
    expect(rec).toMatchObject({ status: 3, attachedData: { ivr: ['9'] }, agentId: null, endCallReason: 'SERVER_HANGUP' })
    const [ended] = await events.waitFor(1, (r) => r.body.call_id === rec.id && r.body.call_status === 'ended')
    expect(ended!.body).toMatchObject({ callType: 'IVR', endedBy: 'INTERNAL' })
    expect((await api.get('/v1/call/log?status=3')).body.data.rows.map((r: { id: string }) => r.id)).toContain(rec.id)
  })

  it('ignores keys during a prompt without barge-in, and takes the INVALID_KEY entry for a key without one', async () => {
    const c = await dial(short, '13955000004')
    await hears(c.sim, GREETING_HZ, 'the greeting')
    cc.network!.sendDtmf(c.id, '5') // would stop the call, but the prompt cannot be interrupted
    await until(() => c.sim.toneLevel(GREETING_HZ, 200) < 0.01, 'the greeting to end')
    expect(c.sim.ended).toBe(false)
    cc.network!.sendDtmf(c.id, '7')
    const est = await agent.log.next('EventEstablished', undefined, 10_000)
    expect(est.attachedData).toEqual({ ivr: ['7'] })
    await agent.agent.hangup()
    expect(await recordOf(cc, '13955000004')).toMatchObject({ status: 1, queueId, attachedData: { ivr: ['7'] } })
  })

  it('plays the node loop_count times without a key, then takes EMPTY_KEY; ivr_duration covers it', async () => {
    const t0 = Date.now()
    const c = await dial(short, '13955000005')
    await c.sim.waitEnded(15_000)
    const took = Date.now() - t0
    // Two loops of a 0.5 s greeting and a 1 s wait.
    expect(took).toBeGreaterThanOrEqual(2800)
    const rec = await recordOf(cc, '13955000005')
    expect(rec).toMatchObject({ status: 3, attachedData: {}, agentId: null })
    expect(rec.ivrDuration).toBeGreaterThanOrEqual(2)
    expect(rec.ivrDuration).toBeLessThanOrEqual(Math.ceil(took / 1000))
  })

  it('answers the seeded main line with its IVR menu and routes key 1 to QU_SALES', async () => {
    const c = await dial('842471000100', '13955000006')
    await until(() => c.sim.receivedRms(Date.now() - 300) > 0.01, 'the prompt')
    cc.network!.sendDtmf(c.id, '1')
    // 1001 serves QU_SALES through the seeded GR_SALES.
    const est = await agent.log.next('EventEstablished', undefined, 10_000)
    expect(est).toMatchObject({ DNIS: '842471000100', attachedData: { ivr: ['1'] } })
    await agent.agent.hangup()
    expect(await recordOf(cc, '13955000006')).toMatchObject({ queueId: 'QU_SALES', status: 1 })
  })
})
