import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { nextIncoming } from '../support/calls'
import { startReceiver, type Behaviour, type Receiver } from '../support/receiver'
import { restClient, type RestClient } from '../support/rest'
import { deskAgent, ok, recordOf, type DeskAgent } from '../support/routing'
import { restToken, startServer } from '../support/server'

// A queue's get_list_agents_url with real webhooks: one that answers (agents in its order, with
// their own answer timeouts), one that fails, one that hangs, one that answers nonsense. The last
// three fall back to group routing. The timeout is shortened for the tests (1.5 s; 3 s by default).
const LIST_TIMEOUT_MS = 1500
let cc: ContactCenter
let api: RestClient
let crm: Receiver
let events: Receiver
const desks: DeskAgent[] = []
/** How the CRM answers, per queue. */
const answers = new Map<string, Behaviour>()

beforeAll(async () => {
  cc = await startServer({ routing: { agentListTimeoutMs: LIST_TIMEOUT_MS } })
  api = restClient(cc, await restToken(cc))
  crm = await startReceiver((req, i) => answers.get(req.body.queueId as string)?.(req, i) ?? 404)
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
  await crm?.close()
  await events?.close()
})

async function desk(id: string, autoAnswer = true): Promise<DeskAgent> {
  const d = await deskAgent(cc, id, { autoAnswer })
  desks.push(d)
  return d
}

let n = 0
/** A queue whose groups hold `groupAgents`, asking the CRM receiver for agents; its number. */
async function crmQueue(groupAgents: string[], behaviour: Behaviour): Promise<{ queueId: string; number: string }> {
  const queueId = (
    await ok(
      api.post('/v1/queue', {
        name: `CRM ${++n}`,
        wait_agent_answer_timeout: 10,
        agent_wrap_up_after_calls: false,
        record_calls: false,
        cond_routing: 2,
        get_list_agents_url: `${crm.url}?q=${n}`,
      }),
    )
  ).queueID as string
  answers.set(queueId, behaviour)
  const groupId = (await ok(api.post('/v1/group', { name: `G ${n}` }))).groupID as string
  for (const a of groupAgents) await ok(api.post('/v1/manage-agents-in-group', { agent_id: `agt-${a}`, group_id: groupId }))
  await ok(api.post('/v1/routing-call-to-groups', { queue_id: queueId, group_id: groupId, primary_group: 1 }))
  const number = `84247300${String(n).padStart(4, '0')}`
  await ok(api.post('/v1/number', { number, queue_id: queueId }))
  return { queueId, number }
}

/** When the call-event webhook says the call began ringing an agent. */
function ringingAt(callId: string): Promise<number> {
  return events
    .waitFor(1, (r) => r.body.call_id === callId && r.body.call_status === 'ringing', 10_000)
    .then(([r]) => r!.body.timestamp_ms as number)
}

function answeredBy(callId: string): Promise<string> {
  return events
    .waitFor(1, (r) => r.body.call_id === callId && r.body.call_status === 'answered', 10_000)
    .then(([r]) => (r!.body.to as { number: string }).number)
}

