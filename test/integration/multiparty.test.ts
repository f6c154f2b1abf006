import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { SURVEY_PROMPT_HZ } from '../../server/calls/survey'
import { CUSTOMER_TONE_HZ } from '../../server/sim/network'
import type { SimCall, Simulator } from '../../server/sim/simulator'
import type { Agent } from '../../src/agent/Agent'
import type { AnySobotEvent } from '../../src/events'
import { nextIncoming, sipPhone, sleep, TONE_HZ, until } from '../support/calls'
import { expectFlow } from '../support/flows'
import { startReceiver, type Receiver } from '../support/receiver'
import { restClient, type RestClient } from '../support/rest'
import { connectAgent, restToken, startServer, type Connected } from '../support/server'

// The multi-party operations end to end on the real switch: agents' desk phones are simulators, each
// sending its own tone (TONE_HZ), the customers the network's 440 Hz, so that who hears whom is
// measured (Goertzel) on every leg. The events each party receives are checked against the flows
// documented in docs/EVENTS.md (src/eventDocs.ts).

/** A tone this loud is heard; this quiet is not. */
const HEARD = 0.05
const SILENT = 0.01
/** What a third party reached through the network says once it answers (not the customers' 440 Hz). */
const THIRD_PARTY_HZ = 1400

let cc: ContactCenter
let api: RestClient
const agents: Agent[] = []
const phones: Simulator[] = []
const receivers: Receiver[] = []

beforeAll(async () => {
  cc = await startServer({
    logLevel: (process.env.MP_LOG as 'info') ?? 'silent',
    webhooks: { timeoutMs: 1000, baseDelayMs: 100, maxDelayMs: 500, pollMs: 50, maxAttempts: 5 },
  })
  api = restClient(cc, await restToken(cc))
  for (const q of ['QU_SALES', 'QU_SUPPORT']) {
    expect((await api.put(`/v1/queue/${q}`, { wait_agent_answer_timeout: 5, wrap_up_time_limit: 2 })).body).toMatchObject({ r: 0 })
  }
})
afterEach(async () => {
  for (const a of agents.splice(0)) {
    await a.resetLogout().catch(() => {})
    a.destroy()
  }
  for (const c of cc.network!.list()) if (c.state !== 'ended') cc.network!.hangup(c.id)
  // Every call is over before the next test (a call left behind would be a bug).
  await until(() => cc.calls.realtime().length === 0, `no call left (${JSON.stringify(cc.calls.realtime())})`, 5000)
  await Promise.all(phones.splice(0).map((p) => p.close()))
  for (const r of receivers.splice(0)) await r.close()
})
afterAll(async () => {
  await cc?.close()
})

interface Desk extends Connected {
  id: string
  tone: number
  phone: Simulator
}

/** An agent logged in (ready unless told) with its desk phone. */
async function desk(id: string, opts: { autoAnswer?: boolean; login?: boolean } = {}): Promise<Desk> {
  const phone = await sipPhone(cc, id, { autoAnswer: opts.autoAnswer ?? false, toneHz: TONE_HZ[id] })
  phones.push(phone)
  const c = await connectAgent(cc, id)
  agents.push(c.agent)
  if (opts.login ?? true) await c.agent.login({ agentState: '1', phoneType: 'sip' })
  return { ...c, id, tone: TONE_HZ[id]!, phone }
}

interface Answered {
  callID: string
  netId: string
  /** The customer's side. */
  cust: SimCall
  /** The agent's desk-phone leg. */
  leg: SimCall
}

/** A customer calls QU_SUPPORT; agent `a` (1004, alone there) answers; both hear each other. */
async function answeredCall(a: Desk, from: string): Promise<Answered> {
  const ringing = nextIncoming(a.phone)
  const net = cc.network!.callIn('QU_SUPPORT', from)
  const ring = await a.log.waitFor('EventRinging', (e) => e.otherDN === from, 10_000)
  const leg = await ringing
  leg.answer()
  await a.log.waitFor('EventEstablished', (e) => e.callID === ring.callID, 10_000)
  const cust = cc.network!.simCall(net.id)!
  await until(
    () => cust.toneLevel(a.tone) > HEARD && leg.toneLevel(CUSTOMER_TONE_HZ) > HEARD,
    'the customer and the agent to hear each other',
    8000,
  )
  return { callID: ring.callID, netId: net.id, cust, leg }
}

