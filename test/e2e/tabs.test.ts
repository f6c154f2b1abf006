import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Page } from 'playwright-core'
import type { ContactCenter } from '../../server/app'
import { launchChromium, type ChromiumSession } from '../support/browser'
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

/** Opens the minimal page and initialises the agent with allowStorageListen; events are collected in window.events. */
async function openTab(page: Page, token: string): Promise<void> {
  await page.goto(`${cc.url}/demo/minimal.html`)
  await page.evaluate(async (token: string) => {
    const w = window as any
    w.events = []
    w.agent = new w.SobotClient.agent()
    w.agent.on('EventAgentAll', (m: any) => w.events.push(m.messageID))
    await w.agent.initAgent({ token, companyId: 'demo', agent: '1003', allowStorageListen: true })
  }, token)
}

const events = (p: Page): Promise<string[]> => p.evaluate(() => (window as any).events)

describe('several tabs of one agent (allowStorageListen)', () => {
  it("shares one session: the second tab drives the first tab's connections and sees every event; it takes over when the first closes", async () => {
    const { context, page: first } = await chromium.newPage()
    const second = await context.newPage()
    const token = await devToken(cc, '1003')
    await openTab(first, token)
    await openTab(second, token)
    expect(cc.hub.sessionsOf('agt-1003')).toHaveLength(1)

    // The second tab logs in and changes state; both tabs see each event, once.
    await second.evaluate(() => (window as any).agent.login({ agentState: '1', phoneType: 'sip' }))
    await second.evaluate(() => (window as any).agent.notReady({ reasonCode: 12 }))
    await vi.waitFor(async () => expect(await events(first)).toEqual(['EventAgentLogin', 'EventAgentReady', 'EventAgentNotReady']), {
      timeout: 5000,
    })
    await vi.waitFor(async () => expect(await events(second)).toEqual(['EventAgentLogin', 'EventAgentReady', 'EventAgentNotReady']), {
      timeout: 5000,
    })
    expect(await second.evaluate(() => (window as any).agent.state.reasonCode)).toBe(12)
    // Rules hold in the second tab as in the first.
    expect(await second.evaluate(() => (window as any).agent.notReady({ reasonCode: 1 }).catch((e: any) => e.errorCode))).toBe(
      'INVALID_REASON_CODE',
    )
    expect(cc.hub.sessionsOf('agt-1003')).toHaveLength(1)

    // The owner tab closes: the other takes over with a session of its own and carries on.
    const firstSession = cc.hub.sessionsOf('agt-1003')[0]!.id
    await first.close()
    await vi.waitFor(async () => expect(await events(second)).toContain('EventAgentRegainStatus'), { timeout: 10_000 })
    // The closed tab's session has lost its socket (the server drops it after its idle time); one is live.
    const live = cc.hub.sessionsOf('agt-1003').filter((s) => s.socket)
    expect(live).toHaveLength(1)
    expect(live[0]!.id).not.toBe(firstSession)
    await second.evaluate(() => (window as any).agent.ready())
    await vi.waitFor(async () => expect((await events(second)).at(-1)).toBe('EventAgentReady'), { timeout: 5000 })
    expect(await second.evaluate(() => (window as any).agent.state.workStatus)).toBe('ready')
    await second.evaluate(() => (window as any).agent.logout())
  })
})
