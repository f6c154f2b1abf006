import EventEmitter from 'eventemitter3'
import { CommandClient, type CommandOptions, type FetchLike } from '../cti/CommandClient'
import { CtiSocket, type WebSocketCtor } from '../cti/CtiSocket'
import { DefaultReconnectPolicy, type ReconnectPolicy } from '../cti/ReconnectPolicy'
import { SobotError, toSobotError } from '../errors'
import type { AnySobotEvent, ConnectionChangedReason, EventEnvelope, ListenerMap, SobotEventMap } from '../events'
import { applyEvent, INITIAL_SNAPSHOT, type AgentSnapshot } from '../model/agentModel'
import { checkCallCommand, type CallCommand } from '../model/callRules'
import { optBoolean, reqString, type AgentType } from '../model/validate'
import { isOnCall, LOGIN_FORBIDDEN_IN, LOGOUT_ALLOWED_IN } from '../model/workStatus'
import {
  noParams,
  parseAgents,
  parseConsult,
  parseDelayAcw,
  parseInit,
  parseLogin,
  parseMakeCall,
  parseNotReady,
  parseQueues,
  parseSendDtmf,
  parseSetRoute,
  parseSuperviseCall,
  parseTargetAgent,
  parseTransfer,
  parseUnusedExts,
  type CommandName,
  type CommandParams,
  type CommandSuccess,
  type ConsultBody,
  type TransferBody,
} from '../protocol/commands'
import { EVENTS_PATH, type PhoneConfig } from '../protocol/wire'
import { claimOwnership, TabMember, TabOwner, tabsSupported, type SharedState } from '../tabs/TabBridge'
import type { AudioDevice, PhoneModule, PhoneStatus, WebPhoneLike } from '../phone/types'
import { reportListenerError, settle, type Callbacks } from './adapter'
import type {
  AgentsParams,
  AgentsResult,
  ConsultParams,
  ConsultResult,
  CountsInQueueResult,
  DelayAcwParams,
  DelayAcwResult,
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

/** The events the SDK makes itself. */
type LocalEventName = 'EventTokenInvalid' | 'EventJanusLatency' | 'EventError' | 'EventAgentConnectionChanged'

type Lifecycle = 'new' | 'initializing' | 'online' | 'offline' | 'destroyed'

/** Where commands go: the wire (the tab that owns the session) or the owning tab (allowStorageListen). */
interface Session {
  send<K extends CommandName>(name: K, params: CommandParams<K>, opts: CommandOptions): Promise<CommandSuccess<K>>
  /** Answers the ringing call on the web phone: this tab's, or the owner tab's. */
  answer(): Promise<Success>
  /** Round trip of the event socket's heartbeat, ms (0 where unknown). */
  rttMs(): number
  setToken(token: string): void
  close(err: SobotError): void
  companyId: string
  agentType: AgentType
  /** The agent this session is for, as initAgent named it (work number or id by agentType). */
  agent: string
  isSupervisor: boolean
}

interface InitArgs {
  token: string
  companyId: string
  agent: string
  agentType: AgentType
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
      const token = reqString('token', p.token, 8192)
      const args: InitArgs = { token, ...parseInit(p), opts: { signal: p.signal, timeoutMs: p.timeoutMs } }
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
      const init = await commands.send(
        'init',
        { companyId: args.companyId, agent: args.agent, agentType: args.agentType },
        { ...args.opts, park: false },
      )
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
        answer: () => this.answerHere(),
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
          (req, timeoutMs) => (req.name === 'answer' ? own.answer() : own.send(req.name, req.params, { timeoutMs })),
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
      send: (name, params, opts) => member.send(name, params, opts.timeoutMs),
      answer: async () => {
        await member.answer()
        return { status: 'success' }
      },
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
      this.goOffline(this.session, ev.reason, false)
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
      const params = parseLogin(p)
      if (LOGIN_FORBIDDEN_IN.has(this.snap.workStatus)) {
        throw new SobotError('LOGIN_FORBIDDEN', `Login is not allowed while the agent is ${this.snap.workStatus}.`)
      }
      // A web phone that cannot work (no secure context, no microphone) fails the login before it is sent.
      if (params.phoneType === 'webrtc' && !this.isMember)
        await (await this.phoneModule()).preflight(this.options.audioInputDeviceId, this.options.audioConstraints)
      const { phone, ...result } = await s.send('login', params, { signal: p.signal, timeoutMs: p.timeoutMs })
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
    return this.command('logout', p, () => {
      this.requireLoggedIn()
      if (!LOGOUT_ALLOWED_IN.has(this.snap.workStatus)) {
        throw new SobotError('LOGOUT_FORBIDDEN', `Logout is not allowed while the agent is ${this.snap.workStatus}.`)
      }
      return noParams()
    })
  }

  notReady(p: Params<NotReadyParams, Success>): Promise<Success> {
    return this.command('notReady', p, () => {
      const params = parseNotReady(p)
      this.requireLoggedIn()
      return params
    })
  }

  ready(p: Params<object, Success> = {}): Promise<Success> {
    return this.command('ready', p, () => {
      this.requireLoggedIn()
      return noParams()
    })
  }

  /** Hangs up and logs out from any state; for agents whose state went wrong. */
  resetLogout(p: Params<object, Success> = {}): Promise<Success> {
    return this.command('resetLogout', p, noParams)
  }

  // --- queries -------------------------------------------------------------------------------

  queryStates(p: Params<object, StatesResult> = {}): Promise<StatesResult> {
    return this.command('queryStates', p, noParams)
  }

  queryPhoneType(p: Params<object, PhoneTypeResult> = {}): Promise<PhoneTypeResult> {
    return this.command('queryPhoneType', p, noParams)
  }

  queryUnusedExts(p: Params<UnusedExtsParams, UnusedExtsResult> = {}): Promise<UnusedExtsResult> {
    return this.command('queryUnusedExts', p, () => parseUnusedExts(p))
  }

  queryAgentJoinedQueues(p: Params<object, JoinedQueuesResult> = {}): Promise<JoinedQueuesResult> {
    return this.command('queryAgentJoinedQueues', p, noParams)
  }

  queryAgentLoginInfo(p: Params<object, LoginInfoResult> = {}): Promise<LoginInfoResult> {
    return this.command('queryAgentLoginInfo', p, noParams)
  }

  queryAgentCanJoinedInfo(p: Params<object, CanJoinedInfoResult> = {}): Promise<CanJoinedInfoResult> {
    return this.command('queryAgentCanJoinedInfo', p, noParams)
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

  private supervise(name: 'forceLogout' | 'forceBusy' | 'forceReady', p: Params<TargetAgentParams, Success>): Promise<Success> {
    return this.command(name, p, (s) => {
      const params = parseTargetAgent({ targetAgentID: p?.targetAgentID, agentType: s.agentType })
      if (!s.isSupervisor) throw new SobotError('PERMISSION_DENIED', `${name} needs a supervisor.`)
      return params
    })
  }

  // --- calls ---------------------------------------------------------------------------------

  /** Calls the agent's phone, then the customer, and bridges them. */
  makeCall(p: Params<MakeCallParams, MakeCallResult>): Promise<MakeCallResult> {
    return this.callCommand('makeCall', p, () => parseMakeCall(p))
  }

  /** Answers the ringing call on the web phone. (A SIP phone or mobile is answered on the device.) */
  answer(p: Params<object, Success> = {}): Promise<Success> {
    return settle(p, async () => {
      this.requireSession()
      checkCallCommand('answer', this.snap.workStatus)
      return this.requireSession().answer()
    })
  }

  rejectCall(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('rejectCall', p, noParams)
  }

  hangup(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('hangup', p, noParams)
  }

  /** The customer hears music on hold; the agent hears nothing. */
  holdCall(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('holdCall', p, noParams)
  }

  retrieveCall(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('retrieveCall', p, noParams)
  }

  /** Nobody hears the agent until unmute. */
  muteCall(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('muteCall', p, noParams)
  }

  unmute(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('unmute', p, noParams)
  }

  /** Sends up to 24 of 0-9 * # to the far end (RFC 4733). */
  sendDtmf(p: Params<DtmfParams, Success>): Promise<Success> {
    return this.callCommand('sendDtmf', p, () => parseSendDtmf(p))
  }

  /** Blind transfer: the customer goes to the target; this agent's leg ends (after-call work follows). */
  singleTransfer(p: Params<TransferParams, Success>): Promise<Success> {
    return this.callCommand('singleTransfer', p, (s) =>
      this.target(s, parseTransfer({ targetType: p?.targetType, target: p?.target, agentType: s.agentType })),
    )
  }

  /** Holds the customer (music) and calls the target on a second call (callType Consult). */
  initiateConsult(p: Params<ConsultParams, ConsultResult>): Promise<ConsultResult> {
    return this.callCommand('initiateConsult', p, (s) =>
      this.target(s, parseConsult({ targetType: p?.targetType, target: p?.target, agentType: s.agentType })),
    )
  }

  /** An agent cannot transfer to or consult itself (by work number or id, or its own extension). */
  private target<T extends TransferBody | ConsultBody>(s: Session, t: T): T {
    if ((t.targetType === '0' && t.target === s.agent) || (t.targetType === '2' && t.target === this.snap.thisDN))
      throw new SobotError('TARGET_IS_SELF')
    return t
  }

  cancelConsult(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('cancelConsult', p, noParams)
  }

  retrieveConsult(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('retrieveConsult', p, noParams)
  }

  consultTransfer(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('consultTransfer', p, noParams)
  }

  consultConference(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('consultConference', p, noParams)
  }

  /** Ends the agent legs; the customer hears the satisfaction survey. */
  sendSatisfy(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('sendSatisfy', p, noParams)
  }

  /** Extends after-call work by delayTime seconds; resolves with its new end. */
  delayACW(p: Params<DelayAcwParams, DelayAcwResult>): Promise<DelayAcwResult> {
    return this.callCommand('delayACW', p, () => parseDelayAcw(p))
  }

  completeACW(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('completeACW', p, noParams)
  }

  completeACWToBusy(p: Params<object, Success> = {}): Promise<Success> {
    return this.callCommand('completeACWToBusy', p, noParams)
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
    return this.callCommand(name, p, (s) => {
      const params = parseSuperviseCall({ targetAgentID: p?.targetAgentID, agentType: s.agentType })
      if (!s.isSupervisor) throw new SobotError('PERMISSION_DENIED', `${name} needs a supervisor.`)
      if (params.targetAgentID === s.agent) throw new SobotError('TARGET_IS_SELF')
      return params
    })
  }

  // --- assistance and extension queries ------------------------------------------------------

  queryRoutes(p: Params<object, RoutesResult> = {}): Promise<RoutesResult> {
    return this.command('queryRoutes', p, () => {
      this.requireLoggedIn()
      return noParams()
    })
  }

  setRoute(p: Params<SetRouteParams, RoutesResult>): Promise<RoutesResult> {
    return this.command('setRoute', p, () => {
      const route = parseSetRoute(p)
      this.requireLoggedIn()
      return route
    })
  }

  queryQueues(p: Params<QueuesParams, QueuesResult> = {}): Promise<QueuesResult> {
    return this.command('queryQueues', p, () => parseQueues(p))
  }

  queryAgents(p: Params<AgentsParams, AgentsResult> = {}): Promise<AgentsResult> {
    return this.command('queryAgents', p, () => parseAgents(p))
  }

  queryCountsInQueue(p: Params<object, CountsInQueueResult> = {}): Promise<CountsInQueueResult> {
    return this.command('queryCountsInQueue', p, noParams)
  }

  // --- plumbing ------------------------------------------------------------------------------

  /** A call operation: parameters first, then the workStatus rule, then the command. */
  private callCommand<K extends CommandName & CallCommand>(
    name: K,
    p: (Callbacks<CommandSuccess<K>> & CommandOptions) | undefined,
    prepare: (s: Session) => CommandParams<K>,
  ): Promise<CommandSuccess<K>> {
    return this.command(name, p, (s) => {
      const params = prepare(s)
      checkCallCommand(name, this.snap.workStatus)
      return params
    })
  }

  /** Answers on this tab's web phone (the tab that owns the session). */
  private async answerHere(): Promise<Success> {
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
      const { phone } = await s.send('phone', {}, {})
      if (phone && this.session === s) await this.startPhone(s, phone)
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
   * Validates (prepare runs the command's parser and the state checks, and throws before anything is
   * sent), sends the command, and resolves with its result as the contract types it.
   */
  private command<K extends CommandName>(
    name: K,
    p: (Callbacks<CommandSuccess<K>> & CommandOptions) | undefined,
    prepare: (s: Session) => CommandParams<K>,
  ): Promise<CommandSuccess<K>> {
    return settle(p, () => {
      const s = this.requireSession()
      return s.send(name, prepare(s), { signal: p?.signal, timeoutMs: p?.timeoutMs })
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
  private emitLocal<K extends LocalEventName>(messageID: K, fields: Omit<SobotEventMap[K], keyof EventEnvelope>): void {
    const envelope: EventEnvelope = {
      messageID,
      creationTime: Date.now(),
      companyId: this.session?.companyId ?? '',
      referenceID: '',
      attachedData: {},
    }
    this.deliver({ ...envelope, ...fields } as SobotEventMap[K])
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
