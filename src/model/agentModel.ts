import type { AnySobotEvent, WorkStatusInfo } from '../events'
import type { AgentStateCode } from './agentState'
import { isWorkStatus, type WorkStatus } from './workStatus'
import type { PhoneType } from './validate'

/** A call of the agent: the spec's Table 4, and whether the agent's side of it is answered. */
export interface SnapshotCall extends WorkStatusInfo {
  /**
   * The call is answered on the agent's side (an EventEstablished): for a ringing call, the agent
   * answered; for a call the agent dialled (makeCall, a consult), the called party answered.
   */
  established: boolean
}

/** What the SDK knows of its agent, kept from the server's events (the server is the authority). */
export interface AgentSnapshot {
  agentState: AgentStateCode
  reasonCode: number
  workStatus: WorkStatus
  phoneType: PhoneType | ''
  thisDN: string
  /** The agent may use the supervisor operations (from initAgent). */
  isSupervisor: boolean
  /** The call the agent is on (the first of `calls`), in the shape of the spec's Table 4. */
  call?: SnapshotCall
  /** Every call the agent is part of: with a consult, the customer's call and the consult call. */
  calls: SnapshotCall[]
}

export const INITIAL_SNAPSHOT: AgentSnapshot = {
  agentState: 0,
  reasonCode: 0,
  workStatus: 'offline',
  phoneType: '',
  thisDN: '',
  isSupervisor: false,
  calls: [],
}

const ENDS_CALL = new Set(['EventReleased', 'EventAbandoned'])

/** Not answered yet: the agent's phone rings, or the party it dials does. */
const UNANSWERED: readonly string[] = ['EventDialing', 'EventRinging']

function callView(src: Record<string, unknown>, established: boolean): SnapshotCall {
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
    established,
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
  if (ev.messageID === 'EventAgentRegainStatus' && 'agentStateInfo' in ev) {
    const info = ev.workStatusInfo
    next.calls = info
      ? [callView(info as unknown as Record<string, unknown>, next.workStatus !== 'dialing' && next.workStatus !== 'calling')]
      : []
  } else if (typeof src.callID === 'string' && src.callID && ev.messageID !== 'MainCDRInfo') {
    // Call events only (MainCDRInfo describes a call that is over). A consult call merged into this
    // one (previousCallID) is gone.
    const known = s.calls.find((c) => c.callID === src.callID)
    const rest = s.calls.filter((c) => c.callID !== src.callID && c.callID !== src.previousCallID)
    // A call first seen in another event (a consult merged into the customer's call) is one the agent talks on.
    const established = ev.messageID === 'EventEstablished' || (!UNANSWERED.includes(ev.messageID) && (known?.established ?? true))
    next.calls = ENDS_CALL.has(ev.messageID)
      ? rest
      : [...rest, callView(src, established)].sort((a, b) => Number(a.callType === 'Consult') - Number(b.callType === 'Consult'))
  }
  if (next.workStatus === 'offline') {
    next.agentState = 0
    next.calls = []
  }
  next.call = next.calls[0]
  return next
}
