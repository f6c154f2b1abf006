import { createSocket } from 'node:dgram'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import type { Edge } from '../../deploy/edge/edge'
import type { Simulator } from '../../server/sim/simulator'
import { DEMO_NUMBERS } from '../../server/store/seed'
import type { Agent } from '../../src/agent/Agent'
import { Baresip, edgeFor, freePort } from '../support/baresip'
import { AGENT_TONE_HZ, nextIncoming, sipPhone, sleep, until } from '../support/calls'
import { connectAgent, startServer, type Connected } from '../support/server'

// baresip as the carrier: a configured gateway at 127.0.0.2, trusted by the address the edge sees it
// come from; a desk phone on 127.0.0.1 behind the same edge is not.
const CARRIER_HOST = '127.0.0.2'
const CARRIER_TONE_HZ = 520
let cc: ContactCenter
let edge: Edge
let carrierPort: number
let carrier: Baresip
const agents: Agent[] = []
const phones: (Simulator | Baresip)[] = []

beforeAll(async () => {
  carrierPort = await freePort(CARRIER_HOST, true)
  cc = await startServer({
    simulator: false,
    sipEdges: [`127.0.0.1:${await freePort()}`],
    gateways: [{ name: 'pstn', address: `udp:${CARRIER_HOST}:${carrierPort}` }],
  })
  edge = await edgeFor(cc)
  carrier = await Baresip.start({
    aor: `sip:13900002222@${CARRIER_HOST}`,
    edge: `127.0.0.1:${edge.options.publicPort}`,
    listenHost: CARRIER_HOST,
    sipPort: carrierPort,
    register: false,
    toneHz: CARRIER_TONE_HZ,
    answerMode: 'auto',
    alsoUsers: ['0901234567'],
  })
}, 60_000)
afterEach(async () => {
  for (const a of agents.splice(0)) {
    await a.resetLogout().catch(() => {})
    a.destroy()
  }
  await Promise.all(phones.splice(0).map((p) => p.close()))
  carrier.clearEvents()
})
afterAll(async () => {
  await carrier?.close()
  await edge?.close()
  await cc?.close()
})

async function agentOnSipPhone(agentID: string, autoAnswer: boolean): Promise<Connected & { phone: Simulator }> {
  const phone = await sipPhone(cc, agentID, { autoAnswer })
  phones.push(phone)
  const c = await connectAgent(cc, agentID)
  agents.push(c.agent)
  await c.agent.login({ agentState: '1', phoneType: 'sip' })
  return { ...c, phone }
}

describe('the carrier behind the edge (baresip as a configured gateway)', () => {
  it("routes a call to a company number like a simulated customer's, with audio both ways", async () => {
    const { log, phone } = await agentOnSipPhone('1001', false)
    const ringing = nextIncoming(phone)
    expect((await carrier.command('dial', `sip:${DEMO_NUMBERS.sales}@cc.local`)).ok).toBe(true)
    const ring = await log.waitFor('EventRinging', undefined, 10_000)
    expect(ring).toMatchObject({ callType: 'Inbound', otherDN: '13900002222', DNIS: DEMO_NUMBERS.sales, thisDN: '8001' })
    const call = await ringing
    call.answer()
    await log.waitFor('EventEstablished', undefined, 10_000)
    await carrier.waitEvent('CALL_ESTABLISHED', 10_000)
    await until(() => call.toneLevel(CARRIER_TONE_HZ, 500) > 0.05, 'the agent to hear the carrier', 8000)
    await until(() => carrier.heardTone(AGENT_TONE_HZ, 500) > 0.05, 'the carrier to hear the agent', 8000)
    await carrier.command('hangup')
    expect(await log.waitFor('EventReleased', undefined, 8000)).toMatchObject({ callID: ring.callID })
    expect((await log.waitFor('MainCDRInfo')).releasedBy).toBe('customer')
  })

  it('places a makeCall to the carrier with the number in the Request-URI and the caller id asserted', async () => {
    const { agent, log, phone } = await agentOnSipPhone('1002', true)
    const { callID } = (await agent.makeCall({ otherDN: '0901234567', ANI: '02873000001' })) as unknown as { callID: string }
    await log.waitFor('EventEstablished', undefined, 15_000)
    const invite = await carrier.waitEvent('CALL_ESTABLISHED', 5000)
    expect(invite.peeruri).toContain('02873000001')
    const trace = carrier.output.join('')
    expect(trace).toMatch(new RegExp(`INVITE sip:0901234567@${CARRIER_HOST.replace(/\./g, '\\.')}:${carrierPort}`))
    expect(trace).toMatch(/P-Asserted-Identity: <sip:02873000001@cc\.local>/)
    expect(trace).toMatch(/From: <sip:02873000001@cc\.local>/)
    const agentLeg = [...phone.calls][0]!
    await until(() => agentLeg.toneLevel(CARRIER_TONE_HZ, 500) > 0.05, 'the agent to hear the called party', 8000)
    await until(() => carrier.heardTone(AGENT_TONE_HZ, 500) > 0.05, 'the called party to hear the agent', 8000)
    await agent.hangup()
    expect(await log.waitFor('EventReleased', undefined, 8000)).toMatchObject({ callID })
    await carrier.waitEvent('CALL_CLOSED', 5000)
  })

  it('refuses a desk phone behind the same edge that calls a company number', async () => {
    const { log } = await agentOnSipPhone('1003', false)
    const a = cc.dir.agentByWorkNo('demo', '1004')!
    const desk = await Baresip.start({
      aor: `sip:${cc.phones.sipUser(a)}@${cc.config.sipDomain}`,
      password: a.sipPassword,
      edge: `127.0.0.1:${edge.options.publicPort}`,
      toneHz: 700,
    })
    phones.push(desk)
    await desk.command('dial', `sip:${DEMO_NUMBERS.sales}@cc.local`)
    const closed = await desk.waitEvent('CALL_CLOSED', 10_000)
    expect(String(closed.param)).toMatch(/403/)
    // A request that claims to come from the carrier's address is told apart too: the edge replaces the claim.
    const reply = await rawSip(
      edge.options.publicPort,
      [
        `INVITE sip:${DEMO_NUMBERS.sales}@cc.local SIP/2.0`,
        'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKforged1;rport',
        'Max-Forwards: 70',
        'From: <sip:13900003333@cc.local>;tag=forged',
        'To: <sip:' + DEMO_NUMBERS.sales + '@cc.local>',
        'Call-ID: forged-1',
        'CSeq: 1 INVITE',
        'Contact: <sip:13900003333@127.0.0.1:5999>',
        `X-Edge-Source: udp:${CARRIER_HOST}:${carrierPort}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    )
    expect(reply).toMatch(/^SIP\/2\.0 401 /)
    await sleep(300)
    expect(log.events.some((e) => e.messageID === 'EventRinging')).toBe(false)
  })
})

/** Sends one SIP request over UDP to the edge and resolves with the first final response. */
async function rawSip(port: number, request: string): Promise<string> {
  const s = createSocket('udp4')
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()))
  try {
    return await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no final response')), 5000)
      s.on('message', (m) => {
        const text = m.toString()
        if (/^SIP\/2\.0 1\d\d /.test(text)) return
        clearTimeout(t)
        resolve(text)
      })
      s.send(request, port, '127.0.0.1')
    })
  } finally {
    s.close()
  }
}
