import EventEmitter from 'eventemitter3'
import { CommandClient, type CommandOptions, type FetchLike } from '../cti/CommandClient'
import { CtiSocket, type WebSocketCtor } from '../cti/CtiSocket'
import { EVENTS_PATH, type InitResult as WireInit, type SuccessResult } from '../cti/protocol'
import { DefaultReconnectPolicy, type ReconnectPolicy } from '../cti/ReconnectPolicy'
import { SobotError, toSobotError } from '../errors'
import type { AgentStateInfo, AnySobotEvent, ConnectionChangedReason, ListenerMap, SobotEventName, WorkStatusInfo } from '../events'
import { applyEvent, INITIAL_SNAPSHOT, type AgentSnapshot } from '../model/agentModel'
import { checkCallCommand, type CallCommand } from '../model/callRules'
import {
  optBoolean,
  optString,
  parseAgentFilterState,
  parseDelayTime,
  parseDialNumber,
  parseDtmf,
  parseRoute,
  parseTarget,
  parseUserData,
  parseAgentType,
  parseLoginAgentState,
  parsePage,
  parsePhoneType,
  parseReasonCode,
  reqString,
} from '../model/validate'
import { isOnCall, LOGIN_FORBIDDEN_IN, LOGOUT_ALLOWED_IN } from '../model/workStatus'
import { claimOwnership, TabMember, TabOwner, tabsSupported, type SharedState } from '../tabs/TabBridge'
import type { AudioDevice, PhoneConfig, PhoneModule, PhoneStatus, WebPhoneLike } from '../phone/types'
import { reportListenerError, settle, type Callbacks } from './adapter'
import type {
  AgentsParams,
  AgentsResult,
  ConsultParams,
  ConsultResult,
  CountsInQueueResult,
  DelayAcwParams,
  DtmfParams,
  MakeCallParams,
  MakeCallResult,
  QueuesParams,
  QueuesResult,
  RoutesResult,
  SetRouteParams,
  SuperviseCallParams,
  TransferParams,
  CanJoinedInfoResult,
  InitAgentParams,
  InitResult,
  JoinedQueuesResult,
  LoginInfoResult,
  LoginParams,
  LoginResult,
  NotReadyParams,
  Params,
  PhoneTypeResult,
  RefreshTokenParams,
  StatesResult,
  Success,
  TargetAgentParams,
  UnusedExtsParams,
  UnusedExtsResult,
} from './types'

export interface AgentOptions {
  /** The contact center's URL, e.g. https://cc.example.com. The script-tag build defaults to where it was loaded from. */
  server?: string
  /** Injectable platform pieces (Node, tests): default to the browser's. */
  WebSocket?: WebSocketCtor
  fetch?: FetchLike
  reconnectPolicy?: ReconnectPolicy
  commandTimeoutMs?: number
  heartbeatIntervalMs?: number
  heartbeatTimeoutMs?: number
  /** How long commands wait for handleRefreshToken after EventTokenInvalid (the spec: 10 s). */
  tokenWaitMs?: number
  /** The web phone: play a ringtone for incoming calls (default true). */
  ringtone?: boolean
  /** The web phone's microphone and speaker (deviceIds from listAudioDevices()). */
  audioInputDeviceId?: string
  audioOutputDeviceId?: string
  /**
   * Extra constraints for the web phone's microphone, e.g. `{ autoGainControl: false }` where a headset
   * does its own processing. The browser's defaults apply to what is not named.
   */
  audioConstraints?: MediaTrackConstraints
  /**
   * While a call is active on the web phone (dialling, talking, on hold, consulting, in a conference,
   * listening in), leaving or reloading the page asks first, with a `beforeunload` listener that is
   * there only during the call. `true`: the browser's own question; a string: the message, where a
   * browser still shows the page's (most show their own text). Default off. If the page goes anyway,
   * the call ends with the web phone (see the README, "Leaving the page"); a SIP phone's or mobile's
   * call does not, so those do not ask.
   */
  closeProtection?: boolean | string
}

type Lifecycle = 'new' | 'initializing' | 'online' | 'offline' | 'destroyed'

/** Where commands go: the wire (the tab that owns the session) or the owning tab (allowStorageListen). */
interface Session {
  send(name: string, params: Record<string, unknown>, opts: CommandOptions): Promise<SuccessResult>
  /** Round trip of the event socket's heartbeat, ms (0 where unknown). */
  rttMs(): number
  setToken(token: string): void
  close(err: SobotError): void
  companyId: string
  agentType: '0' | '1'
  /** The agent this session is for, as initAgent named it (work number or id by agentType). */
  agent: string
  isSupervisor: boolean
}

