import type { CallEvent, CallType, DNRole } from 'sobot-call-sdk/protocol'
import type { AgentRecord, QueueSettings, SkillGroup } from '../acd/directory'
import type { Call, CallLeg, EndCause } from '../switch/b2bua'
import type { SipLeg } from '../switch/sipLeg'
import type { LoggedAgent, LoggedCall } from './history'

export type PartyState = 'dialing' | 'ringing' | 'established' | 'released'

/** One agent's part in a call. */
export interface Party {
  readonly partyID: string
  readonly agent: AgentRecord
  role: DNRole
  state: PartyState
  leg?: CallLeg
  muted: boolean
  answeredAt?: number
  /** Why the agent's leg ended before it was answered. */
  refused?: 'rejected' | 'noAnswer'
  /**
   * What this party's events say instead of the call's own fields: a consulted party sees the consult
   * call (its callID, callType Consult, the consulting agent as otherDN), a supervisor its partyRole
   * and whom it observes (server/calls/multiparty.ts).
   */
  view?: PartyView
}

export type PartyView = Partial<
  Pick<CallEvent, 'callID' | 'callType' | 'partyRole' | 'ANI' | 'DNIS' | 'otherDN' | 'otherDNRole' | 'thirdDN' | 'thirdDNRole'>
>

/** A call as the contact center tracks it: the switch's call plus the CTI view of it. */
export interface CcCall {
  readonly id: string
  readonly type: CallType
  readonly companyId: string
  readonly sw: Call
  readonly ANI: string
  readonly DNIS: string
  readonly customerNumber: string
  /** The skill group; a transfer to another skill group changes it (and the settings with it). */
  queue?: SkillGroup
  settings: QueueSettings
  readonly attachedData: Record<string, unknown>
  readonly parties: Party[]
  /** Agents already offered this call (not offered again). */
  readonly tried: Set<string>
  readonly startedAt: number
  enqueuedAt?: number
  answeredAt?: number
  holdStartedAt?: number
  holdMs: number
  onHold: boolean
  recorded: boolean
  recordPath: string | null
  ended: boolean
  releasedBy?: 'agent' | 'customer' | 'system'
  referenceID: string
  /** The SIP status that ended a call that never connected (e.g. "486 Busy Here"). */
  failure?: string
  readonly logged: LoggedCall
  /** sendSatisfy: the customer is in the satisfaction survey; `key` once pressed. */
  survey?: { key?: string }
}

/** The caller's number: the From user (a trunk passes the customer's number there). */
export function callerNumber(sip: SipLeg): string {
  return sip.request?.from?.uri?.user ?? ''
}

export function logAgent(a: AgentRecord): LoggedAgent {
  return { uuid: a.uuid, name: a.name, ext: a.ext }
}

const SIP_REASONS: Record<number, string> = {
  404: 'Not Found',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  486: 'Busy Here',
  487: 'Request Terminated',
  603: 'Decline',
}

export function sipStatus(status: number): string {
  return `${status} ${SIP_REASONS[status] ?? 'Failed'}`
}

/** End causes in the Stringee history's words. */
export function endCallReasonOf(cause: EndCause): string {
  switch (cause) {
    case 'customer-hangup':
    case 'customer-cancel':
      return 'CUSTOMER_END_CALL'
    case 'agent-hangup':
      return 'AGENT_END_CALL'
    case 'customer-no-answer':
      return 'TIMEOUT_ANSWER'
    case 'customer-rejected':
      return 'CUSTOMER_REJECTED'
    default:
      return cause.toUpperCase().replace(/-/g, '_')
  }
}
