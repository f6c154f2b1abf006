import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { launchChromium, type ChromiumSession } from '../support/browser'
import { startServer } from '../support/server'

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

describe('the script-tag SDK in Chromium', () => {
  it('loads from /call-sdk/, logs in, goes ready, not ready, logs out, and sees each event', async () => {
    const { page } = await chromium.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    // A page of the contact center's origin with nothing but the script tag. (It must come from the
    // server itself: Chromium's Local Network Access checks treat a page Playwright fulfils as public.)
    await page.goto(`${cc.url}/demo/minimal.html`)
    expect(await page.evaluate(() => typeof (window as any).SobotClient?.agent)).toBe('function')

    const token = await (
      await fetch(`${cc.url}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ companyId: 'demo', agent: '1001' }),
      })
    ).json()
    const result = await page.evaluate(async (token: string) => {
      const w = window as any
      const agent = new w.SobotClient.agent() // no server option: it talks to the origin it was loaded from
      const events: string[] = []
      const callbacks: string[] = []
      agent.on('EventAgentAll', (m: any) =>
        events.push(m.messageID === 'EventAgentNotReady' ? `${m.messageID}:${m.reasonCode}` : m.messageID),
      )
      const wait = (name: string) =>
        new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`no ${name}; got ${events.join(',')}`)), 5000)
          const fn = () => {
            clearTimeout(t)
            agent.off(name, fn)
            resolve()
          }
          agent.on(name, fn)
        })
      await new Promise<void>((resolve, reject) =>
        agent.initAgent({
          token,
          companyId: 'demo',
          agent: ' 1001 ',
          agentType: ' 0 ',
          success: (m: any) => {
            callbacks.push(`init:${m.status}`)
            resolve()
          },
          error: reject,
        }),
      )
      let w1 = wait('EventAgentReady')
      await agent.login({ agentState: '1', phoneType: 'sip', bindExt: ' 8001 ' })
      await w1
      w1 = wait('EventAgentNotReady')
      await agent.notReady({ reasonCode: 13, success: (m: any) => callbacks.push(`notReady:${m.status}`) })
      await w1
      w1 = wait('EventAgentReady')
      await agent.ready()
      await w1
      const refused = await agent.notReady({ reasonCode: 99 }).catch((e: any) => `${e.status}:${e.errorCode}`)
      w1 = wait('EventAgentLogout')
      await agent.logout()
      await w1
      return { events, callbacks, refused, state: agent.state }
    }, token.token)

    expect(result.events).toEqual(['EventAgentLogin', 'EventAgentReady', 'EventAgentNotReady:13', 'EventAgentReady', 'EventAgentLogout'])
    expect(result.callbacks).toEqual(['init:success', 'notReady:success'])
    expect(result.refused).toBe('error:INVALID_REASON_CODE')
    expect(result.state).toMatchObject({ agentState: 0, workStatus: 'offline' })
    expect(pageErrors).toEqual([])
  })

  it('drives the demo desktop: sign in, not ready, ready, sign out, with each event listed', async () => {
    const { page } = await chromium.newPage()
    await page.goto(`${cc.url}/demo/`)
    const pill = (label: string) =>
      page.waitForFunction((l) => document.querySelector('#statusPill')!.textContent === l, label, { timeout: 10_000 })
    await page.selectOption('#agentId', '1002')
    await page.selectOption('#phoneType', 'sip')
    await page.click('#btnSignIn')
    await pill('Ready')
    expect(await page.textContent('#agentName')).toBe('Bruno Silva')
    await page.selectOption('#statusSelect', '14')
    await pill('Not ready (Meal)')
    expect(await page.evaluate(() => (window as any).sobotAgent.state)).toMatchObject({ agentState: 2, reasonCode: 14 })
    await page.selectOption('#statusSelect', 'ready')
    await pill('Ready')
    await page.click('#btnSignOut')
    await pill('Offline')
    expect(await page.isVisible('#signin')).toBe(true)
    const listed = await page.$$eval('#events li b', (els) => els.map((e) => e.textContent).reverse())
    expect(listed).toEqual(['EventAgentLogin', 'EventAgentReady', 'EventAgentNotReady', 'EventAgentReady', 'EventAgentLogout'])
  })
})
