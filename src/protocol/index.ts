/**
 * `sobot-call-sdk/protocol`: the contract between the SDK and a contact center. The commands (name,
 * body, result, parser), the wire (paths, headers, frames, close codes, the web phone's identity),
 * and the SDK's pure layers a server needs to speak it: the error catalogue, the event types, the
 * state tables and the parameter rules. Pure: no I/O, no DOM, nothing runs at import time.
 */
export * from './wire'
export * from './commands'
export { SobotError, ERRORS, isErrorCode, toSobotError, type ErrorCode, type SobotErrorResult } from '../errors'
export type * from '../events'
export * from '../model/agentState'
export * from '../model/workStatus'
export * from '../model/dnRole'
export * from '../model/callRules'
export * from '../model/validate'
