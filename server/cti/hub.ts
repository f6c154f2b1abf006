import { randomUUID } from 'node:crypto'
import type { AnySobotEvent, ByeReason, ServerFrame } from 'sobot-call-sdk/protocol'

/** Events kept per session for replay after a reconnect, by default. */
export const REPLAY_BUFFER_EVENTS = 2000
/** A session with no socket for this long is dropped (its agent stays as it was). */
export const SESSION_IDLE_TTL_MS = 10 * 60_000
/** An ended session's id is remembered this long, so that its tab cannot come back to life. */
export const TOMBSTONE_TTL_MS = 60 * 60_000
export const SWEEP_INTERVAL_MS = 30_000

/** Why a session ended: what its bye frame says. */
export type EndReason = ByeReason

/** The part of a websocket the hub uses. */
export interface FrameSink {
  send(data: string): void
  close(code?: number, reason?: string): void
}

export interface Session {
  readonly id: string
  readonly companyId: string
  readonly agentUUID: string
  /** The last sequence number given to an event of this session. */
  seq: number
  buffer: { seq: number; ev: AnySobotEvent }[]
  socket: FrameSink | undefined
  /** ms; when the socket went away (0 while connected). */
  detachedAt: number
}

/**
 * Sessions and their event streams. Each event published to an agent gets the next sequence number
 * of each of the agent's sessions, is kept for replay and sent if the session's socket is open.
 */
export class SessionHub {
  private readonly sessions = new Map<string, Session>()
  private readonly tombstones = new Map<string, { reason: EndReason; at: number }>()
  private readonly sweeper: ReturnType<typeof setInterval>

  constructor(
    private readonly bufferSize: number = REPLAY_BUFFER_EVENTS,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS)
    this.sweeper.unref?.()
  }

  create(companyId: string, agentUUID: string, id: string = randomUUID()): Session {
    const s: Session = { id, companyId, agentUUID, seq: 0, buffer: [], socket: undefined, detachedAt: this.now() }
    this.sessions.set(id, s)
    return s
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id)
  }

  endedReason(id: string): EndReason | undefined {
    return this.tombstones.get(id)?.reason
  }

  sessionsOf(agentUUID: string): Session[] {
    return [...this.sessions.values()].filter((s) => s.agentUUID === agentUUID)
  }

  /** Sends an event to every session of the agent. */
  publish(agentUUID: string, ev: AnySobotEvent): void {
    for (const s of this.sessions.values()) if (s.agentUUID === agentUUID) this.publishTo(s, ev)
  }

  publishTo(s: Session, ev: AnySobotEvent): void {
    const seq = ++s.seq
    s.buffer.push({ seq, ev })
    if (s.buffer.length > this.bufferSize) s.buffer.splice(0, s.buffer.length - this.bufferSize)
    this.sendFrame(s, { t: 'ev', seq, ev })
  }

  /**
   * A socket presents lastSeq. Returns true and replays when everything after it is still buffered;
   * false when the client must regain state instead (the welcome then resets its sequence).
   */
  attach(s: Session, socket: FrameSink, lastSeq: number): boolean {
    if (s.socket && s.socket !== socket) s.socket.close(1000, 'superseded')
    s.socket = socket
    s.detachedAt = 0
    const oldest = s.buffer.length ? s.buffer[0]!.seq : s.seq + 1
    const resumable = lastSeq <= s.seq && lastSeq >= oldest - 1
    this.sendFrame(s, { t: 'welcome', sessionId: s.id, resumed: resumable, seq: s.seq })
    if (resumable) for (const b of s.buffer) if (b.seq > lastSeq) this.sendFrame(s, { t: 'ev', seq: b.seq, ev: b.ev })
    return resumable
  }

  detach(s: Session, socket: FrameSink): void {
    if (s.socket !== socket) return
    s.socket = undefined
    s.detachedAt = this.now()
  }

  /** Ends a session for good: its socket is told why and closed; it cannot be resumed. */
  end(s: Session, reason: EndReason): void {
    this.sendFrame(s, { t: 'bye', reason })
    s.socket?.close(4000, reason)
    s.socket = undefined
    this.sessions.delete(s.id)
    this.tombstones.set(s.id, { reason, at: this.now() })
  }

  /** Ends every session of the agent but one (a login elsewhere replaces them). */
  endOthers(agentUUID: string, keepId: string | undefined, reason: EndReason): void {
    for (const s of this.sessionsOf(agentUUID)) if (s.id !== keepId) this.end(s, reason)
  }

  /** @internal For tests: every event the server gave this session, with its sequence number. */
  buffered(id: string): { seq: number; ev: AnySobotEvent }[] {
    return [...(this.sessions.get(id)?.buffer ?? [])]
  }

  get size(): number {
    return this.sessions.size
  }

  close(): void {
    clearInterval(this.sweeper)
    for (const s of this.sessions.values()) s.socket?.close(1001, 'server shutting down')
    this.sessions.clear()
  }

  private sendFrame(s: Session, f: ServerFrame): void {
    try {
      s.socket?.send(JSON.stringify(f))
    } catch {
      /* the socket's close handler detaches it; the event stays buffered for replay */
    }
  }

  private sweep(): void {
    const now = this.now()
    for (const s of this.sessions.values()) {
      if (!s.socket && s.detachedAt && now - s.detachedAt > SESSION_IDLE_TTL_MS) this.sessions.delete(s.id)
    }
    for (const [id, t] of this.tombstones) if (now - t.at > TOMBSTONE_TTL_MS) this.tombstones.delete(id)
  }
}
