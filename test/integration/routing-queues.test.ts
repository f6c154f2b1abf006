import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import type { Simulator } from '../../server/sim/simulator'
import { nextIncoming, sleep, until } from '../support/calls'
import { startReceiver, type Receiver } from '../support/receiver'
import { restClient, type RestClient } from '../support/rest'
import { command, deskAgent, ok, recordOf, webPhoneAgent, type DeskAgent } from '../support/routing'
import { restToken, startServer } from '../support/server'

// Group routing with real calls: the simulated network calls the contact center's numbers, agents
// answer on SIP phones (simulators), and each outcome is checked against the call records and the
// call-event webhooks a local receiver got.
let cc: ContactCenter
let api: RestClient
let events: Receiver
const desks: DeskAgent[] = []
const phones: Simulator[] = []
const webAgents: { token: string; session: string }[] = []

beforeAll(async () => {
  cc = await startServer()
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
  for (const w of webAgents.splice(0)) await command(cc, w.token, 'resetLogout', {}, w.session)
  await Promise.all(phones.splice(0).map((p) => p.close()))
})
afterAll(async () => {
  await cc?.close()
  await events?.close()
})

async function desk(id: string, autoAnswer = true): Promise<DeskAgent> {
  const d = await deskAgent(cc, id, { autoAnswer })
  desks.push(d)
  return d
}

let numbers = 0
/** A queue served by groups (agent work numbers, priority), reached on a new number. */
async function queue(settings: Record<string, unknown>, groups: [string[], number][]): Promise<{ queueId: string; number: string }> {
  const queueId = (
    await ok(
      api.post('/v1/queue', {
        name: `Q${Date.now()}`,
        wait_agent_answer_timeout: 3,
        wrap_up_time_limit: 1,
        record_calls: false,
        ...settings,
      }),
    )
  ).queueID as string
  for (const [agents, priority] of groups) {
    const groupId = (await ok(api.post('/v1/group', { name: `G${priority}` }))).groupID as string
    for (const a of agents) await ok(api.post('/v1/manage-agents-in-group', { agent_id: `agt-${a}`, group_id: groupId }))
    await ok(api.post('/v1/routing-call-to-groups', { queue_id: queueId, group_id: groupId, priority }))
  }
  const number = `8424720${String(++numbers).padStart(5, '0')}`
  await ok(api.post('/v1/number', { number, nickname: `line ${numbers}`, queue_id: queueId }))
  return { queueId, number }
}

/** The webhooks received for a call, as [call_status, to.number] pairs in order. */
async function hooks(callId: string, until: string): Promise<[string, string][]> {
  await events.waitFor(1, (r) => r.body.call_id === callId && r.body.call_status === until, 10_000)
  return events.requests
    .filter((r) => r.body.call_id === callId)
    .map((r) => [r.body.call_status as string, (r.body.to as { number: string }).number])
}

