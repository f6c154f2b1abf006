import {
  LOGIN_FORBIDDEN_IN,
  LOGOUT_ALLOWED_IN,
  nextAgentState,
  nextWorkStatus,
  REASON_NAMES,
  SobotError,
  type AgentEvent,
  type AgentStateAction,
  type AgentStateCode,
  type AgentStateInfo,
  type AnySobotEvent,
  type ByeReason,
  type CommandParams,
  type CommandResult,
  type AgentType,
  type PhoneConfig,
  type PhoneType,
  type SobotEventMap,
  type SobotEventName,
  type WorkStatus,
  type WorkStatusAction,
  type WorkStatusInfo,
} from 'sobot-call-sdk/protocol'
import type { AgentRecord, Directory } from './directory'

/** What the agent core knows of a logged-in (or offline) agent at run time. */
export interface AgentRuntime {
  agentState: AgentStateCode
  reasonCode: number
  agentStateTs: number
  reasonCodeTs: number
  workStatus: WorkStatus
  workStatusTs: number
  phoneType: PhoneType | ''
  bindMobile: string
  unbindExtOnLogout: boolean
  /** The agent type the agent's last session initialised with, for agentStateInfo. */
  agentType: AgentType
  /** The call the agent is on, for EventAgentRegainStatus. */
  call?: WorkStatusInfo
}

/** Where the core's events go, and how it ends sessions. */
export interface AgentEventSink {
  publish(agentUUID: string, ev: AnySobotEvent): void
  endSessions(agentUUID: string, keepSessionId: string | undefined, reason: ByeReason): void
}

/** Who asks: the verified token's agent, its session and the command's referenceID. */
export interface Caller {
  agent: AgentRecord
  sessionId: string | undefined
  referenceID: string
}

/** Listeners for the parts of the server that act on state changes (routing, the phone). */
export interface AgentCoreHooks {
  onLogin?(agent: AgentRecord, rt: AgentRuntime): void
  onLogout?(agent: AgentRecord, rt: AgentRuntime, reason: 'logout' | 'reset' | 'forceLogout'): void
  onAvailabilityChanged?(agent: AgentRecord, rt: AgentRuntime): void
  /** resetLogout and forceLogout hang up whatever the agent is on. */
  hangupAll?(agent: AgentRecord, referenceID: string): void
  /** Every workStatus change (routing keeps each agent's idle time from it). */
  onWorkStatus?(agent: AgentRecord, from: WorkStatus, to: WorkStatus): void
  /** Extra fields for the login result (the web phone's SIP identity). */
  loginExtras?(agent: AgentRecord, rt: AgentRuntime): { phone?: PhoneConfig }
}

const offline = (now: number): AgentRuntime => ({
  agentState: 0,
  reasonCode: 0,
  agentStateTs: now,
  reasonCodeTs: now,
  workStatus: 'offline',
  workStatusTs: now,
  phoneType: '',
  bindMobile: '',
  unbindExtOnLogout: false,
  agentType: '0',
})

/**
 * Agents' states and the login group of operations. Every rule of the spec is checked here again,
 * whatever the client checked: the server never trusts the client.
 */
export class AgentCore {
  private readonly rts = new Map<string, AgentRuntime>()
  hooks: AgentCoreHooks = {}

  constructor(
    readonly dir: Directory,
    private readonly sink: AgentEventSink,
    private readonly now: () => number = Date.now,
  ) {}

  runtime(uuid: string): AgentRuntime {
    let rt = this.rts.get(uuid)
    if (!rt) {
      rt = offline(this.now())
      this.rts.set(uuid, rt)
    }
    return rt
  }

  // --- events ----------------------------------------------------------------------------------

  agentEvent(messageID: SobotEventName, a: AgentRecord, referenceID: string, extra: Record<string, unknown> = {}): AgentEvent {
    const rt = this.runtime(a.uuid)
    return {
      messageID,
      creationTime: this.now(),
      companyId: a.companyId,
      referenceID,
      attachedData: {},
      agentID: a.agentID,
      agentUUID: a.uuid,
      thisDN: a.ext,
      thisQueues: this.dir.agentQueues(a.uuid).map((q) => q.queue.id),
      agentState: String(rt.agentState) as AgentEvent['agentState'],
      reasonCode: String(rt.reasonCode),
      workStatus: rt.workStatus,
      phoneType: rt.phoneType || undefined,
      ...extra,
    } as AgentEvent
  }

  emit(messageID: SobotEventName, a: AgentRecord, referenceID: string, extra?: Record<string, unknown>): void {
    this.sink.publish(a.uuid, this.agentEvent(messageID, a, referenceID, extra) as AnySobotEvent)
  }

