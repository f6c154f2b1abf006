import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import type { Simulator } from '../../server/sim/simulator'
import { launchChromium, type ChromiumSession } from '../support/browser'
import { nextIncoming, sipPhone, sleep, until } from '../support/calls'
import { restClient } from '../support/rest'
import { connectAgent, restToken, startServer, type Connected } from '../support/server'

// The demo desktop driven as an agent works it, in real Chromium with its web phone: sign in, a
// customer rings, answer, hold, consult a colleague, conference, hang up, after-call work. At each
// step: which buttons are enabled (exactly), what the banner, pill and timers say, and that the call
// really is in that state (the events the page received, the contact center's view of the call).
// SCREENSHOT_DIR=docs/images writes the README's screenshots (scripts/screenshots.ts does).

const SHOTS = process.env.SCREENSHOT_DIR
const WRAP_UP_S = 30

let cc: ContactCenter
let chromium: ChromiumSession
let page: Page
let B: Connected & { phone: Simulator }

const pill = (): Promise<string> => page.textContent('#statusPill').then((t) => t ?? '')
const until$ = (what: string, fn: () => boolean, timeoutMs = 15_000): Promise<unknown> =>
  page.waitForFunction(fn, undefined, { timeout: timeoutMs }).catch((e: unknown) => {
    throw new Error(`the desktop: ${what} (${String(e)})`)
  })
/** The command buttons an agent can see and press. */
const enabled = (): Promise<string[]> =>
  page.$$eval('button[data-cmd]', (bs) =>
    (bs as HTMLButtonElement[])
      .filter((b) => !b.disabled && b.offsetParent !== null)
      .map((b) => b.id)
      .sort(),
  )
/** Inputs and selects without a label (a visible one or one for screen readers). */
const unlabelled = (p: Page): Promise<string[]> =>
  p.$$eval('input, select', (els) =>
    (els as HTMLInputElement[]).filter((e) => !e.labels?.length && !e.getAttribute('aria-label')).map((e) => e.id),
  )
/** The events the desktop listed, oldest first. */
const events = (): Promise<string[]> => page.$$eval('#events li.event b', (els) => els.map((e) => e.textContent ?? '').reverse())
const sdkState = (): Promise<{ workStatus: string; calls: { callID: string; established: boolean }[] }> =>
  page.evaluate(() => (window as any).sobotAgent.state)
/** m:ss on the page, in seconds. */
const seconds = async (sel: string): Promise<number> => {
  const m = /(\d+):(\d\d)/.exec((await page.textContent(sel)) ?? '')
  if (!m) throw new Error(`no timer in ${sel}: ${await page.textContent(sel)}`)
  return Number(m[1]) * 60 + Number(m[2])
}
async function shot(name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `desktop-${name}.png`) })
}
/** A timer on the page moves on (within a bound: a loaded machine may delay the page's ticks). */
async function ticks(sel: string, what: string, down = false): Promise<void> {
  const from = await seconds(sel)
  await until(async () => (down ? (await seconds(sel)) < from : (await seconds(sel)) > from), `the ${what} to run`, 5000)
}
async function waitPill(label: string): Promise<void> {
  await until(async () => (await pill()) === label, `the status pill to say ${label} (it says ${await pill()})`, 15_000)
}
async function waitEvent(name: string, after = 0): Promise<void> {
  await until(async () => (await events()).slice(after).includes(name), `${name} in the desktop's log`, 15_000)
}

beforeAll(async () => {
  cc = await startServer()
  // After-call work long enough to watch its countdown.
  const api = restClient(cc, await restToken(cc))
  expect((await api.put('/v1/queue/QU_SALES', { wrap_up_time_limit: WRAP_UP_S })).body).toMatchObject({ r: 0 })
  chromium = await launchChromium()
  ;({ page } = await chromium.newPage())
  await page.setViewportSize({ width: 1280, height: 720 })
})
afterAll(async () => {
  await B?.agent.destroy()
  await B?.phone.close()
  await chromium?.close()
  await cc?.close()
})

