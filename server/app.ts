import Fastify, { type FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import path from 'node:path'
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { EVENTS_PATH, optString, parseAgentType, reqString, SIP_PATH, SobotError } from 'sobot-call-sdk/protocol'
import { AgentCore } from './acd/agents'
import { Directory } from './acd/directory'
import { TokenService } from './auth/tokens'
import { CommandRouter, sendError } from './cti/commands'
import { EventGateway } from './cti/gateway'
import { SessionHub } from './cti/hub'
import { configFromEnv, type ServerConfig } from './config'
import { CallControl } from './calls/CallControl'
import { PhoneBook } from './calls/phones'
import { PrivacyNumbers } from './calls/privacy'
import { CallLog } from './calls/history'
import { B2bua } from './switch/b2bua'
import { SipWsServer } from './switch/sipWsServer'
import { TelephoneNetwork } from './sim/network'
import { installDevTelephony } from './sim/devRoutes'
import { consoleLogger, silentLogger } from './util/logger'
import { REST_API_PREFIX, registerRestApi, sendApiError } from './api'
import { ApiError } from './api/result'
import { RestTokens } from './api/auth'
import { openStore, type Store } from './store'
import { persistAgentChanges } from './store/agentState'
import { WebhookDispatcher } from './webhooks/dispatcher'
import { queryAgents } from './acd/agentQueries'
import { TierNotifier } from './acd/tiers'
import { liveCalls } from './calls/liveCalls'
import { OutboundRoutes } from './calls/outboundRoutes'
import { Prompts } from './calls/prompts'
import { DEFAULT_ROUTING_OPTIONS } from './calls/routing'

export interface ContactCenter {
  readonly config: ServerConfig
  readonly url: string
  readonly app: FastifyInstance
  readonly dir: Directory
  readonly hub: SessionHub
  readonly core: AgentCore
  readonly tokens: TokenService
  readonly calls: CallControl
  readonly phones: PhoneBook
  readonly sip: SipWsServer
  readonly privacy: PrivacyNumbers
  /** The simulated telephone network (dev mode). */
  readonly network: TelephoneNetwork | undefined
  /** Persistence: configuration (loaded into dir), call records, recordings, greetings, the webhook outbox. */
  readonly store: Store
  /** Call-event webhooks: the call control calls webhooks.enqueue(companyId, body). */
  readonly webhooks: WebhookDispatcher
  close(): Promise<void>
}

/** Starts the whole contact center in this process. */
export async function startContactCenter(overrides: Partial<ServerConfig> = {}): Promise<ContactCenter> {
  const config = configFromEnv(process.env, overrides)
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    bodyLimit: 256 * 1024,
    // Requests the router cannot even read (a malformed %-escape, a parameter too long) get the
    // error shape of the API they were meant for.
    frameworkErrors: (err, req, reply) => {
      if (req.url.startsWith(REST_API_PREFIX + '/'))
        return sendApiError(req, reply, new ApiError('INVALID_VALUE', `The URL could not be read: ${err.message}`))
      return sendError(reply, new SobotError('INVALID_PARAMETER', `The URL could not be read: ${err.message}`))
    },
  })
  const dir = new Directory()
  // Loads the Directory from the database (seeding the demo company on the first start).
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, dir })
  const webhooks = new WebhookDispatcher({ outbox: store.outbox, dir, options: config.webhooks, log: app.log })
  app.addHook('onClose', async () => {
    await webhooks.close()
    await store.close()
  })
  const tokens = new TokenService(config.jwtSecret)
  const restTokens = new RestTokens(config.jwtSecret)
  const hub = new SessionHub(config.replayBufferEvents)
  const core = new AgentCore(dir, {
    publish: (uuid, ev) => hub.publish(uuid, ev),
    endSessions: (uuid, keep, reason) => hub.endOthers(uuid, keep, reason),
  })

  // Malformed bodies and other framework errors come back in the SDK's error shape, never as a bare 500.
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const code = (err.statusCode ?? 500) < 500 ? 'INVALID_PARAMETER' : 'SERVER_ERROR'
    return sendError(reply, new SobotError(code, code === 'SERVER_ERROR' ? undefined : `The request could not be read: ${err.message}`))
  })
  app.setNotFoundHandler((_req, reply) => sendError(reply, new SobotError('NOT_FOUND', 'No such path on this contact center.')))

  // The switch: SIP over WebSocket on /sip, a B2BUA anchoring every leg's media.
  const logger = config.logLevel === 'debug' || config.logLevel === 'info' ? consoleLogger('switch') : silentLogger
  const phones = new PhoneBook(dir, config.sipDomain, config.trunkPassword)
  const sip = new SipWsServer({ domain: config.sipDomain, credentials: (user) => phones.credentials(user), logger })
  phones.bindSip(sip)
  const b2bua = new B2bua({ sip, logger })
  const privacy = new PrivacyNumbers(config.jwtSecret)
  const history = new CallLog({
    calls: store.calls,
    recordings: store.recordings,
    webhooks,
    log: (what, err) => app.log.error({ err }, `${what} could not be written`),
  })
  // The routing engine's media (greetings, text to speech) and the agents' outbound caller ids.
  const prompts = new Prompts({ greetings: store.greetings, tts: config.routing?.tts, log: (m) => app.log.warn(m) })
  const outbound = new OutboundRoutes(dir, store.routing, core)
  const calls = new CallControl({
    dir,
    core,
    publish: (uuid, ev) => hub.publish(uuid, ev),
    b2bua,
    phones,
    privacy,
    history,
    logger,
    routing: { prompts, config: store.routing, options: { ...DEFAULT_ROUTING_OPTIONS, ...config.routing } },
    callerId: (a, dialled, planCode) => outbound.callerId(a, dialled, planCode),
  })
  core.hooks = {
    onWorkStatus: (a, _from, to) => calls.onWorkStatus(a, to),
    onAvailabilityChanged: () => calls.onAvailable(),
    hangupAll: (a) => calls.hangupAll(a),
    onLogout: (a) => {
      calls.onLogout(a)
      phones.revokeWebPhone(a)
    },
    loginExtras: (a, rt) => (rt.phoneType === 'webrtc' ? { phone: phones.issueWebPhone(a) } : {}),
  }
  // Keeps the bound extension and the Stringee status attributes in the database (chains onto the hooks above).
  persistAgentChanges(core, store.config, app.log)
  sip.on('registered', () => calls.onAvailable())

  // The commands of the contract (sobot-call-sdk/protocol's CommandMap), each by name; the router
  // parses every body with the command's parser before its handler runs.
  const router = new CommandRouter(tokens, dir, hub, core)
  // Login group and supervisor operations (server/acd/agents.ts).
  router.register('login', (c, p) => core.login(c, p))
  router.register('logout', (c) => core.logout(c))
  router.register('ready', (c) => core.ready(c))
  router.register('notReady', (c, p) => core.notReady(c, p))
  router.register('resetLogout', (c) => core.resetLogout(c))
  router.register('forceLogout', (c, p) => core.forceLogout(c, p))
  router.register('forceBusy', (c, p) => core.forceBusy(c, p))
  router.register('forceReady', (c, p) => core.forceReady(c, p))
  router.register('queryStates', () => core.queryStates())
  router.register('queryPhoneType', (c) => core.queryPhoneType(c))
  router.register('queryUnusedExts', (c, p) => core.queryUnusedExts(c, p))
  router.register('queryAgentJoinedQueues', (c) => core.queryAgentJoinedQueues(c))
  router.register('queryAgentLoginInfo', (c) => core.queryAgentLoginInfo(c))
  router.register('queryAgentCanJoinedInfo', (c) => core.queryAgentCanJoinedInfo(c))
  // Calls and after-call work (server/calls/CallControl.ts).
  router.register('makeCall', (c, p) => calls.makeCall(c, p))
  router.register('rejectCall', (c) => calls.rejectCall(c))
  router.register('hangup', (c) => calls.hangup(c))
  router.register('holdCall', (c) => calls.holdCall(c))
  router.register('retrieveCall', (c) => calls.retrieveCall(c))
  router.register('muteCall', (c) => calls.muteCall(c))
  router.register('unmute', (c) => calls.unmute(c))
  router.register('sendDtmf', (c, p) => calls.sendDtmf(c, p))
  router.register('delayACW', (c, p) => calls.delayACW(c, p))
  router.register('completeACW', (c) => calls.completeACW(c))
  router.register('completeACWToBusy', (c) => calls.completeACWToBusy(c))
  // Transfers, consults, conferences, supervision, the satisfaction survey (server/calls/multiparty.ts).
  router.register('singleTransfer', (c, p) => calls.multiparty.singleTransfer(c, p))
  router.register('initiateConsult', (c, p) => calls.multiparty.initiateConsult(c, p))
  router.register('cancelConsult', (c) => calls.multiparty.cancelConsult(c))
  router.register('retrieveConsult', (c) => calls.multiparty.retrieveConsult(c))
  router.register('consultTransfer', (c) => calls.multiparty.consultTransfer(c))
  router.register('consultConference', (c) => calls.multiparty.consultConference(c))
  router.register('sendSatisfy', (c) => calls.multiparty.sendSatisfy(c))
  router.register('observe', (c, p) => calls.multiparty.observe(c, p))
  router.register('bargeIn', (c, p) => calls.multiparty.bargeIn(c, p))
  router.register('intercept', (c, p) => calls.multiparty.intercept(c, p))
  // Queues, agents and outbound routes.
  router.register('queryQueues', (c, p) => {
    const filter = p.queue.toLowerCase()
    const queues = [...dir.queues.values()]
      .filter((q) => q.companyId === c.agent.companyId && (q.id.toLowerCase().includes(filter) || q.name.toLowerCase().includes(filter)))
      .map((q) => ({
        queueCode: q.id,
        queueName: q.name,
        readyMembers: dir.routing
          .filter((r) => r.queueId === q.id)
          .flatMap((r) => dir.groups.get(r.groupId)?.agentUUIDs ?? [])
          .filter((uuid, i, all) => all.indexOf(uuid) === i && core.runtime(uuid).workStatus === 'ready').length,
      }))
    return { queues }
  })
  // The web phone's identity again, for a reloaded page of an agent logged in with phoneType webrtc.
  router.register('phone', (c) => {
    const rt = core.runtime(c.agent.uuid)
    if (rt.agentState === 0 || rt.phoneType !== 'webrtc')
      throw new SobotError('INVALID_STATE', 'The agent is not logged in with the web phone.')
    return { phone: phones.issueWebPhone(c.agent) }
  })
  router.register('queryCountsInQueue', (c) => ({
    queues: dir
      .agentQueues(c.agent.uuid)
      .map(({ queue }) => ({ queueID: queue.id, queueName: queue.name, count: calls.waitingCount(queue.id) })),
  }))
  router.register('queryAgents', (c, p) => queryAgents(dir, core, c, p))
  router.register('queryRoutes', (c) => outbound.queryRoutes(c))
  router.register('setRoute', (c, p) => outbound.setRoute(c, p))
  // EventTierAdded / EventTierRemoved after configuration changes that change an agent's skill groups.
  const tiers = new TierNotifier(dir, core)
  store.config.onChanged = () => tiers.refresh()
  router.install(app)
  await registerRestApi(app, { dir, store, core, tokens: restTokens, calls: liveCalls(calls, dir), multiparty: calls.multiparty })

  const gateway = new EventGateway(tokens, dir, hub, core)
  app.server.on('upgrade', (req, socket, head) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname
    if (pathname === EVENTS_PATH) gateway.handleUpgrade(req, socket, head)
    else if (pathname === SIP_PATH) sip.handleUpgrade(req, socket, head)
    else socket.destroy()
  })

  // The script-tag SDK, where Sobot serves its own, and the demo pages.
  const distDir = path.join(config.rootDir, 'dist')
  if (!existsSync(path.join(distDir, 'sobot-call-sdk.js'))) app.log.warn('dist/sobot-call-sdk.js is missing: run `npm run build`')
  await app.register(fastifyStatic, { root: distDir, prefix: '/call-sdk/', decorateReply: false, cacheControl: false })
  await app.register(fastifyStatic, { root: path.join(config.rootDir, 'demo'), prefix: '/demo/', decorateReply: false })
  app.get('/', (_req, reply) => reply.redirect('/demo/'))
  app.get('/health', () => ({ status: 'ok' }))

  let network: TelephoneNetwork | undefined
  if (config.mode === 'dev') installDevTelephony(app, () => network, phones, privacy)

  if (config.mode === 'dev') {
    // Development helper: a token for any seeded agent, for tests and the demo. Off in production.
    app.post('/dev/token', async (req, reply) => {
      try {
        const body = (req.body ?? {}) as Record<string, unknown>
        const companyId = reqString('companyId', body.companyId, 64)
        if (body.rest === true) {
          // A REST API token (X-STRINGEE-AUTH) of the company.
          const company = dir.companies.get(companyId)
          if (!company) throw new SobotError('INVALID_PARAMETER', `No company ${companyId}.`)
          return { token: await restTokens.sign(company, Number(optString('ttl', body.ttl) ?? 0) || undefined) }
        }
        const agent = reqString('agent', body.agent, 64)
        const agentType = parseAgentType(body.agentType)
        const ttl = Number(optString('ttl', body.ttl) ?? 0) || undefined
        const rec = dir.findAgent(companyId, agent, agentType)
        if (!rec) throw new SobotError('AGENT_NOT_FOUND', `No agent ${agent} in ${companyId}.`)
        return { token: await tokens.signAgent({ companyId, agentUUID: rec.uuid }, ttl) }
      } catch (err) {
        return sendError(reply, err)
      }
    })
  }

  await app.listen({ port: config.port, host: config.host }).catch(async (err: unknown) => {
    await app.close().catch(() => {})
    throw err
  })
  webhooks.start()
  const port = (app.server.address() as AddressInfo).port
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`
  if (config.simulator) {
    network = await TelephoneNetwork.start({
      wsUrl: `${url.replace(/^http/, 'ws')}${SIP_PATH}`,
      domain: config.sipDomain,
      user: 'pstn',
      password: phones.trunkPassword,
      logger,
    })
  }

  let closed = false
  return {
    config,
    url,
    app,
    dir,
    hub,
    core,
    tokens,
    calls,
    phones,
    sip,
    privacy,
    get network() {
      return network
    },
    store,
    webhooks,
    async close() {
      if (closed) return
      closed = true
      // Deliveries stop first; what the closing calls still report is kept in the outbox for the next start.
      await webhooks.close()
      await network?.close()
      await calls.close()
      await b2bua.close()
      // The calls just hung up write their records (and voicemails) before the store closes.
      await calls.router.settled()
      await history.idle()
      await sip.close()
      gateway.close()
      hub.close()
      // fastify closes the keep-alive connections idle when close() starts; one that turns idle a moment
      // later (a response just finishing) would hold the close for the keep-alive timeout without this.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50)
      try {
        await app.close()
      } finally {
        clearInterval(sweep)
      }
    },
  }
}
