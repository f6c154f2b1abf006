import { startContactCenter } from './app'

const cc = await startContactCenter()
const shown = cc.url.replace('127.0.0.1', 'localhost')
console.log(`Sobot reference contact center (${cc.config.mode} mode) on ${shown}`)
console.log(`  Agent desktop:   ${shown}/demo/`)
console.log(`  Script-tag SDK:  ${shown}/call-sdk/sobot-call-sdk.js`)
const stop = (): void => {
  void cc.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
