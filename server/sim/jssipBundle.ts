import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

type JsSIPModule = typeof import('jssip')

const require = createRequire(import.meta.url)
const here = dirname(fileURLToPath(import.meta.url))
let cachedNode: JsSIPModule | undefined

function cacheDir(): string {
  const dir = join(dirname(require.resolve('jssip/package.json')), '..', '.cache', 'sobot-sim')
  mkdirSync(dir, { recursive: true })
  return dir
}

function jssipVersion(): string {
  return (JSON.parse(readFileSync(require.resolve('jssip/package.json'), 'utf8')) as { version: string }).version
}

/**
 * JsSIP for Node: the npm package is CommonJS that expects browser globals. We bundle it once with
 * esbuild, injecting ./jssipShim.ts for those globals (no globalThis mutation), cache the result
 * in node_modules/.cache/sobot-sim and require() it.
 */
export function loadJssipForNode(): JsSIPModule {
  if (cachedNode) return cachedNode
  const shim = join(here, 'jssipShim.ts')
  const key = createHash('sha1').update(jssipVersion()).update(readFileSync(shim)).digest('hex').slice(0, 12)
  const out = join(cacheDir(), `jssip-node-${key}.cjs`)
  if (!existsSync(out)) {
    const esbuild = require('esbuild') as typeof import('esbuild')
    const r = esbuild.buildSync({
      entryPoints: [require.resolve('jssip')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      inject: [shim],
      write: false,
      logLevel: 'silent',
    })
    writeFileSync(out, r.outputFiles[0]!.contents)
  }
  cachedNode = require(out) as JsSIPModule
  return cachedNode
}

/**
 * JsSIP for the browser (the npm package ships no dist bundle since 3.10): an IIFE that sets
 * `window.JsSIP`, or a browser entry point that imports 'jssip' itself (the agent page script).
 */
export async function buildBrowserBundle(extraEntry?: string): Promise<string> {
  const esbuild = require('esbuild') as typeof import('esbuild')
  const contents = extraEntry ? `import ${JSON.stringify(extraEntry)};` : `import * as JsSIP from 'jssip'; window.JsSIP = JsSIP;`
  const r = await esbuild.build({
    stdin: { contents, resolveDir: here, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  })
  return r.outputFiles[0]!.text
}
