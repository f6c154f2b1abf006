import { createServer, type IncomingMessage as HttpRequest, type Server } from 'node:http'
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net'
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
import { DigestAuthenticator, type DigestAlgorithm } from './digest'
import { createCore, makeContact, randomToken, sipLoggerFactory, ALLOW, ALLOW_OUTSIDE_DIALOG, HANDLED_METHODS } from './sipCore'
import { SipLeg, type LegOrigin } from './sipLeg'
import { badRequestReply, checkSipMessage, MAX_SIP_MESSAGE_BYTES } from './sipCheck'
import { TcpConnection, hostPort } from './sipTcp'
import { gatewayBySource, parseEdgeSource, parseGatewayAddress, type Gateway } from './gateways'

export interface SipWsServerOptions {
  /** SIP domain and digest realm (e.g. '127.0.0.1' or 'cc.example'). */
  domain: string
  /** Password lookup for digest authentication of REGISTER and INVITE; undefined = unknown user. */
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
  /** Digest algorithms offered to clients behind an edge (default MD5 only; see challenges()). */
  edgeDigestAlgorithms?: DigestAlgorithm[]
  /** The trunks: calls from them are the customers' calls; 'pstn' is where calls to numbers go. */
  gateways?: Gateway[]
  logger?: Logger
  /** Log every SIP message (debug level). */
  traceSip?: boolean
}

/** One registered contact of an AOR, or a gateway's fixed address. */
export interface Binding {
  /** AOR user part (the registrar is single-domain). */
  aor: string
  /** Contact URI as registered (e.g. sip:abcd@xyz.invalid;transport=ws). */
  contactUri: string
  /** The Contact header as received, without expires (echoed in 200 OK: JsSIP matches +sip.instance/reg-id). */
  contactHeader: NameAddrHeader | undefined
  /** The connection it registered over. A binding with a path outlives it (the edge is reached again). */
  connection: SipConnection | undefined
  /** Path (RFC 3327): the edges the phone registered through, nearest to us first; requests to it are routed through them. */
  path: string[]
  expiresAt: number
  /** A configured gateway (never expires); calls to it carry the number in the Request-URI. */
  gateway?: Gateway
}

export interface SipWsServerEvents {
  registered: [Binding]
  unregistered: [Binding, reason: 'expired' | 'removed' | 'connection-closed']
  /** A new INVITE outside any dialog. Call leg.progress()/accept()/reject(); unhandled = 480. */
  invite: [SipLeg]
  connection: [SipConnection]
}

/** A transport connection carrying SIP: a WebSocket (phones, browsers) or TCP (an edge). */
export interface SipConnection {
  readonly id: string
  readonly transport: 'WS' | 'TCP'
  readonly remote: string
  readonly open: boolean
  send(message: string): Promise<void>
  close(): void
  /** Out-of-dialog core (REGISTER, OPTIONS, strays); its AOR is set to each request's R-URI. */
  core: UserAgentCore
}

/** A WebSocket carrying SIP (subprotocol "sip"). */
export class WsConnection implements SipConnection {
  readonly id = randomUUID().slice(0, 8)
  readonly transport = 'WS' as const
  alive = true
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
  close(): void {
    this.ws.terminate()
  }
}

type TcpSipConnection = TcpConnection & { core: UserAgentCore }

interface LegEntry {
  leg: SipLeg | undefined
  core: UserAgentCore
  /** The connection the dialog's last request arrived on (where responses go). */
  connection: SipConnection | undefined
}

/** Requests not handled here get 405 and an honest Allow (sip.js's core would accept MESSAGE). */
const UNHANDLED_IN_DIALOG = /^(MESSAGE|NOTIFY|REFER|SUBSCRIBE|PUBLISH|UPDATE|PRACK)$/

