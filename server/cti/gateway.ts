import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import {
  CLOSE_AUTH,
  CLOSE_HEARTBEAT,
  CLOSE_PROTOCOL,
  PROTOCOL_VERSION,
  SobotError,
  type ClientFrame,
  type ServerFrame,
} from 'sobot-call-sdk/protocol'
import type { AgentCore } from '../acd/agents'
import type { Directory } from '../acd/directory'
import type { TokenService } from '../auth/tokens'
import type { Session, SessionHub } from './hub'

/** The hello must arrive this soon after the socket opens. */
export const HELLO_TIMEOUT_MS = 5_000
/** A socket silent this long (three missed heartbeats) is closed. */
export const SOCKET_IDLE_MS = 30_000

/**
 * The event socket: authenticates the hello (token, protocol version, session), resumes or regains
 * the session's stream, answers heartbeats, and closes silent sockets.
 */
export class EventGateway {
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  private readonly idleTimer: ReturnType<typeof setInterval>
  private readonly lastSeen = new WeakMap<WebSocket, number>()

  constructor(
    private readonly tokens: TokenService,
    private readonly dir: Directory,
    private readonly hub: SessionHub,
    private readonly core: AgentCore,
  ) {
    this.wss.on('connection', (ws) => this.onConnection(ws))
    this.idleTimer = setInterval(() => {
      const now = Date.now()
      for (const ws of this.wss.clients) if (now - (this.lastSeen.get(ws) ?? now) > SOCKET_IDLE_MS) ws.close(CLOSE_HEARTBEAT, 'idle')
    }, SOCKET_IDLE_MS / 3)
    this.idleTimer.unref?.()
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req))
  }

  close(): void {
    clearInterval(this.idleTimer)
    for (const ws of this.wss.clients) ws.terminate()
    this.wss.close()
  }

  private onConnection(ws: WebSocket): void {
    this.lastSeen.set(ws, Date.now())
    let session: Session | undefined
    const helloTimer = setTimeout(() => ws.close(CLOSE_AUTH, 'no hello'), HELLO_TIMEOUT_MS)
    const send = (f: ServerFrame): void => ws.send(JSON.stringify(f))
    const refuse = (err: SobotError, fatal: boolean, code: number): void => {
      send({ t: 'error', errorCode: err.errorCode, errorMessage: err.errorMessage, fatal })
      ws.close(code, err.errorCode)
    }
    ws.on('message', async (data) => {
      this.lastSeen.set(ws, Date.now())
      let f: ClientFrame
      try {
        f = JSON.parse(String(data)) as ClientFrame
      } catch {
        return
      }
      if (f.t === 'ping') {
        send({ t: 'pong', id: f.id })
        return
      }
      if (f.t !== 'hello' || session) return
      clearTimeout(helloTimer)
      if (f.v !== PROTOCOL_VERSION) {
        refuse(
          new SobotError('PROTOCOL_UNSUPPORTED', `This server speaks protocol ${PROTOCOL_VERSION}, not ${String(f.v)}.`),
          true,
          CLOSE_PROTOCOL,
        )
        return
      }
      let agentUUID: string
      let companyId: string
      try {
        ;({ agentUUID, companyId } = await this.tokens.verifyAgent(f.token))
      } catch (err) {
        refuse(err as SobotError, false, CLOSE_AUTH)
        return
      }
      const agent = this.dir.agentByUUID(companyId, agentUUID)
      if (!agent || typeof f.sessionId !== 'string' || !f.sessionId) {
        refuse(new SobotError('TOKEN_INVALID', 'The token names no agent of this contact center.'), false, CLOSE_AUTH)
        return
      }
      const ended = this.hub.endedReason(f.sessionId)
      if (ended) {
        send({ t: 'bye', reason: ended })
        ws.close(4000, ended)
        return
      }
      const s = this.hub.get(f.sessionId) ?? this.hub.create(companyId, agentUUID, f.sessionId)
      if (s.agentUUID !== agentUUID) {
        refuse(new SobotError('PERMISSION_DENIED', 'That session belongs to another agent.'), true, CLOSE_AUTH)
        return
      }
      session = s
      const resumed = this.hub.attach(s, ws, Number(f.lastSeq) || 0)
      if (!resumed) this.hub.publishTo(s, this.core.regainStatusEvent(agent))
    })
    ws.on('close', () => {
      clearTimeout(helloTimer)
      if (session) this.hub.detach(session, ws)
    })
    ws.on('error', () => ws.terminate())
  }
}
