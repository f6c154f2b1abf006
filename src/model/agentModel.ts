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
  /** The call the agent is on (the first of `calls`), in the shape of the spec's Table 4. */
  call?: WorkStatusInfo
  /** Every call the agent is part of: with a consult, the customer's call and the consult call. */
  calls: WorkStatusInfo[]
}

export const INITIAL_SNAPSHOT: AgentSnapshot = { agentState: 0, reasonCode: 0, workStatus: 'offline', phoneType: '', thisDN: '', calls: [] }

const ENDS_CALL = new Set(['EventReleased', 'EventAbandoned'])

function callView(src: Record<string, unknown>): WorkStatusInfo {
  const str = (k: string): string => (typeof src[k] === 'string' ? (src[k] as string) : '')
  return {
    callID: str('callID'),
    callType: (str('callType') || 'Inbound') as WorkStatusInfo['callType'],
    companyId: str('companyId'),
    otherDN: str('otherDN'),
    otherDNRole: (str('otherDNRole') || 'Unknown') as WorkStatusInfo['otherDNRole'],
    thisDN: str('thisDN'),
    thisDNRole: (str('thisDNRole') || 'Unknown') as WorkStatusInfo['thisDNRole'],
    thirdDN: str('thirdDN'),
    thirdDNRole: str('thirdDNRole') as WorkStatusInfo['thirdDNRole'],
  }
}

function agentStateOf(v: unknown): AgentStateCode | undefined {
  const n = Number(v)
  return n === 0 || n === 1 || n === 2 ? n : undefined
}

/** Pure: the snapshot after an event. Fields an event does not carry keep their value. */
export function applyEvent(s: AgentSnapshot, ev: AnySobotEvent): AgentSnapshot {
  const src = (ev.messageID === 'EventAgentRegainStatus' && 'agentStateInfo' in ev ? ev.agentStateInfo : ev) as unknown as Record<
    string,
    unknown
  >
  const next: AgentSnapshot = { ...s }
  const as = agentStateOf(src.agentState)
  if (as !== undefined) next.agentState = as
  if (src.reasonCode !== undefined && src.reasonCode !== '') next.reasonCode = Number(src.reasonCode) || 0
  if (isWorkStatus(src.workStatus)) next.workStatus = src.workStatus
  if (typeof src.phoneType === 'string') next.phoneType = src.phoneType as PhoneType | ''
  if (typeof src.thisDN === 'string' && src.thisDN && !('callID' in src)) next.thisDN = src.thisDN
  if (ev.messageID === 'EventAgentRegainStatus' && 'agentStateInfo' in ev) next.calls = ev.workStatusInfo ? [ev.workStatusInfo] : []
  else if (typeof src.callID === 'string' && src.callID && ev.messageID !== 'MainCDRInfo') {
    // Call events only (MainCDRInfo describes a call that is over). A consult call merged into this
    // one (previousCallID) is gone.
    const rest = s.calls.filter((c) => c.callID !== src.callID && c.callID !== src.previousCallID)
    next.calls = ENDS_CALL.has(ev.messageID)
      ? rest
      : [...rest, callView(src)].sort((a, b) => Number(a.callType === 'Consult') - Number(b.callType === 'Consult'))
  }
  if (next.workStatus === 'offline') {
    next.agentState = 0
    next.calls = []
  }
  next.call = next.calls[0]
  return next
}
