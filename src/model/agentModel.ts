import type { AnySobotEvent, WorkStatusInfo } from '../events'
import type { AgentStateCode } from './agentState'
import { isWorkStatus, type WorkStatus } from './workStatus'
import type { PhoneType } from './validate'

/** What the SDK knows of its agent, kept from the server's events (the server is the authority). */
export interface AgentSnapshot {
  agentState: AgentStateCode
  reasonCode: number
  workStatus: WorkStatus
  phoneType: PhoneType | ''
  thisDN: string
  /** The call the agent is on, as the last event described it. */
  call?: WorkStatusInfo
}

export const INITIAL_SNAPSHOT: AgentSnapshot = { agentState: 0, reasonCode: 0, workStatus: 'offline', phoneType: '', thisDN: '' }

function agentStateOf(v: unknown): AgentStateCode | undefined {
  const n = Number(v)
  return n === 0 || n === 1 || n === 2 ? n : undefined
}

/** Pure: the snapshot after an event. Fields an event does not carry keep their value. */
export function applyEvent(s: AgentSnapshot, ev: AnySobotEvent): AgentSnapshot {
  const src = (ev.messageID === 'EventAgentRegainStatus' && 'agentStateInfo' in ev ? ev.agentStateInfo : ev) as unknown as Record<string, unknown>
  const next: AgentSnapshot = { ...s }
  const as = agentStateOf(src.agentState)
  if (as !== undefined) next.agentState = as
  if (src.reasonCode !== undefined && src.reasonCode !== '') next.reasonCode = Number(src.reasonCode) || 0
  if (isWorkStatus(src.workStatus)) next.workStatus = src.workStatus
  if (typeof src.phoneType === 'string') next.phoneType = src.phoneType as PhoneType | ''
  if (typeof src.thisDN === 'string' && src.thisDN && !('callID' in src)) next.thisDN = src.thisDN
  if (ev.messageID === 'EventAgentRegainStatus' && 'agentStateInfo' in ev) next.call = ev.workStatusInfo
  if (next.workStatus === 'offline') next.agentState = 0
  return next
}