/** A starts a consult to B, B's phone answers: resolves with the consult's callID and B's leg. */
async function consulted(a: Desk, b: Desk): Promise<{ consultID: string; bLeg: SimCall }> {
  const rings = nextIncoming(b.phone)
  const { callID: consultID } = await a.agent.initiateConsult({ targetType: '0', target: b.id })
  const bLeg = await rings
  await b.log.waitFor('EventRinging', (e) => e.callID === consultID)
  bLeg.answer()
  await a.log.waitFor('EventEstablished', (e) => e.callID === consultID, 8000)
  return { consultID, bLeg }
}

const since = (d: Connected, n: number) => (): AnySobotEvent[] => d.log.events.slice(n)

/**
 * Waits (bounded) until `sim` hears each tone of `heard` and none of `silent` (a party that just left
 * may still be in the 500 ms measuring window), then checks that this holds a moment later too.
 */
async function hearing(sim: SimCall, heard: number[], silent: number[], who: string): Promise<void> {
  const ok = (): boolean => heard.every((hz) => sim.toneLevel(hz) > HEARD) && silent.every((hz) => sim.toneLevel(hz) < SILENT)
  await until(ok, `${who} to hear ${heard.join(' and ') || 'nothing'} Hz and not ${silent.join(' or ') || '-'}`, 8000).catch(
    (e: unknown) => {
      throw new Error(`${String(e)}: levels ${[...heard, ...silent].map((hz) => `${hz}: ${sim.toneLevel(hz).toFixed(3)}`).join(', ')}`)
    },
  )
  await sleep(250)
  for (const hz of heard) expect(sim.toneLevel(hz), `${who} hears ${hz} Hz`).toBeGreaterThan(HEARD)
  for (const hz of silent) expect(sim.toneLevel(hz), `${who} hears ${hz} Hz`).toBeLessThan(SILENT)
}

