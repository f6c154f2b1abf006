import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { ContactCenter } from '../../server/app'
import { encodeWav } from '../../server/api/wav'
import { SURVEY_PROMPT_HZ } from '../../server/calls/survey'
import { CUSTOMER_TONE_HZ } from '../../server/sim/network'
import type { SimCall } from '../../server/sim/simulator'
import { SilenceSource, ToneSource } from '../../server/switch/audio'
import { launchChromium, type ChromiumSession } from '../support/browser'
import { sleep, until } from '../support/calls'
import { expectFlow } from '../support/flows'
import { restClient } from '../support/rest'
import { devToken, restToken, startServer } from '../support/server'

// The multi-party operations in real Chromium: three agent desktops (the script-tag SDK and its web
// phone), each in its own browser whose fake microphone says one tone, and the simulated customer
// (440 Hz). Who hears whom is measured on the customer's side by tone (Goertzel) and on each page by
// the web phone's received audio energy (getPhoneStats().stats.totalAudioEnergy), silencing the other
// speakers where a page must show that one of them is (or is not) heard. The events each page
// receives are checked against the flows documented in docs/EVENTS.md.

const AGENTS = {
  A: { id: '1004', ext: '8004', hz: 620 },
  B: { id: '1001', ext: '8001', hz: 740 },
  S: { id: '9001', ext: '8901', hz: 300 },
} as const
type Who = keyof typeof AGENTS

const HEARD = 0.05
const SILENT = 0.01
/** Received audio energy over a measuring window: above this a page hears someone, below the other a page hears nobody. */
const ENERGY_HEARD = 0.005
const ENERGY_SILENT = 0.0005
const WINDOW_MS = 1200
/** How long what the customer hears must hold before it counts. */
const STEADY_MS = 750

let cc: ContactCenter
let wavDir: string
const browsers: ChromiumSession[] = []
const pages = {} as Record<Who, Page>

interface Ev {
  messageID: string
  [k: string]: unknown
}

const events = (p: Page): Promise<Ev[]> => p.evaluate(() => (window as any).events)
const count = async (p: Page): Promise<number> => (await events(p)).length
const call = (p: Page, method: string, params: unknown = {}): Promise<any> =>
  p.evaluate(([m, params]) => (window as any).agent[m](params).catch((e: any) => ({ failed: e.errorCode, message: e.errorMessage })), [
    method,
    params,
  ] as const)
const ok = async (p: Page, method: string, params: unknown = {}): Promise<any> => {
  const r = await call(p, method, params)
  expect(r, `${method}`).not.toHaveProperty('failed')
  return r
}
const state = (p: Page): Promise<{ workStatus: string; calls: { callID: string; callType: string }[] }> =>
  p.evaluate(() => (window as any).agent.state)
const phone = (p: Page): Promise<{ ringing: boolean; inCall: boolean; stats?: { totalAudioEnergy: number } } | undefined> =>
  p.evaluate(() => (window as any).agent.getPhoneStats())

async function waitEvent(p: Page, name: string, after: number, pred: (e: Ev) => boolean = () => true, timeoutMs = 10_000): Promise<Ev> {
  let found: Ev | undefined
  await until(
    async () => !!(found = (await events(p)).slice(after).find((e) => e.messageID === name && pred(e))),
    `${name} in the page`,
    timeoutMs,
  )
  return found!
}

/** Received audio energy of each page over the same window. */
async function energies(...ps: Page[]): Promise<number[]> {
  const before = await Promise.all(ps.map(async (p) => (await phone(p))?.stats?.totalAudioEnergy ?? 0))
  await sleep(WINDOW_MS)
  const after = await Promise.all(ps.map(async (p) => (await phone(p))?.stats?.totalAudioEnergy ?? 0))
  const d = after.map((a, i) => a - before[i]!)
  if (process.env.MP_DEBUG) console.log('energies', d.map((x) => x.toFixed(5)).join(' '))
  return d
}

/**
 * Waits until the customer hears each tone of `heard` and none of `silent`, steadily for STEADY_MS.
 * (Right after an answer the audio may pause for up to a second before it settles: a one-off check
 * would take that for the wrong party.)
 */
async function customerHears(sim: SimCall, heard: number[], silent: number[], what: string): Promise<void> {
  const fine = (): boolean => heard.every((hz) => sim.toneLevel(hz) > HEARD) && silent.every((hz) => sim.toneLevel(hz) < SILENT)
  let since = 0
  await until(
    () => {
      if (!fine()) since = 0
      else since ||= Date.now()
      return since > 0 && Date.now() - since >= STEADY_MS
    },
    `the customer: ${what}`,
    10_000,
  ).catch((e: unknown) => {
    throw new Error(`${String(e)} (${[...heard, ...silent].map((hz) => `${hz} Hz: ${sim.toneLevel(hz).toFixed(3)}`).join(', ')})`)
  })
}