  agentStateInfo(a: AgentRecord): AgentStateInfo {
    const rt = this.runtime(a.uuid)
    return {
      agent: rt.agentType === '1' ? a.uuid : a.agentID,
      agentType: rt.agentType,
      companyId: a.companyId,
      phoneType: rt.phoneType,
      thisDN: a.ext,
      agentState: String(rt.agentState) as AgentStateInfo['agentState'],
      agentStateTimestamp: rt.agentStateTs,
      reasonCode: String(rt.reasonCode),
      reasonCodeTimestamp: rt.reasonCodeTs,
      workStatus: rt.workStatus,
      workStatusTimestamp: rt.workStatusTs,
    }
  }

  regainStatusEvent(a: AgentRecord, referenceID = ''): SobotEventMap['EventAgentRegainStatus'] {
    const rt = this.runtime(a.uuid)
    const ev: SobotEventMap['EventAgentRegainStatus'] = {
      messageID: 'EventAgentRegainStatus',
      creationTime: this.now(),
      companyId: a.companyId,
      referenceID,
      attachedData: {},
      agentStateInfo: this.agentStateInfo(a),
    }
    if (rt.call) ev.workStatusInfo = rt.call
    return ev
  }

  // --- state moves -----------------------------------------------------------------------------

  /** Moves agentState by the table (throws a named error for an illegal move). */
  setAgentState(a: AgentRecord, action: AgentStateAction, reasonCode = 0): void {
    const rt = this.runtime(a.uuid)
    const to = nextAgentState(rt.agentState, action)
    const now = this.now()
    if (to !== rt.agentState) rt.agentStateTs = now
    const rc = to === 2 ? reasonCode || 2 : 0
    if (rc !== rt.reasonCode) rt.reasonCodeTs = now
    rt.agentState = to
    rt.reasonCode = rc
  }

  /** Moves workStatus by the table. */
  setWorkStatus(a: AgentRecord, action: WorkStatusAction): WorkStatus {
    const rt = this.runtime(a.uuid)
    const from = rt.workStatus
    const to = nextWorkStatus(from, action, rt.agentState)
    if (to !== from) rt.workStatusTs = this.now()
    rt.workStatus = to
    if (to !== from) this.hooks.onWorkStatus?.(a, from, to)
    return to
  }

  isIdle(uuid: string): boolean {
    const ws = this.runtime(uuid).workStatus
    return ws === 'ready' || ws === 'occupied'
  }

  // --- login operations ------------------------------------------------------------------------

  login(c: Caller, p: CommandParams<'login'>): CommandResult<'login'> {
    const a = c.agent
    const rt = this.runtime(a.uuid)
    const agentState = p.agentState
    const phoneType = p.phoneType ?? a.defaultPhoneType
    const bindExt = p.bindExt ?? a.ext
    const bindMobile = p.bindMobile ?? a.mobile
    const unbindExtOnLogout = p.unbindExtOnLogout ?? false
    if (LOGIN_FORBIDDEN_IN.has(rt.workStatus))
      throw new SobotError('LOGIN_FORBIDDEN', `Login is not allowed while the agent is ${rt.workStatus}.`)
    if (!a.phoneTypes.includes(phoneType))
      throw new SobotError('PHONE_TYPE_NOT_ALLOWED', `Agent ${a.agentID} may not answer by ${phoneType}.`)
    if (phoneType === 'pstn' && !bindMobile) throw new SobotError('MOBILE_REQUIRED')
    if (phoneType !== 'pstn' || bindExt) {
      if (!bindExt) throw new SobotError('MISSING_PARAMETER', 'bindExt: the agent has no extension; pass one.')
      if (!this.dir.hasExtension(a.companyId, bindExt)) throw new SobotError('EXTENSION_NOT_FOUND', `Extension ${bindExt} does not exist.`)
      const owner = this.dir.extensionOwner(a.companyId, bindExt)
      if (owner && owner.uuid !== a.uuid)
        throw new SobotError('EXTENSION_IN_USE', `Extension ${bindExt} is bound to agent ${owner.agentID}.`)
    }

    // Calling login from one end disconnects the other ends (the agent stays online).
    this.sink.endSessions(a.uuid, c.sessionId, 'replaced')
    a.ext = bindExt
    rt.phoneType = phoneType
    rt.bindMobile = bindMobile
    rt.unbindExtOnLogout = unbindExtOnLogout
    const wasOffline = rt.agentState === 0
    this.setAgentState(a, agentState === '1' ? 'loginOnline' : 'loginDnd')
    if (wasOffline) this.setWorkStatus(a, 'login')
    else if (rt.workStatus === 'ready' || rt.workStatus === 'occupied') this.setWorkStatus(a, agentState === '1' ? 'ready' : 'notReady')
    this.emit('EventAgentLogin', a, c.referenceID)
    this.emit(rt.agentState === 1 ? 'EventAgentReady' : 'EventAgentNotReady', a, c.referenceID)
    this.hooks.onLogin?.(a, rt)
    const extras = this.hooks.loginExtras?.(a, rt) ?? {}
    this.hooks.onAvailabilityChanged?.(a, rt)
    return { agentState, phoneType, bindExt, bindMobile, reasonCode: rt.reasonCode, ...extras }
  }

