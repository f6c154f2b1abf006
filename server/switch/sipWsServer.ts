import { createServer, type IncomingMessage as HttpRequest, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { randomUUID } from 'node:crypto'
import { WebSocketServer, WebSocket } from 'ws'
import {
  Grammar,
  IncomingRequestMessage,
  IncomingResponseMessage,
  Parser,
  URI,
  type LoggerFactory,
  type NameAddrHeader,
  type Transport,
  type UserAgentCore,
} from 'sip.js/lib/core/index.js'
import { TypedEmitter } from '../util/emitter'
import { silentLogger, type Logger } from '../util/logger'
import { DigestAuthenticator } from './digest'
import { createCore, makeContact, randomToken, sipLoggerFactory, ALLOW } from './sipCore'
import { SipLeg } from './sipLeg'
import { badRequestReply, checkSipMessage, MAX_SIP_MESSAGE_BYTES } from './sipCheck'

export interface SipWsServerOptions {
  /** SIP domain and digest realm (e.g. '127.0.0.1' or 'cc.example'). */
  domain: string
  /** Password lookup for digest authentication of REGISTER; undefined = unknown user. */
  credentials: (username: string) => string | undefined | Promise<string | undefined>
  /** Host used in our Via and Contact headers (default: domain). */
  host?: string
  /** WebSocket path for attach()/listen() (default '/sip'). */
  path?: string
  defaultExpires?: number
  minExpires?: number
  maxExpires?: number
  /** WebSocket ping interval to detect dead phones (default 30 s; 0 disables). */
  pingIntervalMs?: number
  logger?: Logger
  /** Log every SIP message (debug level). */
  traceSip?: boolean
}

/** One registered contact of an AOR. */
export interface Binding {
  /** AOR user part (the registrar is single-domain). */
  aor: string
  /** Contact URI as registered (e.g. sip:abcd@xyz.invalid;transport=ws). */
  contactUri: string
  /** The Contact header as received, without expires (echoed in 200 OK: JsSIP matches +sip.instance/reg-id). */
  contactHeader: NameAddrHeader
  connection: SipConnection
  expiresAt: number
}

export interface SipWsServerEvents {
  registered: [Binding]
  unregistered: [Binding, reason: 'expired' | 'removed' | 'connection-closed']
  /** A new INVITE outside any dialog. Call leg.progress()/accept()/reject(); unhandled = 480. */
  invite: [SipLeg]
  connection: [SipConnection]
}

/** A WebSocket carrying SIP (subprotocol "sip"). */
export class SipConnection {
  readonly id = randomUUID().slice(0, 8)
  alive = true
  /** Out-of-dialog core (REGISTER, OPTIONS, strays); its AOR is set to each request's R-URI. */
  core!: UserAgentCore
  constructor(
    readonly ws: WebSocket,
    readonly remote: string,
  ) {}
  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }
  send(message: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.open) {
        reject(new Error('websocket not open'))
        return
      }
      this.ws.send(message, (err) => (err ? reject(err) : resolve()))
    })
  }
}

/**
 * SIP over WebSocket (RFC 7118) listener, registrar with digest auth, and the transport/dialog
 * router for the B2BUA's per-leg sip.js cores. Attach it to an existing http server's `upgrade`
 * (path `/sip`) or start it standalone with `SipWsServer.listen()`.
 */
