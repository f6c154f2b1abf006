import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { ContactCenter } from '../../server/app'
import { launchChromium, type ChromiumSession } from '../support/browser'
import { sleep, until } from '../support/calls'
import { restClient } from '../support/rest'
import { devToken, restToken, startServer } from '../support/server'

let cc: ContactCenter
let chromium: ChromiumSession

beforeAll(async () => {
  cc = await startServer()
  const api = restClient(cc, await restToken(cc))
  expect((await api.put('/v1/queue/QU_SUPPORT', { wait_agent_answer_timeout: 8, wrap_up_time_limit: 3 })).body).toMatchObject({ r: 0 })
  chromium = await launchChromium()
})
afterAll(async () => {
  await chromium?.close()
  await cc?.close()
})

interface Ev {
  messageID: string
  [k: string]: unknown
}

/** An agent desktop: the script-tag SDK on the contact center's own page, its events kept in window.events. */
async function desktop(page: Page, agentID: string): Promise<void> {
  const token = await devToken(cc, agentID)
  await page.goto(`${cc.url}/demo/minimal.html`)
  await page.evaluate(
    async ([token, agentID]) => {
      const w = window as any
      w.events = []
      w.agent = new w.SobotClient.agent()
      w.agent.on('EventAgentAll', (m: any) => w.events.push(m))
      await w.agent.initAgent({ token, companyId: 'demo', agent: agentID })
    },
    [token, agentID] as const,
  )
}

const events = (p: Page): Promise<Ev[]> => p.evaluate(() => (window as any).events)
const call = (p: Page, method: string, params: unknown = {}): Promise<unknown> =>
  p.evaluate(([m, params]) => (window as any).agent[m](params).catch((e: any) => ({ failed: e.errorCode })), [method, params] as const)

async function waitEvent(p: Page, name: string, after = 0, timeoutMs = 10_000): Promise<Ev> {
  let found: Ev | undefined
  await until(
    async () => {
      found = (await events(p)).slice(after).find((e) => e.messageID === name)
      return !!found
    },
    `${name} in the page`,
    timeoutMs,
  )
  return found!
}

type Stats = {
  registered: boolean
  ringing: boolean
  ringtonePlaying: boolean
  inCall: boolean
  stats?: { packetsReceived: number; packetsSent: number; totalAudioEnergy: number; audioLevel: number }
}
const phone = (p: Page): Promise<Stats | undefined> => p.evaluate(() => (window as any).agent.getPhoneStats())

