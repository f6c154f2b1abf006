import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import path from 'node:path'
import { CUSTOMER_TONE_HZ } from '../../server/sim/network'
import { toneAmplitude } from '../../server/switch/audio'
import { readWav } from '../../server/switch/recorder'
import type { Simulator } from '../../server/sim/simulator'
import type { Agent } from '../../src/agent/Agent'
import { AGENT_TONE_HZ, nextIncoming, sipPhone, sleep, until } from '../support/calls'
import { restClient } from '../support/rest'
import { connectAgent, restToken, startServer, type Connected } from '../support/server'

let cc: ContactCenter
const agents: Agent[] = []
const phones: Simulator[] = []

beforeAll(async () => {
  cc = await startServer()
  // Short timers for the tests, as the queue API would set them.
  const api = restClient(cc, await restToken(cc))
  expect((await api.put('/v1/queue/QU_SALES', { wait_agent_answer_timeout: 3, wrap_up_time_limit: 2 })).body).toMatchObject({ r: 0 })
})
afterEach(async () => {
  for (const a of agents.splice(0)) {
    await a.resetLogout().catch(() => {})
    a.destroy()
  }
  await Promise.all(phones.splice(0).map((p) => p.close()))
})
afterAll(async () => {
  await cc?.close()
})

async function agentOnSipPhone(id: string, autoAnswer = false): Promise<Connected & { phone: Simulator }> {
  const phone = await sipPhone(cc, id, { autoAnswer })
  phones.push(phone)
  const c = await connectAgent(cc, id)
  agents.push(c.agent)
  await c.agent.login({ agentState: '1', phoneType: 'sip' })
  return { ...c, phone }
}