/**
 * The switch's SIP front: SIP over WebSocket (RFC 7118) for browsers and WebSocket phones, SIP over
 * TCP from trusted edges (Kamailio in front of desk phones and carriers), a registrar with digest
 * auth that keeps each binding's Path, and the transport/dialog router for the B2BUA's per-leg
 * sip.js cores. Attach it to an http server's `upgrade` (path `/sip`) or start it standalone with
 * `SipWsServer.listen()`; `listenTcp()` opens the edges' listener.
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
  private readonly legs = new Map<string, LegEntry>()
  private readonly attached: { server: Server; listener: (req: HttpRequest, socket: Duplex, head: Buffer) => void }[] = []
  private readonly pendingRequests = new Set<(err: Error) => void>()
  private readonly gateways: Gateway[]
  private readonly dialing = new Map<string, Promise<TcpSipConnection>>()
  private ownServer: Server | undefined
  private tcpServer: TcpServer | undefined
  private tcp: { host: string; port: number; edges: { host: string; port: number }[] } | undefined
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
    this.gateways = opts.gateways ?? []
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

  /**
   * Listens for SIP over TCP from the edges: a connection from any other address is closed at once.
   * `edges` are the edges' `ip[:port]` (the port of their listener for the switch, 5060 by default);
   * the first also carries the calls to gateways. Resolves with the port (port 0 = ephemeral).
   */
  async listenTcp(p: { host: string; port: number; edges: string[] }): Promise<number> {
    const edges = p.edges.map((e) => hostPort(e))
    const server = createTcpServer((socket) => this.onTcpSocket(socket))
    server.maxConnections = 1024
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(p.port, p.host, () => resolve())
    })
    server.on('error', (e) => this.log.warn(`SIP TCP listener: ${String(e)}`))
    this.tcpServer = server
    const port = (server.address() as { port: number }).port
    this.tcp = { host: p.host, port, edges }
    return port
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

  /** Where edges send SIP to the switch (listenTcp), e.g. "127.0.0.1:5080". */
  get tcpAddress(): string | undefined {
    return this.tcp ? `${this.tcp.host}:${this.tcp.port}` : undefined
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

  /** Current bindings of an AOR (user part or sip: URI), newest first; a gateway's name gives its address. */
  lookup(aor: string): Binding[] {
    const key = aorKey(aor)
    const gateway = this.gateways.find((g) => g.name === key)
    if (gateway?.address) return [this.gatewayBinding(gateway)]
    const now = Date.now()
    return (this.bindings.get(gateway?.username ?? key) ?? [])
      .filter((b) => b.expiresAt > now && (b.path.length > 0 || b.connection?.open))
      .sort((a, b) => b.expiresAt - a.expiresAt)
  }

  get registeredAors(): string[] {
    return [...this.bindings.keys()]
  }

  get activeLegs(): number {
    return this.legs.size
  }

  /**
   * Creates an outbound (UAC) leg to a binding and sends the INVITE with `offerSdp`.
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
    const route = this.routeTo(binding)
    const legUser = `leg-${randomToken(8)}`
    const contact = makeContact(legUser, route.contactHost, route.transport)
    const fromUri = new URI('sip', p.fromUser ?? 'b2bua', this.domain)
    const callId = randomToken(16)
    const core = createCore({
      aor: fromUri,
      contact,
      viaHost: route.contactHost,
      transport: this.transport(route, callId),
      loggerFactory: this.sipLogs,
      routeSet: route.routeSet,
      ...(p.fromDisplayName ? { displayName: p.fromDisplayName } : {}),
    })
    const gateway = binding.gateway
    const at = gateway?.address ? parseGatewayAddress(gateway.address) : undefined
    // A gateway at an address is called with the number in the Request-URI and the caller id asserted;
    // a registered phone (or a registering gateway) by its contact, which it checks, To naming whom we call.
    const target = at ? new URI('sip', p.toUser ?? '', at.host, at.port, { transport: at.transport }) : Grammar.URIParse(binding.contactUri)
    if (!target) throw new Error(`bad contact ${binding.contactUri}`)
    const toUri = at ? new URI('sip', p.toUser ?? '', at.host) : new URI('sip', p.toUser ?? binding.aor, this.domain)
    const asserted = gateway ? [`P-Asserted-Identity: <sip:${p.fromUser ?? 'anonymous'}@${this.domain}>`] : []
    const message = core.makeOutgoingRequestMessage(
      'INVITE',
      target,
      fromUri,
      toUri,
      { callId },
      [`Contact: ${contact.toString()}`, ALLOW, ...asserted, ...(p.extraHeaders ?? [])],
      { contentDisposition: 'session', contentType: 'application/sdp', content: p.offerSdp },
    )
    const leg = new SipLeg({
      callId,
      role: 'uac',
      core,
      contactHeader: `Contact: ${contact.toString()}`,
      log: this.log,
      release: () => this.legs.delete(callId),
      connectionId: binding.connection?.id,
    })
    this.legs.set(callId, { leg, core, connection: route.connection })
    leg.bindUac((delegate) => core.invite(message, delegate))
    return leg
  }

  /**
   * Sends an out-of-dialog non-INVITE request (OPTIONS, NOTIFY...) to a binding and resolves with
   * the final response status. Used e.g. to qualify a phone.
   */
  sendRequest(
    binding: Binding,
    method: string,
    opts: { extraHeaders?: string[]; body?: { contentType: string; content: string }; timeoutMs?: number } = {},
  ): Promise<{ status: number; reason: string }> {
    const route = this.routeTo(binding)
    const fromUri = new URI('sip', 'b2bua', this.domain)
    const callId = randomToken(16)
    const core = createCore({
      aor: fromUri,
      contact: makeContact(`req-${randomToken(8)}`, route.contactHost, route.transport),
      viaHost: route.contactHost,
      transport: this.transport(route, callId),
      loggerFactory: this.sipLogs,
      routeSet: route.routeSet,
    })
    const target = Grammar.URIParse(binding.contactUri)
    if (!target) return Promise.reject(new Error(`bad contact ${binding.contactUri}`))
    const body = opts.body ? { contentDisposition: 'render', contentType: opts.body.contentType, content: opts.body.content } : undefined
    const message = core.makeOutgoingRequestMessage(
      method,
      target,
      fromUri,
      new URI('sip', binding.aor, this.domain),
      { callId },
      opts.extraHeaders ?? [],
      body,
    )
    this.legs.set(callId, { leg: undefined, core, connection: route.connection })
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
      c.close()
    }
    this.connections.clear()
    for (const { server, listener } of this.attached) server.off('upgrade', listener)
    this.attached.length = 0
    await new Promise<void>((r) => this.wss.close(() => r()))
    if (this.tcpServer) {
      const s = this.tcpServer
      await new Promise<void>((r) => s.close(() => r()))
    }
    if (this.ownServer) {
      const s = this.ownServer
      s.closeAllConnections()
      await new Promise<void>((r) => s.close(() => r()))
    }
    this.removeAllListeners()
  }

  // --- where messages go ---------------------------------------------------------------------------

  private gatewayBinding(g: Gateway): Binding {
    const a = parseGatewayAddress(g.address!)
    const host = a.host.includes(':') ? `[${a.host}]` : a.host
    return {
      aor: g.name,
      contactUri: `sip:${host}:${a.port};transport=${a.transport}`,
      contactHeader: undefined,
      connection: undefined,
      path: [],
      expiresAt: Infinity,
      gateway: g,
    }
  }

  /**
   * How a request to a binding travels: over the WebSocket it registered on, or over TCP through the
   * edges of its Path (a gateway: through the first edge), with our TCP address in Via and Contact.
   */
  private routeTo(b: Binding): { transport: 'WS' | 'TCP'; contactHost: string; routeSet: string[]; connection: SipConnection | undefined } {
    if (b.path.length === 0 && !b.gateway?.address) {
      if (!b.connection) throw new Error(`binding ${b.contactUri} has no connection`)
      return {
        transport: b.connection.transport,
        contactHost: this.contactHostFor(b.connection.transport),
        routeSet: [],
        connection: b.connection,
      }
    }
    if (!this.tcp) throw new Error('no SIP TCP listener for the edges')
    const edge = this.tcp.edges[0]
    if (!b.path.length && !edge) throw new Error('no edge to reach the gateway through')
    const routeSet = b.path.length ? b.path : [`<sip:${edge!.host}:${edge!.port};transport=tcp;lr>`]
    return { transport: 'TCP', contactHost: this.contactHostFor('TCP'), routeSet, connection: undefined }
  }

  private contactHostFor(transport: 'WS' | 'TCP'): string {
    return transport === 'TCP' && this.tcp ? `${this.tcp.host}:${this.tcp.port}` : this.host
  }

  /**
   * The transport of one leg's core. Over WebSocket everything goes on the one connection. Over TCP a
   * response goes back on the connection its request came on, and a request to its next hop: the
   * first Route (an edge), which must be a trusted edge.
   */
  private transport(route: { transport: 'WS' | 'TCP'; connection: SipConnection | undefined }, callId: string): Transport {
    if (route.transport === 'WS') return this.connectionTransport(route.connection!)
    return {
      protocol: 'TCP',
      send: async (msg: string) => {
        const entry = this.legs.get(callId)
        if (msg.startsWith('SIP/2.0 ') && entry?.connection?.open) return this.sendOn(entry.connection, msg)
        const hop = nextHop(msg)
        if (!hop) throw new Error('no next hop for a SIP request')
        const conn = await this.edgeConnection(hop.host, hop.port)
        if (entry && !entry.connection) entry.connection = conn
        return this.sendOn(conn, msg)
      },
    }
  }

  private connectionTransport(connection: SipConnection): Transport {
    return { protocol: connection.transport, send: (msg: string) => this.sendOn(connection, msg) }
  }

  private sendOn(connection: SipConnection, msg: string): Promise<void> {
    if (this.opts.traceSip) this.log.debug(`>>> ${connection.id}\n${msg}`)
    return connection.send(msg)
  }

  /** An open TCP connection to an edge at host:port, opened on demand (only to a trusted edge). */
  private edgeConnection(host: string, port: number): Promise<TcpSipConnection> {
    if (!this.tcp?.edges.some((e) => e.host === host)) return Promise.reject(new Error(`${host} is not a trusted edge`))
    const key = `${host}:${port}`
    for (const c of this.connections)
      if (c instanceof TcpConnection && c.target === key && c.open) return Promise.resolve(c as TcpSipConnection)
    const pending = this.dialing.get(key)
    if (pending) return pending
    const p = new Promise<TcpSipConnection>((resolve, reject) => {
      const socket = connect({ host, port })
      const timer = setTimeout(() => socket.destroy(new Error(`connecting to the edge ${key} timed out`)), 5000)
      socket.once('connect', () => {
        clearTimeout(timer)
        resolve(this.adoptTcp(socket, key))
      })
      socket.once('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
    }).finally(() => this.dialing.delete(key))
    this.dialing.set(key, p)
    return p
  }

  // --- connections -----------------------------------------------------------------------------------

  private onTcpSocket(socket: Socket): void {
    const ip = socket.remoteAddress?.replace(/^::ffff:/, '') ?? ''
    if (this.closed || !this.tcp?.edges.some((e) => e.host === ip)) {
      this.log.warn(`SIP over TCP from ${ip}, which is not a trusted edge: closed`)
      socket.destroy()
      return
    }
    this.adoptTcp(socket, undefined)
  }

  private adoptTcp(socket: Socket, target: string | undefined): TcpSipConnection {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`
    let conn: TcpSipConnection
    const c = new TcpConnection(
      socket,
      remote,
      target,
      (text) => {
        try {
          this.onMessage(conn, text)
        } catch (e) {
          this.log.error(`error handling SIP message: ${String(e)}`)
        }
      },
      (why) => this.log.warn(`SIP over TCP from ${remote}: ${why}; connection closed`),
    )
    conn = Object.assign(c, { core: this.connectionCore(c as TcpSipConnection) })
    socket.on('close', () => this.onClose(conn))
    socket.on('error', (e) => this.log.debug(`tcp ${conn.id} error: ${String(e)}`))
    this.connections.add(conn)
    this.log.debug(`tcp connection ${conn.id} ${target ? 'to' : 'from'} ${remote}`)
    this.emit('connection', conn)
    return conn
  }

  private onConnection(ws: WebSocket, req: HttpRequest): void {
    const conn = new WsConnection(ws, `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`)
    conn.core = this.connectionCore(conn)
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

  private connectionCore(conn: SipConnection): UserAgentCore {
    return createCore(
      {
        aor: new URI('sip', '', this.domain),
        contact: makeContact('registrar', this.contactHostFor(conn.transport), conn.transport),
        viaHost: this.contactHostFor(conn.transport),
        transport: this.connectionTransport(conn),
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
  }

  private onClose(conn: SipConnection): void {
    if (!this.connections.delete(conn)) return
    for (const [key, list] of this.bindings) {
      const keep = list.filter((b) => {
        // A binding through an edge keeps its Path: the edge is reached again on a new connection.
        if (b.connection !== conn || b.path.length > 0) return true
        this.dropBindingTimer(b)
        this.emit('unregistered', b, 'connection-closed')
        return false
      })
      if (keep.length) this.bindings.set(key, keep)
      else this.bindings.delete(key)
    }
    for (const entry of [...this.legs.values()]) {
      if (entry.connection !== conn) continue
      if (conn.transport === 'WS') entry.leg?.close('transport-closed')
      else entry.connection = undefined
    }
    conn.core.dispose()
  }

  private ping(): void {
    for (const c of this.connections) {
      if (!(c instanceof WsConnection)) continue
      if (!c.alive) {
        c.ws.terminate()
        continue
      }
      c.alive = false
      c.ws.ping()
    }
  }

  // --- incoming messages -----------------------------------------------------------------------------

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
    if (!HANDLED_METHODS.includes(msg.method) || (entry && UNHANDLED_IN_DIALOG.test(msg.method))) {
      conn.core.replyStateless(msg, { statusCode: 405, extraHeaders: [ALLOW_OUTSIDE_DIALOG] })
      return
    }
    if (entry) {
      if (conn.transport === 'TCP' || !entry.connection) entry.connection = conn
      entry.core.receiveIncomingRequestFromTransport(msg)
      return
    }
    if (msg.method === 'INVITE' && !msg.toTag) {
      this.newInboundLeg(conn, msg)
      return
    }
    if (msg.method === 'OPTIONS' && !msg.toTag) {
      conn.core.replyStateless(msg, { statusCode: 200, extraHeaders: [ALLOW_OUTSIDE_DIALOG, 'Accept: application/sdp'] })
      return
    }
    // Out-of-dialog (REGISTER) or stray in-dialog requests: the connection core answers (481 for strays).
    // Its AOR is set to this request's R-URI so the core's "is this for us" check passes.
    conn.core.configuration.aor = msg.ruri ?? conn.core.configuration.aor
    conn.core.receiveIncomingRequestFromTransport(msg)
  }

  private newInboundLeg(conn: SipConnection, msg: IncomingRequestMessage): void {
    const callId = msg.callId
    const legUser = `leg-${randomToken(8)}`
    const contact = makeContact(legUser, this.contactHostFor(conn.transport), conn.transport)
    let leg: SipLeg | undefined
    const core = createCore(
      {
        // The per-leg core's AOR is the Request-URI of the INVITE (e.g. sip:support@domain).
        aor: msg.ruri ?? new URI('sip', '', this.domain),
        contact,
        viaHost: this.contactHostFor(conn.transport),
        transport: this.transport({ transport: conn.transport, connection: conn }, callId),
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
    const fromEdge = conn.transport === 'TCP'
    const gateway = fromEdge
      ? gatewayBySource(this.gateways, parseEdgeSource(msg.getHeader('x-edge-source')), msg.getHeader('x-edge-tls-peer'))
      : undefined
    if (gateway) {
      this.offer(leg, { gateway: gateway.name })
      return
    }
    // Anyone else proves who they are: the INVITE is challenged like a REGISTER.
    const l = leg
    this.auth
      .verify(msg.getHeader('authorization'), 'INVITE', msg.ruri?.toString() ?? '', this.opts.credentials)
      .then((auth) => {
        if (l.ended) return
        if (!auth.ok) {
          this.log.debug(`INVITE challenge (${auth.reason}) from ${conn.id}`)
          l.reject(401, undefined, this.challenges(conn, auth.reason === 'stale'))
          return
        }
        const registering = this.gateways.find((g) => g.username === auth.username)
        this.offer(l, registering ? { gateway: registering.name } : { user: auth.username })
      })
      .catch((e: unknown) => {
        this.log.error(`INVITE authentication failed: ${String(e)}`)
        l.reject(500)
      })
  }

  /**
   * RFC 7616 §3.7 has a client answer the topmost challenge it supports, but clients differ. JsSIP
   * (browsers, the simulator: over WebSocket) reads only the last challenge and gives up on any
   * algorithm but MD5, so it gets SHA-256 then MD5. baresip 1.0, like many desk phones behind the
   * edge, answers every challenge and fails on SHA-256: the edge's clients get what
   * `edgeDigestAlgorithms` lists, MD5 alone by default.
   */
  private challenges(conn: SipConnection, stale: boolean): string[] {
    return this.auth.challenges(stale, conn.transport === 'WS' ? ['SHA-256', 'MD5'] : (this.opts.edgeDigestAlgorithms ?? ['MD5']))
  }

  private offer(leg: SipLeg, origin: LegOrigin): void {
    leg.origin = origin
    if (this.listenerCount('invite') === 0) {
      leg.reject(480)
      return
    }
    this.emit('invite', leg)
  }

  private async onRegister(conn: SipConnection, req: IncomingRequestMessage): Promise<{ status: number; headers: string[] }> {
    const aor = req.to.uri.user ?? ''
    // An AOR nobody may register is not found (RFC 3261 §10.3 step 3), before any challenge.
    if (!aor || (await this.opts.credentials(aor)) === undefined) return { status: 404, headers: [] }
    const auth = await this.auth.verify(req.getHeader('authorization'), 'REGISTER', req.ruri?.toString() ?? '', this.opts.credentials)
    if (!auth.ok) {
      this.log.debug(`REGISTER challenge (${auth.reason}) from ${conn.id}`)
      return { status: 401, headers: this.challenges(conn, auth.reason === 'stale') }
    }
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
    // Path only counts from an edge: a phone cannot route the switch's calls elsewhere.
    const path = conn.transport === 'TCP' ? req.getHeaders('path').flatMap(splitHeaderValues) : []
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
      const binding: Binding = existing ?? { aor: key, contactUri, contactHeader: header, connection: conn, path, expiresAt: 0 }
      binding.contactHeader = header
      binding.connection = conn
      binding.path = path
      binding.expiresAt = Date.now() + expires * 1000
      if (!existing) list.push(binding)
      this.armBinding(binding, expires * 1000)
      this.bindings.set(key, list)
      this.emit('registered', binding)
    }
    list = this.bindings.get(key) ?? []
    const now = Date.now()
    const headers = list.map((b) => {
      const h = b.contactHeader!.clone()
      h.setParam('expires', Math.max(0, Math.round((b.expiresAt - now) / 1000)))
      return `Contact: ${h.toString()}`
    })
    // RFC 3327 §5.3: the registrar returns the Path it stored.
    if (path.length) headers.push(...path.map((p) => `Path: ${p}`))
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

/** Splits a header's comma-separated values (commas inside <...> or quotes stay). */
function splitHeaderValues(value: string): string[] {
  const out: string[] = []
  let depth = 0
  let quoted = false
  let cur = ''
  for (const ch of value) {
    if (ch === '"') quoted = !quoted
    else if (!quoted && ch === '<') depth++
    else if (!quoted && ch === '>') depth--
    if (ch === ',' && depth === 0 && !quoted) {
      if (cur.trim()) out.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  if (cur.trim()) out.push(cur.trim())
  return out
}

/**
 * Where a message we send goes: a request to its first Route (loose routing), else to its
 * Request-URI; a response to its top Via's received/rport, else its sent-by.
 */
export function nextHop(msg: string): { host: string; port: number } | undefined {
  const end = msg.indexOf('\r\n\r\n')
  const head = end < 0 ? msg : msg.slice(0, end)
  if (head.startsWith('SIP/2.0 ')) {
    const via = /^(?:Via|v):\s*SIP\/2\.0\/[A-Z]+\s+([^;,\s]+)([^,\r\n]*)/im.exec(head)
    if (!via) return undefined
    const sentBy = hostPort(via[1]!)
    const received = /;received=([^;,\s]+)/i.exec(via[2]!)?.[1]
    const rport = /;rport=(\d+)/i.exec(via[2]!)?.[1]
    return { host: received ?? sentBy.host, port: rport ? Number(rport) : sentBy.port }
  }
  const route = /^Route:\s*<([^>]+)>/im.exec(head)?.[1]
  const uri = route ?? /^[A-Z]+ (\S+) SIP\/2\.0/.exec(head)?.[1]
  if (!uri) return undefined
  const hp = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^;:>?]+)(?::(\d+))?/i.exec(uri)
  if (!hp) return undefined
  return hostPort(hp[2] ? `${hp[1]}:${hp[2]}` : hp[1]!)
}