describe('consult', () => {
  it('then transfer: the customer is held (music, heard by nobody) while A and B talk; then B has the customer and A wraps up', async () => {
    const A = await desk('1004')
    const B = await desk('1001')
    const { callID, cust, leg: aLeg } = await answeredCall(A, '13900010001')
    const fromA = A.log.events.length
    const fromB = B.log.events.length
    const { consultID, bLeg } = await consulted(A, B)
    expect(consultID).not.toBe(callID)
    expect(A.agent.state.workStatus).toBe('consulting')
    expect(A.agent.state.calls.map((c) => [c.callID, c.callType])).toEqual([
      [callID, 'Inbound'],
      [consultID, 'Consult'],
    ])
    expect(B.agent.state.call).toMatchObject({ callID: consultID, callType: 'Consult', otherDN: '8004', thirdDN: '13900010001' })

    await sleep(700) // the hold's re-INVITE and the music settle
    await hearing(aLeg, [B.tone], [CUSTOMER_TONE_HZ], 'A')
    await hearing(bLeg, [A.tone], [CUSTOMER_TONE_HZ], 'B')
    expect(cust.toneLevel(A.tone)).toBeLessThan(SILENT)
    expect(cust.toneLevel(B.tone)).toBeLessThan(SILENT)
    expect(cust.receivedRms(Date.now() - 1000)).toBeGreaterThan(0.01) // the music on hold

    await A.agent.consultTransfer()
    await expectFlow('Consult, then transfer', 'A', since(A, fromA), { M: callID, C: consultID })
    await expectFlow('Consult, then transfer', 'B', since(B, fromB), { M: callID, C: consultID })
    const changed = await B.log.waitFor('EventPartyChanged')
    expect(changed).toMatchObject({ previousCallID: consultID, otherDN: '13900010001', thirdDN: '8004' })
    expect(B.agent.state.calls).toEqual([expect.objectContaining({ callID, callType: 'Inbound', thisDNRole: 'TransferTo' })])
    expect(A.agent.state.calls).toEqual([])
    expect(A.agent.state.workStatus).toBe('sorting')
    await aLeg.waitEnded(5000)
    await hearing(cust, [B.tone], [A.tone], 'the customer')
    await hearing(bLeg, [CUSTOMER_TONE_HZ], [A.tone], 'B')

    // B hangs up: the call ends; both agents get its detail record; the record names both.
    await B.agent.hangup()
    await A.log.waitFor('MainCDRInfo', (e) => e.callID === callID)
    await B.log.waitFor('MainCDRInfo', (e) => e.callID === callID)
    await until(async () => ((await cc.store.calls.get('demo', callID))?.endTime ?? 0) > 0, 'the call record')
    expect((await cc.store.calls.get('demo', callID))!.participants).toEqual(expect.arrayContaining(['1004', '1001']))
  })

  it('then conference: each of the three hears the other two; B leaves and A and the customer talk on', async () => {
    const A = await desk('1004')
    const B = await desk('1001')
    const { callID, cust, leg: aLeg } = await answeredCall(A, '13900010002')
    const fromA = A.log.events.length
    const fromB = B.log.events.length
    const { consultID, bLeg } = await consulted(A, B)
    await A.agent.consultConference()
    await B.log.waitFor('EventPartyChanged')
    expect(A.agent.state.workStatus).toBe('conferencing')
    expect(A.agent.state.calls.map((c) => c.callID)).toEqual([callID])
    expect(B.agent.state.calls.map((c) => c.callID)).toEqual([callID])
    await hearing(cust, [A.tone, B.tone], [], 'the customer')
    await hearing(aLeg, [CUSTOMER_TONE_HZ, B.tone], [], 'A')
    await hearing(bLeg, [CUSTOMER_TONE_HZ, A.tone], [], 'B')

    await B.agent.hangup()
    await expectFlow('Consult, then conference; a party leaves', 'A', since(A, fromA), { M: callID, C: consultID })
    await expectFlow('Consult, then conference; a party leaves', 'B', since(B, fromB), { M: callID, C: consultID })
    await bLeg.waitEnded(5000)
    await sleep(600)
    await hearing(cust, [A.tone], [B.tone], 'the customer')
    await hearing(aLeg, [CUSTOMER_TONE_HZ], [B.tone], 'A')
    expect(A.agent.state.workStatus).toBe('talking')
    await B.log.waitFor('EventAgentAfterCallWork')
  })

  it('with a third-party number, conferenced: the customer leaves and A and the number talk on; A leaving ends the call', async () => {
    const A = await desk('1004')
    const { callID, cust, leg: aLeg } = await answeredCall(A, '13900010003')
    // A busy number: the consult ends at once, A is back with the customer.
    cc.network!.behave('13900020099', { reject: 486 })
    const busy = await A.agent.initiateConsult({ targetType: '1', target: '13900020099' })
    expect(await A.log.waitFor('EventReleased', (e) => e.callID === busy.callID, 8000)).toMatchObject({
      releaseCause: 'rejected',
      callType: 'Consult',
      workStatus: 'talking',
    })
    await A.log.waitFor('EventRetrieved', (e) => e.callID === callID)
    const { callID: consultID } = await A.agent.initiateConsult({ targetType: '1', target: '13900020003' })
    const dialing = await A.log.waitFor('EventDialing', (e) => e.callID === consultID)
    expect(dialing).toMatchObject({ callType: 'Consult', otherDN: '13900020003', thisDNRole: 'ConsultBy', thirdDN: '13900010003' })
    await A.log.waitFor('EventEstablished', (e) => e.callID === consultID, 8000)
    const third = cc.network!.list().find((c) => c.number === '13900020003')!
    expect(third).toMatchObject({ direction: 'outbound', state: 'talking', to: '8004' })
    cc.network!.say(third.id, THIRD_PARTY_HZ)
    const thirdSim = cc.network!.simCall(third.id)!
    await hearing(aLeg, [THIRD_PARTY_HZ], [CUSTOMER_TONE_HZ], 'A')
    await hearing(thirdSim, [A.tone], [CUSTOMER_TONE_HZ], 'the third party')

    await A.agent.consultConference()
    await A.log.waitFor('EventPartyAdded', (e) => e.thirdDN === '13900020003')
    await hearing(cust, [A.tone, THIRD_PARTY_HZ], [], 'the customer')
    await hearing(thirdSim, [A.tone, CUSTOMER_TONE_HZ], [], 'the third party')

    // The customer leaves: A and the third party go on.
    const n = A.log.events.length
    cc.network!.hangup(cc.network!.list().find((c) => c.number === '13900010003')!.id)
    expect(await A.log.waitFor('EventPartyDeleted', undefined, 5000, n)).toMatchObject({
      callID,
      thirdDN: '13900010003',
      thirdDNRole: 'DeletedParty',
      workStatus: 'talking',
    })
    await sleep(500)
    await hearing(aLeg, [THIRD_PARTY_HZ], [CUSTOMER_TONE_HZ], 'A')
    // The last agent leaving ends the call: the third party is hung up too.
    await A.agent.hangup()
    await A.log.waitFor('EventReleased', (e) => e.callID === callID)
    await thirdSim.waitEnded(5000)
    expect(cust.ended).toBe(true)
  })

  it('cancelled before B answers, rejected by B, and retrieved after B answered: A is back with the customer each time', async () => {
    const A = await desk('1004')
    const B = await desk('1001')
    const { callID, cust, leg: aLeg } = await answeredCall(A, '13900010004')

    // Cancelled while B's phone rings.
    let fromA = A.log.events.length
    let fromB = B.log.events.length
    const rings = nextIncoming(B.phone)
    const { callID: c1 } = await A.agent.initiateConsult({ targetType: '0', target: '1001' })
    const bRing = await rings
    await B.log.waitFor('EventRinging', (e) => e.callID === c1)
    await A.agent.cancelConsult()
    await expectFlow('Cancelled consult', 'A', since(A, fromA), { M: callID, C: c1 })
    await expectFlow('Cancelled consult', 'B', since(B, fromB), { M: callID, C: c1 })
    await bRing.waitEnded(5000)
    expect(A.agent.state.calls.map((c) => c.callID)).toEqual([callID])
    expect(B.agent.state.calls).toEqual([])
    await hearing(cust, [A.tone], [], 'the customer')
    await hearing(aLeg, [CUSTOMER_TONE_HZ], [], 'A')

    // B rejects: the consult ends the same way.
    const n = A.log.events.length
    const rings2 = nextIncoming(B.phone)
    const { callID: c2 } = await A.agent.initiateConsult({ targetType: '0', target: '1001' })
    await rings2
    await B.log.waitFor('EventRinging', (e) => e.callID === c2)
    await B.agent.rejectCall()
    expect(await A.log.waitFor('EventReleased', (e) => e.callID === c2, 5000)).toMatchObject({
      releaseCause: 'rejected',
      workStatus: 'talking',
    })
    expect(await A.log.waitFor('EventRetrieved', undefined, 5000, n)).toMatchObject({ callID, workStatus: 'talking' })

    // Retrieved after B answered.
    fromA = A.log.events.length
    fromB = B.log.events.length
    const { consultID: c3, bLeg } = await consulted(A, B)
    await hearing(bLeg, [A.tone], [CUSTOMER_TONE_HZ], 'B')
    await A.agent.retrieveConsult()
    await expectFlow('Retrieve after consult', 'A', since(A, fromA), { M: callID, C: c3 })
    await expectFlow('Retrieve after consult', 'B', since(B, fromB), { M: callID, C: c3 })
    await bLeg.waitEnded(5000)
    await sleep(500)
    await hearing(cust, [A.tone], [B.tone], 'the customer')
    await hearing(aLeg, [CUSTOMER_TONE_HZ], [B.tone], 'A')
    expect(B.agent.state.workStatus).toBe('ready') // no after-call work for a consult
  })

  it('ends on hangup (back to the customer); the customer hanging up ends both calls, the consulted agent without after-call work', async () => {
    const A = await desk('1004')
    const B = await desk('1001')
    const { callID, cust, leg: aLeg } = await answeredCall(A, '13900010015')
    const first = await consulted(A, B)
    await A.agent.hangup()
    expect(await A.log.waitFor('EventReleased', (e) => e.callID === first.consultID)).toMatchObject({
      releaseCause: 'hangup',
      workStatus: 'talking',
    })
    expect(await B.log.waitFor('EventReleased', (e) => e.callID === first.consultID)).toMatchObject({
      releaseCause: 'hangup',
      workStatus: 'ready',
    })
    await A.log.waitFor('EventRetrieved', (e) => e.callID === callID)
    await first.bLeg.waitEnded(5000)
    await hearing(cust, [A.tone], [B.tone], 'the customer')

    const second = await consulted(A, B)
    const nA = A.log.events.length
    cc.network!.hangup(cc.network!.list().find((c) => c.number === '13900010015')!.id)
    expect(await B.log.waitFor('EventReleased', (e) => e.callID === second.consultID, 5000)).toMatchObject({
      releaseCause: 'callEnded',
      workStatus: 'ready',
    })
    await A.log.waitFor('EventReleased', (e) => e.callID === callID, 5000, nA)
    expect(
      A.log.events
        .slice(nA)
        .filter((e) => e.messageID === 'EventReleased')
        .map((e) => [(e as { callID: string }).callID, (e as { workStatus?: string }).workStatus]),
    ).toEqual([
      [second.consultID, 'consulting'],
      [callID, 'sorting'],
    ])
    await aLeg.waitEnded(5000)
    await second.bLeg.waitEnded(5000)
    expect(A.agent.state.calls).toEqual([])
    expect(B.agent.state.calls).toEqual([])
    await sleep(300)
    expect(B.log.events.some((e) => e.messageID === 'EventAgentAfterCallWork')).toBe(false)
  })
})

