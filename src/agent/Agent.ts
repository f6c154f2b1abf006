import EventEmitter from 'eventemitter3'
import { CommandClient, type CommandOptions, type FetchLike } from '../cti/CommandClient'
import { CtiSocket, type WebSocketCtor } from '../cti/CtiSocket'
import { EVENTS_PATH, type InitResult as WireInit, type SuccessResult } from '../cti/protocol'
import { DefaultReconnectPolicy, type ReconnectPolicy } from '../cti/ReconnectPolicy'
import { SobotError } from '../errors'
import type { AgentStateInfo, AnySobotEvent, ConnectionChangedReason, ListenerMap, SobotEventName, WorkStatusInfo } from '../events'
import { applyEvent, INITIAL_SNAPSHOT, type AgentSnapshot } from '../model/agentModel'
import {
  optBoolean,
  optString,
  parseAgentType,
  parseLoginAgentState,
  parsePage,
  parsePhoneType,
  parseReasonCode,
  reqString,
} from '../model/validate'
import { LOGIN_FORBIDDEN_IN, LOGOUT_ALLOWED_IN } from '../model/workStatus'
import { reportListenerError, settle, type Callbacks } from './adapter'
import type {
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
}

type Lifecycle = 'new' | 'initializing' | 'online' | 'offline' | 'destroyed'

interface Session {
  commands: CommandClient
  socket: CtiSocket
  companyId: string
  agentType: '0' | '1'
  isSupervisor: boolean
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

  constructor(private readonly options: AgentOptions = {}) {}

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
      const companyId = reqString('companyId', p.companyId, 64)
      const agent = reqString('agent', p.agent, 64)
      const agentType = parseAgentType(p.agentType)
      optBoolean('allowStorageListen', p.allowStorageListen)
      const server = this.serverUrl()
      const fetchImpl = this.options.fetch ?? (globalThis.fetch?.bind(globalThis) as FetchLike | undefined)
      const WS = this.options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketCtor | undefined)
      if (!fetchImpl || !WS) throw new SobotError('INVALID_PARAMETER', 'This environment has no fetch or WebSocket; pass them in the agent options.')

      this.life = 'initializing'
      const commands = new CommandClient({
        server,
        fetch: fetchImpl,
        token,
        timeoutMs: this.options.commandTimeoutMs,
        tokenWaitMs: this.options.tokenWaitMs,
        onTokenInvalid: (err) => this.emitLocal('EventTokenInvalid', { errorCode: err.errorCode, errorMessage: err.errorMessage }),
      })
      let socket: CtiSocket | undefined
      try {
        const init = (await commands.send('init', { companyId, agent, agentType }, { signal: p.signal, timeoutMs: p.timeoutMs, park: false })) as unknown as WireInit & {
          agentStateInfo?: AgentStateInfo
          workStatusInfo?: WorkStatusInfo
        }
        commands.sessionId = init.sessionId
        socket = new CtiSocket({
          url: `${server.replace(/^http/, 'ws')}${EVENTS_PATH}`,
          WebSocket: WS,
          sessionId: init.sessionId,
          getToken: () => commands.currentToken,
          policy: this.options.reconnectPolicy ?? new DefaultReconnectPolicy(),
          heartbeatIntervalMs: this.options.heartbeatIntervalMs,
          heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
        })
        const session: Session = { commands, socket, companyId, agentType, isSupervisor: init.isSupervisor }
        socket.bus.on('event', (ev) => {
          this.snap = applyEvent(this.snap, ev)
          this.emit(ev)
        })
        socket.bus.on('tokenInvalid', (err) => {
          if (!commands.waitingForToken) this.emitLocal('EventTokenInvalid', { errorCode: err.errorCode, errorMessage: err.errorMessage })
        })
        socket.bus.on('fatal', ({ reason }) => this.goOffline(session, reason))
        if (init.agentStateInfo) this.snap = applyEvent(INITIAL_SNAPSHOT, { messageID: 'EventAgentRegainStatus', agentStateInfo: init.agentStateInfo } as AnySobotEvent)
        this.session = session
        await socket.connect()
        if (this.session !== session) throw new SobotError('SESSION_OFFLINE')
        this.life = 'online'
        return { status: 'success', agentStateInfo: init.agentStateInfo, workStatusInfo: init.workStatusInfo }
      } catch (e) {
        socket?.close()
        commands.dispose(new SobotError('SESSION_OFFLINE'))
        this.session = undefined
        if (this.life === 'initializing') this.life = 'new'
        throw e
      }
    })
  }

  /** Replaces the token; commands waiting after EventTokenInvalid are sent, once each, in order. */
  handleRefreshToken(p: string | Params<RefreshTokenParams, Success>): Promise<Success> {
    const cb = typeof p === 'string' ? undefined : p
    return settle(cb, async () => {
      const token = reqString('token', typeof p === 'string' ? p : p.token, 8192)
      const s = this.requireSession()
      s.commands.setToken(token)
      s.socket.retryNow()
      return { status: 'success' as const }
    })
  }

  /** Closes the connections, fails pending commands and removes every listener. Safe to call twice. */
  destroy(): void {
    if (this.life === 'destroyed') return
    const s = this.session
    this.session = undefined
    this.life = 'destroyed'
    s?.socket.close()
    s?.commands.dispose(new SobotError('DESTROYED'))
    this.emitter.removeAllListeners()
  }

  // --- login operations ----------------------------------------------------------------------

  login(p: Params<LoginParams, LoginResult>): Promise<LoginResult> {
    return this.command<LoginResult>('login', p, () => {
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
      return params
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
    return this.command<UnusedExtsResult>('queryUnusedExts', p, () => ({ ext: optString('ext', p.ext, 32) ?? '', ...parsePage(p.currPage, p.pageSize) }))
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

  // --- plumbing ------------------------------------------------------------------------------

  /**
   * Validates (prepare throws before anything is sent), sends the command, and adapts the result.
   * The server answers with the spec's fields; `status: 'success'` is always there.
   */
  protected command<R>(name: string, p: (Callbacks<R> & CommandOptions) | undefined, prepare: (s: Session) => Record<string, unknown>): Promise<R> {
    return settle(p, async () => {
      const s = this.requireSession()
      const params = prepare(s)
      const res: SuccessResult = await s.commands.send(name, params, { signal: p?.signal, timeoutMs: p?.timeoutMs })
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

  private goOffline(s: Session, reason: ConnectionChangedReason): void {
    if (this.session !== s) return
    this.session = undefined
    if (this.life === 'online') this.life = 'offline'
    s.commands.dispose(new SobotError('SESSION_OFFLINE'))
    this.emitLocal('EventAgentConnectionChanged', { reason })
  }

  /** Events the SDK makes itself (not from the server) get the same envelope. */
  protected emitLocal<K extends SobotEventName>(messageID: K, fields: Record<string, unknown>): void {
    this.emit({
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
      throw new SobotError('MISSING_PARAMETER', 'server: pass the contact center URL, e.g. new agent({ server: "https://cc.example.com" }).')
    }
    return url.replace(/\/+$/, '')
  }
}