describe('the web phone in Chromium, with real audio', () => {
  it('rings, answers, carries audio both ways, holds, retrieves, sends DTMF, hangs up into ACW, extends, completes, is ready', async () => {
    const { page } = await chromium.newPage()
    await desktop(page, '1004')
    const login = await call(page, 'login', { agentState: '1', phoneType: 'webrtc' })
    expect(login).toMatchObject({ status: 'success', phoneType: 'webrtc' })
    expect(login).not.toHaveProperty('phone') // the SIP identity stays inside the SDK
    expect(await phone(page)).toMatchObject({ registered: true, inCall: false })

    const customer = cc.network!.callIn('QU_SUPPORT', '13911112222')
    const ring = await waitEvent(page, 'EventRinging')
    expect(ring).toMatchObject({ callType: 'Inbound', otherDN: '13911112222', thisDN: '8004', workStatus: 'calling' })
    await until(async () => (await phone(page))?.ringing === true, 'the web phone to ring')
    expect((await phone(page))!.ringtonePlaying).toBe(true)
    expect(await call(page, 'answer')).toEqual({ status: 'success' })
    await waitEvent(page, 'EventEstablished')
    expect((await phone(page))!.ringtonePlaying).toBe(false)
    const cust = cc.network!.simCall(customer.id)!

    // Audio both ways: the page receives packets with energy; the customer hears the fake microphone.
    const s1 = (await phone(page))!.stats!
    await sleep(1500)
    const s2 = (await phone(page))!.stats!
    expect(s2.packetsReceived - s1.packetsReceived).toBeGreaterThan(50)
    expect(s2.totalAudioEnergy).toBeGreaterThan(s1.totalAudioEnergy)
    expect(s2.packetsSent).toBeGreaterThan(0)
    await until(() => cust.receivedRms(Date.now() - 1000) > 0.02, 'the customer to hear the agent', 8000)

    // Hold: the agent receives no customer audio; the customer hears music on hold, not the agent.
    let n = (await events(page)).length
    await call(page, 'holdCall')
    await waitEvent(page, 'EventHeld', n)
    await sleep(700)
    const h1 = (await phone(page))!.stats!
    await sleep(1500)
    const h2 = (await phone(page))!.stats!
    expect(h2.totalAudioEnergy - h1.totalAudioEnergy).toBeLessThan((s2.totalAudioEnergy - s1.totalAudioEnergy) / 20)
    expect(cust.receivedRms(Date.now() - 1000)).toBeGreaterThan(0.01)
    expect(cust.toneLevel(1000, 1000)).toBeLessThan(0.01) // none of the fake microphone's 1 kHz beeps
    n = (await events(page)).length
    await call(page, 'retrieveCall')
    await waitEvent(page, 'EventRetrieved', n)
    const r1 = (await phone(page))!.stats!
    await sleep(1500)
    const r2 = (await phone(page))!.stats!
    expect(r2.totalAudioEnergy - r1.totalAudioEnergy).toBeGreaterThan((s2.totalAudioEnergy - s1.totalAudioEnergy) / 4)

    // DTMF: the simulated customer logs the digits.
    await call(page, 'sendDtmf', { dtmfDigits: '4321*#' })
    await waitEvent(page, 'EventDTMFSent')
    await until(() => cc.network!.get(customer.id)!.dtmfReceived === '4321*#', 'the customer to log 4321*#', 8000)

    // Quality reports every few seconds during the call.
    const latency = await waitEvent(page, 'EventJanusLatency', 0, 12_000)
    expect(latency).toMatchObject({ quality: expect.stringMatching(/^[a-e]$/), loss: expect.any(String) })
    expect(typeof latency.ping).toBe('number')
    expect(typeof latency.ctiPing).toBe('number')

    // Hang up: ACW, extended, completed: ready again.
    n = (await events(page)).length
    await call(page, 'hangup')
    expect(await waitEvent(page, 'EventReleased', n)).toMatchObject({ workStatus: 'sorting' })
    const acw = await waitEvent(page, 'EventAgentAfterCallWork', n)
    await until(() => cc.network!.get(customer.id)!.state === 'ended', 'the customer to be hung up')
    expect(await phone(page)).toMatchObject({ inCall: false })
    n = (await events(page)).length
    await call(page, 'delayACW', { delayTime: 30 })
    const extended = await waitEvent(page, 'EventAgentAfterCallWork', n)
    expect(extended.acwDeadline as number).toBeGreaterThanOrEqual((acw.acwDeadline as number) + 30_000)
    await sleep(3500) // past the queue's 3 s wrap-up: the extension holds
    expect(await page.evaluate(() => (window as any).agent.state.workStatus)).toBe('sorting')
    n = (await events(page)).length
    await call(page, 'completeACW')
    expect(await waitEvent(page, 'EventAgentReady', n)).toMatchObject({ workStatus: 'ready' })
    await call(page, 'logout')
    expect(await phone(page)).toBeUndefined()
  })

  it('places a makeCall the web phone answers by itself; userData comes back as attachedData and on the call record', async () => {
    const { page } = await chromium.newPage()
    await desktop(page, '1005')
    await call(page, 'login', { agentState: '2', phoneType: 'webrtc' })
    const userData = { orderId: 'A-1001', vip: true }
    const res = (await call(page, 'makeCall', { otherDN: '13922223333', userData })) as { callID: string }
    expect(res.callID).toMatch(/^call-/)
    const dialing = await waitEvent(page, 'EventDialing')
    expect(dialing).toMatchObject({ callID: res.callID, attachedData: userData, thisDNRole: 'Origination' })
    const est = await waitEvent(page, 'EventEstablished')
    expect(est).toMatchObject({ callID: res.callID, attachedData: userData, otherDN: '13922223333' })
    const net = cc.network!.list().find((c) => c.number === '13922223333')!
    await until(() => cc.network!.simCall(net.id)!.receivedRms(Date.now() - 1000) > 0.02, 'the customer to hear the agent', 8000)
    const a = (await phone(page))!.stats!
    await sleep(1000)
    expect((await phone(page))!.stats!.totalAudioEnergy).toBeGreaterThan(a.totalAudioEnergy)
    await call(page, 'hangup')
    const rel = await waitEvent(page, 'EventReleased')
    expect(rel.attachedData).toEqual(userData)
    await until(async () => (await cc.store.calls.get('demo', res.callID))?.endTime !== 0, 'the call record')
    expect((await cc.store.calls.get('demo', res.callID))!.attachedData).toEqual(userData)
    await call(page, 'completeACW')
    await call(page, 'logout')
  })

  it('stops ringing when the agent rejects and when the caller gives up', async () => {
    const { page } = await chromium.newPage()
    await desktop(page, '1003')
    await call(page, 'login', { agentState: '1', phoneType: 'webrtc' })
    let customer = cc.network!.callIn('QU_SUPPORT', '13933334444')
    await waitEvent(page, 'EventRinging')
    await until(async () => (await phone(page))?.ringing === true, 'the web phone to ring')
    expect(await call(page, 'rejectCall')).toEqual({ status: 'success' })
    await until(async () => (await phone(page))?.ringing === false, 'the ringing to stop')
    expect((await phone(page))!.ringtonePlaying).toBe(false)
    expect(await waitEvent(page, 'EventReleased')).toMatchObject({ releaseCause: 'rejected' })
    cc.network!.hangup(customer.id)

    const n = (await events(page)).length
    customer = cc.network!.callIn('QU_SUPPORT', '13933335555')
    await waitEvent(page, 'EventRinging', n)
    await until(async () => (await phone(page))?.ringing === true, 'the web phone to ring again')
    cc.network!.hangup(customer.id)
    await waitEvent(page, 'EventAbandoned', n)
    await until(async () => (await phone(page))?.ringing === false, 'the ringing to stop when the caller gives up')
    expect((await phone(page))!.ringtonePlaying).toBe(false)
    await call(page, 'logout')
  })

  it('refuses a web phone whose microphone is denied, or whose page is not a secure context, before logging in', async () => {
    const denying = await launchChromium(['--use-fake-ui-for-media-stream=deny', '--host-resolver-rules=MAP cc.test 127.0.0.1'])
    try {
      const { page } = await denying.newPage()
      await desktop(page, '1002')
      expect(await call(page, 'login', { agentState: '1', phoneType: 'webrtc' })).toEqual({ failed: 'MEDIA_PERMISSION_DENIED' })
      expect(await page.evaluate(() => (window as any).agent.state.agentState)).toBe(0)
      // The same page from http://cc.test (not localhost) is not a secure context.
      const { page: insecure } = await denying.newPage()
      await insecure.goto(`${cc.url.replace('127.0.0.1', 'cc.test')}/demo/minimal.html`)
      expect(await insecure.evaluate(() => window.isSecureContext)).toBe(false)
      const token = await devToken(cc, '1002')
      const res = await insecure.evaluate(async (token: string) => {
        const w = window as any
        const agent = new w.SobotClient.agent()
        await agent.initAgent({ token, companyId: 'demo', agent: '1002' })
        return agent.login({ phoneType: 'webrtc' }).catch((e: any) => e.errorCode)
      }, token)
      expect(res).toBe('INSECURE_CONTEXT')
    } finally {
      await denying.close()
    }
  })
})