  logout(c: Caller): CommandResult<'logout'> {
    const a = c.agent
    const rt = this.runtime(a.uuid)
    if (rt.agentState === 0) throw new SobotError('NOT_LOGGED_IN')
    if (!LOGOUT_ALLOWED_IN.has(rt.workStatus))
      throw new SobotError('LOGOUT_FORBIDDEN', `Logout is not allowed while the agent is ${rt.workStatus}.`)
    this.toOffline(a, 'logout', c.referenceID)
    return {}
  }

  resetLogout(c: Caller): CommandResult<'resetLogout'> {
    this.hooks.hangupAll?.(c.agent, c.referenceID)
    this.toOffline(c.agent, 'reset', c.referenceID)
    return {}
  }

  ready(c: Caller): CommandResult<'ready'> {
    this.changeAvailability(c.agent, 'ready', 0, c.referenceID)
    return {}
  }

  notReady(c: Caller, p: CommandParams<'notReady'>): CommandResult<'notReady'> {
    this.changeAvailability(c.agent, 'notReady', p.reasonCode, c.referenceID)
    return {}
  }

  /**
   * ready / notReady / forceReady / forceBusy. On a call or in ACW the agent keeps working and the
   * new agentState applies when it is idle again; idle, the workStatus follows at once.
   */
  changeAvailability(
    a: AgentRecord,
    action: 'ready' | 'notReady' | 'forceReady' | 'forceBusy',
    reasonCode: number,
    referenceID: string,
  ): void {
    const rt = this.runtime(a.uuid)
    if (rt.agentState === 0) throw new SobotError('NOT_LOGGED_IN', `Agent ${a.agentID} is offline.`)
    this.setAgentState(a, action, reasonCode)
    if (rt.workStatus === 'ready' || rt.workStatus === 'occupied') this.setWorkStatus(a, rt.agentState === 1 ? 'ready' : 'notReady')
    this.emit(rt.agentState === 1 ? 'EventAgentReady' : 'EventAgentNotReady', a, referenceID)
    this.hooks.onAvailabilityChanged?.(a, rt)
  }

  /** The agent is idle again (a call or ACW ended): workStatus follows agentState, with its event. */
  becomeIdle(a: AgentRecord, referenceID: string): void {
    const rt = this.runtime(a.uuid)
    if (rt.agentState === 0) return
    rt.call = undefined
    this.setWorkStatus(a, 'release')
    this.emit(rt.agentState === 1 ? 'EventAgentReady' : 'EventAgentNotReady', a, referenceID)
    this.hooks.onAvailabilityChanged?.(a, rt)
  }

  private toOffline(a: AgentRecord, how: 'logout' | 'reset' | 'forceLogout', referenceID: string): void {
    const rt = this.runtime(a.uuid)
    if (rt.agentState !== 0) this.setAgentState(a, how === 'reset' ? 'resetLogout' : how === 'forceLogout' ? 'forceLogout' : 'logout')
    this.setWorkStatus(a, how === 'logout' ? 'logout' : 'reset')
    rt.call = undefined
    if (rt.unbindExtOnLogout) a.ext = ''
    this.emit('EventAgentLogout', a, referenceID)
    this.hooks.onLogout?.(a, rt, how)
    this.hooks.onAvailabilityChanged?.(a, rt)
  }

  // --- supervisor ------------------------------------------------------------------------------

  private target(c: Caller, p: CommandParams<'forceLogout'>): AgentRecord {
    if (!c.agent.supervisor) throw new SobotError('PERMISSION_DENIED', 'Only a supervisor may force another agent.')
    const id = p.targetAgentID
    const agentType = p.agentType
    const t =
      this.dir.findAgent(c.agent.companyId, id, agentType) ?? this.dir.findAgent(c.agent.companyId, id, agentType === '1' ? '0' : '1')
    if (!t) throw new SobotError('TARGET_NOT_FOUND', `No agent ${id} in this company.`)
    if (this.runtime(t.uuid).agentState === 0) throw new SobotError('TARGET_OFFLINE', `Agent ${t.agentID} is offline.`)
    return t
  }

