import { SobotError } from '../errors'
import type { AgentStateInfo, WorkStatusInfo } from '../events'
import type { AgentStateCode, DndReasonCode } from '../model/agentState'
import {
  optBoolean,
  optString,
  parseAgentFilterState,
  parseAgentType,
  parseDelayTime,
  parseDialNumber,
  parseDtmf,
  parseLoginAgentState,
  parsePage,
  parsePhoneType,
  parseReasonCode,
  parseRoute,
  parseTarget,
  parseUserData,
  reqString,
  type AgentFilterState,
  type AgentType,
  type ConsultTargetType,
  type LoginAgentState,
  type PhoneType,
  type RouteRule,
  type TargetType,
} from '../model/validate'
import type { WorkStatus } from '../model/workStatus'
import type { PhoneConfig } from './wire'

/**
 * The commands: every name, its body (as parsed, besides referenceID) and its result (besides
 * `status: 'success'`). CommandMap is the one source of truth: the SDK's CommandClient.send and the
 * server's CommandRouter.register are typed by it, and each command's parser below runs twice, in the
 * SDK before anything is sent and in the server on what it received (the server never trusts the
 * client). docs/PROTOCOL.md's command table is its prose.
 */

/** A command without parameters, or a result without fields. */
export type NoParams = Record<string, never>
export type NoFields = Record<string, never>

// --- bodies and results --------------------------------------------------------------------------

export interface InitBody {
  companyId: string
  /** Work number (agentType "0") or agent id (agentType "1"). */
  agent: string
  agentType: AgentType
}

/** The session the event socket will join, and where the agent stands. */
export interface InitReply {
  sessionId: string
  agentUUID: string
  agentID: string
  isSupervisor: boolean
  agentStateInfo: AgentStateInfo
  /** Absent when the agent is not on a call. */
  workStatusInfo?: WorkStatusInfo
}

export interface LoginBody {
  agentState: LoginAgentState
  /** Absent: the agent's default. */
  phoneType?: PhoneType
  bindExt?: string
  bindMobile?: string
  unbindExtOnLogout?: boolean
}

export interface LoginReply {
  agentState: LoginAgentState
  phoneType: PhoneType
  bindExt: string
  bindMobile: string
  /** 0 online, else why the agent is DND. */
  reasonCode: number
  /** phoneType webrtc: the web phone's SIP identity (kept inside the SDK). */
  phone?: PhoneConfig
}

export interface NotReadyBody {
  reasonCode: DndReasonCode
}

/** forceLogout, forceBusy, forceReady: the agent a supervisor acts on. */
export interface TargetAgentBody {
  targetAgentID: string
  /** How targetAgentID names the agent. */
  agentType: AgentType
}

export interface StatesReply {
  states: { code: string; name: string }[]
}

export interface PhoneTypeEntry {
  phoneType: PhoneType
  default: boolean
  defaultPhoneType: boolean
}

export interface PhoneTypeReply {
  id: string
  agentID: string
  agentName: string
  currentPhoneType: PhoneType | ''
  ext: string
  phone: string
  phoneTypes: PhoneTypeEntry[]
}

export interface UnusedExtsBody {
  /** Part of the extension ('' for all). */
  ext: string
  currPage: number
  pageSize: number
}

