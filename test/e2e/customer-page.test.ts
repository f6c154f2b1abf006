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

describe("the demo's customer phone page", () => {
  it("calls a skill group with the browser's microphone; a web-phone agent answers; audio flows both ways; DTMF from the keypad", async () => {
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
    await until(async () => await agent.evaluate(() => (window as any).events.includes('EventRinging')), 'the agent to ring', 15_000)
    expect(await agent.evaluate(() => (window as any).agent.state.call.otherDN)).toBe('13955556666')
    await agent.evaluate(() => (window as any).agent.answer())
    await until(async () => (await customer.textContent('#state')) === 'talking', 'the customer page to talk', 15_000)

    const energy = async (): Promise<number> => (await agent.evaluate(() => (window as any).agent.getPhoneStats())).stats.totalAudioEnergy
    const e1 = await energy()
    await sleep(1500)
    expect(await energy()).toBeGreaterThan(e1) // the agent hears the customer page's microphone
    const received = async (): Promise<number> =>
      customer.evaluate(() => Number(/received (\d+) packets/.exec(document.querySelector('#info')!.textContent!)?.[1] ?? 0))
    await until(async () => (await received()) > 50, 'the customer page to receive the agent', 10_000)

    // The keypad sends RFC 4733 digits that the switch detects on the customer's leg.
    const [sw] = [...cc.calls.active()].map((c) => c.sw)
    const digits: string[] = []
    sw!.on('dtmf', (d) => digits.push(d.digit))
    for (const k of ['4', '2']) await customer.click(`#keypad button:text-is("${k}")`)
    await until(() => digits.join('') === '42', 'the switch to detect 42 from the page', 8000)

    await customer.click('#btnHangup')
    await until(
      async () => await agent.evaluate(() => (window as any).events.includes('EventReleased')),
      'the agent to be released',
      10_000,
    )
  })

  it('lets the agent choose the microphone and speaker, during a call too', async () => {
    const { page } = await chromium.newPage()
    const token = await devToken(cc, '1003')
    await page.goto(`${cc.url}/demo/minimal.html`)
    const devices = await page.evaluate(async (token: string) => {
      const w = window as any
      w.agent = new w.SobotClient.agent()
      await w.agent.initAgent({ token, companyId: 'demo', agent: '1003' })
      await w.agent.login({ agentState: '2', phoneType: 'webrtc' })
      return w.agent.listAudioDevices()
    }, token)
    const inputs = devices.filter((d: { kind: string }) => d.kind === 'audioinput')
    const outputs = devices.filter((d: { kind: string }) => d.kind === 'audiooutput')
    expect(inputs.length).toBeGreaterThanOrEqual(2)
    expect(outputs.length).toBeGreaterThanOrEqual(1)
    expect(inputs[0].label).not.toBe('') // labels: the microphone permission is granted
    await page.evaluate(
      ([mic, spk]) => Promise.all([(window as any).agent.setAudioInput(mic), (window as any).agent.setAudioOutput(spk)]),
      [inputs[1].deviceId, outputs.at(-1).deviceId] as const,
    )
    await page.evaluate(() => (window as any).agent.makeCall({ otherDN: '13966667777' }))
    await until(() => cc.network!.list().some((c) => c.number === '13966667777' && c.state === 'talking'), 'the customer to answer', 15_000)
    const net = cc.network!.list().find((c) => c.number === '13966667777')!
    const sim = cc.network!.simCall(net.id)!
    await until(() => sim.receivedRms(Date.now() - 1000) > 0.02, 'the customer to hear the chosen microphone', 10_000)
    // Switch microphones mid-call: the customer keeps hearing the agent.
    await page.evaluate((mic: string) => (window as any).agent.setAudioInput(mic), inputs[0].deviceId)
    await sleep(1500)
    expect(sim.receivedRms(Date.now() - 1000)).toBeGreaterThan(0.02)
    expect(await page.evaluate(() => (window as any).agent.setAudioInput('no-such-device').catch((e: any) => e.errorCode))).toBe(
      'MEDIA_DEVICE_NOT_FOUND',
    )
    await sleep(1000)
    expect(sim.receivedRms(Date.now() - 1000)).toBeGreaterThan(0.02) // a refused choice changes nothing
    await page.evaluate(() => (window as any).agent.hangup())
  })
})
