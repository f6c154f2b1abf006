import type { CommandOptions } from '../cti/CommandClient'
import type { AgentStateInfo, WorkStatusInfo } from '../events'
import type { PhoneType } from '../model/validate'
import type { Callbacks } from './adapter'

/** Every method's parameters: its own, the callbacks, and per-call transport options. */
export type Params<P, R> = P & Callbacks<R> & CommandOptions

export interface Success {
  status: 'success'
}

export interface InitAgentParams {
  token: string
  companyId: string
  /** Work number (agentType "0", the default) or agent id (agentType "1"). */
  agent: string
  agentType?: '0' | '1' | string
  /** Share one session between the tabs of this agent (the first tab owns the connections). */
  allowStorageListen?: boolean
}

export interface LoginParams {
  /** "1" online, "2" DND (the default). */
  agentState?: '1' | '2' | string
  phoneType?: PhoneType | string
  bindExt?: string
  bindMobile?: string
  unbindExtOnLogout?: boolean
}

export interface LoginResult extends Success {
  agentState: '1' | '2'
  phoneType: PhoneType
  bindExt: string
  bindMobile: string
  reasonCode: number
}

export interface NotReadyParams {
  /** 2 DND, 11 break, 12-15 named breaks, 16-18 custom breaks. */
  reasonCode: number | string
}

export interface StatesResult extends Success {
  states: { code: string; name: string }[]
}

export interface PhoneTypeEntry {
  phoneType: PhoneType
  default: boolean
  defaultPhoneType: boolean
}

export interface PhoneTypeResult extends Success {
  id: string
  agentID: string
  agentName: string
  currentPhoneType: PhoneType | ''
  ext: string
  phone: string
  phoneTypes: PhoneTypeEntry[]
}

export interface UnusedExtsParams {
  ext?: string
  currPage?: number
  pageSize?: number
}

export interface UnusedExtsResult extends Success {
  currPage: number
  pageSize: number
  total: number
  exts: { ext: string; default: boolean }[]
}

export interface QueueEntry {
  queueID: string
  queueName: string
  queueWeight: number
  /** 0 default log-in group, 1 optional. */
  checkin: number
}

export interface JoinedQueuesResult extends Success {
  queues: QueueEntry[]
}

export interface LoginInfoResult extends Success {
  agentUUID: string
  agentID: string
  agentName: string
  ext: string
  phone: string
  phoneTypes: PhoneTypeEntry[]
  receptionQueues: QueueEntry[]
}

export interface CanJoinedInfoResult extends Success {
  info: {
    id: string
    agentID: string
    agentName: string
    loginStatusCode: string
    loginStatusName: string
    currentPhoneType: PhoneType | ''
    ext: string
    phone: string
    phoneTypes: { phoneType: PhoneType }[]
    checkableQueues: QueueEntry[]
    loginStatus: { code: string; name: string }[]
  }
}

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

export interface MakeCallResult extends Success {
  callID: string
}

/** initiateConsult: the consult call's callID (its events carry callType Consult). */
export interface ConsultResult extends Success {
  callID: string
}

export interface TransferParams {
  /** 0 agent, 1 third-party number, 2 extension, 3 skill group. */
  targetType: '0' | '1' | '2' | '3' | string
  target: string
}

export interface ConsultParams {
  /** 0 agent, 1 third-party number, 2 extension. */
  targetType: '0' | '1' | '2' | string
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

export interface RouteEntry {
  code: string
  name: string
  hasSet: boolean
}

export interface RoutesResult extends Success {
  agentUuid: string
  agentID: string
  agentName: string
  explicitRule: RouteEntry[]
  explicitSchema: { code: string; planName: string; hasSet: boolean }[]
  explicitNumbers: { number: string; nickName: string; hasSet: boolean }[]
}

export interface SetRouteParams {
  /** 1 enterprise number pool, 2 dynamic scheme (explicitCode), 3 agent number (explicitNumber). */
  explicitRule: '1' | '2' | '3' | string
  explicitCode?: string
  explicitNumber?: string
}

export interface QueuesParams {
  /** Fuzzy search on the skill group's id or name. */
  queue?: string
}

export interface QueuesResult extends Success {
  queues: { queueCode: string; queueName: string; readyMembers: number }[]
}

export interface AgentsParams {
  agentName?: string
  /** -1 all, 1 online (the default). */
  agentState?: number | string
  queueCode?: string
}

export interface AgentsResult extends Success {
  agents: { agentUUID: string; agentID: string; agentName: string; ext: string; agentState: number; workStatus: number }[]
}

export interface CountsInQueueResult extends Success {
  queues: { queueID: string; queueName: string; count: number }[]
}

/** A supervisor's operations on an agent's call: observe (listen), barge in, intercept (take over). */
export interface SuperviseCallParams {
  targetAgentID: string
}