interface InitArgs {
  token: string
  companyId: string
  agent: string
  agentType: '0' | '1'
  opts: CommandOptions
}

let defaultServer: string | undefined
/** @internal The script-tag entry sets the origin it was loaded from. */
export function setDefaultServer(url: string | undefined): void {
  defaultServer = url
}

/**
 * `new SobotClient.agent()`: the whole Sobot call SDK surface. Every method takes its parameters
 * with `success` / `error` callbacks and also returns a Promise of the same result.
 */
export class Agent {
  private readonly emitter = new EventEmitter()
  private life: Lifecycle = 'new'
  private session: Session | undefined
  private snap: AgentSnapshot = INITIAL_SNAPSHOT

  constructor(private readonly options: AgentOptions = {}) {
    this.options = { ...options }
    const cp = this.options.closeProtection
    if (cp !== undefined && typeof cp !== 'boolean' && typeof cp !== 'string')
      throw new SobotError('INVALID_PARAMETER', 'closeProtection: true, false or the message to show.')
  }

  /** The agent's state as the SDK last learned it from the server. */
  get state(): Readonly<AgentSnapshot> {
    return this.snap
  }

  // --- events --------------------------------------------------------------------------------

  on<K extends keyof ListenerMap>(name: K, fn: ListenerMap[K]): this {
    this.emitter.on(name, fn)
    return this
  }

  /** off(name) removes every listener of that event; off(name, fn) removes one. */
  off<K extends keyof ListenerMap>(name: K, fn?: ListenerMap[K]): this {
    if (fn) this.emitter.off(name, fn)
    else this.emitter.removeAllListeners(name)
    return this
  }

  /** @internal Delivers an event to its listeners and then to EventAgentAll's; a throwing listener is reported and skipped. */
  protected emit(ev: AnySobotEvent): void {
    for (const name of [ev.messageID, 'EventAgentAll']) {
      for (const fn of this.emitter.listeners(name)) {
        try {
          ;(fn as (m: AnySobotEvent) => void)(ev)
        } catch (e) {
          reportListenerError(`listener of ${ev.messageID}`, e)
        }
      }
    }
  }

  // --- initialisation ------------------------------------------------------------------------

  initAgent(p: Params<InitAgentParams, InitResult>): Promise<InitResult> {
    return settle(p, async () => {
      if (this.life === 'destroyed') throw new SobotError('DESTROYED')
      if (this.life === 'initializing' || this.life === 'online') throw new SobotError('ALREADY_INITIALIZED')
      const args: InitArgs = {
        token: reqString('token', p.token, 8192),
        companyId: reqString('companyId', p.companyId, 64),
        agent: reqString('agent', p.agent, 64),
        agentType: parseAgentType(p.agentType),
        opts: { signal: p.signal, timeoutMs: p.timeoutMs },
      }
      const shareTabs = optBoolean('allowStorageListen', p.allowStorageListen) === true && tabsSupported()
      this.life = 'initializing'
      try {
        if (shareTabs) {
          const key = `${args.companyId}:${args.agentType}:${args.agent}`
          const release = await claimOwnership(key, (rel) => void this.promote(args, key, rel))
          if (!release) {
            await this.joinOwner(args, key)
            this.life = 'online'
            return { status: 'success' as const }
          }
          this.releaseTabs = release
          const res = await this.openSession(args, key)
          this.life = 'online'
          return res
        }
        const res = await this.openSession(args)
        this.life = 'online'
        return res
      } catch (e) {
        this.releaseTabs?.()
        this.releaseTabs = undefined
        if (this.life === 'initializing') this.life = 'new'
        throw e
      }
    })
  }

  private releaseTabs: (() => void) | undefined
  private tabOwner: TabOwner | undefined

