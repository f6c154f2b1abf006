import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import type { Agent } from '../../src/agent/Agent'
import { until } from '../support/calls'
import { restClient, type RestClient } from '../support/rest'
import { command, deskAgent, ok, type DeskAgent } from '../support/routing'
import { connectAgent, devToken, restToken, startServer, type Connected } from '../support/server'

// The SDK's queries answer from the engine's data: queryAgents, queryRoutes / setRoute (and the
// caller id makeCall shows), queryQueues, queryCountsInQueue, queryAgentJoinedQueues; and the agent
// hears EventTierAdded / EventTierRemoved when the REST API changes the skill groups it serves.
let cc: ContactCenter
let api: RestClient
const agents: Agent[] = []
const desks: DeskAgent[] = []

beforeAll(async () => {
  cc = await startServer()
  api = restClient(cc, await restToken(cc))
})
afterEach(async () => {
  for (const a of agents.splice(0)) {
    await a.resetLogout().catch(() => {})
    a.destroy()
  }
  for (const d of desks.splice(0)) {
    await d.agent.resetLogout().catch(() => {})
    d.agent.destroy()
    await d.phone.close()
  }
})
afterAll(async () => {
  await cc?.close()
})

async function online(id: string, agentState: '1' | '2' = '1'): Promise<Connected> {
  const c = await connectAgent(cc, id)
  agents.push(c.agent)
  await c.agent.login({ agentState, phoneType: 'sip' })
  return c
}

describe('queryAgents', () => {
  it("lists the company's agents from their live states, filtered by name, state and skill group", async () => {
    const alice = await online('1001')
    await online('1002', '2')
    const byId = (list: { agentID: string }[]) => list.map((a) => a.agentID).sort()

    const ready = await alice.agent.queryAgents()
    expect(byId(ready.agents)).toEqual(['1001'])
    expect(ready.agents[0]).toMatchObject({
      agentUUID: 'agt-1001',
      agentID: '1001',
      agentName: 'Alice Chen',
      ext: '8001',
      agentState: 1,
      workStatus: 1,
    })
    expect(byId((await alice.agent.queryAgents({ agentState: -1 })).agents)).toEqual(['1001', '1002', '1003', '1004', '1005', '9001'])
    expect((await alice.agent.queryAgents({ agentState: 2 })).agents).toMatchObject([{ agentID: '1002', agentState: 2, workStatus: 2 }])
    expect((await alice.agent.queryAgents({ agentState: 0 })).agents).toHaveLength(4)
    expect(byId((await alice.agent.queryAgents({ agentName: 'Bruno Silva', agentState: -1 })).agents)).toEqual(['1002'])
    expect((await alice.agent.queryAgents({ agentName: 'Bruno', agentState: -1 })).agents).toEqual([]) // precise, not fuzzy
    expect(byId((await alice.agent.queryAgents({ queueCode: 'QU_SUPPORT', agentState: -1 })).agents)).toEqual(['1003', '1004', '1005'])
    expect((await alice.agent.queryAgents({ queueCode: 'QU_SUPPORT' })).agents).toEqual([])

    // Another company's agents never show.
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
    const blank = cc.dir.agents.get('agt-1005')!
    await cc.store.config.saveAgent({ ...blank, uuid: 'agt-other', companyId: 'other', agentID: '7001', stringeeUserId: '7001', ext: '' })
    expect(byId((await alice.agent.queryAgents({ agentState: -1 })).agents)).not.toContain('7001')
    // The server checks the parameters too.
    expect(await command(cc, alice.token, 'queryAgents', { agentState: 7 })).toMatchObject({
      status: 'error',
      errorCode: 'INVALID_AGENT_STATE',
    })
    expect(await command(cc, alice.token, 'queryAgents', { agentName: 'x'.repeat(65) })).toMatchObject({
      status: 'error',
      errorCode: 'INVALID_PARAMETER',
    })
  })
})

