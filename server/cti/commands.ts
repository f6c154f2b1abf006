import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  COMMAND_PARSERS,
  CTI_BASE_PATH,
  HEADER_PROTOCOL,
  HEADER_SESSION,
  httpStatusOf,
  isCommandName,
  optString,
  parseInit,
  PROTOCOL_VERSION,
  SobotError,
  toSobotError,
  type CommandName,
  type CommandParams,
  type CommandResult,
  type RawParams,
} from 'sobot-call-sdk/protocol'
import type { AgentCore, Caller } from '../acd/agents'
import type { AgentRecord, Directory } from '../acd/directory'
import { bearer, type TokenService } from '../auth/tokens'
import type { SessionHub } from './hub'

/** A command's handler: the caller and the body as the contract's parser left it; answers with the command's result. */
export type CommandHandler<K extends CommandName> = (c: Caller, params: CommandParams<K>) => CommandResult<K> | Promise<CommandResult<K>>

/** init is the router's own: it creates the session the other commands belong to. */
export type RoutedCommand = Exclude<CommandName, 'init'>

type Result = CommandResult<CommandName>

/** A repeated referenceID within this window gets the first answer instead of acting twice. */
export const IDEMPOTENCY_WINDOW_MS = 60_000

export function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  const e = toSobotError(err)
  if (e.errorCode === 'SERVER_ERROR') reply.log.error({ err }, 'command failed')
  return reply.code(httpStatusOf(e.errorCode)).send({ status: 'error', errorCode: e.errorCode, errorMessage: e.errorMessage })
}

/**
 * The command API: POST /cti/v1/agent/_{name}. Each request is authenticated by its bearer token,
 * bound to the caller's session, deduplicated by referenceID, its body parsed by the command's parser
 * of the contract (src/protocol/commands.ts), and answered in the spec's shape.
 */
export class CommandRouter {
  private readonly handlers = new Map<CommandName, (c: Caller, body: RawParams) => Result | Promise<Result>>()
  private readonly recent = new Map<string, { at: number; result: Promise<Result> }>()

  constructor(
    private readonly tokens: TokenService,
    private readonly dir: Directory,
    private readonly hub: SessionHub,
    private readonly core: AgentCore,
    private readonly now: () => number = Date.now,
  ) {}

  /** The handler of a command; it receives the body parsed (a body the parser refuses never reaches it). */
  register<K extends RoutedCommand>(name: K, handler: CommandHandler<K>): this {
    const parse = COMMAND_PARSERS[name]
    this.handlers.set(name, (c, body) => handler(c, parse(body)))
    return this
  }

  /** Every command of the contract must have its handler: a missing one fails the start, not a request. */
  install(app: FastifyInstance): void {
    const missing = Object.keys(COMMAND_PARSERS).filter((n) => n !== 'init' && !this.handlers.has(n as CommandName))
    if (missing.length) throw new Error(`CommandRouter: no handler for ${missing.join(', ')}`)
    app.post(`${CTI_BASE_PATH}/agent/:command`, async (req, reply) => {
      try {
        return reply.send({ status: 'success', ...(await this.handle(req)) })
      } catch (err) {
        return sendError(reply, err)
      }
    })
  }

  private async authenticate(req: FastifyRequest): Promise<AgentRecord> {
    const claims = await this.tokens.verifyAgent(bearer(req.headers.authorization))
    const agent = this.dir.agentByUUID(claims.companyId, claims.agentUUID)
    if (!agent) throw new SobotError('TOKEN_INVALID', 'The token names an agent that no longer exists.')
    return agent
  }

  private async handle(req: FastifyRequest): Promise<Result> {
    const version = req.headers[HEADER_PROTOCOL]
    if (version !== undefined && version !== String(PROTOCOL_VERSION)) {
      throw new SobotError('PROTOCOL_UNSUPPORTED', `This server speaks protocol ${PROTOCOL_VERSION}, not ${String(version)}.`)
    }
    const name = String((req.params as { command: string }).command ?? '').replace(/^_/, '')
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>
    const agent = await this.authenticate(req)
    const referenceID = optString('referenceID', body.referenceID, 128) ?? ''
    if (name === 'init') return this.init(agent, body, referenceID)
    const handler = isCommandName(name) ? this.handlers.get(name) : undefined
    if (!handler) throw new SobotError('NOT_FOUND', `There is no command ${name}.`)
    const sessionId = this.session(agent, req.headers[HEADER_SESSION])
    if (!referenceID) return handler({ agent, sessionId, referenceID }, body)
    const key = `${agent.uuid}:${referenceID}`
    this.prune()
    const seen = this.recent.get(key)
    if (seen) return seen.result
    const result = Promise.resolve().then(() => handler({ agent, sessionId, referenceID }, body))
    this.recent.set(key, { at: this.now(), result })
    // Only executed commands are remembered; a refusal may be retried with the same id.
    result.catch(() => this.recent.delete(key))
    return result
  }

  /** The session a command belongs to: ended sessions are refused; unknown ones (a server restart) are taken up again. */
  private session(agent: AgentRecord, header: string | string[] | undefined): string | undefined {
    const id = typeof header === 'string' ? header : undefined
    if (!id) return undefined
    if (this.hub.endedReason(id)) throw new SobotError('SESSION_OFFLINE')
    const s = this.hub.get(id) ?? this.hub.create(agent.companyId, agent.uuid, id)
    if (s.agentUUID !== agent.uuid) throw new SobotError('PERMISSION_DENIED', 'That session belongs to another agent.')
    return id
  }

  private init(agent: AgentRecord, body: Record<string, unknown>, referenceID: string): CommandResult<'init'> {
    const { companyId, agent: name, agentType } = parseInit(body)
    if (companyId !== agent.companyId) throw new SobotError('COMPANY_MISMATCH')
    const named = this.dir.findAgent(companyId, name, agentType)
    if (!named) throw new SobotError('AGENT_NOT_FOUND', `No agent ${name} (${agentType === '1' ? 'id' : 'work number'}) in ${companyId}.`)
    if (named.uuid !== agent.uuid) throw new SobotError('AGENT_MISMATCH')
    const rt = this.core.runtime(agent.uuid)
    rt.agentType = agentType
    const session = this.hub.create(companyId, agent.uuid)
    // An agent that is not offline finds its state again (the spec's EventAgentRegainStatus).
    if (rt.agentState !== 0) this.hub.publishTo(session, this.core.regainStatusEvent(agent, referenceID))
    return {
      sessionId: session.id,
      agentUUID: agent.uuid,
      agentID: agent.agentID,
      isSupervisor: agent.supervisor,
      agentStateInfo: this.core.agentStateInfo(agent),
      workStatusInfo: rt.call,
    }
  }

  private prune(): void {
    const cutoff = this.now() - IDEMPOTENCY_WINDOW_MS
    for (const [k, v] of this.recent) {
      if (v.at >= cutoff) break
      this.recent.delete(k)
    }
  }
}
