import { startContactCenter } from './app'

// A promise rejected where nobody listens is a defect to log, never a reason to drop every call.
process.on('unhandledRejection', (reason) => {
  console.error('Unhandled rejection (the server carries on):', reason)
})

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