describe('outbound routes', () => {
  it('queryRoutes and setRoute work on the rules, schemes and numbers the REST API gives the agent; makeCall shows the chosen number', async () => {
    const offline = await connectAgent(cc, '1004')
    agents.push(offline.agent)
    expect(await command(cc, offline.token, 'queryRoutes')).toMatchObject({ status: 'error', errorCode: 'NOT_LOGGED_IN' })

    await ok(api.post('/v1/outbound-scheme', { code: 'VN_HN', name: 'Hanoi', numbers: ['842471000101', '842471000102'] }))
    await ok(api.post('/v1/outbound-scheme', { code: 'OTHER', name: 'Other', numbers: ['842471000100'] }))
    await ok(api.put('/v1/agent/agt-1004/outbound-route', { rules: [1, 2, 3], schemes: ['VN_HN'], numbers: ['842471000102'] }))

    const d = await deskAgent(cc, '1004')
    desks.push(d)
    const routes = await d.agent.queryRoutes()
    expect(routes).toMatchObject({
      agentUuid: 'agt-1004',
      agentID: '1004',
      agentName: 'Dmitri Ivanov',
      explicitRule: [
        { code: '1', hasSet: true },
        { code: '2', hasSet: false },
        { code: '3', hasSet: false },
      ],
      explicitSchema: [{ code: 'VN_HN', planName: 'Hanoi', hasSet: false }],
      explicitNumbers: [{ number: '842471000102', nickName: 'Support line', hasSet: false }],
    })

    // Rule 1: a number of the pool, at random; with one number left in the pool it is that one (and the
    // agent's own number, no longer allowed outbound, drops out of its list).
    await ok(api.put('/v1/number/NU_MAIN', { allow_outbound_calls: false }))
    await ok(api.put('/v1/number/NU_SUPPORT', { allow_outbound_calls: false }))
    expect((await d.agent.queryRoutes()).explicitNumbers).toEqual([])
    const net = cc.network!
    const shown = async (otherDN: string, extra: Record<string, unknown> = {}): Promise<string> => {
      const from = d.log.events.length
      await d.agent.makeCall({ otherDN, ...extra })
      await d.log.waitFor('EventEstablished', undefined, 10_000, from)
      const call = net.list().find((c) => c.direction === 'outbound' && c.number === otherDN && c.state === 'talking')!
      await d.agent.hangup()
      await d.log.waitFor('EventAgentAfterCallWork', undefined, 5000, from)
      await d.agent.completeACW()
      return call.to
    }
    expect(await shown('13966000001')).toBe('842471000101')
    await ok(api.put('/v1/number/NU_SUPPORT', { allow_outbound_calls: true }))

    // Rule 2 needs its scheme code, in the SDK and on the server.
    await expect(d.agent.setRoute({ explicitRule: '2' })).rejects.toMatchObject({ errorCode: 'INVALID_ROUTE_RULE' })
    const token = await devToken(cc, '1004')
    expect(await command(cc, token, 'setRoute', { explicitRule: '2' })).toMatchObject({ status: 'error', errorCode: 'INVALID_ROUTE_RULE' })
    expect(await command(cc, token, 'setRoute', { explicitRule: '4' })).toMatchObject({ status: 'error', errorCode: 'INVALID_ROUTE_RULE' })
    await expect(d.agent.setRoute({ explicitRule: '2', explicitCode: 'OTHER' })).rejects.toMatchObject({ errorCode: 'INVALID_ROUTE_RULE' })
    const two = await d.agent.setRoute({ explicitRule: '2', explicitCode: 'VN_HN' })
    expect(two.explicitSchema).toEqual([{ code: 'VN_HN', planName: 'Hanoi', hasSet: true }])
    // The scheme's number closest to the dialled one (same prefix).
    expect(await shown('8424710001027')).toBe('842471000102')
    expect(await shown('8424710001017')).toBe('842471000101')

    // Rule 3: one of the agent's own numbers.
    await expect(d.agent.setRoute({ explicitRule: '3', explicitNumber: '842471000101' })).rejects.toMatchObject({
      errorCode: 'INVALID_ROUTE_RULE',
    })
    const three = await d.agent.setRoute({ explicitRule: '3', explicitNumber: '842471000102' })
    expect(three.explicitRule.find((r) => r.hasSet)?.code).toBe('3')
    expect(three.explicitNumbers).toEqual([{ number: '842471000102', nickName: 'Support line', hasSet: true }])
    expect((await api.get('/v1/agent/agt-1004/outbound-route')).body.data).toMatchObject({
      current_rule: 3,
      current_number: '842471000102',
    })
    expect(await shown('13966000002')).toBe('842471000102')

    // makeCall's outboundPlanCode and ANI still decide for one call.
    expect(await shown('8424710001017', { outboundPlanCode: 'VN_HN' })).toBe('842471000101')
    expect(await shown('13966000003', { ANI: '0287300001' })).toBe('0287300001')
    await expect(d.agent.makeCall({ otherDN: '13966000004', outboundPlanCode: 'OTHER' })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER',
    })
    await ok(api.put('/v1/number/NU_MAIN', { allow_outbound_calls: true }))
  })
})