/** An agent desktop in its own browser, logged in with the web phone. */
async function desktop(who: Who): Promise<void> {
  const a = AGENTS[who]
  const wav = path.join(wavDir, `${who}.wav`)
  // The tone in bursts (300 ms on, 100 ms off, like syllables): a steady tone would be taken for noise
  // and faded out by the browser's noise suppression.
  const samples = new Int16Array(48_000 * 4)
  for (let i = 0; i < samples.length; i++) {
    const t = (i % 19_200) / 48_000
    const env = t < 0.3 ? Math.min(1, t / 0.01, (0.3 - t) / 0.01) : 0
    samples[i] = Math.round(Math.sin((2 * Math.PI * a.hz * i) / 48_000) * env * 0.3 * 32767)
  }
  writeFileSync(wav, encodeWav(samples, 48_000))
  const browser = await launchChromium([`--use-file-for-fake-audio-capture=${wav}`])
  browsers.push(browser)
  const { page } = await browser.newPage()
  const token = await devToken(cc, a.id)
  await page.goto(`${cc.url}/demo/minimal.html`)
  await page.evaluate(
    async ([token, agentID]) => {
      const w = window as any
      w.events = []
      // The browser's gain control and noise suppression fade and gate a test tone (measured: 0.55 down
      // to 0.15, with dips to 0.05); these tests measure who hears whom, not the browser's processing.
      w.agent = new w.SobotClient.agent({ audioConstraints: { autoGainControl: false, noiseSuppression: false, echoCancellation: false } })
      w.agent.on('EventAgentAll', (m: any) => w.events.push(m))
      await w.agent.initAgent({ token, companyId: 'demo', agent: agentID })
      await w.agent.login({ agentState: '1', phoneType: 'webrtc' })
    },
    [token, a.id] as const,
  )
  pages[who] = page
}

/** The agent's ringing web phone answers (after the CTI event says it rings). */
async function answer(who: Who, after: number, callID?: string): Promise<Ev> {
  const p = pages[who]
  const ring = await waitEvent(p, 'EventRinging', after, (e) => !callID || e.callID === callID)
  await until(async () => (await phone(p))?.ringing === true, `${who}'s web phone to ring`)
  await ok(p, 'answer')
  return ring
}

/** Back to ready between tests (out of after-call work). */
async function ready(who: Who): Promise<void> {
  const p = pages[who]
  if ((await state(p)).workStatus === 'sorting') await call(p, 'completeACW')
  await until(async () => (await state(p)).workStatus === 'ready', `${who} to be ready`, 8000)
}

interface Customer {
  callID: string
  netId: string
  sim: SimCall
}

/** A customer calls the support line; A answers on its web phone. */
async function customerCall(from: string): Promise<Customer> {
  for (const w of ['A', 'B', 'S'] as Who[]) await ready(w)
  const n = await count(pages.A)
  const net = cc.network!.callIn('QU_SUPPORT', from)
  const ring = await answer('A', n)
  await waitEvent(pages.A, 'EventEstablished', n)
  const sim = cc.network!.simCall(net.id)!
  await customerHears(sim, [AGENTS.A.hz], [], 'A')
  return { callID: ring.callID as string, netId: net.id, sim }
}

/** A consults B, B answers: the consult's callID. */
async function consultB(): Promise<string> {
  const nB = await count(pages.B)
  const res = await ok(pages.A, 'initiateConsult', { targetType: '0', target: AGENTS.B.id })
  await answer('B', nB, res.callID)
  await waitEvent(pages.A, 'EventEstablished', 0, (e) => e.callID === res.callID)
  return res.callID as string
}

const fromNow = async (p: Page): Promise<() => Promise<Ev[]>> => {
  const n = await count(p)
  return async () => (await events(p)).slice(n)
}

beforeAll(async () => {
  cc = await startServer()
  const api = restClient(cc, await restToken(cc))
  for (const q of ['QU_SALES', 'QU_SUPPORT'])
    expect((await api.put(`/v1/queue/${q}`, { wait_agent_answer_timeout: 10, wrap_up_time_limit: 2 })).body).toMatchObject({ r: 0 })
  wavDir = mkdtempSync(path.join(tmpdir(), 'sobot-tones-'))
  for (const w of ['A', 'B', 'S'] as Who[]) await desktop(w)
})
// A test that failed half-way leaves its calls up: end them, so that the next test starts from ready agents.
afterEach(async () => {
  for (const p of Object.values(pages)) {
    for (let i = 0; i < 3 && (await state(p)).calls.length > 0; i++) {
      await call(p, 'hangup')
      await sleep(300)
    }
  }
})
afterAll(async () => {
  for (const b of browsers) await b.close()
  await cc?.close()
  if (wavDir) rmSync(wavDir, { recursive: true, force: true })
})