describe('blind transfer', () => {
  it('to an agent: A leaves into ACW at once, the customer hears ringback, then B', async () => {
    const A = await desk('1004')
    const B = await desk('1001')
    const { callID, cust, leg: aLeg } = await answeredCall(A, '13900010005')
    const fromA = A.log.events.length
    const fromB = B.log.events.length
    const rings = nextIncoming(B.phone)
    await A.agent.singleTransfer({ targetType: '0', target: '1001' })
    await aLeg.waitEnded(5000)
    const bLeg = await rings
    await sleep(300)
    expect(cust.toneLevel(425, 800)).toBeGreaterThan(HEARD) // ringback while B's phone rings
    bLeg.answer()
    await expectFlow('Blind transfer to an agent', 'A', since(A, fromA), { M: callID })
    await expectFlow('Blind transfer to an agent', 'B', since(B, fromB), { M: callID })
    expect(await B.log.waitFor('EventRinging', (e) => e.callID === callID)).toMatchObject({ thirdDN: '8004', otherDN: '13900010005' })
    await hearing(cust, [B.tone], [A.tone], 'the customer')
    await hearing(bLeg, [CUSTOMER_TONE_HZ], [], 'B')
    await A.log.waitFor('EventAgentAfterCallWork')
  })

  it('to a skill group: the customer waits in that queue and its agent takes the call', async () => {
    const A = await desk('1004')
    const B = await desk('1001', { autoAnswer: true })
    const { callID, cust } = await answeredCall(A, '13900010006')
    const fromA = A.log.events.length
    const fromB = B.log.events.length
    await A.agent.singleTransfer({ targetType: '3', target: 'QU_SALES' })
    await expectFlow('Blind transfer to a skill group', 'A', since(A, fromA), { M: callID })
    await expectFlow('Blind transfer to a skill group', 'B', since(B, fromB), { M: callID })
    await hearing(cust, [B.tone], [A.tone], 'the customer')
    await until(async () => (await cc.store.calls.get('demo', callID)) !== undefined, 'the record')
    const hook = await B.agent.hangup()
    expect(hook).toEqual({ status: 'success' })
    await until(async () => ((await cc.store.calls.get('demo', callID))?.endTime ?? 0) > 0, 'the call record')
    expect(await cc.store.calls.get('demo', callID)).toMatchObject({ queueId: 'QU_SALES', status: 1 })
  })

  it('to a third-party number, and to an extension where only a desk phone is registered', async () => {
    const A = await desk('1004')
    // A number through the telephone network: the customer ends up talking to it, no agent left.
    const first = await answeredCall(A, '13900010007')
    await A.agent.singleTransfer({ targetType: '1', target: '13900020007' })
    expect(await A.log.waitFor('EventReleased', (e) => e.callID === first.callID)).toMatchObject({
      thisDNRole: 'TransferBy',
      thirdDN: '13900020007',
      thirdDNRole: 'TransferTo',
      releaseCause: 'transferred',
    })
    await until(() => cc.network!.list().some((c) => c.number === '13900020007' && c.state === 'talking'), 'the number to answer', 8000)
    const third = cc.network!.list().find((c) => c.number === '13900020007')!
    expect(third.to).toBe('13900010007') // it sees the customer's number
    cc.network!.say(third.id, THIRD_PARTY_HZ)
    await hearing(first.cust, [THIRD_PARTY_HZ], [A.tone], 'the customer')
    await hearing(cc.network!.simCall(third.id)!, [CUSTOMER_TONE_HZ], [], 'the third party')
    await A.agent.completeACW()

    // Extension 8005: agent 1005 is not logged in, but its desk phone is registered there.
    const desk5 = await sipPhone(cc, '1005', { autoAnswer: true, toneHz: TONE_HZ['1005'] })
    phones.push(desk5)
    const second = await answeredCall(A, '13900010008')
    await A.agent.singleTransfer({ targetType: '2', target: '8005' })
    await hearing(second.cust, [TONE_HZ['1005']!], [A.tone], 'the customer')
  })
})

