/**
 * The ES module entry: the public API and its types, nothing else. Nothing runs at import time.
 *
 *   import { Agent } from 'sobot-call-sdk'
 *   const agent = new Agent({ server: 'https://cc.example.com' })
 */
import { Agent as AgentBase } from './agent/Agent'
import type { PhoneModule } from './phone/types'

/** `new Agent(options)`: the Sobot call SDK's agent, with the web phone as a lazily loaded chunk. */
export class Agent extends AgentBase {
  protected override loadPhone(): Promise<PhoneModule> {
    return import('./phone/WebPhone')
  }
}
export { Agent as agent }
export type { AgentOptions } from './agent/Agent'
export type * from './agent/types'
export type { Callbacks } from './agent/adapter'
export { SobotError, ERRORS, type ErrorCode, type SobotErrorResult } from './errors'
export type * from './events'
export { DefaultReconnectPolicy, type ReconnectPolicy, type ReconnectContext } from './cti/ReconnectPolicy'
export type { FetchLike, CommandOptions } from './cti/CommandClient'
export type { WebSocketCtor, WebSocketLike } from './cti/CtiSocket'
export type { AgentSnapshot, SnapshotCall } from './model/agentModel'
export { allowedCommands, type AgentCommand, type CallCommand } from './model/callRules'
export type { WorkStatus } from './model/workStatus'
export type { DNRole } from './model/dnRole'
export type { AgentFilterState, AgentType, ConsultTargetType, LoginAgentState, PhoneType, RouteRule, TargetType } from './model/validate'
export type { DndReasonCode } from './model/agentState'
export type { AudioDevice, PhoneStatus, PhoneStats } from './phone/types'
export { PROTOCOL_VERSION } from './protocol/wire'
