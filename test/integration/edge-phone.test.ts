import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import type { Edge } from '../../deploy/edge/edge'
import { CUSTOMER_TONE_HZ } from '../../server/sim/network'
import type { Agent } from '../../src/agent/Agent'
import { Baresip, edgeFor, freePort } from '../support/baresip'
import { AGENT_TONE_HZ, sleep, until } from '../support/calls'
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

async function deskPhone(agentID: string, opts: { answerMode?: 'auto' | 'manual'; codecs?: string } = {}): Promise<Baresip> {
  const a = cc.dir.agentByWorkNo('demo', agentID)!
  const phone = await Baresip.start({
    aor: `sip:${cc.phones.sipUser(a)}@${cc.config.sipDomain}`,
    password: a.sipPassword,
    edge: `127.0.0.1:${edge.options.publicPort}`,
    toneHz: AGENT_TONE_HZ,
    ...opts,
  })
  phones.push(phone)
  return phone
}

async function agentOnDeskPhone(
  agentID: string,
  opts: { answerMode?: 'auto' | 'manual'; codecs?: string } = {},
): Promise<Connected & { phone: Baresip }> {
  const phone = await deskPhone(agentID, opts)
  const c = await connectAgent(cc, agentID)
  agents.push(c.agent)
  await c.agent.login({ agentState: '1', phoneType: 'sip' })
  return { ...c, phone }
}

describe('a desk phone behind the edge (baresip over UDP, plain RTP)', () => {
  it('takes a customer call: ring, answer, audio both ways, hold from the phone and from the SDK, DTMF, hang-up from the phone', async () => {
    const { agent, log, phone } = await agentOnDeskPhone('1001')
    const customer = cc.network!.callIn('QU_SALES', '13900001111')
    const ring = await log.waitFor('EventRinging', undefined, 10_000)
    expect(ring).toMatchObject({ otherDN: '13900001111', thisDN: '8001' })
    await phone.waitEvent('CALL_INCOMING', 10_000)
    expect((await phone.command('accept')).ok).toBe(true)
    await log.waitFor('EventEstablished', undefined, 10_000)
    const cust = cc.network!.simCall(customer.id)!
    await until(() => cust.toneLevel(AGENT_TONE_HZ, 500) > 0.05, 'the customer to hear the desk phone', 8000)
    await until(() => phone.heardTone(CUSTOMER_TONE_HZ, 500) > 0.05, 'the desk phone to hear the customer', 8000)

    // Hold from the phone: the agent is told, the customer hears music and not the phone.
    expect((await phone.command('hold')).ok).toBe(true)
    expect(await log.waitFor('EventHeld', undefined, 8000)).toMatchObject({ callID: ring.callID, workStatus: 'holding' })
    await sleep(800)
    expect(cust.toneLevel(AGENT_TONE_HZ, 500)).toBeLessThan(0.01)
    expect(cust.receivedRms(Date.now() - 500)).toBeGreaterThan(0.01)
    expect((await phone.command('resume')).ok).toBe(true)
    expect(await log.waitFor('EventRetrieved', undefined, 8000)).toMatchObject({ callID: ring.callID, workStatus: 'talking' })
    await until(() => cust.toneLevel(AGENT_TONE_HZ, 400) > 0.05, 'the customer to hear the desk phone again', 8000)

    // Hold from the SDK: the customer hears music, not the desk phone, until retrieve.
    const held = log.next('EventHeld')
    await agent.holdCall()
    await held
    await sleep(800)
    expect(cust.toneLevel(AGENT_TONE_HZ, 500)).toBeLessThan(0.01)
    expect(cust.receivedRms(Date.now() - 500)).toBeGreaterThan(0.01)
    const retrieved = log.next('EventRetrieved')
    await agent.retrieveCall()
    await retrieved
    await until(() => cust.toneLevel(AGENT_TONE_HZ, 400) > 0.05, 'the customer to hear the desk phone after retrieve', 8000)

    // DTMF from the phone reaches the customer outside any IVR; DTMF from the SDK too.
    expect((await phone.command('sndcode', '4')).ok).toBe(true)
    await until(() => cc.network!.get(customer.id)!.dtmfReceived.includes('4'), 'the customer to receive 4 from the phone', 5000)
    await agent.sendDtmf({ dtmfDigits: '7#' })
    await until(() => cc.network!.get(customer.id)!.dtmfReceived.endsWith('7#'), 'the customer to receive 7#', 5000)

    await phone.command('hangup')
    expect(await log.waitFor('EventReleased', undefined, 8000)).toMatchObject({ callID: ring.callID })
    await until(() => cc.network!.get(customer.id)!.state === 'ended', 'the customer to be hung up')
  })

  it('is hung up when the customer hangs up', async () => {
    const { log, phone } = await agentOnDeskPhone('1002', { answerMode: 'auto' })
    const customer = cc.network!.callIn('QU_SALES', '13900002222')
    await log.waitFor('EventEstablished', undefined, 10_000)
    await phone.waitEvent('CALL_ESTABLISHED', 5000)
    cc.network!.hangup(customer.id)
    await phone.waitEvent('CALL_CLOSED', 8000)
    expect((await log.waitFor('MainCDRInfo', undefined, 8000)).releasedBy).toBe('customer')
  })

  it("places a makeCall on the desk phone first, then the customer, with PCMA on the phone's side", async () => {
    const { agent, log, phone } = await agentOnDeskPhone('1003', { answerMode: 'auto', codecs: 'PCMA' })
    const { callID } = (await agent.makeCall({ otherDN: '13900005555' })) as unknown as { callID: string }
    await log.waitFor('EventDialing')
    await phone.waitEvent('CALL_ESTABLISHED', 10_000)
    expect(cc.network!.list().some((c) => c.number === '13900005555')).toBe(false) // the phone first
    await log.waitFor('EventEstablished', undefined, 10_000)
    expect(phone.output.join('')).toMatch(/Set audio encoder: PCMA/)
    const net = cc.network!.list().find((c) => c.number === '13900005555')!
    const cust = cc.network!.simCall(net.id)!
    await until(() => cust.toneLevel(AGENT_TONE_HZ, 500) > 0.05, 'the customer to hear the desk phone', 8000)
    await until(() => phone.heardTone(CUSTOMER_TONE_HZ, 500) > 0.05, 'the desk phone to hear the customer', 8000)
    await agent.hangup()
    expect(await log.waitFor('EventReleased', undefined, 8000)).toMatchObject({ callID })
    await phone.waitEvent('CALL_CLOSED', 8000)
    await until(() => cc.network!.get(net.id)!.state === 'ended', 'the customer to be hung up')
  })
})
