// Screenshots of the demo for the docs: the agent desktop on a call, and the customer phone page.
// Run inside a loopback-only namespace (the condition resolves sobot-call-sdk/protocol to its source):
//   unshare -n sh -c 'ip link set lo up && npx tsx --conditions=sobot-source scripts/screenshots.ts'
import { startContactCenter } from '../server/app'
import { launchChromium } from '../test/support/browser'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const cc = await startContactCenter({
  port: 0,
  sipTcpPort: 0,
  logLevel: 'silent',
  dataDir: mkdtempSync(path.join(tmpdir(), 'sobot-shots-')),
})
const chromium = await launchChromium()
try {
  const { page } = await chromium.newPage()
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.goto(`${cc.url}/demo/`)
  await page.selectOption('#agentId', '1001')
  await page.click('#btnInit')
  await page.waitForSelector('#conn.on')
  await page.click('#btnLogin')
  await page.waitForFunction(() => document.querySelector('#agentState')!.textContent === 'ready')
  await page.click('[data-query="queryAgentJoinedQueues"]')
  cc.network!.callIn('QU_SALES', '13900001234')
  await page.waitForFunction(() => document.querySelector('#workStatus')!.textContent === 'calling', undefined, { timeout: 15_000 })
  await page.click('#btnAnswer')
  await page.waitForFunction(() => document.querySelector('#workStatus')!.textContent === 'talking', undefined, { timeout: 15_000 })
  await page.waitForFunction(() => document.querySelector('#quality')!.textContent!.startsWith('quality '), undefined, { timeout: 15_000 })
  await page.screenshot({ path: 'docs/images/desktop.png' })
  await page.click('#btnHangup')

  const { page: customer } = await chromium.newPage()
  await customer.setViewportSize({ width: 1100, height: 560 })
  await customer.goto(`${cc.url}/demo/customer.html`)
  await customer.click('#btnCall')
  await customer.waitForFunction(() => document.querySelector('#state')!.textContent === 'talking', undefined, { timeout: 15_000 })
  await customer.waitForFunction(() => document.querySelectorAll('#simCalls li').length > 0, undefined, { timeout: 15_000 })
  await customer.waitForTimeout(1500)
  await customer.screenshot({ path: 'docs/images/customer.png' })
} finally {
  await chromium.close()
  await cc.close()
}