  /** This tab owns the session: the command client, the event socket and, with tabs, the channel to the others. */
  private async openSession(args: InitArgs, tabKey?: string): Promise<InitResult> {
    const server = this.serverUrl()
    const fetchImpl = this.options.fetch ?? (globalThis.fetch?.bind(globalThis) as FetchLike | undefined)
    const WS = this.options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketCtor | undefined)
    if (!fetchImpl || !WS)
      throw new SobotError('INVALID_PARAMETER', 'This environment has no fetch or WebSocket; pass them in the agent options.')
    const commands = new CommandClient({
      server,
      fetch: fetchImpl,
      token: args.token,
      timeoutMs: this.options.commandTimeoutMs,
      tokenWaitMs: this.options.tokenWaitMs,
      onTokenInvalid: (err) => this.emitLocal('EventTokenInvalid', { errorCode: err.errorCode, errorMessage: err.errorMessage }),
    })
    let socket: CtiSocket | undefined
    let session: Session | undefined
    try {
      const init = (await commands.send(
        'init',
        { companyId: args.companyId, agent: args.agent, agentType: args.agentType },
        { ...args.opts, park: false },
      )) as unknown as WireInit & {
        agentStateInfo?: AgentStateInfo
        workStatusInfo?: WorkStatusInfo
      }
      commands.sessionId = init.sessionId
      const sock = (socket = new CtiSocket({
        url: `${server.replace(/^http/, 'ws')}${EVENTS_PATH}`,
        WebSocket: WS,
        sessionId: init.sessionId,
        getToken: () => commands.currentToken,
        policy: this.options.reconnectPolicy ?? new DefaultReconnectPolicy(),
        heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
      }))
      session = {
        send: (name, params, opts) => commands.send(name, params, opts),
        rttMs: () => sock.rttMs,
        setToken: (token) => {
          commands.setToken(token)
          sock.retryNow()
        },
        close: (err) => {
          this.stopPhone()
          sock.close()
          commands.dispose(err)
          this.tabOwner?.close()
          this.tabOwner = undefined
          this.releaseTabs?.()
          this.releaseTabs = undefined
        },
        companyId: args.companyId,
        agentType: args.agentType,
        agent: args.agent,
        isSupervisor: init.isSupervisor,
      }
      sock.bus.on('event', (ev) => this.deliver(ev))
      sock.bus.on('tokenInvalid', (err) => {
        if (!commands.waitingForToken) this.emitLocal('EventTokenInvalid', { errorCode: err.errorCode, errorMessage: err.errorMessage })
      })
      const own = session
      sock.bus.on('fatal', ({ reason }) => this.goOffline(own, reason))
      if (init.agentStateInfo) {
        this.snap = applyEvent(INITIAL_SNAPSHOT, {
          messageID: 'EventAgentRegainStatus',
          agentStateInfo: init.agentStateInfo,
          workStatusInfo: init.workStatusInfo,
        } as AnySobotEvent)
      }
      this.snap = { ...this.snap, isSupervisor: init.isSupervisor === true }
      this.session = session
      this.guardUnload()
      await sock.connect()
      if (this.session !== session) throw new SobotError('SESSION_OFFLINE')
      if (tabKey) {
        this.tabOwner = new TabOwner(
          tabKey,
          (): SharedState => ({ snapshot: this.snap, isSupervisor: own.isSupervisor, agentType: own.agentType, companyId: own.companyId }),
          (name, params, timeoutMs) => (name === 'answer' ? this.answerOnPhone() : own.send(name, params, { timeoutMs })),
          (token) => own.setToken(token),
        )
      }
      if (this.snap.agentState !== 0 && this.snap.phoneType === 'webrtc') void this.restorePhone(own)
      return { status: 'success', agentStateInfo: init.agentStateInfo, workStatusInfo: init.workStatusInfo }
    } catch (e) {
      socket?.close()
      commands.dispose(new SobotError('SESSION_OFFLINE'))
      if (session && this.session === session) this.session = undefined
      this.guardUnload()
      throw e
    }
  }

  /** Another tab owns the session: this one drives it over the channel. */
  private async joinOwner(args: InitArgs, key: string): Promise<void> {
    const member = new TabMember(key, (ev) => this.deliver(ev))
    let shared: SharedState
    try {
      shared = await member.join()
    } catch (e) {
      member.close(toSobotError(e))
      throw e
    }
    this.snap = shared.snapshot
    this.session = {
      send: async (name, params, opts) => (await member.send(name, params, opts.timeoutMs)) as SuccessResult,
      rttMs: () => 0,
      setToken: (token) => member.setToken(token),
      close: (err) => member.close(err),
      companyId: shared.companyId,
      agentType: shared.agentType,
      agent: args.agent,
      isSupervisor: shared.isSupervisor,
    }
    this.initArgs = args
    this.isMember = true
    this.guardUnload()
  }

  private initArgs: InitArgs | undefined
  private isMember = false

  /** The owner tab went away and this one got the lock: it opens its own session and carries on. */
  private async promote(args: InitArgs, key: string, release: () => void): Promise<void> {
    if (this.life !== 'online' || !this.session) {
      release()
      return
    }
    this.releaseTabs = release
    this.isMember = false
    const old = this.session
    old.close(new SobotError('SESSION_OFFLINE', 'The owner tab closed; this tab is taking over.'))
    try {
      await this.openSession({ ...(this.initArgs ?? args), opts: {} }, key)
    } catch {
      this.session = old
      this.goOffline(old, 'connectionLost')
    }
  }

  /** Every event from the server (or the owner tab): the snapshot first, then the listeners, then the other tabs. */
  private deliver(ev: AnySobotEvent): void {
    this.snap = applyEvent(this.snap, ev)
    if (ev.messageID === 'EventAgentLogout') this.stopPhone()
    this.guardUnload()
    this.emit(ev)
    this.tabOwner?.broadcast(ev)
    if (ev.messageID === 'EventAgentConnectionChanged' && this.isMember && this.session) {
      // The owner tab was forced offline: so is this one.
      this.goOffline(this.session, (ev as { reason: ConnectionChangedReason }).reason, false)
    }
  }

  /** Replaces the token; commands waiting after EventTokenInvalid are sent, once each, in order. */
  handleRefreshToken(p: string | Params<RefreshTokenParams, Success>): Promise<Success> {
    const cb = typeof p === 'string' ? undefined : p
    return settle(cb, async () => {
      const token = reqString('token', typeof p === 'string' ? p : p.token, 8192)
      const s = this.requireSession()
      if (this.initArgs) this.initArgs.token = token
      s.setToken(token)
      return { status: 'success' as const }
    })
  }

  /** Closes the connections, fails pending commands and removes every listener. Safe to call twice. */
  destroy(): void {
    if (this.life === 'destroyed') return
    const s = this.session
    this.session = undefined
    this.life = 'destroyed'
    s?.close(new SobotError('DESTROYED'))
    this.guardUnload()
    this.stopPhone()
    this.releaseTabs?.()
    this.releaseTabs = undefined
    this.emitter.removeAllListeners()
  }

  // --- login operations ----------------------------------------------------------------------

  login(p: Params<LoginParams, LoginResult>): Promise<LoginResult> {
    return settle(p, async () => {
      const s = this.requireSession()
      const params = {
        agentState: parseLoginAgentState(p.agentState),
        phoneType: parsePhoneType(p.phoneType),
        bindExt: optString('bindExt', p.bindExt, 32),
        bindMobile: optString('bindMobile', p.bindMobile, 32),
        unbindExtOnLogout: optBoolean('unbindExtOnLogout', p.unbindExtOnLogout),
      }
      if (LOGIN_FORBIDDEN_IN.has(this.snap.workStatus)) {
        throw new SobotError('LOGIN_FORBIDDEN', `Login is not allowed while the agent is ${this.snap.workStatus}.`)
      }
      // A web phone that cannot work (no secure context, no microphone) fails the login before it is sent.
      if (params.phoneType === 'webrtc' && !this.isMember)
        await (await this.phoneModule()).preflight(this.options.audioInputDeviceId, this.options.audioConstraints)
      const res = (await s.send('login', params, { signal: p.signal, timeoutMs: p.timeoutMs })) as unknown as LoginResult & {
        phone?: PhoneConfig
      }
      const { phone, ...result } = res
      if (phone && !this.isMember) {
        try {
          await this.startPhone(s, phone)
        } catch (e) {
          await s.send('logout', {}, {}).catch(() => {})
          throw e
        }
      } else if (!phone) this.stopPhone()
      return result
    })
  }

  logout(p: Params<object, Success> = {}): Promise<Success> {
    return this.command<Success>('logout', p, () => {
      this.requireLoggedIn()
      if (!LOGOUT_ALLOWED_IN.has(this.snap.workStatus)) {
        throw new SobotError('LOGOUT_FORBIDDEN', `Logout is not allowed while the agent is ${this.snap.workStatus}.`)
      }
      return {}
    })
  }

  notReady(p: Params<NotReadyParams, Success>): Promise<Success> {
    return this.command<Success>('notReady', p, () => {
      const reasonCode = parseReasonCode(p?.reasonCode)
      this.requireLoggedIn()
      return { reasonCode }
    })
  }

  ready(p: Params<object, Success> = {}): Promise<Success> {
    return this.command<Success>('ready', p, () => {
      this.requireLoggedIn()
      return {}
    })
  }

  /** Hangs up and logs out from any state; for agents whose state went wrong. */
  resetLogout(p: Params<object, Success> = {}): Promise<Success> {
    return this.command<Success>('resetLogout', p, () => ({}))
  }

  // --- queries -------------------------------------------------------------------------------

  queryStates(p: Params<object, StatesResult> = {}): Promise<StatesResult> {
    return this.command<StatesResult>('queryStates', p, () => ({}))
  }

  queryPhoneType(p: Params<object, PhoneTypeResult> = {}): Promise<PhoneTypeResult> {
    return this.command<PhoneTypeResult>('queryPhoneType', p, () => ({}))
  }

  queryUnusedExts(p: Params<UnusedExtsParams, UnusedExtsResult> = {}): Promise<UnusedExtsResult> {
    return this.command<UnusedExtsResult>('queryUnusedExts', p, () => ({
      ext: optString('ext', p.ext, 32) ?? '',
      ...parsePage(p.currPage, p.pageSize),
    }))
  }

  queryAgentJoinedQueues(p: Params<object, JoinedQueuesResult> = {}): Promise<JoinedQueuesResult> {
    return this.command<JoinedQueuesResult>('queryAgentJoinedQueues', p, () => ({}))
  }

  queryAgentLoginInfo(p: Params<object, LoginInfoResult> = {}): Promise<LoginInfoResult> {
    return this.command<LoginInfoResult>('queryAgentLoginInfo', p, () => ({}))
  }

  queryAgentCanJoinedInfo(p: Params<object, CanJoinedInfoResult> = {}): Promise<CanJoinedInfoResult> {
    return this.command<CanJoinedInfoResult>('queryAgentCanJoinedInfo', p, () => ({}))
  }

  // --- supervisor ----------------------------------------------------------------------------

  forceLogout(p: Params<TargetAgentParams, Success>): Promise<Success> {
    return this.supervise('forceLogout', p)
  }

  forceBusy(p: Params<TargetAgentParams, Success>): Promise<Success> {
    return this.supervise('forceBusy', p)
  }

  forceReady(p: Params<TargetAgentParams, Success>): Promise<Success> {
    return this.supervise('forceReady', p)
  }

  private supervise(name: string, p: Params<TargetAgentParams, Success>): Promise<Success> {
    return this.command<Success>(name, p, (s) => {
      const targetAgentID = reqString('targetAgentID', p?.targetAgentID, 64)
      if (!s.isSupervisor) throw new SobotError('PERMISSION_DENIED', `${name} needs a supervisor.`)
      return { targetAgentID, agentType: s.agentType }
    })
  }

  // --- calls ---------------------------------------------------------------------------------

  /** Calls the agent's phone, then the customer, and bridges them. */
  makeCall(p: Params<MakeCallParams, MakeCallResult>): Promise<MakeCallResult> {
    return this.callCommand<MakeCallResult>('makeCall', p, () => {
      const privacyNumber = optString('privacyNumber', p?.privacyNumber, 128)
      const otherDN = parseDialNumber('otherDN', p?.otherDN, true)!
      const ANI = parseDialNumber('ANI', p.ANI, false)
      const outboundPlanCode = optString('outboundPlanCode', p.outboundPlanCode, 64)
      if (ANI && outboundPlanCode) throw new SobotError('INVALID_PARAMETER', 'ANI and outboundPlanCode: give one or the other, not both.')
      return {
        otherDN,
        privacyNumber,
        ANI,
        agentANI: parseDialNumber('agentANI', p.agentANI, false),
        outboundRouteType: optString('outboundRouteType', p.outboundRouteType, 8),
        outboundPlanCode,
        userData: parseUserData(p.userData),
      }
    })
  }

  /** Answers the ringing call on the web phone. (A SIP phone or mobile is answered on the device.) */
  answer(p: Params<object, Success> = {}): Promise<Success> {
    return settle(p, async () => {
      this.requireSession()
      checkCallCommand('answer', this.snap.workStatus)
      return this.answerOnPhone()
    })
  }

  rejectCall(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('rejectCall', p)
  }

  hangup(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('hangup', p)
  }

  /** The customer hears music on hold; the agent hears nothing. */
  holdCall(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('holdCall', p)
  }

  retrieveCall(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('retrieveCall', p)
  }

  /** Nobody hears the agent until unmute. */
  muteCall(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('muteCall', p)
  }

  unmute(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('unmute', p)
  }

  /** Sends up to 24 of 0-9 * # to the far end (RFC 4733). */
  sendDtmf(p: Params<DtmfParams, Success>): Promise<Success> {
    return this.callCommand<Success>('sendDtmf', p, () => ({ dtmfDigits: parseDtmf(p?.dtmfDigits) }))
  }

  /** Blind transfer: the customer goes to the target; this agent's leg ends (after-call work follows). */
  singleTransfer(p: Params<TransferParams, Success>): Promise<Success> {
    return this.callCommand<Success>('singleTransfer', p, (s) => this.target(s, parseTarget(p?.targetType, p?.target, true)))
  }

  /** Holds the customer (music) and calls the target on a second call (callType Consult). */
  initiateConsult(p: Params<ConsultParams, ConsultResult>): Promise<ConsultResult> {
    return this.callCommand<ConsultResult>('initiateConsult', p, (s) => this.target(s, parseTarget(p?.targetType, p?.target, false)))
  }

  /** An agent cannot transfer to or consult itself (by work number or id, or its own extension). */
  private target(s: Session, t: { targetType: string; target: string }): Record<string, unknown> {
    if ((t.targetType === '0' && t.target === s.agent) || (t.targetType === '2' && t.target === this.snap.thisDN))
      throw new SobotError('TARGET_IS_SELF')
    return { ...t, agentType: s.agentType }
  }

  cancelConsult(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('cancelConsult', p)
  }

  retrieveConsult(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('retrieveConsult', p)
  }

  consultTransfer(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('consultTransfer', p)
  }

  consultConference(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('consultConference', p)
  }

  /** Ends the agent legs; the customer hears the satisfaction survey. */
  sendSatisfy(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('sendSatisfy', p)
  }

  delayACW(p: Params<DelayAcwParams, Success>): Promise<Success> {
    return this.callCommand<Success>('delayACW', p, () => ({ delayTime: parseDelayTime(p?.delayTime) }))
  }

  completeACW(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('completeACW', p)
  }

  completeACWToBusy(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand<Success>('completeACWToBusy', p)
  }

  /** Supervisor: listen to an agent's call (ObserveBy / ObserveTo); heard by nobody. */
  observe(p: Params<SuperviseCallParams, Success>): Promise<Success> {
    return this.superviseCall('observe', p)
  }

  /** Supervisor: join the observed call (BargeinBy / BargeinTo). */
  bargeIn(p: Params<SuperviseCallParams, Success>): Promise<Success> {
    return this.superviseCall('bargeIn', p)
  }

  /** Supervisor: take the call over from the agent (InterceptBy / InterceptTo). */
  intercept(p: Params<SuperviseCallParams, Success>): Promise<Success> {
    return this.superviseCall('intercept', p)
  }

  private superviseCall(name: 'observe' | 'bargeIn' | 'intercept', p: Params<SuperviseCallParams, Success>): Promise<Success> {
    return this.callCommand<Success>(name, p, (s) => {
      const targetAgentID = reqString('targetAgentID', p?.targetAgentID, 64)
      if (!s.isSupervisor) throw new SobotError('PERMISSION_DENIED', `${name} needs a supervisor.`)
      if (targetAgentID === s.agent) throw new SobotError('TARGET_IS_SELF')
      return { targetAgentID, agentType: s.agentType }
    })
  }

  // --- assistance and extension queries ------------------------------------------------------

  queryRoutes(p: Params<object, RoutesResult> = {}): Promise<RoutesResult> {
    return this.command<RoutesResult>('queryRoutes', p, () => {
      this.requireLoggedIn()
      return {}
    })
  }

  setRoute(p: Params<SetRouteParams, RoutesResult>): Promise<RoutesResult> {
    return this.command<RoutesResult>('setRoute', p, () => {
      const route = parseRoute(p ?? {})
      this.requireLoggedIn()
      return route
    })
  }

  queryQueues(p: Params<QueuesParams, QueuesResult> = {}): Promise<QueuesResult> {
    return this.command<QueuesResult>('queryQueues', p, () => ({ queue: optString('queue', p.queue, 64) ?? '' }))
  }

  queryAgents(p: Params<AgentsParams, AgentsResult> = {}): Promise<AgentsResult> {
    return this.command<AgentsResult>('queryAgents', p, () => ({
      agentName: optString('agentName', p.agentName, 64) ?? '',
      agentState: parseAgentFilterState(p.agentState),
      queueCode: optString('queueCode', p.queueCode, 64) ?? '',
    }))
  }

  queryCountsInQueue(p: Params<object, CountsInQueueResult> = {}): Promise<CountsInQueueResult> {
    return this.command<CountsInQueueResult>('queryCountsInQueue', p, () => ({}))
  }

  // --- plumbing ------------------------------------------------------------------------------

  /** A call operation: parameters first, then the workStatus rule, then the command. */
  private callCommand<R>(
    name: CallCommand,
    p: (Callbacks<R> & CommandOptions) | undefined,
    prepare?: (s: Session) => Record<string, unknown>,
  ): Promise<R> {
    return this.command<R>(name, p, (s) => {
      const params = prepare ? prepare(s) : {}
      checkCallCommand(name, this.snap.workStatus)
      return params
    })
  }

  /** Answers on the web phone (in the tab that owns the session). */
  private async answerOnPhone(): Promise<Success> {
    if (this.isMember) return (await this.requireSession().send('answer', {}, {})) as unknown as Success
    if (!this.phone)
      throw new SobotError(
        'PHONE_NOT_REGISTERED',
        'answer() answers the web phone; with phoneType sip or pstn, answer on the phone itself.',
      )
    await this.phone.answer()
    return { status: 'success' }
  }

  // --- the web phone ---------------------------------------------------------------------------

  private phone: WebPhoneLike | undefined
  private phoneLoading: Promise<PhoneModule> | undefined

  /** @internal Loads the phone chunk; each entry point says where it lives. */
  protected loadPhone(): Promise<PhoneModule> {
    return Promise.reject(new SobotError('WEBRTC_UNSUPPORTED', 'This build has no web phone.'))
  }

  private phoneModule(): Promise<PhoneModule> {
    this.phoneLoading ??= this.loadPhone().catch((e: unknown) => {
      this.phoneLoading = undefined
      throw e instanceof SobotError ? e : new SobotError('PHONE_FAILED', 'The web phone could not be loaded.', { cause: e })
    })
    return this.phoneLoading
  }

  private async startPhone(s: Session, cfg: PhoneConfig): Promise<void> {
    this.stopPhone()
    const mod = await this.phoneModule()
    const phone = new mod.WebPhone(cfg, {
      wsUrl: `${this.serverUrl().replace(/^http/, 'ws')}${cfg.sipPath}`,
      ringtone: this.options.ringtone,
      inputDeviceId: this.options.audioInputDeviceId,
      audioConstraints: this.options.audioConstraints,
      outputDeviceId: this.options.audioOutputDeviceId,
      onStats: (st) =>
        this.emitLocal('EventJanusLatency', {
          ping: st.ping,
          jitter: st.jitter,
          loss: (st.lossFraction * 100).toFixed(1),
          quality: st.quality,
          ctiPing: s.rttMs(),
        }),
      onUnregistered: (reason) =>
        this.emitLocal('EventError', {
          errorCode: 'PHONE_NOT_REGISTERED',
          errorMessage: `The web phone lost its registration (${reason}).`,
        }),
    })
    this.phone = phone
    try {
      await phone.register()
    } catch (e) {
      if (this.phone === phone) this.stopPhone()
      throw e
    }
  }

  /** A reloaded page (or a tab taking over) of an agent logged in with the web phone registers it again. */
  private async restorePhone(s: Session): Promise<void> {
    try {
      const res = (await s.send('phone', {}, {})) as unknown as { phone?: PhoneConfig }
      if (res.phone && this.session === s) await this.startPhone(s, res.phone)
    } catch (e) {
      const err = toSobotError(e)
      this.emitLocal('EventError', { errorCode: err.errorCode, errorMessage: err.errorMessage })
    }
  }

  private stopPhone(): void {
    this.phone?.close()
    this.phone = undefined
  }

  /** The web phone's state and, during a call, its media statistics; undefined without a web phone. */
  async getPhoneStats(): Promise<PhoneStatus | undefined> {
    return this.phone?.status()
  }

  /** The microphones and speakers the web phone can use (labels need microphone permission). */
  async listAudioDevices(): Promise<AudioDevice[]> {
    return (await this.phoneModule()).listAudioDevices()
  }

  /** Chooses the web phone's microphone (during a call too); undefined for the default. */
  async setAudioInput(deviceId: string | undefined): Promise<void> {
    await this.phone?.setInputDevice(deviceId)
    this.options.audioInputDeviceId = deviceId
  }

  /** Chooses the web phone's speaker; undefined for the default. */
  async setAudioOutput(deviceId: string | undefined): Promise<void> {
    await this.phone?.setOutputDevice(deviceId)
    this.options.audioOutputDeviceId = deviceId
  }

  /**
   * Validates (prepare throws before anything is sent), sends the command, and adapts the result.
   * The server answers with the spec's fields; `status: 'success'` is always there.
   */
  protected command<R>(
    name: string,
    p: (Callbacks<R> & CommandOptions) | undefined,
    prepare: (s: Session) => Record<string, unknown>,
  ): Promise<R> {
    return settle(p, async () => {
      const s = this.requireSession()
      const params = prepare(s)
      const res: SuccessResult = await s.send(name, params, { signal: p?.signal, timeoutMs: p?.timeoutMs })
      return res as unknown as R
    })
  }

  private requireSession(): Session {
    if (this.life === 'destroyed') throw new SobotError('DESTROYED')
    if (this.life === 'offline') throw new SobotError('SESSION_OFFLINE')
    if (this.life !== 'online' || !this.session) throw new SobotError('NOT_INITIALIZED')
    return this.session
  }

  private requireLoggedIn(): void {
    if (this.snap.agentState === 0) throw new SobotError('NOT_LOGGED_IN')
  }

  private goOffline(s: Session, reason: ConnectionChangedReason, announce = true): void {
    if (this.session !== s) return
    this.session = undefined
    if (this.life === 'online') this.life = 'offline'
    // Announced before closing, so that the other tabs hear it over the still-open channel.
    if (announce) this.emitLocal('EventAgentConnectionChanged', { reason })
    s.close(new SobotError('SESSION_OFFLINE'))
    this.guardUnload()
  }

  /** closeProtection's beforeunload listener, kept while a call is active so that it is removed by reference. */
  private unloadGuard: ((e: Event) => string) | undefined

  /**
   * Adds or removes closeProtection's listener to match the call state. A ringing call is not
   * protected (another agent can take it), nor a tab that drives another tab's session (the call is
   * in that tab's web phone), nor a call on a SIP phone or mobile (it outlives the page).
   */
  private guardUnload(): void {
    const win = (globalThis as { window?: Pick<Window, 'addEventListener' | 'removeEventListener'> }).window
    const cp = this.options.closeProtection
    const ws = this.snap.workStatus
    const want = !!cp && !!win && !!this.session && !this.isMember && this.snap.phoneType === 'webrtc' && ws !== 'calling' && isOnCall(ws)
    if (want && !this.unloadGuard) {
      const message = typeof cp === 'string' ? cp : 'A call is in progress. Leaving this page ends it.'
      this.unloadGuard = (e) => {
        e.preventDefault()
        // Older browsers ask only when returnValue is set.
        ;(e as BeforeUnloadEvent).returnValue = message
        return message
      }
      win!.addEventListener('beforeunload', this.unloadGuard)
    } else if (!want && this.unloadGuard) {
      win?.removeEventListener('beforeunload', this.unloadGuard)
      this.unloadGuard = undefined
    }
  }

  /** Events the SDK makes itself (not from the server) get the same envelope. */
  protected emitLocal<K extends SobotEventName>(messageID: K, fields: Record<string, unknown>): void {
    this.deliver({
      messageID,
      creationTime: Date.now(),
      companyId: this.session?.companyId ?? '',
      referenceID: '',
      attachedData: {},
      ...fields,
    } as unknown as AnySobotEvent)
  }

  private serverUrl(): string {
    const url = this.options.server ?? defaultServer ?? (globalThis as { location?: { origin?: string } }).location?.origin
    if (!url || !/^https?:\/\//.test(url)) {
      throw new SobotError(
        'MISSING_PARAMETER',
        'server: pass the contact center URL, e.g. new agent({ server: "https://cc.example.com" }).',
      )
    }
    return url.replace(/\/+$/, '')
  }
}
