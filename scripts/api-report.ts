// The public API report: dist/index.d.ts as built, checked in as docs/api/sobot-call-sdk.api.d.ts so
// that any change to the public surface shows in review. `--check` fails when they differ.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'

const built = readFileSync(new URL('../dist/index.d.ts', import.meta.url), 'utf8')
const reportUrl = new URL('../docs/api/sobot-call-sdk.api.d.ts', import.meta.url)
let report = ''
try {
  report = readFileSync(reportUrl, 'utf8')
} catch {
  /* first run */
}
if (process.argv.includes('--check')) {
  if (report !== built) {
    console.error('The public API changed: review it and run `npm run api` to update docs/api/sobot-call-sdk.api.d.ts')
    process.exit(1)
  }
} else if (report !== built) {
  mkdirSync(new URL('../docs/api/', import.meta.url), { recursive: true })
  writeFileSync(reportUrl, built)
  console.log('wrote docs/api/sobot-call-sdk.api.d.ts')
}
