import type { CommandOptions } from '../cti/CommandClient'
import type { AgentStateInfo, WorkStatusInfo } from '../events'
import type { DndReasonCode } from '../model/agentState'
import type { AgentFilterState, AgentType, ConsultTargetType, LoginAgentState, PhoneType, RouteRule, TargetType } from '../model/validate'
import type {
  AgentsReply,
  CallIdReply,
  CanJoinedInfoReply,
  CountsInQueueReply,
  DelayAcwReply,
  JoinedQueuesReply,
  LoginInfoReply,
  LoginReply,
  PhoneTypeReply,
  QueuesReply,
  RoutesReply,
  StatesReply,
  UnusedExtsReply,
} from '../protocol/commands'
import type { Callbacks } from './adapter'

export type { PhoneTypeEntry, QueueEntry, RouteEntry } from '../protocol/commands'

// The facade's parameters and results. Results are the contract's (src/protocol/commands.ts) with
// `status`; parameters are what a caller may pass, in literal types so that a misspelt value does not
// compile (the SDK still checks every value at run time, for JavaScript callers).

/** Every method's parameters: its own, the callbacks, and per-call transport options. */
export type Params<P, R> = P & Callbacks<R> & CommandOptions

export interface Success {
  status: 'success'
}

/** reasonCode as a number or its string form: 2 DND, 11 break, 12-15 named breaks, 16-18 custom breaks. */
export type ReasonCodeParam = DndReasonCode | `${DndReasonCode}`

export interface InitAgentParams {
  token: string
  companyId: string
  /** Work number (agentType "0", the default) or agent id (agentType "1"). */
  agent: string
  agentType?: AgentType
  /** Share one session between the tabs of this agent (the first tab owns the connections). */
  allowStorageListen?: boolean
}

export interface LoginParams {
  /** "1" online, "2" DND (the default). */
  agentState?: LoginAgentState
  phoneType?: PhoneType
  bindExt?: string
  bindMobile?: string
  unbindExtOnLogout?: boolean
}

export interface LoginResult extends Success, Omit<LoginReply, 'phone'> {}

export interface NotReadyParams {
  /** 2 DND, 11 break, 12-15 named breaks, 16-18 custom breaks. */
  reasonCode: ReasonCodeParam
}

export interface StatesResult extends Success, StatesReply {}

export interface PhoneTypeResult extends Success, PhoneTypeReply {}

export interface UnusedExtsParams {
  ext?: string
  currPage?: number
  pageSize?: number
}

export interface UnusedExtsResult extends Success, UnusedExtsReply {}

export interface JoinedQueuesResult extends Success, JoinedQueuesReply {}

export interface LoginInfoResult extends Success, LoginInfoReply {}

export interface CanJoinedInfoResult extends Success, CanJoinedInfoReply {}

export interface TargetAgentParams {
  /** Work number or id, as the supervisor's own agentType says. */
  targetAgentID: string
}

export interface RefreshTokenParams {
  token: string
}

/** What initAgent learns, beyond status. */
export interface InitResult extends Success {
  agentStateInfo?: AgentStateInfo
  workStatusInfo?: WorkStatusInfo
}

// --- calls -------------------------------------------------------------------------------------

export interface MakeCallParams {
  /** The customer's number as the UI shows it; may be masked (135****5678) when privacyNumber is given. */
  otherDN: string
  /** The encrypted customer number, resolved by the contact center. */
  privacyNumber?: string
  /** Number shown to the customer (not together with outboundPlanCode). */
  ANI?: string
  /** Number shown to the agent's phone when the agent answers on a mobile. */
  agentANI?: string
  outboundRouteType?: string
  /** Dynamic display-number scheme (not together with ANI). */
  outboundPlanCode?: string
  /** Comes back as attachedData on every event of the call and is stored on the call record. */
  userData?: Record<string, unknown>
}

export interface MakeCallResult extends Success, CallIdReply {}

/** initiateConsult: the consult call's callID (its events carry callType Consult). */
export interface ConsultResult extends Success, CallIdReply {}

export interface TransferParams {
  /** 0 agent, 1 third-party number, 2 extension, 3 skill group. */
  targetType: TargetType
  target: string
}

export interface ConsultParams {
  /** 0 agent, 1 third-party number, 2 extension. */
  targetType: ConsultTargetType
  target: string
}

export interface DtmfParams {
  /** Up to 24 of 0-9, * and #. */
  dtmfDigits: string
}

export interface DelayAcwParams {
  /** Whole seconds, 30-900. */
  delayTime: number | string
}

/** delayACW: the new end of after-call work. */
export interface DelayAcwResult extends Success, DelayAcwReply {}

export interface RoutesResult extends Success, RoutesReply {}

export interface SetRouteParams {
  /** 1 enterprise number pool, 2 dynamic scheme (explicitCode), 3 agent number (explicitNumber). */
  explicitRule: RouteRule
  explicitCode?: string
  explicitNumber?: string
}

export interface QueuesParams {
  /** Fuzzy search on the skill group's id or name. */
  queue?: string
}

export interface QueuesResult extends Success, QueuesReply {}

export interface AgentsParams {
  agentName?: string
  /** -1 all, 0 offline, 1 online (the default), 2 DND; a number or its string form. */
  agentState?: AgentFilterState | `${AgentFilterState}`
  queueCode?: string
}

export interface AgentsResult extends Success, AgentsReply {}

export interface CountsInQueueResult extends Success, CountsInQueueReply {}

/** A supervisor's operations on an agent's call: observe (listen), barge in, intercept (take over). */
export interface SuperviseCallParams {
  targetAgentID: string
}
