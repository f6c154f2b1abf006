// Screenshots of the demo for the README: the agent desktop's come from its end-to-end test (which
// writes them when SCREENSHOT_DIR is set: ringing, talking, consult, after-call work), the customer
// phone page's from here. Run inside a loopback-only namespace (the condition resolves
// sobot-call-sdk/protocol to its source):
//   unshare -n sh -c 'ip link set lo up && npx tsx --conditions=sobot-source scripts/screenshots.ts'
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startContactCenter } from '../server/app'
import { launchChromium } from '../test/support/browser'

execFileSync('npx', ['vitest', 'run', '--project', 'e2e', 'test/e2e/desktop.test.ts'], {
  stdio: 'inherit',
  env: { ...process.env, SCREENSHOT_DIR: path.resolve('docs/images') },
})

const cc = await startContactCenter({
  port: 0,
  sipTcpPort: 0,
  logLevel: 'silent',
  dataDir: mkdtempSync(path.join(tmpdir(), 'sobot-shots-')),
})
const chromium = await launchChromium()
try {
  const { page: customer } = await chromium.newPage()
  await customer.setViewportSize({ width: 1100, height: 560 })
  await customer.goto(`${cc.url}/demo/customer.html`)
  await customer.click('#btnCall')
  cc.network!.callIn('QU_SUPPORT', '13900004321') // a simulated customer too, for the page's list
  await customer.waitForFunction(() => document.querySelector('#state')!.textContent === 'talking', undefined, { timeout: 15_000 })
  await customer.waitForFunction(() => document.querySelectorAll('#simCalls li').length > 0, undefined, { timeout: 15_000 })
  await customer.waitForTimeout(1500)
  await customer.screenshot({ path: 'docs/images/customer.png' })
} finally {
  await chromium.close()
  await cc.close()
}
