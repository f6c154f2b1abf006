import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

/** Debian's Chromium (installed by scripts/ensure-system-deps.sh). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--autoplay-policy=no-user-gesture-required',
]

export interface ChromiumSession {
  browser: Browser
  /** A fresh context (its own storage) with the microphone granted. */
  newPage(): Promise<{ context: BrowserContext; page: Page }>
  close(): Promise<void>
}

/** extraArgs replace the defaults they name (e.g. `--use-fake-ui-for-media-stream=deny`). */
export async function launchChromium(extraArgs: string[] = []): Promise<ChromiumSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}; run scripts/ensure-system-deps.sh`)
  const userDir = mkdtempSync(path.join(tmpdir(), 'sobot-chromium-'))
  const names = new Set(extraArgs.map((a) => a.split('=')[0]))
  // Playwright makes a fresh profile itself (it refuses --user-data-dir in args).
  const args = [...CHROMIUM_ARGS.filter((a) => !names.has(a.split('=')[0])), ...extraArgs]
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args, timeout: 30_000 })
  const contexts: BrowserContext[] = []
  return {
    browser,
    async newPage() {
      // Never an empty permissions list: it would deny the microphone instead of granting nothing.
      const context = await browser.newContext({ permissions: ['microphone'] })
      contexts.push(context)
      const page = await context.newPage()
      page.setDefaultTimeout(15_000)
      return { context, page }
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {})
      await browser.close().catch(() => {})
      rmSync(userDir, { recursive: true, force: true })
    },
  }
}
