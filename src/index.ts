/**
 * The ES module entry: the public API and its types, nothing else. Nothing runs at import time.
 *
 *   import { Agent } from 'sobot-call-sdk'
 *   const agent = new Agent({ server: 'https://cc.example.com' })
 */
export { Agent, Agent as agent, type AgentOptions } from './agent/Agent'
export type * from './agent/types'
export type { Callbacks } from './agent/adapter'
export { SobotError, ERRORS, type ErrorCode, type SobotErrorResult } from './errors'
export type * from './events'
export { DefaultReconnectPolicy, type ReconnectPolicy, type ReconnectContext } from './cti/ReconnectPolicy'
export type { FetchLike, CommandOptions } from './cti/CommandClient'
export type { WebSocketCtor, WebSocketLike } from './cti/CtiSocket'
export type { AgentSnapshot } from './model/agentModel'
export type { WorkStatus } from './model/workStatus'
export type { DNRole } from './model/dnRole'
export type { PhoneType, TargetType } from './model/validate'
export { PROTOCOL_VERSION } from './cti/protocol'
