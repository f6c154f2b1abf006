import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import type { Edge } from '../../deploy/edge/edge'
import { CUSTOMER_TONE_HZ } from '../../server/sim/network'
import type { Agent } from '../../src/agent/Agent'
import { Baresip, edgeFor, freePort } from '../support/baresip'
import { AGENT_TONE_HZ, until } from '../support/calls'
import { restClient } from '../support/rest'
import { connectAgent, restToken, startServer, type Connected } from '../support/server'

// baresip as an agent's desk phone, registered through the edge (Kamailio + rtpengine) over UDP
// with plain RTP; the simulated network places the customers' calls.
let cc: ContactCenter
let edge: Edge
const agents: Agent[] = []
const phones: Baresip[] = []
const edgeLog: string[] = []

beforeAll(async () => {
  cc = await startServer({ sipEdges: [`127.0.0.1:${await freePort()}`] })
  edge = await edgeFor(cc, (l) => {
    edgeLog.push(l)
    if (edgeLog.length > 500) edgeLog.shift()
  })
  const api = restClient(cc, await restToken(cc))
  expect((await api.put('/v1/queue/QU_SALES', { wait_agent_answer_timeout: 10, wrap_up_time_limit: 1 })).body).toMatchObject({ r: 0 })
}, 60_000)
afterEach(async () => {
  for (const a of agents.splice(0)) {
    await a.resetLogout().catch(() => {})
    a.destroy()
  }
  await Promise.all(phones.splice(0).map((p) => p.close()))
})
afterAll(async () => {
  await edge?.close()
  await cc?.close()
})

async function deskPhone(agentID: string, toneHz = AGENT_TONE_HZ): Promise<Baresip> {
  const a = cc.dir.agentByWorkNo('demo', agentID)!
  const phone = await Baresip.start({
    aor: `sip:${cc.phones.sipUser(a)}@${cc.config.sipDomain}`,
    password: a.sipPassword,
    edge: `127.0.0.1:${edge.options.publicPort}`,
    toneHz,
  })
  phones.push(phone)
  return phone
}

async function agentOnDeskPhone(agentID: string): Promise<Connected & { phone: Baresip }> {
  const phone = await deskPhone(agentID)
  const c = await connectAgent(cc, agentID)
  agents.push(c.agent)
  await c.agent.login({ agentState: '1', phoneType: 'sip' })
  return { ...c, phone }
}

describe('a desk phone behind the edge (baresip over UDP, plain RTP)', () => {
  it('takes a customer call: ring, answer, audio both ways, hang-up from the phone', async () => {
    const { log, phone } = await agentOnDeskPhone('1001')
    const customer = cc.network!.callIn('QU_SALES', '13900001111')
    const ring = await log.waitFor('EventRinging', undefined, 10_000)
    expect(ring).toMatchObject({ otherDN: '13900001111', thisDN: '8001' })
    await phone.waitEvent('CALL_INCOMING', 10_000)
    expect((await phone.command('accept')).ok).toBe(true)
    await log.waitFor('EventEstablished', undefined, 10_000)
    const cust = cc.network!.simCall(customer.id)!
    await until(() => cust.toneLevel(AGENT_TONE_HZ, 500) > 0.05, 'the customer to hear the desk phone', 8000)
    await until(() => phone.heardTone(CUSTOMER_TONE_HZ, 500) > 0.05, 'the desk phone to hear the customer', 8000)
    await phone.command('hangup')
    expect(await log.waitFor('EventReleased', undefined, 8000)).toMatchObject({ callID: ring.callID })
    await until(() => cc.network!.get(customer.id)!.state === 'ended', 'the customer to be hung up')
  })
})