describe('the demo agent desktop in Chromium', () => {
  it('ringing, answer, hold, consult, conference, hang-up and after-call work, with only the buttons each step allows', async () => {
    await page.goto(`${cc.url}/demo/`)
    expect(await page.isVisible('#signin')).toBe(true)
    await page.selectOption('#agentId', '1001')
    await page.selectOption('#phoneType', 'webrtc')
    await page.click('#btnSignIn')
    await waitPill('Ready')
    expect(await page.textContent('#agentName')).toBe('Alice Chen')
    expect(await page.textContent('#agentLine')).toContain('ext 8001')
    expect(await page.isVisible('#supervisor')).toBe(false) // agents see no supervisor panel
    expect(await page.isVisible('#phoneCard')).toBe(true)
    expect(await enabled()).toEqual(['btnCall', 'btnSignOut'])
    expect(await unlabelled(page)).toEqual([])
    expect(await page.$eval('#log', (d) => (d as HTMLDetailsElement).open)).toBe(false) // the event log folds away

    // A customer calls the sales line: the banner, the ringtone, a ringing timer.
    const net = cc.network!.callIn('QU_SALES', '13900001234')
    await page.waitForSelector('#incoming', { state: 'visible' })
    await waitPill('Ringing')
    expect(await page.textContent('#inNumber')).toBe('13900001234')
    expect(await page.textContent('#inQueue')).toBe('Sales queue')
    expect(await enabled()).toEqual(['btnAnswer', 'btnHangup', 'btnReject'])
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('btnAnswer')
    await until(
      async () => (await page.evaluate(() => (window as any).sobotAgent.getPhoneStats()))?.ringtonePlaying === true,
      'the ringtone',
      5000,
    )
    expect((await sdkState()).workStatus).toBe('calling')
    await ticks('#inTimer', 'ringing timer')
    await shot('ringing')

    // Answer: the banner goes, the call timer runs.
    await page.click('#btnAnswer')
    await waitPill('On call')
    expect(await page.isVisible('#incoming')).toBe(false)
    expect(await page.textContent('#callNumber')).toBe('13900001234')
    expect(await page.textContent('#callInfo')).toBe('Inbound call · Sales queue')
    expect(await enabled()).toEqual(['btnConsult', 'btnDtmf', 'btnHangup', 'btnHold', 'btnMute', 'btnSatisfy', 'btnTransfer'])
    await waitEvent('EventEstablished')
    expect(cc.network!.get(net.id)).toMatchObject({ state: 'talking' })
    const [live] = cc.calls.realtime()
    expect(live).toMatchObject({ customerNumber: '13900001234', agents: ['1001'] })
    expect(live!.answeredTime).toBeGreaterThan(0)
    // Voice quality comes from the web phone's media statistics of the real call.
    await until$('voice quality', () => /^Voice quality \w+ · \d+ ms ping/.test(document.querySelector('#quality')!.textContent!))
    await ticks('#callTimer', 'call timer')
    await shot('talking')

    // Hold and resume; mute and unmute.
    let n = (await events()).length
    await page.click('#btnHold')
    await waitPill('On hold')
    await waitEvent('EventHeld', n)
    expect(await page.textContent('#btnHold')).toBe('Resume')
    expect(await page.textContent('#callState')).toMatch(/^On hold \d:\d\d$/)
    expect(await enabled()).toEqual(['btnConsult', 'btnHangup', 'btnHold', 'btnMute', 'btnSatisfy', 'btnTransfer'])
    n = (await events()).length
    await page.click('#btnHold')
    await waitPill('On call')
    await waitEvent('EventRetrieved', n)
    expect(await page.textContent('#btnHold')).toBe('Hold')
    n = (await events()).length
    await page.click('#btnMute')
    await waitEvent('EventMuteOn', n)
    await until$('the mute button to offer unmute', () => document.querySelector('#btnMute')!.textContent === 'Unmute')
    await page.click('#btnMute')
    await waitEvent('EventMuteOff', n)
    await until$('the mute button to offer mute', () => document.querySelector('#btnMute')!.textContent === 'Mute')

    // Consult a colleague (1002, on a SIP desk phone): cancel only while it rings, then the rest.
    const phone = await sipPhone(cc, '1002')
    B = { ...(await connectAgent(cc, '1002')), phone }
    await B.agent.login({ agentState: '1', phoneType: 'sip' })
    const incoming = nextIncoming(phone)
    await page.selectOption('#xferType', '0')
    await page.fill('#xferTarget', '1002')
    await page.click('#btnConsult')
    await waitPill('Consulting')
    await page.waitForSelector('#consultRow', { state: 'visible' })
    expect(await page.textContent('#consultInfo')).toBe('Consulting agent 1002 (8002)')
    expect(await page.textContent('#consultState')).toBe('Ringing')
    expect(await page.textContent('#callState')).toBe('Customer on hold')
    expect(await enabled()).toEqual(['btnCancelConsult', 'btnDtmf', 'btnHangup', 'btnMute'])
    await B.log.waitFor('EventRinging', (e) => e.callType === 'Consult', 10_000)
    ;(await incoming).answer()
    await until$('the consulted agent to answer', () => document.querySelector('#consultState')!.textContent === 'Talking')
    expect(await enabled()).toEqual(['btnConference', 'btnConsultTransfer', 'btnDtmf', 'btnHangup', 'btnMute', 'btnRetrieveConsult'])
    const state = await sdkState()
    expect(state.workStatus).toBe('consulting')
    expect(state.calls.map((c) => c.established)).toEqual([true, true])
    await ticks('#consultTimer', 'consult timer')
    // Wide and narrow screens: nothing overflows sideways, and at 1280×720 the call fits without scrolling.
    for (const width of [1440, 1280]) {
      await page.setViewportSize({ width, height: width === 1280 ? 720 : 900 })
      const size = await page.evaluate(() => ({
        w: document.documentElement.scrollWidth,
        h: document.documentElement.scrollHeight,
        vw: innerWidth,
        vh: innerHeight,
      }))
      expect(size.w, `no sideways overflow at ${width}`).toBeLessThanOrEqual(size.vw)
      if (width === 1280) expect(size.h, 'the desktop fits 1280×720').toBeLessThanOrEqual(size.vh)
    }
    await shot('consult')

    // Conference: the three talk.
    n = (await events()).length
    await page.click('#btnConference')
    await waitPill('Conference')
    await waitEvent('EventPartyAdded', n)
    expect(await page.isVisible('#consultRow')).toBe(false)
    expect(await page.textContent('#callInfo')).toBe('Conference with agent 1002 (8002) · Sales queue')
    expect(await enabled()).toEqual(['btnDtmf', 'btnHangup', 'btnMute', 'btnSatisfy'])
    await until(() => cc.calls.realtime()[0]?.agents.length === 2, 'both agents on the customer call')
    expect([...cc.calls.realtime()[0]!.agents].sort()).toEqual(['1001', '1002'])

    // Hang up: the colleague and the customer talk on; this agent goes to after-call work.
    n = (await events()).length
    await page.click('#btnHangup')
    await waitPill('After-call work')
    await waitEvent('EventAgentAfterCallWork', n)
    expect(cc.calls.realtime()[0]).toMatchObject({ agents: ['1002'] })
    expect(cc.network!.get(net.id)).toMatchObject({ state: 'talking' })
    await page.waitForSelector('#acw', { state: 'visible' })
    expect(await enabled()).toEqual(['btnAcwBusy', 'btnCall', 'btnCompleteAcw', 'btnDelayAcw'])
    const left = await seconds('#acwTimer')
    expect(left).toBeGreaterThan(WRAP_UP_S - 10)
    expect(left).toBeLessThanOrEqual(WRAP_UP_S)
    // The call ends for everyone: its detail record arrives, and the countdown stays.
    n = (await events()).length
    await B.agent.hangup()
    await waitEvent('MainCDRInfo', n)
    await ticks('#acwTimer', 'after-call work countdown', true)
    expect(await page.textContent('#acwTimer')).toMatch(/^0:\d\d left$/)
    expect(await pill()).toBe('After-call work')
    await shot('acw')
    // More time, then done.
    await page.selectOption('#acwDelay', '60')
    n = (await events()).length
    await page.click('#btnDelayAcw')
    await waitEvent('EventAgentAfterCallWork', n)
    await until$('the countdown to grow', () => /^1:\d\d left$/.test(document.querySelector('#acwTimer')!.textContent!))
    await page.click('#btnCompleteAcw')
    await waitPill('Ready')
    expect(await page.isVisible('#acw')).toBe(false)
    expect(await page.textContent('#callNumber')).toBe('No call')
    expect(await enabled()).toEqual(['btnCall', 'btnSignOut'])
    expect((await sdkState()).workStatus).toBe('ready')
  })

  it('asks before a reload mid-call (closeProtection); reloaded anyway, the customer is hung up and the desktop comes back in after-call work', async () => {
    const net = cc.network!.callIn('QU_SALES', '13900005678')
    await waitPill('Ringing')
    await page.click('#btnAnswer')
    await waitPill('On call')
    await until(() => cc.network!.get(net.id)?.state === 'talking', 'the customer to talk')

    // The agent tries to reload and thinks better of it: the call goes on.
    const asked = new Promise<string>((resolve) =>
      page.once('dialog', (d) => {
        resolve(d.type())
        void d.dismiss()
      }),
    )
    await page.evaluate(() => setTimeout(() => location.reload(), 0))
    expect(await asked).toBe('beforeunload')
    await sleep(1000)
    expect(await pill()).toBe('On call')
    expect(cc.network!.get(net.id)).toMatchObject({ state: 'talking' })

    // Reloaded anyway: the web phone goes with the page, so the call ends for the customer.
    page.once('dialog', (d) => void d.accept())
    const loaded = page.waitForEvent('load')
    await page.evaluate(() => setTimeout(() => location.reload(), 0))
    await loaded
    await until(() => cc.network!.get(net.id)?.state === 'ended', 'the customer to be hung up', 5000)
    // The desktop finds its session again: still signed in, in after-call work, its web phone registered.
    await waitPill('After-call work')
    expect(await page.textContent('#agentName')).toBe('Alice Chen')
    await until(
      async () => (await page.evaluate(() => (window as any).sobotAgent.getPhoneStats()))?.registered === true,
      'the web phone to register again',
      10_000,
    )
    await page.click('#btnCompleteAcw')
    await waitPill('Ready')
    // Signed out, nothing asks on leaving.
    await page.click('#btnSignOut')
    await page.waitForSelector('#signin', { state: 'visible' })
    expect(await pill()).toBe('Offline')
  })

  it('shows supervisors their panel, with listening in allowed while idle', async () => {
    const { page: sup } = await chromium.newPage()
    await sup.setViewportSize({ width: 1280, height: 720 })
    await sup.goto(`${cc.url}/demo/`)
    await sup.selectOption('#agentId', '9001')
    await sup.selectOption('#phoneType', 'webrtc')
    await sup.click('#btnSignIn')
    await sup.waitForSelector('#supervisor', { state: 'visible' })
    const on = await sup.$$eval('#supervisor button', (bs) =>
      (bs as HTMLButtonElement[]).filter((b) => !b.disabled).map((b) => b.textContent),
    )
    expect(on).toEqual(['Make ready', 'Make not ready', 'Sign out agent', 'Listen'])
    expect(await sup.textContent('#agentName')).toBe('Sam Supervisor')
    expect(await unlabelled(sup)).toEqual([])
  })
})