describe('multi-party operations in Chromium', () => {
  it('consult then conference: the held customer is heard by nobody; in conference each of the three hears the other two; B leaves', async () => {
    const cust = await customerCall('13944440001')
    const evA = await fromNow(pages.A)
    const evB = await fromNow(pages.B)
    const consultID = await consultB()
    expect((await state(pages.A)).calls.map((c) => c.callType)).toEqual(['Inbound', 'Consult'])
    expect((await state(pages.B)).calls).toEqual([expect.objectContaining({ callID: consultID, callType: 'Consult' })])

    // Consulting: A and B hear each other; the held customer hears music, neither agent; nobody hears the customer.
    await customerHears(cust.sim, [], [AGENTS.A.hz, AGENTS.B.hz], 'music on hold, no agent')
    expect(cust.sim.receivedRms(Date.now() - 1000)).toBeGreaterThan(0.01)
    let [eA, eB] = await energies(pages.A, pages.B)
    expect(eA, 'A hears B').toBeGreaterThan(ENERGY_HEARD)
    expect(eB, 'B hears A').toBeGreaterThan(ENERGY_HEARD)
    await ok(pages.B, 'muteCall')
    await sleep(600)
    ;[eA] = await energies(pages.A)
    expect(eA, 'A hears nothing of the held customer').toBeLessThan(ENERGY_SILENT)
    await ok(pages.B, 'unmute')

    await ok(pages.A, 'consultConference')
    await waitEvent(pages.B, 'EventPartyChanged', 0)
    expect((await state(pages.A)).workStatus).toBe('conferencing')
    await customerHears(cust.sim, [AGENTS.A.hz, AGENTS.B.hz], [], 'A and B')
    // With the customer silent, A and B hear each other ...
    cust.sim.setSource(new SilenceSource())
    await sleep(600)
    ;[eA, eB] = await energies(pages.A, pages.B)
    expect(eA, 'A hears B').toBeGreaterThan(ENERGY_HEARD)
    expect(eB, 'B hears A').toBeGreaterThan(ENERGY_HEARD)
    // ... and with both agents muted, each hears the customer (who hears neither).
    cust.sim.setSource(new ToneSource(CUSTOMER_TONE_HZ, 0.25))
    await ok(pages.A, 'muteCall')
    await ok(pages.B, 'muteCall')
    await sleep(600)
    ;[eA, eB] = await energies(pages.A, pages.B)
    expect(eA, 'A hears the customer').toBeGreaterThan(ENERGY_HEARD)
    expect(eB, 'B hears the customer').toBeGreaterThan(ENERGY_HEARD)
    await customerHears(cust.sim, [], [AGENTS.A.hz, AGENTS.B.hz], 'nobody while both are muted')
    await ok(pages.A, 'unmute')
    await ok(pages.B, 'unmute')

    // B leaves: A and the customer talk on.
    await ok(pages.B, 'hangup')
    await expectFlow('Consult, then conference; a party leaves', 'A', evA, { M: cust.callID, C: consultID })
    await expectFlow('Consult, then conference; a party leaves', 'B', evB, { M: cust.callID, C: consultID })
    await customerHears(cust.sim, [AGENTS.A.hz], [AGENTS.B.hz], 'A, not B')
    expect((await state(pages.A)).workStatus).toBe('talking')
    await ok(pages.A, 'hangup')
  })

  it('consult then transfer; B sends the satisfaction survey and the key lands on the call record', async () => {
    const cust = await customerCall('13944440002')
    const evA = await fromNow(pages.A)
    const evB = await fromNow(pages.B)
    const consultID = await consultB()
    await ok(pages.A, 'consultTransfer')
    await expectFlow('Consult, then transfer', 'A', evA, { M: cust.callID, C: consultID })
    await expectFlow('Consult, then transfer', 'B', evB, { M: cust.callID, C: consultID })
    await customerHears(cust.sim, [AGENTS.B.hz], [AGENTS.A.hz], 'B, not A')
    await until(async () => (await phone(pages.A))?.inCall === false, "A's web phone to hang up")
    expect((await state(pages.B)).calls).toEqual([expect.objectContaining({ callID: cust.callID, callType: 'Inbound' })])

    const n = await count(pages.B)
    await ok(pages.B, 'sendSatisfy')
    expect(await waitEvent(pages.B, 'EventReleased', n)).toMatchObject({
      callID: cust.callID,
      releaseCause: 'satisfaction',
      workStatus: 'sorting',
    })
    await until(async () => (await phone(pages.B))?.inCall === false, "B's web phone to hang up")
    await customerHears(cust.sim, [SURVEY_PROMPT_HZ[0]], [AGENTS.B.hz], 'the survey prompt')
    expect(cc.network!.sendDtmf(cust.netId, '5')).toBe(true)
    await until(() => cust.sim.ended, 'the survey to end the call', 8000)
    await until(async () => ((await cc.store.calls.get('demo', cust.callID))?.endTime ?? 0) > 0, 'the call record')
    expect(await cc.store.calls.get('demo', cust.callID)).toMatchObject({
      satisfactionKey: '5',
      status: 1,
      participants: expect.arrayContaining(['1004', '1001']),
    })
    await waitEvent(pages.B, 'MainCDRInfo', n, (e) => e.callID === cust.callID)
  })

  it('a cancelled consult, then a blind transfer to a skill group', async () => {
    const cust = await customerCall('13944440003')
    let evA = await fromNow(pages.A)
    let evB = await fromNow(pages.B)
    const nB = await count(pages.B)
    const res = await ok(pages.A, 'initiateConsult', { targetType: '0', target: AGENTS.B.id })
    await waitEvent(pages.B, 'EventRinging', nB)
    await until(async () => (await phone(pages.B))?.ringing === true, "B's web phone to ring")
    await ok(pages.A, 'cancelConsult')
    await expectFlow('Cancelled consult', 'A', evA, { M: cust.callID, C: res.callID })
    await expectFlow('Cancelled consult', 'B', evB, { M: cust.callID, C: res.callID })
    await until(async () => (await phone(pages.B))?.ringing === false, "B's web phone to stop ringing")
    await customerHears(cust.sim, [AGENTS.A.hz], [], 'A again')

    evA = await fromNow(pages.A)
    evB = await fromNow(pages.B)
    const n = await count(pages.B)
    await ok(pages.A, 'singleTransfer', { targetType: '3', target: 'QU_SALES' })
    await answer('B', n, cust.callID)
    await expectFlow('Blind transfer to a skill group', 'A', evA, { M: cust.callID })
    await expectFlow('Blind transfer to a skill group', 'B', evB, { M: cust.callID })
    await customerHears(cust.sim, [AGENTS.B.hz], [AGENTS.A.hz], 'B from the sales queue')
    await ok(pages.B, 'hangup')
  })

  it('a supervisor listens (hears both, heard by none, A is not told), barges in, then takes the call over', async () => {
    const cust = await customerCall('13944440004')
    const evA = await fromNow(pages.A)
    const evS = await fromNow(pages.S)
    const nS = await count(pages.S)
    await ok(pages.S, 'observe', { targetAgentID: AGENTS.A.id })
    await waitEvent(pages.S, 'EventEstablished', nS, undefined, 12_000)
    expect((await state(pages.S)).workStatus).toBe('monitoring')
    let [eS] = await energies(pages.S)
    expect(eS, 'S hears the call').toBeGreaterThan(ENERGY_HEARD)
    await customerHears(cust.sim, [AGENTS.A.hz], [AGENTS.S.hz], 'A, not the supervisor')
    // With the customer silent: S still hears A; A hears nothing (not S).
    cust.sim.setSource(new SilenceSource())
    await sleep(600)
    let eA: number
    ;[eS, eA] = await energies(pages.S, pages.A)
    expect(eS, 'S hears A').toBeGreaterThan(ENERGY_HEARD)
    expect(eA, 'A does not hear S').toBeLessThan(ENERGY_SILENT)
    // With A muted and the customer speaking: S hears the customer.
    cust.sim.setSource(new ToneSource(CUSTOMER_TONE_HZ, 0.25))
    await ok(pages.A, 'muteCall')
    await sleep(600)
    ;[eS] = await energies(pages.S)
    expect(eS, 'S hears the customer').toBeGreaterThan(ENERGY_HEARD)
    await ok(pages.A, 'unmute')
    cust.sim.setSource(new SilenceSource())
    expect((await evA()).filter((e) => 'callID' in e && !['EventMuteOn', 'EventMuteOff'].includes(e.messageID))).toEqual([])

    await ok(pages.S, 'bargeIn', { targetAgentID: AGENTS.A.id })
    await waitEvent(pages.A, 'EventPartyAdded', 0)
    await sleep(800)
    ;[eA] = await energies(pages.A)
    expect(eA, 'A hears S').toBeGreaterThan(ENERGY_HEARD)
    cust.sim.setSource(new ToneSource(CUSTOMER_TONE_HZ, 0.25))
    await customerHears(cust.sim, [AGENTS.A.hz, AGENTS.S.hz], [], 'A and S')

    await ok(pages.S, 'intercept', { targetAgentID: AGENTS.A.id })
    await expectFlow('Supervision: observe, barge in, intercept', 'S', evS, { M: cust.callID })
    await expectFlow('Supervision: observe, barge in, intercept', 'A', evA, { M: cust.callID })
    await customerHears(cust.sim, [AGENTS.S.hz], [AGENTS.A.hz], 'S, not A')
    await ok(pages.S, 'hangup')
  })
})