describe('skill groups', () => {
  it('EventTierAdded / EventTierRemoved follow group membership and group routing; the queries follow too', async () => {
    const { agent, log } = await online('1004')
    expect((await agent.queryAgentJoinedQueues()).queues.map((q) => q.queueID)).toEqual(['QU_SUPPORT'])

    let from = log.events.length
    await ok(api.post('/v1/manage-agents-in-group', { agent_id: 'agt-1004', group_id: 'GR_SALES' }))
    expect(await log.waitFor('EventTierAdded', undefined, 5000, from)).toMatchObject({
      agentID: '1004',
      queueID: 'QU_SALES',
      queueName: 'Sales',
      thisQueues: ['QU_SALES', 'QU_SUPPORT'],
    })
    expect((await agent.queryAgentJoinedQueues()).queues.map((q) => q.queueID)).toEqual(['QU_SALES', 'QU_SUPPORT'])
    expect((await agent.queryQueues({ queue: 'sales' })).queues).toEqual([{ queueCode: 'QU_SALES', queueName: 'Sales', readyMembers: 1 }])

    from = log.events.length
    await ok(api.del('/v1/manage-agents-in-group', { agent_id: 'agt-1004', group_id: 'GR_SALES' }))
    expect(await log.waitFor('EventTierRemoved', undefined, 5000, from)).toMatchObject({
      queueID: 'QU_SALES',
      queueName: 'Sales',
      thisQueues: ['QU_SUPPORT'],
    })

    // A new queue routed to one of its groups; then the routing goes.
    const queueId = (await ok(api.post('/v1/queue', { name: 'Billing' }))).queueID
    from = log.events.length
    const routing = (await ok(api.post('/v1/routing-call-to-groups', { queue_id: queueId, group_id: 'GR_SUPPORT', priority: 2 })))
      .groupRoutingID
    expect(await log.waitFor('EventTierAdded', undefined, 5000, from)).toMatchObject({ queueID: queueId, queueName: 'Billing' })
    expect((await agent.queryAgentLoginInfo()).receptionQueues.map((q) => q.queueID)).toContain(queueId)
    from = log.events.length
    await ok(api.del(`/v1/routing-call-to-groups/${routing}`))
    expect(await log.waitFor('EventTierRemoved', undefined, 5000, from)).toMatchObject({ queueID: queueId })
    expect(log.names().filter((n) => n.startsWith('EventTier'))).toEqual([
      'EventTierAdded',
      'EventTierRemoved',
      'EventTierAdded',
      'EventTierRemoved',
    ])

    // Customers waiting in its skill groups.
    await agent.notReady({ reasonCode: 11 })
    const call = cc.network!.callIn('QU_SUPPORT', '13966000010')
    await until(
      async () => (await agent.queryCountsInQueue()).queues.find((q) => q.queueID === 'QU_SUPPORT')?.count === 1,
      'one caller waiting',
    )
    expect((await agent.queryQueues({ queue: 'QU_SUPPORT' })).queues).toEqual([
      { queueCode: 'QU_SUPPORT', queueName: 'Support', readyMembers: 0 },
    ])
    cc.network!.hangup(call.id)
    await until(
      async () => (await agent.queryCountsInQueue()).queues.find((q) => q.queueID === 'QU_SUPPORT')?.count === 0,
      'the queue to empty',
    )
  })
})
