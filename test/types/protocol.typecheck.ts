// Type-level tests of the command contract: compiled by `npm run typecheck`, never run. The server
// imports the contract by the package name, as here.
import type { CommandParams, CommandResult } from 'sobot-call-sdk/protocol'
import type { CommandClient } from '../../src/cti/CommandClient'
import type { CommandRouter } from '../../server/cti/commands'

declare const client: CommandClient
void client.send('makeCall', { otherDN: '13900001111' }).then((r) => r.callID.toUpperCase())
void client.send('ready', {}).then((r) => r.status)
// @ts-expect-error: makeCall needs otherDN
void client.send('makeCall', {})
// @ts-expect-error: not a command
void client.send('makeCal', { otherDN: '13900001111' })
// @ts-expect-error: ready takes no parameters
void client.send('ready', { reasonCode: 11 })
// @ts-expect-error: the parsed reason code is a number
void client.send('notReady', { reasonCode: '11' })

declare const router: CommandRouter
router.register('makeCall', (_c, p) => ({ callID: p.otherDN }))
router.register('notReady', (_c, p) => {
  const code: 2 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 = p.reasonCode
  void code
  return {}
})
router.register('queryAgents', async () => ({ agents: [] }))
// @ts-expect-error: makeCall answers with its callID
router.register('makeCall', () => ({}))
// @ts-expect-error: hangup answers with no fields
router.register('hangup', () => ({ callID: 'x' }))
// @ts-expect-error: init is the router's own command
router.register('init', () => ({}))
// @ts-expect-error: not a command
router.register('makeCal', () => ({}))

const params: CommandParams<'singleTransfer'> = { targetType: '3', target: 'QU_SALES' }
// @ts-expect-error: a consult has no skill group target
const consult: CommandParams<'initiateConsult'> = { targetType: '3', target: 'QU_SALES' }
const result: CommandResult<'delayACW'> = { acwDeadline: 0 }
void [params, consult, result]
