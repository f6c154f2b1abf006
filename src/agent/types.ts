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