describe("calls with a SIP phone (the simulator as the agent's desk phone)", () => {
  it('routes an inbound call to the agent: ring, answer, audio both ways, hold, mute, DTMF, hang-up, ACW', async () => {
    const { agent, log, phone } = await agentOnSipPhone('1001')
    const ringing = nextIncoming(phone)
    const customer = cc.network!.callIn('QU_SALES', '13900001111')
    const ring = await log.waitFor('EventRinging', undefined, 10_000)
    expect(ring).toMatchObject({
      callType: 'Inbound',
      partyRole: 'Agent',
      otherDN: '13900001111',
      DNIS: 'QU_SALES',
      queueID: 'QU_SALES',
      queueName: 'Sales',
      thisDN: '8001',
      thisDNRole: 'Destination',
      otherDNRole: 'Origination',
      workStatus: 'calling',
    })
    expect(agent.state.workStatus).toBe('calling')
    const call = await ringing
    call.answer()
    const est = await log.waitFor('EventEstablished', undefined, 10_000)
    expect(est).toMatchObject({ callID: ring.callID, workStatus: 'talking' })
    const cust = cc.network!.simCall(customer.id)!

    // Audio both ways: the customer hears the agent's 660 Hz, the agent's phone the customer's 440 Hz.
    await until(() => cust.toneLevel(AGENT_TONE_HZ, 500) > 0.05, 'the customer to hear the agent', 8000)
    await until(() => call.toneLevel(CUSTOMER_TONE_HZ, 500) > 0.05, 'the agent to hear the customer', 8000)

    // Hold: the customer hears music (not the agent); the agent hears nothing.
    await agent.holdCall()
    await log.waitFor('EventHeld')
    expect(agent.state.workStatus).toBe('holding')
    await sleep(800)
    expect(cust.receivedRms(Date.now() - 500)).toBeGreaterThan(0.01)
    expect(cust.toneLevel(AGENT_TONE_HZ, 500)).toBeLessThan(0.01)
    expect(call.receivedRms(Date.now() - 500)).toBeLessThan(0.005)
    await agent.retrieveCall()
    await log.waitFor('EventRetrieved')
    await until(() => call.toneLevel(CUSTOMER_TONE_HZ, 400) > 0.05, 'the agent to hear the customer again', 5000)

    // Mute: nobody hears the agent until unmute.
    await agent.muteCall()
    await log.waitFor('EventMuteOn')
    await sleep(600)
    expect(cust.toneLevel(AGENT_TONE_HZ, 400)).toBeLessThan(0.01)
    await agent.unmute()
    await log.waitFor('EventMuteOff')
    await until(() => cust.toneLevel(AGENT_TONE_HZ, 400) > 0.05, 'the customer to hear the agent again', 5000)

    // DTMF reaches the customer, in order.
    await agent.sendDtmf({ dtmfDigits: '801#' })
    expect(await log.waitFor('EventDTMFSent', undefined, 8000)).toMatchObject({ dtmfDigits: '801#' })
    await until(() => cc.network!.get(customer.id)!.dtmfReceived === '801#', 'the customer to receive 801#', 5000)

    // Hang-up: released into ACW, then a detail record; extend, then complete.
    await agent.hangup()
    const rel = await log.waitFor('EventReleased')
    expect(rel).toMatchObject({ callID: ring.callID, workStatus: 'sorting' })
    const acw = await log.waitFor('EventAgentAfterCallWork')
    expect(acw.workStatus).toBe('sorting')
    const cdr = await log.waitFor('MainCDRInfo')
    expect(cdr).toMatchObject({ callID: ring.callID, callType: 'Inbound', otherDN: '13900001111', releasedBy: 'agent', recorded: true })
    await until(() => cc.network!.get(customer.id)!.state === 'ended', 'the customer to be hung up')
    const delayed = log.next('EventAgentAfterCallWork')
    await agent.delayACW({ delayTime: 30 })
    expect((await delayed).acwDeadline).toBeGreaterThanOrEqual(acw.acwDeadline + 30_000)
    await sleep(2500) // past the queue's 2 s: the extension holds
    expect(agent.state.workStatus).toBe('sorting')
    const ready = log.next('EventAgentReady')
    await agent.completeACW()
    expect(await ready).toMatchObject({ workStatus: 'ready' })
    await until(async () => ((await cc.store.calls.get('demo', ring.callID))?.acwDuration ?? 0) > 0, 'the ACW on the call record')
    const rec = (await cc.store.calls.get('demo', ring.callID))!
    expect(rec).toMatchObject({
      direction: 1,
      customerNumber: '13900001111',
      stringeeNumber: 'QU_SALES',
      queueId: 'QU_SALES',
      status: 1,
      agentId: 'agt-1001',
      recorded: true,
    })
    expect(rec.acwDuration).toBeGreaterThanOrEqual(2)
    expect(rec.talkDuration).toBeGreaterThanOrEqual(1)
    expect(rec.recordingPath).toMatch(/\.wav$/)
    // The recording: one channel per side, each with what that side said.
    const wav = await readWav(path.join(cc.config.dataDir, rec.recordingPath!))
    expect(wav.channels).toBe(2)
    expect(wav.sampleRate).toBe(8000)
    expect(toneAmplitude(wav.data[0]!, CUSTOMER_TONE_HZ)).toBeGreaterThan(0.05)
    expect(toneAmplitude(wav.data[1]!, AGENT_TONE_HZ)).toBeGreaterThan(0.02)
    expect(toneAmplitude(wav.data[0]!, AGENT_TONE_HZ)).toBeLessThan(0.01)
  })

  it('ends ACW by its timer, and completeACWToBusy leaves the agent not ready', async () => {
    const { agent, log, phone } = await agentOnSipPhone('1002', true)
    void phone
    cc.network!.callIn('QU_SALES', '13900002222')
    await log.waitFor('EventEstablished', undefined, 10_000)
    await agent.hangup()
    await log.waitFor('EventAgentAfterCallWork')
    expect(await log.waitFor('EventAgentReady', undefined, 5000)).toMatchObject({ workStatus: 'ready' }) // the 2 s timer
    cc.network!.callIn('QU_SALES', '13900002223')
    await log.next('EventEstablished', undefined, 10_000)
    await agent.hangup()
    await log.next('EventAgentAfterCallWork')
    const busy = log.next('EventAgentNotReady')
    await agent.completeACWToBusy()
    expect(await busy).toMatchObject({ workStatus: 'occupied', agentState: '2', reasonCode: '2' })
  })

  it('sends an unanswered call to the next agent, and a rejected one too', async () => {
    const first = await agentOnSipPhone('1001')
    const second = await agentOnSipPhone('1002')
    // 1001 has been idle longer: it is offered the call first, does not answer in 3 s.
    const customer = cc.network!.callIn('QU_SALES', '13900003333')
    const r1 = await first.log.waitFor('EventRinging', undefined, 10_000)
    const r2 = await second.log.waitFor('EventRinging', undefined, 10_000)
    expect(r2.callID).toBe(r1.callID)
    expect(await first.log.waitFor('EventReleased')).toMatchObject({ callID: r1.callID, releaseCause: 'noAnswer', workStatus: 'ready' })
    // 1002 rejects: nobody is left to try, so the customer waits in the queue.
    await until(() => second.phone.calls.size > 0, "the second agent's phone to ring")
    await second.agent.rejectCall()
    expect(await second.log.waitFor('EventReleased')).toMatchObject({ releaseCause: 'rejected', workStatus: 'ready' })
    expect((await first.agent.queryCountsInQueue()).queues.find((q) => q.queueID === 'QU_SALES')!.count).toBe(1)
    // The customer gives up while waiting.
    cc.network!.hangup(customer.id)
    await until(
      async () => (await first.agent.queryCountsInQueue()).queues.find((q) => q.queueID === 'QU_SALES')!.count === 0,
      'the queue to empty',
    )
    await until(async () => ((await cc.store.calls.get('demo', r1.callID))?.endTime ?? 0) > 0, 'the call record to be finished')
    expect(await cc.store.calls.get('demo', r1.callID)).toMatchObject({ status: 2, endCallReason: 'CUSTOMER_END_CALL' })
  })

  it('tells a ringing agent when the caller hangs up (EventAbandoned)', async () => {
    const { log } = await agentOnSipPhone('1003')
    const customer = cc.network!.callIn('QU_SALES', '13900004444')
    const ring = await log.waitFor('EventRinging', undefined, 10_000)
    cc.network!.hangup(customer.id)
    expect(await log.waitFor('EventAbandoned', undefined, 8000)).toMatchObject({ callID: ring.callID, workStatus: 'ready' })
  })

  it("places a makeCall: the agent's phone first, then the customer; userData comes back as attachedData and on the record", async () => {
    const { agent, log, phone } = await agentOnSipPhone('1004', true)
    const userData = { ticket: 'T-42', crm: { id: 7 } }
    const { callID } = (await agent.makeCall({ otherDN: ' 13900005555 ', ANI: '02873000001', userData })) as unknown as { callID: string }
    const dialing = await log.waitFor('EventDialing')
    expect(dialing).toMatchObject({
      callID,
      callType: 'Outbound',
      thisDNRole: 'Origination',
      otherDN: '13900005555',
      otherDNRole: 'Destination',
      ANI: '02873000001',
      attachedData: userData,
      workStatus: 'dialing',
    })
    expect(dialing).not.toHaveProperty('queueID') // a call the agent dialled came through no skill group
    const est = await log.waitFor('EventEstablished', undefined, 10_000)
    expect(est).toMatchObject({ callID, attachedData: userData, workStatus: 'talking' })
    const net = cc.network!.list().find((c) => c.number === '13900005555')!
    expect(net).toMatchObject({ direction: 'outbound', to: '02873000001', state: 'talking' })
    const agentLeg = [...phone.calls][0]!
    await until(() => cc.network!.simCall(net.id)!.toneLevel(AGENT_TONE_HZ, 500) > 0.05, 'the customer to hear the agent', 8000)
    await until(() => agentLeg.toneLevel(CUSTOMER_TONE_HZ, 500) > 0.05, 'the agent to hear the customer', 8000)
    cc.network!.hangup(net.id) // the customer hangs up
    const rel = await log.waitFor('EventReleased', undefined, 8000)
    expect(rel.attachedData).toEqual(userData)
    expect((await log.waitFor('MainCDRInfo')).releasedBy).toBe('customer')
    await until(async () => ((await cc.store.calls.get('demo', callID))?.endTime ?? 0) > 0, 'the call record to be finished')
    expect(await cc.store.calls.get('demo', callID)).toMatchObject({
      direction: 0,
      customerNumber: '13900005555',
      stringeeNumber: '02873000001',
      attachedData: userData,
    })
  })

  it('reports a busy customer and resolves a privacy number on the server', async () => {
    const { agent, log } = await agentOnSipPhone('1005', true)
    await fetch(`${cc.url}/dev/numbers/13900006666`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reject: 486 }),
    })
    await agent.makeCall({ otherDN: '13900006666' })
    const rel = await log.waitFor('EventReleased', undefined, 10_000)
    expect(rel.workStatus).toBe('ready')
    const token = (await (
      await fetch(`${cc.url}/dev/privacy-numbers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ companyId: 'demo', number: '13900007777' }),
      })
    ).json()) as { privacyNumber: string }
    await agent.makeCall({ otherDN: '139****7777', privacyNumber: token.privacyNumber })
    await log.next('EventEstablished', undefined, 10_000)
    expect(cc.network!.list().some((c) => c.number === '13900007777' && c.state === 'talking')).toBe(true)
    await expect(agent.makeCall({ otherDN: '13900008888' })).rejects.toMatchObject({ errorCode: 'CALL_STATE_FORBIDS' })
    await agent.hangup()
    await log.next('EventReleased')
    await agent.completeACW()
    await expect(agent.makeCall({ otherDN: '139****0000', privacyNumber: 'forged' })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER',
    })
  })

  it('refuses call commands the state forbids, at the server too', async () => {
    const { agent, token } = await agentOnSipPhone('1003')
    const raw = async (name: string, body: Record<string, unknown> = {}) =>
      (await (
        await fetch(`${cc.url}/cti/v1/agent/_${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        })
      ).json()) as Record<string, unknown>
    expect(await raw('hangup')).toMatchObject({ errorCode: 'NO_ACTIVE_CALL' })
    expect(await raw('holdCall')).toMatchObject({ errorCode: 'NO_ACTIVE_CALL' })
    expect(await raw('sendDtmf', { dtmfDigits: '1'.repeat(25) })).toMatchObject({ errorCode: 'INVALID_DTMF' })
    expect(await raw('sendDtmf', { dtmfDigits: 'abc' })).toMatchObject({ errorCode: 'INVALID_DTMF' })
    expect(await raw('makeCall', {})).toMatchObject({ errorCode: 'MISSING_PARAMETER' })
    expect(await raw('makeCall', { otherDN: 'letters' })).toMatchObject({ errorCode: 'INVALID_PARAMETER' })
    expect(await raw('delayACW', { delayTime: 901 })).toMatchObject({ errorCode: 'INVALID_DELAY_TIME' })
    expect(await raw('delayACW', { delayTime: 60 })).toMatchObject({ errorCode: 'NOT_IN_ACW' })
    expect(await raw('completeACW')).toMatchObject({ errorCode: 'NOT_IN_ACW' })
    await expect(agent.answer()).rejects.toMatchObject({ errorCode: 'NO_ACTIVE_CALL' })
  })

  it("refuses makeCall when the agent's phone is not registered", async () => {
    const c = await connectAgent(cc, '1005')
    agents.push(c.agent)
    await c.agent.login({ agentState: '1', phoneType: 'sip' })
    await expect(c.agent.makeCall({ otherDN: '13900009999' })).rejects.toMatchObject({ errorCode: 'PHONE_NOT_REGISTERED' })
  })

  it('rings an agent who answers on a mobile (phoneType pstn) through the telephone network', async () => {
    const c = await connectAgent(cc, '1002')
    agents.push(c.agent)
    const login = await c.agent.login({ agentState: '1', phoneType: 'pstn', bindMobile: ' 13811112222 ' })
    expect(login).toMatchObject({ phoneType: 'pstn', bindMobile: '13811112222' })
    const customer = cc.network!.callIn('QU_SALES', '13900001212')
    expect(await c.log.waitFor('EventRinging', undefined, 10_000)).toMatchObject({ otherDN: '13900001212' })
    // The network answers the mobile (after 300 ms): the agent talks from it.
    await c.log.waitFor('EventEstablished', undefined, 10_000)
    const mobile = cc.network!.list().find((x) => x.number === '13811112222' && x.direction === 'outbound')!
    expect(mobile).toMatchObject({ state: 'talking' })
    cc.network!.say(mobile.id, 880) // the agent's voice on the mobile
    const cust = cc.network!.simCall(customer.id)!
    await until(() => cust.toneLevel(880, 500) > 0.05, 'the customer to hear the mobile', 8000)
    await until(() => cc.network!.simCall(mobile.id)!.toneLevel(CUSTOMER_TONE_HZ, 500) > 0.05, 'the mobile to hear the customer', 8000)
    await c.agent.holdCall()
    await sleep(800)
    expect(cust.toneLevel(880, 500)).toBeLessThan(0.01)
    expect(cust.receivedRms(Date.now() - 500)).toBeGreaterThan(0.01)
    await c.agent.retrieveCall()
    await c.agent.hangup()
    expect(await c.log.waitFor('EventReleased')).toMatchObject({ workStatus: 'sorting' })
    await until(() => cc.network!.get(mobile.id)!.state === 'ended', 'the mobile to hang up')
  })
})
