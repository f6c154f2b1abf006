import mitt from 'mitt'
import { SobotError } from '../errors'
import type { AnySobotEvent } from '../events'
import { PROTOCOL_VERSION, type ClientFrame, type ServerFrame } from '../protocol/wire'
import type { ReconnectPolicy } from './ReconnectPolicy'

/** A ping every 10 s; no pong within 5 s means the connection is dead even if TCP has not noticed. */
export const HEARTBEAT_INTERVAL_MS = 10_000
export const HEARTBEAT_TIMEOUT_MS = 5_000
/** A connection attempt that has not been welcomed by then is abandoned and retried. */
export const CONNECT_TIMEOUT_MS = 10_000

export type SocketState = 'connecting' | 'connected' | 'reconnecting' | 'closed'

/** The minimal WebSocket we need: the browser's, or the `ws` package's in Node. */
export interface WebSocketLike {
  readyState: number
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}
export type WebSocketCtor = new (url: string) => WebSocketLike

type SocketEvents = {
  event: AnySobotEvent
  state: SocketState
  /** The hello was refused for its token: the owner should emit EventTokenInvalid. */
  tokenInvalid: SobotError
  /** The session is over for good (bye from the server, or the reconnect policy gave up). */
  fatal: { reason: 'replaced' | 'forceLogout' | 'sessionClosed' | 'connectionLost'; error?: SobotError }
}

export interface CtiSocketOptions {
  url: string
  WebSocket: WebSocketCtor
  sessionId: string
  getToken: () => string
  policy: ReconnectPolicy
  heartbeatIntervalMs?: number
  heartbeatTimeoutMs?: number
  connectTimeoutMs?: number
}

/**
 * The event channel: one websocket per agent session. Delivers each event exactly once and in order:
 * after a reconnect it presents the last sequence number it saw, the server replays what was missed,
 * and anything at or below that number is dropped.
 */
export class CtiSocket {
  readonly bus = mitt<SocketEvents>()
  private ws: WebSocketLike | null = null
  private state: SocketState = 'closed'
  private seq = 0
  private retryCount = 0
  private lostAt = 0
  private closedByUser = false
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined
  private pongTimer: ReturnType<typeof setTimeout> | undefined
  private connectTimer: ReturnType<typeof setTimeout> | undefined
  private pingId = 0
  private pingSentAt = 0
  private firstConnect?: { resolve: () => void; reject: (e: SobotError) => void }
  private readonly onOnline = (): void => this.retryNow()
  /** Round trip of the last heartbeat, ms. */
  rttMs = 0

  constructor(private readonly opts: CtiSocketOptions) {}

  get lastSeq(): number {
    return this.seq
  }

  get connectionState(): SocketState {
    return this.state
  }

  /** Resolves when the server first welcomes the session. */
  connect(): Promise<void> {
    this.closedByUser = false
    globalThis.addEventListener?.('online', this.onOnline)
    return new Promise((resolve, reject) => {
      this.firstConnect = { resolve, reject }
      this.open('connecting')
    })
  }

  /** Reconnects at once if the socket is waiting to retry (a new token arrived, the network came back). */
  retryNow(): void {
    if (this.state !== 'reconnecting' || this.ws) return
    clearTimeout(this.retryTimer)
    this.open('reconnecting')
  }

  /** Stops for good; safe to call twice. */
  close(): void {
    this.closedByUser = true
    globalThis.removeEventListener?.('online', this.onOnline)
    clearTimeout(this.retryTimer)
    this.stopTimers()
    const ws = this.ws
    this.ws = null
    if (ws) this.detach(ws)
    this.setState('closed')
    this.firstConnect?.reject(new SobotError('SESSION_OFFLINE', 'The connection was closed before it was established.'))
    this.firstConnect = undefined
  }

