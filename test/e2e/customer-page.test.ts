import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { launchChromium, type ChromiumSession } from '../support/browser'
import { sleep, until } from '../support/calls'
import { devToken, startServer } from '../support/server'

let cc: ContactCenter
let chromium: ChromiumSession

beforeAll(async () => {
  cc = await startServer()
  chromium = await launchChromium()
})
afterAll(async () => {
  await chromium?.close()
  await cc?.close()
})

describe('the demo\'s customer phone page', () => {
  it('calls a skill group with the browser\'s microphone; a web-phone agent answers; audio flows both ways; DTMF from the keypad', async () => {
    const { page: agent } = await chromium.newPage()
    const token = await devToken(cc, '1002')
    await agent.goto(`${cc.url}/demo/minimal.html`)
    await agent.evaluate(async (token: string) => {
      const w = window as any
      w.events = []
      w.agent = new w.SobotClient.agent()
      w.agent.on('EventAgentAll', (m: any) => w.events.push(m.messageID))
      await w.agent.initAgent({ token, companyId: 'demo', agent: '1002' })
      await w.agent.login({ agentState: '1', phoneType: 'webrtc' })
    }, token)

    const { page: customer } = await chromium.newPage()
    await customer.goto(`${cc.url}/demo/customer.html`)
    await customer.fill('#from', '13955556666')
    await customer.selectOption('#to', 'QU_SALES')
    await customer.click('#btnCall')
    await until(async () => (await agent.evaluate(() => (window as any).events.includes('EventRinging'))), 'the agent to ring', 15_000)
    expect(await agent.evaluate(() => (window as any).agent.state.call.otherDN)).toBe('13955556666')
    await agent.evaluate(() => (window as any).agent.answer())
    await until(async () => (await customer.textContent('#state')) === 'talking', 'the customer page to talk', 15_000)

    const energy = async (): Promise<number> => (await agent.evaluate(() => (window as any).agent.getPhoneStats())).stats.totalAudioEnergy
    const e1 = await energy()
    await sleep(1500)
    expect(await energy()).toBeGreaterThan(e1) // the agent hears the customer page's microphone
    const received = async (): Promise<number> => customer.evaluate(() => Number(/received (\d+) packets/.exec(document.querySelector('#info')!.textContent!)?.[1] ?? 0))
    await until(async () => (await received()) > 50, 'the customer page to receive the agent', 10_000)

    // The keypad sends RFC 4733 digits that the switch detects on the customer's leg.
    const [sw] = [...cc.calls.active()].map((c) => c.sw)
    const digits: string[] = []
    sw!.on('dtmf', (d) => digits.push(d.digit))
    for (const k of ['4', '2']) await customer.click(`#keypad button:text-is("${k}")`)
    await until(() => digits.join('') === '42', 'the switch to detect 42 from the page', 8000)

    await customer.click('#btnHangup')
    await until(async () => (await agent.evaluate(() => (window as any).events.includes('EventReleased'))), 'the agent to be released', 10_000)
  })
})