  forceLogout(c: Caller, p: CommandParams<'forceLogout'>): CommandResult<'forceLogout'> {
    const t = this.target(c, p)
    this.hooks.hangupAll?.(t, c.referenceID)
    this.toOffline(t, 'forceLogout', c.referenceID)
    this.sink.endSessions(t.uuid, undefined, 'forceLogout')
    return {}
  }

  forceBusy(c: Caller, p: CommandParams<'forceBusy'>): CommandResult<'forceBusy'> {
    this.changeAvailability(this.target(c, p), 'forceBusy', 2, c.referenceID)
    return {}
  }

  forceReady(c: Caller, p: CommandParams<'forceReady'>): CommandResult<'forceReady'> {
    this.changeAvailability(this.target(c, p), 'forceReady', 0, c.referenceID)
    return {}
  }

  // --- queries ---------------------------------------------------------------------------------

  private phoneTypes(a: AgentRecord): { phoneType: PhoneType; default: boolean; defaultPhoneType: boolean }[] {
    return a.phoneTypes.map((p) => ({ phoneType: p, default: p === a.defaultPhoneType, defaultPhoneType: p === a.defaultPhoneType }))
  }

  private queueEntries(a: AgentRecord): { queueID: string; queueName: string; queueWeight: number; checkin: number }[] {
    return this.dir
      .agentQueues(a.uuid)
      .map(({ queue, priority }) => ({ queueID: queue.id, queueName: queue.name, queueWeight: priority, checkin: 0 }))
  }

  queryStates(): CommandResult<'queryStates'> {
    return { states: ([11, 12, 13, 14, 15, 16, 17, 18] as const).map((code) => ({ code: String(code), name: REASON_NAMES[code] })) }
  }

  queryPhoneType(c: Caller): CommandResult<'queryPhoneType'> {
    const a = c.agent
    return {
      id: a.uuid,
      agentID: a.agentID,
      agentName: a.name,
      currentPhoneType: this.runtime(a.uuid).phoneType || a.defaultPhoneType,
      ext: a.ext,
      phone: a.mobile,
      phoneTypes: this.phoneTypes(a),
    }
  }

  /** Extensions nobody else is bound to; the agent's own comes first, marked default. */
  queryUnusedExts(c: Caller, p: CommandParams<'queryUnusedExts'>): CommandResult<'queryUnusedExts'> {
    const a = c.agent
    const { ext: filter, currPage, pageSize } = p
    const all = this.dir
      .companyExtensions(a.companyId)
      .filter((e) => {
        const owner = this.dir.extensionOwner(a.companyId, e)
        return (!owner || owner.uuid === a.uuid) && e.includes(filter)
      })
      .sort((x, y) => Number(y === a.ext) - Number(x === a.ext) || x.localeCompare(y))
    const page = all.slice((currPage - 1) * pageSize, currPage * pageSize)
    return { currPage, pageSize, total: all.length, exts: page.map((e) => ({ ext: e, default: e === a.ext })) }
  }

  queryAgentJoinedQueues(c: Caller): CommandResult<'queryAgentJoinedQueues'> {
    return { queues: this.queueEntries(c.agent) }
  }

  queryAgentLoginInfo(c: Caller): CommandResult<'queryAgentLoginInfo'> {
    const a = c.agent
    return {
      agentUUID: a.uuid,
      agentID: a.agentID,
      agentName: a.name,
      ext: a.ext,
      phone: a.mobile,
      phoneTypes: this.phoneTypes(a),
      receptionQueues: this.runtime(a.uuid).agentState === 0 ? [] : this.queueEntries(a),
    }
  }

  queryAgentCanJoinedInfo(c: Caller): CommandResult<'queryAgentCanJoinedInfo'> {
    const a = c.agent
    const rt = this.runtime(a.uuid)
    const loginStatus = [
      { code: '1', name: 'Online' },
      { code: '2', name: 'DND' },
    ]
    const current = rt.agentState === 0 ? undefined : loginStatus.find((s) => s.code === String(rt.agentState))
    return {
      info: {
        id: a.uuid,
        agentID: a.agentID,
        agentName: a.name,
        loginStatusCode: current?.code ?? '',
        loginStatusName: current?.name ?? '',
        currentPhoneType: rt.phoneType,
        ext: a.ext,
        phone: a.mobile,
        phoneTypes: a.phoneTypes.map((p) => ({ phoneType: p })),
        checkableQueues: this.queueEntries(a),
        loginStatus,
      },
    }
  }
}