  private open(state: SocketState): void {
    this.setState(state)
    let ws: WebSocketLike
    try {
      ws = new this.opts.WebSocket(this.opts.url)
    } catch (err) {
      this.failFirst(new SobotError('NETWORK_ERROR', `Cannot open ${this.opts.url}.`, { cause: err }))
      return
    }
    this.ws = ws
    this.connectTimer = setTimeout(() => ws.close(), this.opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS)
    ws.onopen = () => {
      this.sendFrame({ t: 'hello', v: PROTOCOL_VERSION, token: this.opts.getToken(), sessionId: this.opts.sessionId, lastSeq: this.seq })
    }
    ws.onmessage = (msg) => {
      let frame: ServerFrame
      try {
        frame = JSON.parse(String(msg.data)) as ServerFrame
      } catch {
        return
      }
      this.onFrame(frame)
    }
    ws.onerror = () => {}
    ws.onclose = () => {
      if (this.ws !== ws) return
      this.ws = null
      this.stopTimers()
      this.scheduleReconnect()
    }
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.t) {
      case 'welcome':
        clearTimeout(this.connectTimer)
        if (!frame.resumed) this.seq = frame.seq
        this.retryCount = 0
        this.lostAt = 0
        this.startHeartbeat()
        this.setState('connected')
        this.firstConnect?.resolve()
        this.firstConnect = undefined
        return
      case 'ev':
        if (frame.seq <= this.seq) return // already delivered before the reconnect
        this.seq = frame.seq
        this.bus.emit('event', frame.ev)
        return
      case 'pong':
        if (frame.id === this.pingId) {
          this.rttMs = Date.now() - this.pingSentAt
          clearTimeout(this.pongTimer)
        }
        return
      case 'error': {
        const err = new SobotError(frame.errorCode, frame.errorMessage)
        if (frame.errorCode === 'TOKEN_INVALID') this.bus.emit('tokenInvalid', err)
        if (frame.fatal) this.finish('sessionClosed', err)
        return
      }
      case 'bye':
        this.finish(frame.reason)
        return
    }
  }

  private finish(reason: SocketEvents['fatal']['reason'], error?: SobotError): void {
    const wasFirst = this.firstConnect
    this.firstConnect = undefined
    this.close()
    if (wasFirst) wasFirst.reject(error ?? new SobotError('SESSION_OFFLINE'))
    else this.bus.emit('fatal', { reason, error })
  }

  private failFirst(err: SobotError): void {
    if (this.firstConnect) {
      const f = this.firstConnect
      this.firstConnect = undefined
      this.close()
      f.reject(err)
    } else {
      this.scheduleReconnect()
    }
  }

  private scheduleReconnect(): void {
    if (this.closedByUser) return
    if (this.firstConnect && this.retryCount >= 2) {
      // initAgent should fail fast when the server cannot be reached at all.
      this.failFirst(new SobotError('NETWORK_ERROR', `Cannot connect to ${this.opts.url}.`))
      return
    }
    if (!this.lostAt) this.lostAt = Date.now()
    const delay = this.opts.policy.nextRetryDelayMs({ retryCount: this.retryCount, elapsedMs: Date.now() - this.lostAt })
    if (delay === null) {
      this.finish('connectionLost', new SobotError('NETWORK_ERROR', 'The connection to the contact center was lost.'))
      return
    }
    this.retryCount++
    this.setState(this.firstConnect ? 'connecting' : 'reconnecting')
    this.retryTimer = setTimeout(() => this.open(this.state), delay)
  }

  /** A ping at once (the round trip is known from the start), then every interval. */
  private startHeartbeat(): void {
    const ping = (): void => {
      this.pingId++
      this.pingSentAt = Date.now()
      this.sendFrame({ t: 'ping', id: this.pingId })
      clearTimeout(this.pongTimer)
      this.pongTimer = setTimeout(() => this.ws?.close(), this.opts.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS)
    }
    ping()
    this.heartbeatTimer = setInterval(ping, this.opts.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS)
  }

  private stopTimers(): void {
    clearInterval(this.heartbeatTimer)
    clearTimeout(this.pongTimer)
    clearTimeout(this.connectTimer)
  }

  private detach(ws: WebSocketLike): void {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null
    try {
      ws.close(1000)
    } catch {
      /* already closed */
    }
  }

  private sendFrame(f: ClientFrame): void {
    if (this.ws?.readyState === 1) this.ws.send(JSON.stringify(f))
  }

  private setState(s: SocketState): void {
    if (s === this.state) return
    this.state = s
    this.bus.emit('state', s)
  }
}