describe('refusals', () => {
  it('names the error of each operation in a state that forbids it, in the SDK and again at the server', async () => {
    const A = await desk('1004')
    const B = await desk('1001')
    await desk('1002', { login: false })
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'success',
        (e: { errorCode: string }) => e.errorCode,
      )
    const raw = async (token: string, name: string, body: Record<string, unknown> = {}) =>
      (
        (await (
          await fetch(`${cc.url}/cti/v1/agent/_${name}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(body),
          })
        ).json()) as { errorCode?: string }
      ).errorCode

    // No call yet.
    expect(await code(A.agent.initiateConsult({ targetType: '0', target: '1001' }))).toBe('NO_ACTIVE_CALL')
    expect(await raw(A.token, 'initiateConsult', { targetType: '0', target: '1001' })).toBe('NO_ACTIVE_CALL')
    expect(await raw(A.token, 'singleTransfer', { targetType: '0', target: '1001' })).toBe('NO_ACTIVE_CALL')
    expect(await raw(A.token, 'sendSatisfy')).toBe('NO_ACTIVE_CALL')
    expect(await code(A.agent.consultConference())).toBe('NO_ACTIVE_CALL')
    expect(await raw(A.token, 'consultConference')).toBe('NO_ACTIVE_CALL')
    // Bad targets.
    // @ts-expect-error: not a targetType
    expect(await code(A.agent.singleTransfer({ targetType: '9', target: '1001' }))).toBe('INVALID_TARGET_TYPE')
    expect(await raw(A.token, 'initiateConsult', { targetType: '3', target: 'QU_SALES' })).toBe('INVALID_TARGET_TYPE')
    expect(await raw(A.token, 'singleTransfer', { targetType: '1', target: 'not a number' })).toBe('INVALID_PARAMETER')

    const { callID } = await answeredCall(A, '13900010009')
    expect(await code(A.agent.initiateConsult({ targetType: '0', target: '1004' }))).toBe('TARGET_IS_SELF')
    expect(await raw(A.token, 'initiateConsult', { targetType: '0', target: '1004' })).toBe('TARGET_IS_SELF')
    expect(await raw(A.token, 'singleTransfer', { targetType: '2', target: '8004' })).toBe('TARGET_IS_SELF')
    expect(await raw(A.token, 'singleTransfer', { targetType: '0', target: '1002' })).toBe('TARGET_OFFLINE')
    expect(await raw(A.token, 'initiateConsult', { targetType: '0', target: '1099' })).toBe('TARGET_NOT_FOUND')
    expect(await raw(A.token, 'singleTransfer', { targetType: '3', target: 'QU_NOPE' })).toBe('TARGET_NOT_FOUND')
    expect(await raw(A.token, 'initiateConsult', { targetType: '2', target: '8999' })).toBe('EXTENSION_NOT_FOUND')
    await B.agent.notReady({ reasonCode: 11 })
    expect(await raw(A.token, 'initiateConsult', { targetType: '0', target: '1001' })).toBe('TARGET_BUSY')
    await B.agent.ready()
    // No conference, transfer or retrieve without a consult; none before it is answered; no cancel after.
    expect(await code(A.agent.consultConference())).toBe('CALL_STATE_FORBIDS')
    expect(await raw(A.token, 'consultTransfer')).toBe('CALL_STATE_FORBIDS')
    const rings = nextIncoming(B.phone)
    await A.agent.initiateConsult({ targetType: '0', target: '1001' })
    const bLeg = await rings
    expect(await code(A.agent.consultConference())).toBe('CALL_STATE_FORBIDS')
    expect(await raw(A.token, 'consultTransfer')).toBe('CALL_STATE_FORBIDS')
    expect(await raw(A.token, 'retrieveConsult')).toBe('CALL_STATE_FORBIDS')
    expect(await code(A.agent.initiateConsult({ targetType: '0', target: '1001' }))).toBe('CALL_STATE_FORBIDS')
    expect(await code(A.agent.singleTransfer({ targetType: '0', target: '1001' }))).toBe('CALL_STATE_FORBIDS')
    bLeg.answer()
    await B.log.waitFor('EventEstablished', undefined, 8000)
    await A.log.waitFor('EventEstablished', (e) => e.callType === 'Consult', 8000)
    expect(await raw(A.token, 'cancelConsult')).toBe('CALL_STATE_FORBIDS')
    // The consulted agent cannot pass the customer on or send the survey.
    expect(await raw(B.token, 'singleTransfer', { targetType: '0', target: '1004' })).toBe('CALL_STATE_FORBIDS')
    expect(await raw(B.token, 'sendSatisfy')).toBe('CALL_STATE_FORBIDS')
    expect(await raw(B.token, 'consultConference')).toBe('CALL_STATE_FORBIDS')
    // Supervision needs a supervisor, at the server too.
    expect(await code(A.agent.observe({ targetAgentID: '1001' }))).toBe('PERMISSION_DENIED')
    expect(await raw(A.token, 'observe', { targetAgentID: '1001' })).toBe('PERMISSION_DENIED')
    expect(await raw(A.token, 'bargeIn', { targetAgentID: '1001' })).toBe('PERMISSION_DENIED')
    await A.agent.retrieveConsult()
    await A.log.waitFor('EventRetrieved', (e) => e.callID === callID)
  })

  it('supervision: not while on a call, not of an idle agent, no barge-in without observing', async () => {
    const A = await desk('1004')
    const S = await desk('9001', { autoAnswer: true })
    const raw = async (name: string, body: Record<string, unknown> = {}) =>
      (
        (await (
          await fetch(`${cc.url}/cti/v1/agent/_${name}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${S.token}` },
            body: JSON.stringify(body),
          })
        ).json()) as { errorCode?: string }
      ).errorCode
    expect(await raw('observe', { targetAgentID: '1004' })).toBe('NO_ACTIVE_CALL')
    expect(await raw('observe', { targetAgentID: '9001' })).toBe('TARGET_IS_SELF')
    await expect(S.agent.observe({ targetAgentID: '9001' })).rejects.toMatchObject({ errorCode: 'TARGET_IS_SELF' })
    expect(await raw('observe', { targetAgentID: '1003' })).toBe('TARGET_OFFLINE')
    expect(await raw('observe', { targetAgentID: '7777' })).toBe('TARGET_NOT_FOUND')
    expect(await raw('bargeIn', { targetAgentID: '1004' })).toBe('NO_ACTIVE_CALL')
    await expect(S.agent.intercept({ targetAgentID: '1004' })).rejects.toMatchObject({ errorCode: 'NO_ACTIVE_CALL' })
    await answeredCall(A, '13900010010')
    expect(await raw('bargeIn', { targetAgentID: '1004' })).toBe('NO_ACTIVE_CALL')
  })
})

describe('supervision', () => {
  it('a supervisor listens (hears both, heard by none, the agent is not told), barges in (all three talk), then takes the call over', async () => {
    const A = await desk('1004')
    const S = await desk('9001', { autoAnswer: true })
    const { callID, cust, leg: aLeg } = await answeredCall(A, '13900010011')
    const fromA = A.log.events.length
    const fromS = S.log.events.length
    const sRings = nextIncoming(S.phone)
    await S.agent.observe({ targetAgentID: '1004' })
    const sLeg = await sRings
    await S.log.waitFor('EventEstablished', (e) => e.callID === callID, 8000)
    expect(S.agent.state.workStatus).toBe('monitoring')
    await hearing(sLeg, [A.tone, CUSTOMER_TONE_HZ], [], 'the supervisor')
    await sleep(500)
    expect(cust.toneLevel(S.tone)).toBeLessThan(SILENT)
    expect(aLeg.toneLevel(S.tone)).toBeLessThan(SILENT)
    expect(A.log.events.slice(fromA).filter((e) => 'callID' in e)).toEqual([]) // silent
    await expect(S.agent.muteCall()).rejects.toMatchObject({ errorCode: 'CALL_STATE_FORBIDS' })

    await S.agent.bargeIn({ targetAgentID: '1004' })
    await A.log.waitFor('EventPartyAdded')
    await hearing(cust, [A.tone, S.tone], [], 'the customer')
    await hearing(aLeg, [CUSTOMER_TONE_HZ, S.tone], [], 'A')
    expect(A.agent.state.workStatus).toBe('conferencing')

    await S.agent.intercept({ targetAgentID: '1004' })
    await expectFlow('Supervision: observe, barge in, intercept', 'S', since(S, fromS), { M: callID })
    await expectFlow('Supervision: observe, barge in, intercept', 'A', since(A, fromA), { M: callID })
    expect(S.log.events.slice(fromS).every((e) => !('partyRole' in e) || (e as { partyRole: string }).partyRole === 'Supervisor')).toBe(
      true,
    )
    await aLeg.waitEnded(5000)
    await hearing(cust, [S.tone], [A.tone], 'the customer')
    await hearing(sLeg, [CUSTOMER_TONE_HZ], [], 'the supervisor')
    expect(S.agent.state.call).toMatchObject({ callID, thisDNRole: 'InterceptBy' })
  })
})

describe('satisfaction survey', () => {
  it('ends the agent legs, plays the prompt, stores the key on the record and in the ended webhook; a customer who hangs up in it is status 4', async () => {
    const rx = await startReceiver()
    receivers.push(rx)
    expect((await api.put('/v1/project', { event_url: rx.url })).body).toMatchObject({ r: 0 })
    try {
      const A = await desk('1004')
      const { callID, cust, netId, leg: aLeg } = await answeredCall(A, '13900010012')
      const fromA = A.log.events.length
      await A.agent.sendSatisfy()
      await expectFlow('Satisfaction survey', 'A', since(A, fromA), { M: callID })
      await aLeg.waitEnded(5000)
      await until(
        () => cust.toneLevel(SURVEY_PROMPT_HZ[0], 3000) > HEARD && cust.toneLevel(A.tone) < SILENT,
        'the customer to hear the survey prompt, and A no more',
        8000,
      )
      expect(cc.network!.sendDtmf(netId, '4')).toBe(true)
      await until(() => cust.ended, 'the call to end after the key', 8000)
      await until(async () => ((await cc.store.calls.get('demo', callID))?.endTime ?? 0) > 0, 'the call record')
      expect(await cc.store.calls.get('demo', callID)).toMatchObject({ satisfactionKey: '4', status: 1 })
      const [ended] = await rx.waitFor(1, (r) => r.body.call_id === callID && r.body.call_status === 'ended')
      expect(ended!.body).toMatchObject({ satisfaction: '4', callType: 'CALL' })
      await A.log.waitFor('MainCDRInfo', (e) => e.callID === callID)

      // A customer who hangs up in the survey: status 4, no key.
      await A.agent.completeACW().catch(() => {})
      const second = await answeredCall(A, '13900010013')
      await A.agent.sendSatisfy()
      await until(() => second.cust.toneLevel(SURVEY_PROMPT_HZ[0], 3000) > HEARD, 'the prompt', 8000)
      cc.network!.hangup(second.netId)
      await until(async () => ((await cc.store.calls.get('demo', second.callID))?.endTime ?? 0) > 0, 'the second record')
      expect(await cc.store.calls.get('demo', second.callID)).toMatchObject({ satisfactionKey: null, status: 4 })
      const [ended2] = await rx.waitFor(1, (r) => r.body.call_id === second.callID && r.body.call_status === 'ended')
      expect(ended2!.body).not.toHaveProperty('satisfaction')
    } finally {
      await api.put('/v1/project', { event_url: null })
    }
  })
})

describe('REST API', () => {
  it('adds a participant (a conference) and transfers a live call, with the result codes', async () => {
    const A = await desk('1004')
    const B = await desk('1001', { autoAnswer: true })
    const C = await desk('1002', { autoAnswer: true })
    const { callID, cust } = await answeredCall(A, '13900010014')
    expect((await api.post('/v1/call/participant', { callId: 'call-nope', to: { type: 'internal', number: '1001' } })).body).toMatchObject({
      r: 5,
    })
    expect((await api.post('/v1/call/participant', { callId: callID, to: { type: 'sideways', number: '1001' } })).body).toMatchObject({
      r: 4,
    })
    expect((await api.post('/v1/call/transfer', { callId: callID })).body).toMatchObject({ r: 2 })
    expect((await api.post('/v1/call/transfer', { callId: callID, to: { type: 'internal', number: '1003' } })).body).toMatchObject({
      r: 14,
    }) // offline
    expect(
      (
        await api.post('/v1/call/participant', {
          callId: callID,
          from: { type: 'external', number: '842471000102' },
          to: { type: 'internal', number: '1001' },
        })
      ).body,
    ).toMatchObject({ r: 0 })
    expect(await B.log.waitFor('EventPartyAdded', undefined, 8000)).toMatchObject({
      callID,
      thisDNRole: 'NewParty',
      thirdDN: '842471000102',
      thirdDNRole: 'AddedBy',
      workStatus: 'conferencing',
    })
    expect(await A.log.waitFor('EventPartyAdded')).toMatchObject({
      callID,
      thirdDN: '8001',
      thirdDNRole: 'NewParty',
      workStatus: 'conferencing',
    })
    await hearing(cust, [A.tone, B.tone], [], 'the customer')

    const res = await api.post('/v1/call/transfer', { callId: callID, to: { type: 'internal', number: '1002', alias: 'Bruno' } })
    expect(res.body).toMatchObject({ r: 0, callId: callID })
    expect(await A.log.waitFor('EventReleased', (e) => e.callID === callID)).toMatchObject({ thisDNRole: 'TransferBy', thirdDN: '8002' })
    expect(await B.log.waitFor('EventReleased', (e) => e.callID === callID)).toMatchObject({ thisDNRole: 'TransferBy', thirdDN: '8002' })
    expect(await C.log.waitFor('EventEstablished', (e) => e.callID === callID, 8000)).toMatchObject({ thisDNRole: 'TransferTo' })
    await hearing(cust, [C.tone], [A.tone, B.tone], 'the customer')
  })
})