describe('get_list_agents_url', () => {
  it('offers the call to the listed agents in order, skipping the busy, each with its own answer timeout', async () => {
    await desk('1005') // the queue's group: it would take the call without the list
    const slow = await desk('1002', false)
    const quick = await desk('1001')
    const { queueId, number } = await crmQueue(['1005'], (req) => ({
      status: 200,
      json: {
        version: 2,
        calls: (req.body.calls as { callId: string }[]).map((c) => ({
          callId: c.callId,
          agents: [
            { stringee_user_id: '1004', routing_type: 1, answer_timeout: 15 }, // not logged in: skipped
            { stringee_user_id: '1002', phone_number: '13800001002', routing_type: 1, answer_timeout: 3 },
            { stringee_user_id: '1001', routing_type: 1, answer_timeout: 10 },
          ],
        })),
      },
    }))
    const rings = nextIncoming(slow.phone)
    cc.network!.callIn(number, '13922000001')
    const ring = await slow.log.waitFor('EventRinging', undefined, 10_000)
    await rings
    const rangAt = Date.now()
    const est = await quick.log.waitFor('EventEstablished', undefined, 10_000)
    expect(est.callID).toBe(ring.callID)
    // 1002's own answer_timeout (3 s), not the queue's 10 s.
    expect(Date.now() - rangAt).toBeGreaterThanOrEqual(2800)
    expect(Date.now() - rangAt).toBeLessThan(8000)

    const [req] = await crm.waitFor(1, (r) => r.body.queueId === queueId)
    expect(req!.headers['content-type']).toMatch(/application\/json/)
    expect(req!.body).toEqual({ queueId, calls: [{ callId: ring.callID, from: '13922000001', to: number }], projectId: 1 })
    expect(await answeredBy(ring.callID)).toBe('8001')
    await quick.agent.hangup()
    expect(await recordOf(cc, '13922000001')).toMatchObject({ agentId: 'agt-1001', queueId, status: 1 })
  })

  it('rings a listed agent with routing_type 2 on the phone number the answer gives, through the trunk', async () => {
    const d = await desk('1003')
    const { number } = await crmQueue(['1005'], (req) => ({
      status: 200,
      json: {
        version: 2,
        calls: (req.body.calls as { callId: string }[]).map((c) => ({
          callId: c.callId,
          agents: [{ stringee_user_id: '1003', phone_number: '13800031003', routing_type: 2, answer_timeout: 5 }],
        })),
      },
    }))
    cc.network!.callIn(number, '13922000301')
    const est = await d.log.waitFor('EventEstablished', undefined, 10_000)
    const mobile = cc.network!.list().find((c) => c.direction === 'outbound' && c.number === '13800031003')
    expect(mobile).toMatchObject({ state: 'talking' })
    expect(d.phone.calls.size).toBe(0) // not the SIP phone
    cc.network!.hangup(mobile!.id)
    expect(await recordOf(cc, '13922000301')).toMatchObject({ id: est.callID, agentId: 'agt-1003', status: 1 })
  })

  describe('falls back to group routing', () => {
    // The same two agents for every case: 1003 in the queue's group, 1002 listed by the last webhook.
    let group: DeskAgent
    const shared: DeskAgent[] = []
    beforeAll(async () => {
      group = await deskAgent(cc, '1003')
      shared.push(group, await deskAgent(cc, '1002'))
    })
    afterAll(async () => {
      for (const d of shared) {
        await d.agent.resetLogout().catch(() => {})
        d.agent.destroy()
        await d.phone.close()
      }
    })

    for (const [what, behaviour] of [
      ['fails (HTTP 500)', () => 500],
      ['hangs (no answer within the timeout)', () => 'hang'],
      ['answers nonsense (version 1)', () => ({ status: 200, json: { version: 1, calls: [] } })],
      ['answers what is not JSON', () => ({ status: 200, text: '<html>oops</html>' })],
      [
        'lists agents without answer_timeout',
        (req: { body: Record<string, unknown> }) => ({
          status: 200,
          json: {
            version: 2,
            calls: (req.body.calls as { callId: string }[]).map((c) => ({
              callId: c.callId,
              agents: [{ stringee_user_id: '1002', routing_type: 1 }],
            })),
          },
        }),
      ],
    ] as [string, Behaviour][]) {
      it(`when the webhook ${what}`, async () => {
        const { queueId, number } = await crmQueue(['1003'], behaviour)
        const customer = `139220001${String(n).padStart(2, '0')}`
        const from = group.log.events.length
        cc.network!.callIn(number, customer)
        const est = await group.log.waitFor('EventEstablished', undefined, 10_000, from)
        // From the webhook's request to the group agent's phone ringing: the timeout only when it hangs.
        const decided = (await ringingAt(est.callID)) - (await crm.waitFor(1, (r) => r.body.queueId === queueId))[0]!.at
        if (what.startsWith('hangs')) expect(decided).toBeGreaterThanOrEqual(LIST_TIMEOUT_MS - 100)
        else expect(decided).toBeLessThan(LIST_TIMEOUT_MS - 500)
        expect(await answeredBy(est.callID)).toBe('8003')
        await group.agent.hangup()
        expect(await recordOf(cc, customer)).toMatchObject({ agentId: 'agt-1003', queueId, status: 1 })
        await group.log.waitFor('EventReleased', (e) => e.callID === est.callID && e.workStatus === 'ready', 5000, from)
      })
    }
  })

  it('a hanging webhook holds up only its own call', async () => {
    const other = await desk('1004')
    const group = await desk('1003')
    const { number: slowNumber } = await crmQueue(['1003'], () => 'hang')
    const fast = await crmQueue(['1004'], () => 500)
    await ok(api.put(`/v1/queue/${fast.queueId}`, { get_list_agents_url: null }))
    cc.network!.callIn(slowNumber, '13922000201')
    const [asked] = await crm.waitFor(1, (r) => (r.body.calls as { from: string }[])[0]?.from === '13922000201')
    cc.network!.callIn(fast.number, '13922000202')
    const fastCall = await other.log.waitFor('EventEstablished', undefined, 10_000)
    const slowCall = await group.log.waitFor('EventEstablished', undefined, 10_000)
    // The second call, placed while the first one's webhook hung, rang its agent first.
    const [fastRang, slowRang] = [await ringingAt(fastCall.callID), await ringingAt(slowCall.callID)]
    expect(fastRang).toBeLessThan(slowRang)
    expect(fastRang - asked!.at).toBeLessThan(LIST_TIMEOUT_MS)
    expect(slowRang - asked!.at).toBeGreaterThanOrEqual(LIST_TIMEOUT_MS - 100)
    await other.agent.hangup()
    await group.agent.hangup()
    expect(await recordOf(cc, '13922000202')).toMatchObject({ agentId: 'agt-1004' })
    expect(await recordOf(cc, '13922000201')).toMatchObject({ agentId: 'agt-1003' })
  })
})