export class SipWsServer extends TypedEmitter<SipWsServerEvents> {
  readonly domain: string
  readonly host: string
  readonly path: string
  private readonly opts: SipWsServerOptions
  private readonly log: Logger
  private readonly sipLogs: LoggerFactory
  private readonly auth: DigestAuthenticator
  private readonly wss: WebSocketServer
  private readonly connections = new Set<SipConnection>()
  private readonly bindings = new Map<string, Binding[]>()
  private readonly bindingTimers = new Map<Binding, NodeJS.Timeout>()
  private readonly legs = new Map<string, { leg: SipLeg | undefined; core: UserAgentCore; connection: SipConnection }>()
  private readonly attached: { server: Server; listener: (req: HttpRequest, socket: Duplex, head: Buffer) => void }[] = []
  private readonly pendingRequests = new Set<(err: Error) => void>()
  private ownServer: Server | undefined
  private pingTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor(opts: SipWsServerOptions) {
    super()
    this.opts = opts
    this.domain = opts.domain
    this.host = opts.host ?? opts.domain
    this.path = opts.path ?? '/sip'
    this.log = opts.logger ?? silentLogger
    this.sipLogs = sipLoggerFactory(this.log)
    this.auth = new DigestAuthenticator(opts.domain)
    this.wss = new WebSocketServer({
      noServer: true,
      // A larger frame closes the connection (1009): no SIP message comes near it.
      maxPayload: MAX_SIP_MESSAGE_BYTES,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    })
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req))
    const ping = opts.pingIntervalMs ?? 30_000
    if (ping > 0) {
      this.pingTimer = setInterval(() => this.ping(), ping)
      this.pingTimer.unref()
    }
  }

  /** Standalone: an http server on host:port (port 0 = ephemeral) serving only the SIP upgrade. */
  static async listen(opts: SipWsServerOptions & { port?: number; listenHost?: string }): Promise<SipWsServer> {
    const server = new SipWsServer(opts)
    const http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('SIP over WebSocket only\n')
    })
    server.attach(http)
    server.ownServer = http
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(opts.port ?? 0, opts.listenHost ?? '127.0.0.1', () => resolve())
    })
    return server
  }

  /** Port of the standalone server (listen()). */
  get port(): number {
    const a = this.ownServer?.address()
    if (!a || typeof a === 'string') throw new Error('not listening standalone')
    return a.port
  }

  /** ws:// URL of the standalone server. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}${this.path}`
  }

  /** Handles `upgrade` requests for `path` on an existing http server (others are left alone). */
  attach(server: Server): void {
    const listener = (req: HttpRequest, socket: Duplex, head: Buffer): void => {
      const path = (req.url ?? '').split('?')[0]
      if (path !== this.path) return
      this.handleUpgrade(req, socket, head)
    }
    server.on('upgrade', listener)
    this.attached.push({ server, listener })
  }

  handleUpgrade(req: HttpRequest, socket: Duplex, head: Buffer): void {
    if (this.closed) {
      socket.destroy()
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req))
  }

  /** Current bindings of an AOR (user part or sip: URI), newest first. */
  /** The AORs registered over one connection (who is on the other end of a dialog). */
  aorsOf(connectionId: string): string[] {
    const now = Date.now()
    const out: string[] = []
    for (const [aor, list] of this.bindings) if (list.some((b) => b.connection.id === connectionId && b.expiresAt > now)) out.push(aor)
    return out
  }

  lookup(aor: string): Binding[] {
    const key = aorKey(aor)
    const now = Date.now()
    return (this.bindings.get(key) ?? []).filter((b) => b.expiresAt > now && b.connection.open).sort((a, b) => b.expiresAt - a.expiresAt)
  }

  get registeredAors(): string[] {
    return [...this.bindings.keys()]
  }

  get activeLegs(): number {
    return this.legs.size
  }

  /**
   * Creates an outbound (UAC) leg to a registered binding and sends the INVITE with `offerSdp`.
   * Listen to the leg's progress/accepted/rejected/ended events.
   */
  createOutboundLeg(p: {
    binding: Binding
    offerSdp: string
    fromUser?: string
    fromDisplayName?: string
    toUser?: string
    extraHeaders?: string[]
  }): SipLeg {
    const { binding } = p
    const connection = binding.connection
    const legUser = `leg-${randomToken(8)}`
    const contact = makeContact(legUser, this.host)
    const fromUri = new URI('sip', p.fromUser ?? 'b2bua', this.domain)
    const core = createCore({
      aor: fromUri,
      contact,
      viaHost: this.host,
      transport: this.transport(connection),
      loggerFactory: this.sipLogs,
      ...(p.fromDisplayName ? { displayName: p.fromDisplayName } : {}),
    })
    const target = Grammar.URIParse(binding.contactUri)
    if (!target) throw new Error(`bad contact ${binding.contactUri}`)
    // The Request-URI is the registered contact (phones check it); To names whom we call (a number, through a gateway).
    const toUri = new URI('sip', p.toUser ?? binding.aor, this.domain)
    const message = core.makeOutgoingRequestMessage(
      'INVITE',
      target,
      fromUri,
      toUri,
      {},
      [`Contact: ${contact.toString()}`, ALLOW, ...(p.extraHeaders ?? [])],
      { contentDisposition: 'session', contentType: 'application/sdp', content: p.offerSdp },
    )
    const callId = message.callId
    const leg = new SipLeg({
      callId,
      role: 'uac',
      core,
      contactHeader: `Contact: ${contact.toString()}`,
      log: this.log,
      release: () => this.legs.delete(callId),
      connectionId: connection.id,
    })
    this.legs.set(callId, { leg, core, connection })
    leg.bindUac((delegate) => core.invite(message, delegate))
    return leg
  }

  /**
   * Sends an out-of-dialog non-INVITE request (OPTIONS, MESSAGE, NOTIFY...) to a registered
   * contact and resolves with the final response status. Used e.g. to qualify a phone.
   */
  sendRequest(
    binding: Binding,
    method: string,
    opts: { extraHeaders?: string[]; body?: { contentType: string; content: string }; timeoutMs?: number } = {},
  ): Promise<{ status: number; reason: string }> {
    const connection = binding.connection
    const fromUri = new URI('sip', 'b2bua', this.domain)
    const core = createCore({
      aor: fromUri,
      contact: makeContact(`req-${randomToken(8)}`, this.host),
      viaHost: this.host,
      transport: this.transport(connection),
      loggerFactory: this.sipLogs,
    })
    const target = Grammar.URIParse(binding.contactUri)
    if (!target) return Promise.reject(new Error(`bad contact ${binding.contactUri}`))
    const body = opts.body ? { contentDisposition: 'render', contentType: opts.body.contentType, content: opts.body.content } : undefined
    const message = core.makeOutgoingRequestMessage(
      method,
      target,
      fromUri,
      new URI('sip', binding.aor, this.domain),
      {},
      opts.extraHeaders ?? [],
      body,
    )
    const callId = message.callId
    this.legs.set(callId, { leg: undefined, core, connection })
    return new Promise((resolve, reject) => {
      const finish = (r?: { message: IncomingResponseMessage }, err?: Error): void => {
        clearTimeout(timer)
        this.pendingRequests.delete(abort)
        this.legs.delete(callId)
        core.dispose()
        if (r) resolve({ status: r.message.statusCode ?? 0, reason: r.message.reasonPhrase ?? '' })
        else reject(err ?? new Error(`${method} failed`))
      }
      const abort = (err: Error): void => finish(undefined, err)
      this.pendingRequests.add(abort)
      const timer = setTimeout(() => finish(undefined, new Error(`${method} timeout`)), opts.timeoutMs ?? 8000)
      core.request(message, { onAccept: (r) => finish(r), onReject: (r) => finish(r), onRedirect: (r) => finish(r) })
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.pingTimer) clearInterval(this.pingTimer)
    for (const abort of [...this.pendingRequests]) abort(new Error('server closed'))
    for (const { leg, core } of [...this.legs.values()]) {
      if (leg) leg.close('server-closed')
      else core.dispose()
    }
    this.legs.clear()
    for (const t of this.bindingTimers.values()) clearTimeout(t)
    this.bindingTimers.clear()
    this.bindings.clear()
    for (const c of this.connections) {
      c.core.dispose()
      c.ws.terminate()
    }
    this.connections.clear()
    for (const { server, listener } of this.attached) server.off('upgrade', listener)
    this.attached.length = 0
    await new Promise<void>((r) => this.wss.close(() => r()))
    if (this.ownServer) {
      const s = this.ownServer
      s.closeAllConnections()
      await new Promise<void>((r) => s.close(() => r()))
    }
    this.removeAllListeners()
  }

  private transport(connection: SipConnection): Transport {
    return {
      protocol: 'WS',
      send: (msg: string) => {
        if (this.opts.traceSip) this.log.debug(`>>> ${connection.id}\n${msg}`)
        return connection.send(msg)
      },
    }
  }

  private onConnection(ws: WebSocket, req: HttpRequest): void {
    const conn = new SipConnection(ws, `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`)
    conn.core = createCore(
      {
        aor: new URI('sip', '', this.domain),
        contact: makeContact('registrar', this.host),
        viaHost: this.host,
        transport: this.transport(conn),
        loggerFactory: this.sipLogs,
      },
      {
        onRegister: (uas) => {
          // Whatever the registrar or the reply throws ends here: never an unhandled rejection.
          this.onRegister(conn, uas.message)
            .catch((e: unknown) => {
              this.log.error(`REGISTER failed: ${String(e)}`)
              return { status: 500, headers: [] }
            })
            .then((r) =>
              r.status === 200
                ? uas.accept({ statusCode: 200, extraHeaders: r.headers })
                : uas.reject({ statusCode: r.status, extraHeaders: r.headers }),
            )
            .catch((e: unknown) => this.log.warn(`REGISTER reply failed: ${String(e)}`))
        },
        onInvite: (uas) => uas.reject({ statusCode: 500 }), // INVITEs are routed to per-leg cores
      },
    )
    this.connections.add(conn)
    this.log.debug(`ws connection ${conn.id} from ${conn.remote}`)
    ws.on('pong', () => {
      conn.alive = true
    })
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data)
      try {
        this.onMessage(conn, text)
      } catch (e) {
        this.log.error(`error handling SIP message: ${String(e)}`)
      }
    })
    ws.on('close', () => this.onClose(conn))
    ws.on('error', (e) => this.log.warn(`ws ${conn.id} error: ${String(e)}`))
    this.emit('connection', conn)
  }

  private onClose(conn: SipConnection): void {
    if (!this.connections.delete(conn)) return
    for (const [key, list] of this.bindings) {
      const keep = list.filter((b) => {
        if (b.connection !== conn) return true
        this.dropBindingTimer(b)
        this.emit('unregistered', b, 'connection-closed')
        return false
      })
      if (keep.length) this.bindings.set(key, keep)
      else this.bindings.delete(key)
    }
    for (const { leg, connection } of [...this.legs.values()]) if (connection === conn) leg?.close('transport-closed')
    conn.core.dispose()
  }

  private ping(): void {
    for (const c of this.connections) {
      if (!c.alive) {
        c.ws.terminate()
        continue
      }
      c.alive = false
      c.ws.ping()
    }
  }

  private onMessage(conn: SipConnection, text: string): void {
    if (text === '\r\n\r\n' || text === '\r\n') return // keepalive
    if (this.opts.traceSip) this.log.debug(`<<< ${conn.id}\n${text}`)
    let msg: IncomingRequestMessage | IncomingResponseMessage | undefined
    try {
      msg = Parser.parseMessage(text, this.sipLogs.getLogger('sip.parser'))
    } catch {
      msg = undefined // sip.js's parser throws on some headers (a response's CSeq without a method)
    }
    const check = msg ? checkSipMessage(msg) : { ok: false as const, why: 'unparseable' }
    if (!msg || !check.ok) {
      const why = check.ok ? 'unparseable' : check.why
      const reply = badRequestReply(text, why)
      this.log.debug(`malformed SIP message from ${conn.id} (${why}): ${reply ? '400' : 'dropped'}`)
      if (reply) conn.send(reply).catch(() => undefined)
      return
    }
    const entry = this.legs.get(msg.callId)
    if (msg instanceof IncomingResponseMessage) {
      if (entry) entry.core.receiveIncomingResponseFromTransport(msg)
      else this.log.debug(`stray response ${msg.statusCode} for ${msg.callId}`)
      return
    }
    if (!(msg instanceof IncomingRequestMessage)) return
    if (entry) {
      entry.core.receiveIncomingRequestFromTransport(msg)
      return
    }
    if (msg.method === 'INVITE' && !msg.toTag) {
      this.newInboundLeg(conn, msg)
      return
    }
    // Out-of-dialog (REGISTER, OPTIONS) or stray in-dialog requests: the connection core answers.
    // Its AOR is set to this request's R-URI so the core's "is this for us" check passes.
    conn.core.configuration.aor = msg.ruri ?? conn.core.configuration.aor
    conn.core.receiveIncomingRequestFromTransport(msg)
  }

  private newInboundLeg(conn: SipConnection, msg: IncomingRequestMessage): void {
    const callId = msg.callId
    const legUser = `leg-${randomToken(8)}`
    const contact = makeContact(legUser, this.host)
    let leg: SipLeg | undefined
    const core = createCore(
      {
        // The per-leg core's AOR is the Request-URI of the INVITE (e.g. sip:support@domain).
        aor: msg.ruri ?? new URI('sip', '', this.domain),
        contact,
        viaHost: this.host,
        transport: this.transport(conn),
        loggerFactory: this.sipLogs,
      },
      {
        onInvite: (uas) => leg?.bindUas(uas),
      },
    )
    leg = new SipLeg({
      callId,
      role: 'uas',
      core,
      contactHeader: `Contact: ${contact.toString()}`,
      log: this.log,
      release: () => this.legs.delete(callId),
      request: msg,
      connectionId: conn.id,
    })
    this.legs.set(callId, { leg, core, connection: conn })
    core.receiveIncomingRequestFromTransport(msg)
    if (leg.ended) return // rejected by the core's own checks
    if (this.listenerCount('invite') === 0) {
      leg.reject(480)
      return
    }
    this.emit('invite', leg)
  }

  private async onRegister(conn: SipConnection, req: IncomingRequestMessage): Promise<{ status: number; headers: string[] }> {
    const auth = await this.auth.verify(req.getHeader('authorization'), 'REGISTER', this.opts.credentials)
    if (!auth.ok) {
      this.log.debug(`REGISTER challenge (${auth.reason}) from ${conn.id}`)
      return { status: 401, headers: [`WWW-Authenticate: ${this.auth.challenge(auth.reason === 'stale')}`] }
    }
    const aor = req.to.uri.user ?? ''
    if (aor !== auth.username) return { status: 403, headers: [] }
    const minE = this.opts.minExpires ?? 60
    const maxE = this.opts.maxExpires ?? 3600
    const headerExpires = req.getHeader('expires')
    const defaultExpires = headerExpires !== undefined ? parseInt(headerExpires, 10) : (this.opts.defaultExpires ?? 600)
    const contacts = req.getHeaders('contact')
    const key = aorKey(aor)
    let list = this.bindings.get(key) ?? []
    if (contacts.length === 1 && contacts[0]!.trim() === '*') {
      if (defaultExpires !== 0) return { status: 400, headers: [] }
      for (const b of list) this.removeBinding(b, 'removed')
      return { status: 200, headers: [] }
    }
    for (let i = 0; ; i++) {
      const parsed = req.parseHeader('contact', i) as NameAddrHeader | undefined
      if (!parsed) break
      const pe = parsed.getParam('expires')
      let expires = pe !== undefined && pe !== null ? parseInt(pe, 10) : defaultExpires
      if (Number.isNaN(expires)) expires = defaultExpires
      const contactUri = parsed.uri.toString()
      const existing = list.find((b) => b.contactUri === contactUri)
      if (expires === 0) {
        if (existing) this.removeBinding(existing, 'removed')
        continue
      }
      if (expires < minE) return { status: 423, headers: [`Min-Expires: ${minE}`] }
      expires = Math.min(expires, maxE)
      const header = parsed.clone()
      header.deleteParam('expires')
      const binding: Binding = existing ?? { aor: key, contactUri, contactHeader: header, connection: conn, expiresAt: 0 }
      binding.contactHeader = header
      binding.connection = conn
      binding.expiresAt = Date.now() + expires * 1000
      if (!existing) list.push(binding)
      this.armBinding(binding, expires * 1000)
      this.bindings.set(key, list)
      this.emit('registered', binding)
    }
    list = this.bindings.get(key) ?? []
    const now = Date.now()
    const headers = list.map((b) => {
      const h = b.contactHeader.clone()
      h.setParam('expires', Math.max(0, Math.round((b.expiresAt - now) / 1000)))
      return `Contact: ${h.toString()}`
    })
    return { status: 200, headers }
  }

  private armBinding(b: Binding, ms: number): void {
    this.dropBindingTimer(b)
    const t = setTimeout(() => this.removeBinding(b, 'expired'), ms)
    this.bindingTimers.set(b, t)
  }

  private dropBindingTimer(b: Binding): void {
    const t = this.bindingTimers.get(b)
    if (t) clearTimeout(t)
    this.bindingTimers.delete(b)
  }

  private removeBinding(b: Binding, reason: 'expired' | 'removed'): void {
    this.dropBindingTimer(b)
    const list = (this.bindings.get(b.aor) ?? []).filter((x) => x !== b)
    if (list.length) this.bindings.set(b.aor, list)
    else this.bindings.delete(b.aor)
    this.emit('unregistered', b, reason)
  }
}

function aorKey(aor: string): string {
  const m = /^sips?:([^@;>]+)@/i.exec(aor.trim())
  return (m ? m[1]! : aor.trim()).toLowerCase()
}