describe('routing through group priorities', () => {
  it('refuses a call to a number nobody configured (404) and records nothing', async () => {
    const before = (await api.get('/v1/call/log')).body.data.totalCount
    const view = cc.network!.callIn('849999999999', '13911000000')
    await until(() => cc.network!.get(view.id)!.state === 'ended', 'the call to be refused')
    expect(cc.network!.get(view.id)).toMatchObject({ answeredAt: null, endCause: 'Not Found' })
    expect((await api.get('/v1/call/log')).body.data.totalCount).toBe(before)
  })

  it("offers a queue's calls to its first-priority group before the second, whoever has been idle longer", async () => {
    const second = await desk('1002') // idle longest, but in the priority-2 group
    await sleep(50)
    const first = await desk('1001')
    const { queueId, number } = await queue({ cond_routing: 2 }, [
      [['1001'], 1],
      [['1002'], 2],
    ])

    cc.network!.callIn(number, '13911000001')
    const est1 = await first.log.waitFor('EventEstablished', undefined, 10_000)
    expect(est1).toMatchObject({ DNIS: number, ANI: '13911000001', otherDN: '13911000001', thisDN: '8001' })
    // 1001 is busy: the next call goes to the priority-2 group.
    cc.network!.callIn(number, '13911000002')
    const est2 = await second.log.waitFor('EventEstablished', undefined, 10_000)
    expect(est2.callID).not.toBe(est1.callID)
    await first.agent.hangup()
    await second.agent.hangup()

    const r1 = await recordOf(cc, '13911000001')
    expect(r1).toMatchObject({
      id: est1.callID,
      direction: 1,
      stringeeNumber: number,
      queueId,
      agentId: 'agt-1001',
      status: 1,
      routeToAgent: true,
    })
    const r2 = await recordOf(cc, '13911000002')
    expect(r2).toMatchObject({ id: est2.callID, queueId, agentId: 'agt-1002', status: 1 })
    expect(await hooks(est1.callID, 'ended')).toEqual([
      ['created', number],
      ['started', number],
      ['ringing', '8001'],
      ['answered', '8001'],
      ['agentEnded', '8001'],
      ['ended', number],
    ])
    expect((await hooks(est2.callID, 'answered')).slice(2, 4)).toEqual([
      ['ringing', '8002'],
      ['answered', '8002'],
    ])
    // Wrap-up as the queue says: one second of ACW, then ready again.
    expect(await first.log.waitFor('EventAgentAfterCallWork')).toMatchObject({ acwSeconds: 1 })
    await first.log.waitFor('EventAgentReady', (e) => e.workStatus === 'ready', 5000, first.log.events.length - 1)
  })

  it('moves an unanswered call to the next agent after wait_agent_answer_timeout (3 s)', async () => {
    const slow = await desk('1001', false)
    const quick = await desk('1002')
    const { number } = await queue({ cond_routing: 2, agent_wrap_up_after_calls: false }, [
      [['1001'], 1],
      [['1002'], 2],
    ])
    const ringing = nextIncoming(slow.phone)
    cc.network!.callIn(number, '13911000003')
    const r1 = await slow.log.waitFor('EventRinging', undefined, 10_000)
    await ringing
    const rang = Date.now()
    expect(await slow.log.waitFor('EventReleased', undefined, 8000)).toMatchObject({
      callID: r1.callID,
      releaseCause: 'noAnswer',
      workStatus: 'ready',
    })
    const est = await quick.log.waitFor('EventEstablished', undefined, 10_000)
    expect(est.callID).toBe(r1.callID)
    expect(Date.now() - rang).toBeGreaterThanOrEqual(2800)
    await quick.agent.hangup()
    // No wrap-up on this queue: the agent is ready at once.
    expect(await quick.log.waitFor('EventReleased')).toMatchObject({ workStatus: 'ready' })

    expect(await recordOf(cc, '13911000003')).toMatchObject({ agentId: 'agt-1002', status: 1 })
    const h = await hooks(r1.callID, 'ended')
    expect(h.filter(([s]) => s === 'ringing').map(([, to]) => to)).toEqual(['8001', '8002'])
    const missed = events.requests.find(
      (r) => r.body.call_id === r1.callID && r.body.call_status === 'agentEnded' && (r.body.to as { number: string }).number === '8001',
    )
    expect(missed?.body).toMatchObject({ endCallCause: '480 Temporarily Unavailable', answerDuration: 0 })
    const times = events.requests
      .filter((r) => r.body.call_id === r1.callID && r.body.call_status === 'ringing')
      .map((r) => r.body.timestamp_ms as number)
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(3000)
  })

  it('cond_routing 1 leaves SIP phones out; the web phone and routing_type 2 agents (their phone number) get the calls', async () => {
    const desk3 = await desk('1003') // a SIP phone, idle longest
    const web = await webPhoneAgent(cc, '1004')
    phones.push(web.phone)
    webAgents.push(web)
    const { queueId, number } = await queue({ cond_routing: 1, from_number_callout_to_agent: '842470000999' }, [
      [['1003', '1004', '1005'], 1],
    ])

    const webRings = nextIncoming(web.phone)
    cc.network!.callIn(number, '13911000004')
    await webRings
    const rec = await recordOf(cc, '13911000004', (r) => r.agentId !== null)
    expect(rec).toMatchObject({ agentId: 'agt-1004', queueId })
    expect(desk3.phone.calls.size).toBe(0)
    cc.network!.hangup(cc.network!.list().find((c) => c.number === '13911000004')!.id)
    await recordOf(cc, '13911000004')

    // 1004 steps away; 1005 routes calls to its phone number through the trunk.
    await ok(api.put('/v1/agent/agt-1005', { routing_type: 2, phone_number: '13800005555' }))
    const d5 = await deskAgent(cc, '1005', { autoAnswer: false })
    desks.push(d5)
    await until(
      async () => (await command(cc, web.token, 'notReady', { reasonCode: 11 }, web.session)).status === 'success',
      '1004 to be not ready',
    )
    cc.network!.callIn(number, '13911000005')
    const est = await d5.log.waitFor('EventEstablished', undefined, 10_000)
    expect(est).toMatchObject({ otherDN: '13911000005' })
    const mobile = cc.network!.list().find((c) => c.direction === 'outbound' && c.number === '13800005555')
    expect(mobile).toMatchObject({ to: '842470000999', state: 'talking' })
    expect(d5.phone.calls.size).toBe(0) // not its SIP phone
    expect(desk3.phone.calls.size).toBe(0)
    cc.network!.hangup(mobile!.id)
    expect(await recordOf(cc, '13911000005')).toMatchObject({ agentId: 'agt-1005', status: 1 })
    await ok(api.put('/v1/agent/agt-1005', { routing_type: 1 }))
  })
})
