import type { ErrorCode } from './errors'
import type { DNRole } from './model/dnRole'
import type { WorkStatus } from './model/workStatus'
import type { PhoneType } from './model/validate'

/**
 * The event catalogue: one typed map. docs/EVENTS.md is generated from EVENT_DOCS below, and the
 * server builds its frames with these types, so names and fields have one source.
 */

/** Fields every event carries. */
export interface EventEnvelope {
  /** The event's name. */
  messageID: string
  /** When the server created it, ms since the epoch. */
  creationTime: number
  companyId: string
  /** The request (command) that caused it; empty for unsolicited events. */
  referenceID: string
  /** makeCall's userData comes back here on every event of that call. */
  attachedData: Record<string, unknown>
}

/** agentState and reasonCode travel as strings in events, as the spec's Table 3 has them. */
export interface AgentFields {
  /** Work number. */
  agentID: string
  agentUUID: string
  /** Bound extension. */
  thisDN: string
  /** Skill group ids the agent receives calls from. */
  thisQueues: string[]
  agentState: '0' | '1' | '2'
  reasonCode: string
  workStatus: WorkStatus
  phoneType?: PhoneType
}

export type CallType = 'Inbound' | 'Outbound' | 'Internal' | 'Consult'
export type PartyRole = 'Customer' | 'Agent' | 'VirtualAgent' | 'Supervisor' | 'ThirdPSTN'

export interface CallFields {
  callID: string
  /** One per leg. */
  partyID: string
  callType: CallType
  partyRole: PartyRole
  ANI: string
  DNIS: string
  thisDN: string
  thisDNRole: DNRole
  otherDN: string
  otherDNRole: DNRole
  thirdDN?: string
  thirdDNRole?: DNRole
  /** The agent's workStatus after this event. */
  workStatus?: WorkStatus
  /** A consult call that became this call (consultTransfer, consultConference): it is gone. */
  previousCallID?: string
  /** EventReleased / EventAbandoned: why (noAnswer, rejected, cancelled, transferred, satisfaction, ...). */
  releaseCause?: string
  /** The skill group the customer's call came through (absent when it came through none, e.g. makeCall). */
  queueID?: string
  queueName?: string
}

/** Table 3 of the spec. */
export interface AgentStateInfo {
  agent: string
  agentType: '0' | '1'
  companyId: string
  phoneType: PhoneType | ''
  thisDN: string
  agentState: '0' | '1' | '2'
  agentStateTimestamp: number
  reasonCode: string
  reasonCodeTimestamp: number
  workStatus: WorkStatus
  workStatusTimestamp: number
}

/** Table 4 of the spec. */
export interface WorkStatusInfo {
  callID: string
  callType: CallType
  companyId: string
  otherDN: string
  otherDNRole: DNRole
  thisDN: string
  thisDNRole: DNRole
  thirdDN: string
  thirdDNRole: DNRole | ''
}

export type AgentEvent = EventEnvelope & AgentFields
export type CallEvent = EventEnvelope & CallFields

export interface RegainStatusEvent extends EventEnvelope {
  agentStateInfo: AgentStateInfo
  /** Absent when the agent is not on a call. */
  workStatusInfo?: WorkStatusInfo
}

export type ConnectionChangedReason = 'replaced' | 'forceLogout' | 'connectionLost' | 'sessionClosed'

export interface ConnectionChangedEvent extends EventEnvelope {
  reason: ConnectionChangedReason
}

export interface AfterCallWorkEvent extends AgentEvent {
  /** When ACW ends unless extended or completed, ms since the epoch. */
  acwDeadline: number
  /** Seconds of ACW from now. */
  acwSeconds: number
}

export interface TokenInvalidEvent extends EventEnvelope {
  errorCode: ErrorCode
  errorMessage: string
}

export interface TierEvent extends AgentEvent {
  queueID: string
  queueName: string
}

export interface ErrorEvent extends EventEnvelope {
  errorCode: ErrorCode
  errorMessage: string
}

export interface DtmfEvent extends CallEvent {
  dtmfDigits: string
}

export interface CdrEvent extends EventEnvelope {
  callID: string
  callType: CallType
  ANI: string
  DNIS: string
  otherDN: string
  startTime: number
  answerTime: number
  endTime: number
  /** Seconds talking. */
  talkDuration: number
  releasedBy: 'agent' | 'customer' | 'system'
  endCause: string
  recorded: boolean
}

/** Voice quality: quality 'a' (worst) .. 'e' (best); see docs/EVENTS.md for the mapping. */
export interface LatencyEvent extends EventEnvelope {
  ping: number
  jitter: number
  loss: string
  quality: 'a' | 'b' | 'c' | 'd' | 'e'
  /** Round trip of the CTI websocket, ms. */
  ctiPing?: number
}

/** Each event's payload by its name; SobotEventMap adds the name itself as the literal messageID. */
export interface SobotEventPayloads {
  EventAgentRegainStatus: RegainStatusEvent
  EventAgentConnectionChanged: ConnectionChangedEvent
  EventAgentLogin: AgentEvent
  EventAgentLogout: AgentEvent
  EventAgentReady: AgentEvent
  EventAgentNotReady: AgentEvent
  EventAgentAfterCallWork: AfterCallWorkEvent
  EventTokenInvalid: TokenInvalidEvent
  EventTierAdded: TierEvent
  EventTierRemoved: TierEvent
  EventError: ErrorEvent
  EventDialing: CallEvent
  EventRinging: CallEvent
  EventEstablished: CallEvent
  EventReleased: CallEvent
  EventAbandoned: CallEvent
  EventHeld: CallEvent
  EventRetrieved: CallEvent
  EventPartyAdded: CallEvent
  EventPartyChanged: CallEvent
  EventPartyDeleted: CallEvent
  EventMuteOn: CallEvent
  EventMuteOff: CallEvent
  EventDTMFSent: DtmfEvent
  EventAttachedDataChanged: CallEvent
  MainCDRInfo: CdrEvent
  EventJanusLatency: LatencyEvent
}

export type SobotEventName = keyof SobotEventPayloads

/** Every event by its name, `messageID` being that name: `SobotEventMap['EventRinging']['messageID']` is `'EventRinging'`. */
export type SobotEventMap = { [K in SobotEventName]: SobotEventPayloads[K] & { messageID: K } }

/** Any event: a union discriminated by messageID, so that `if (ev.messageID === 'EventRinging')` narrows it to a call event. */
export type AnySobotEvent = SobotEventMap[SobotEventName]

/** What `on()` accepts: every event, plus EventAgentAll which receives them all. */
export type ListenerMap = { [K in SobotEventName]: (msg: SobotEventMap[K]) => void } & {
  EventAgentAll: (msg: AnySobotEvent) => void
}

/** Events the server sends on the CTI socket; the others are made by the SDK itself. */
export type ServerEventName = Exclude<SobotEventName, 'EventTokenInvalid' | 'EventJanusLatency'>