export interface UnusedExtsReply {
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

export interface JoinedQueuesReply {
  queues: QueueEntry[]
}

export interface LoginInfoReply {
  agentUUID: string
  agentID: string
  agentName: string
  ext: string
  phone: string
  phoneTypes: PhoneTypeEntry[]
  receptionQueues: QueueEntry[]
}

export interface CanJoinedInfoReply {
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

export interface QueuesBody {
  /** Fuzzy search on the skill group's id or name ('' for all). */
  queue: string
}

export interface QueuesReply {
  queues: { queueCode: string; queueName: string; readyMembers: number }[]
}

export interface CountsInQueueReply {
  queues: { queueID: string; queueName: string; count: number }[]
}

export interface AgentsBody {
  /** Precise; '' for any. */
  agentName: string
  agentState: AgentFilterState
  /** Precise; '' for any. */
  queueCode: string
}

export interface AgentsReply {
  agents: {
    agentUUID: string
    agentID: string
    agentName: string
    ext: string
    agentState: AgentStateCode
    /** The workStatus's code (docs/EVENTS.md). */
    workStatus: number
    workStatusName: WorkStatus
  }[]
}

export interface RouteEntry {
  code: string
  name: string
  hasSet: boolean
}

export interface RoutesReply {
  agentUuid: string
  agentUUID: string
  agentID: string
  agentName: string
  explicitRule: RouteEntry[]
  explicitSchema: { code: string; planName: string; hasSet: boolean }[]
  explicitNumbers: { number: string; nickName: string; hasSet: boolean }[]
}

export interface SetRouteBody {
  explicitRule: RouteRule
  /** Rule 2: the scheme. */
  explicitCode?: string
  /** Rule 3: the number. */
  explicitNumber?: string
}

export interface PhoneReply {
  phone: PhoneConfig
}

export interface MakeCallBody {
  otherDN: string
  privacyNumber?: string
  ANI?: string
  agentANI?: string
  outboundRouteType?: string
  outboundPlanCode?: string
  userData?: Record<string, unknown>
}

export interface CallIdReply {
  callID: string
}

export interface DtmfBody {
  dtmfDigits: string
}

export interface DelayAcwBody {
  delayTime: number
}

export interface DelayAcwReply {
  /** When ACW ends now, ms since the epoch. */
  acwDeadline: number
}

export interface TransferBody {
  targetType: TargetType
  target: string
  /** How an agent target is named; absent: as the caller's session was initialised. */
  agentType?: AgentType
}

export interface ConsultBody {
  targetType: ConsultTargetType
  target: string
  agentType?: AgentType
}

/** observe, bargeIn, intercept. */
export interface SuperviseCallBody {
  targetAgentID: string
  /** Absent: as the supervisor's session was initialised. */
  agentType?: AgentType
}

// --- the map -------------------------------------------------------------------------------------

interface Command<P, R> {
  params: P
  result: R
}
type Plain = Command<NoParams, NoFields>

export interface CommandMap {
  init: Command<InitBody, InitReply>
  login: Command<LoginBody, LoginReply>
  logout: Plain
  ready: Plain
  notReady: Command<NotReadyBody, NoFields>
  resetLogout: Plain
  forceLogout: Command<TargetAgentBody, NoFields>
  forceBusy: Command<TargetAgentBody, NoFields>
  forceReady: Command<TargetAgentBody, NoFields>
  queryStates: Command<NoParams, StatesReply>
  queryPhoneType: Command<NoParams, PhoneTypeReply>
  queryUnusedExts: Command<UnusedExtsBody, UnusedExtsReply>
  queryAgentJoinedQueues: Command<NoParams, JoinedQueuesReply>
  queryAgentLoginInfo: Command<NoParams, LoginInfoReply>
  queryAgentCanJoinedInfo: Command<NoParams, CanJoinedInfoReply>
  queryQueues: Command<QueuesBody, QueuesReply>
  queryCountsInQueue: Command<NoParams, CountsInQueueReply>
  queryAgents: Command<AgentsBody, AgentsReply>
  queryRoutes: Command<NoParams, RoutesReply>
  setRoute: Command<SetRouteBody, RoutesReply>
  /** The web phone's identity again, for a reloaded page of an agent logged in with phoneType webrtc. */
  phone: Command<NoParams, PhoneReply>
  makeCall: Command<MakeCallBody, CallIdReply>
  rejectCall: Plain
  hangup: Plain
  holdCall: Plain
  retrieveCall: Plain
  muteCall: Plain
  unmute: Plain
  sendDtmf: Command<DtmfBody, NoFields>
  delayACW: Command<DelayAcwBody, DelayAcwReply>
  completeACW: Plain
  completeACWToBusy: Plain
  singleTransfer: Command<TransferBody, NoFields>
  /** The consult call's callID. */
  initiateConsult: Command<ConsultBody, CallIdReply>
  cancelConsult: Plain
  retrieveConsult: Plain
  consultTransfer: Plain
  consultConference: Plain
  sendSatisfy: Plain
  observe: Command<SuperviseCallBody, NoFields>
  bargeIn: Command<SuperviseCallBody, NoFields>
  intercept: Command<SuperviseCallBody, NoFields>
}

export type CommandName = keyof CommandMap
export type CommandParams<K extends CommandName> = CommandMap[K]['params']
export type CommandResult<K extends CommandName> = CommandMap[K]['result']
/** A command's answer on the wire. */
export type CommandSuccess<K extends CommandName> = { status: 'success' } & CommandResult<K>

// --- the parsers ---------------------------------------------------------------------------------

/** What a parser reads: the method's parameters in the SDK, the JSON body in the server. */
export type RawParams = object | null | undefined

function fields(raw: RawParams): Record<string, unknown> {
  return (raw ?? {}) as Record<string, unknown>
}

/** The parser of a command without parameters. */
export const noParams = (): NoParams => ({})

export function parseInit(raw: RawParams): InitBody {
  const r = fields(raw)
  return {
    companyId: reqString('companyId', r.companyId, 64),
    agent: reqString('agent', r.agent, 64),
    agentType: parseAgentType(r.agentType),
  }
}

export function parseLogin(raw: RawParams): LoginBody {
  const r = fields(raw)
  return {
    agentState: parseLoginAgentState(r.agentState),
    phoneType: parsePhoneType(r.phoneType),
    bindExt: optString('bindExt', r.bindExt, 32),
    bindMobile: optString('bindMobile', r.bindMobile, 32),
    unbindExtOnLogout: optBoolean('unbindExtOnLogout', r.unbindExtOnLogout),
  }
}

export function parseNotReady(raw: RawParams): NotReadyBody {
  return { reasonCode: parseReasonCode(fields(raw).reasonCode) }
}

export function parseTargetAgent(raw: RawParams): TargetAgentBody {
  const r = fields(raw)
  return { targetAgentID: reqString('targetAgentID', r.targetAgentID, 64), agentType: parseAgentType(r.agentType) }
}

export function parseUnusedExts(raw: RawParams): UnusedExtsBody {
  const r = fields(raw)
  return { ext: optString('ext', r.ext, 32) ?? '', ...parsePage(r.currPage, r.pageSize) }
}

export function parseQueues(raw: RawParams): QueuesBody {
  return { queue: optString('queue', fields(raw).queue, 64) ?? '' }
}

export function parseAgents(raw: RawParams): AgentsBody {
  const r = fields(raw)
  return {
    agentName: optString('agentName', r.agentName, 64) ?? '',
    agentState: parseAgentFilterState(r.agentState),
    queueCode: optString('queueCode', r.queueCode, 64) ?? '',
  }
}

export function parseSetRoute(raw: RawParams): SetRouteBody {
  return parseRoute(fields(raw))
}

export function parseMakeCall(raw: RawParams): MakeCallBody {
  const r = fields(raw)
  const privacyNumber = optString('privacyNumber', r.privacyNumber, 128)
  const otherDN = parseDialNumber('otherDN', r.otherDN, true)!
  const ANI = parseDialNumber('ANI', r.ANI, false)
  const outboundPlanCode = optString('outboundPlanCode', r.outboundPlanCode, 64)
  if (ANI && outboundPlanCode) throw new SobotError('INVALID_PARAMETER', 'ANI and outboundPlanCode: give one or the other, not both.')
  return {
    otherDN,
    privacyNumber,
    ANI,
    agentANI: parseDialNumber('agentANI', r.agentANI, false),
    outboundRouteType: optString('outboundRouteType', r.outboundRouteType, 8),
    outboundPlanCode,
    userData: parseUserData(r.userData),
  }
}

export function parseSendDtmf(raw: RawParams): DtmfBody {
  return { dtmfDigits: parseDtmf(fields(raw).dtmfDigits) }
}

export function parseDelayAcw(raw: RawParams): DelayAcwBody {
  return { delayTime: parseDelayTime(fields(raw).delayTime) }
}

/** An absent agentType stays absent (the server then takes the session's). */
function optAgentType(v: unknown): AgentType | undefined {
  return v === undefined ? undefined : parseAgentType(v)
}

export function parseTransfer(raw: RawParams): TransferBody {
  const r = fields(raw)
  return { ...parseTarget(r.targetType, r.target, true), agentType: optAgentType(r.agentType) }
}

export function parseConsult(raw: RawParams): ConsultBody {
  const r = fields(raw)
  return { ...parseTarget(r.targetType, r.target, false), agentType: optAgentType(r.agentType) }
}

export function parseSuperviseCall(raw: RawParams): SuperviseCallBody {
  const r = fields(raw)
  return { targetAgentID: reqString('targetAgentID', r.targetAgentID, 64), agentType: optAgentType(r.agentType) }
}

/** Each command's parser: the server's CommandRouter runs it on every body before the command's handler. */
export const COMMAND_PARSERS: { readonly [K in CommandName]: (raw: RawParams) => CommandParams<K> } = {
  init: parseInit,
  login: parseLogin,
  logout: noParams,
  ready: noParams,
  notReady: parseNotReady,
  resetLogout: noParams,
  forceLogout: parseTargetAgent,
  forceBusy: parseTargetAgent,
  forceReady: parseTargetAgent,
  queryStates: noParams,
  queryPhoneType: noParams,
  queryUnusedExts: parseUnusedExts,
  queryAgentJoinedQueues: noParams,
  queryAgentLoginInfo: noParams,
  queryAgentCanJoinedInfo: noParams,
  queryQueues: parseQueues,
  queryCountsInQueue: noParams,
  queryAgents: parseAgents,
  queryRoutes: noParams,
  setRoute: parseSetRoute,
  phone: noParams,
  makeCall: parseMakeCall,
  rejectCall: noParams,
  hangup: noParams,
  holdCall: noParams,
  retrieveCall: noParams,
  muteCall: noParams,
  unmute: noParams,
  sendDtmf: parseSendDtmf,
  delayACW: parseDelayAcw,
  completeACW: noParams,
  completeACWToBusy: noParams,
  singleTransfer: parseTransfer,
  initiateConsult: parseConsult,
  cancelConsult: noParams,
  retrieveConsult: noParams,
  consultTransfer: noParams,
  consultConference: noParams,
  sendSatisfy: noParams,
  observe: parseSuperviseCall,
  bargeIn: parseSuperviseCall,
  intercept: parseSuperviseCall,
}

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMAND_PARSERS, name)
}
