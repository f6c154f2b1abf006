import multipart from '@fastify/multipart'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AgentCore } from '../acd/agents'
import type { Company, Directory } from '../acd/directory'
import type { Store } from '../store'
import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgErrorCode } from '../store/db'
import { REST_AUTH_HEADER, type RestTokens } from './auth'
import type { LiveCalls } from '../calls/liveCalls'
import type { Multiparty } from '../calls/multiparty'
import { agents } from './resources/agents'
import { businessHours } from './resources/businessHours'
import { calls } from './resources/calls'
import { extensions } from './resources/extensions'
import { greetings } from './resources/greetings'
import { groupRouting } from './resources/groupRouting'
import { groups, members } from './resources/groups'
import { ivrKeys, ivrNodes, ivrTrees } from './resources/ivr'
import { liveCalls } from './resources/liveCalls'
import { numbers } from './resources/numbers'
import { outboundRoutes, outboundSchemes } from './resources/outbound'
import { project } from './resources/project'
import { queues } from './resources/queues'
import { ApiError, RESULTS } from './result'
import type { Call, Resource } from './route'
import { Str, Type, validate, type Part, type TObject } from './schema'

export const REST_API_PREFIX = '/v1'
/** Greeting uploads larger than this are refused (r = 10). */
export const MAX_GREETING_BYTES = 20 * 1024 * 1024

export interface ApiContext {
  dir: Directory
  store: Store
  /** To refuse changes that would pull the rug from under a logged-in agent. */
  core: AgentCore
  /** The company of the request's verified token. */
  company(req: FastifyRequest): Company
  /** Calls in progress, and the multi-party operations on them (absent: a server without call control). */
  live?: LiveCalls
  multiparty?: Multiparty
}

/** Every resource of the API, in the order the docs list them (docs/REST_FIELDS.md). */
export const RESOURCES: readonly Resource[] = [
  queues,
  agents,
  extensions,
  groups,
  members,
  groupRouting,
  numbers,
  ivrTrees,
  ivrNodes,
  ivrKeys,
  calls,
  greetings,
  liveCalls,
  businessHours,
  outboundSchemes,
  outboundRoutes,
  project,
]

const ID_PARAMS = Type.Object({ id: Str({ max: 128 }) })
const PARTS = { body: 'body', querystring: 'querystring', params: 'params' } as const

/**
 * The Stringee-style REST API under /v1 (docs/REST_API.md). Every request is authenticated by the
 * X-STRINGEE-AUTH token before anything else; every answer carries a result code `r` (result.ts), and
 * bad input gets its code, never a 500.
 */
export async function registerRestApi(
  app: FastifyInstance,
  deps: { dir: Directory; store: Store; core: AgentCore; tokens: RestTokens; calls?: LiveCalls; multiparty?: Multiparty },
): Promise<void> {
  const companies = new WeakMap<FastifyRequest, Company>()
  const ctx: ApiContext = {
    dir: deps.dir,
    store: deps.store,
    core: deps.core,
    live: deps.calls,
    multiparty: deps.multiparty,
    company(req) {
      const c = companies.get(req)
      if (!c) throw new ApiError('AUTH_FAILED')
      return c
    },
  }

  await app.register(
    async (api) => {
      // JSON bodies: an empty body is no body (clients send Content-Type: application/json on GET and
      // DELETE too, as the Stringee documents show), anything else must parse.
      api.removeContentTypeParser(['application/json'])
      api.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
        const s = String(text)
        if (s.trim() === '') return done(null, undefined)
        try {
          done(null, JSON.parse(s))
        } catch (err) {
          done(new ApiError('INVALID_BODY', `The body is not valid JSON: ${(err as Error).message}`), undefined)
        }
      })
      await api.register(multipart, {
        throwFileSizeLimit: true,
        limits: { fileSize: MAX_GREETING_BYTES, files: 1, fields: 10, parts: 12, fieldSize: 4096 },
      })

      api.addHook('onRequest', async (req) => {
        companies.set(req, await deps.tokens.verify(req.headers[REST_AUTH_HEADER], deps.dir))
      })
      // PostgreSQL text cannot hold NUL characters: refuse them wherever they come from.
      api.addHook('preValidation', async (req) => {
        for (const [where, value] of [
          ['the path', req.params],
          ['the query', req.query],
          ['the body', req.body],
        ] as const) {
          if (hasNul(value)) throw new ApiError('INVALID_VALUE', `${where} contains a NUL character.`)
        }
      })

      api.setErrorHandler((err: FastifyError, req, reply) => sendApiError(req, reply, err, companies.get(req)?.projectId))
      api.setNotFoundHandler((req, reply) =>
        sendApiError(
          req,
          reply,
          new ApiError('NO_SUCH_ROUTE', `There is no ${req.method} ${req.url.split('?')[0]}.`),
          companies.get(req)?.projectId,
        ),
      )

      // The routes' schemas are validated by schema.ts, which answers in the result codes.
      api.setValidatorCompiler(({ schema, httpPart }) => {
        const part: Part = PARTS[httpPart as keyof typeof PARTS] ?? 'body'
        return (data: unknown) => {
          try {
            return { value: validate(schema as TObject, data, part) }
          } catch (error) {
            return { error: error as Error }
          }
        }
      })
      for (const r of RESOURCES.flatMap((x) => x.routes)) {
        api.route({
          method: r.method,
          url: r.path,
          schema: {
            ...(r.body ? { body: r.body } : {}),
            ...(r.query ? { querystring: r.query } : {}),
            ...(r.path.includes(':id') ? { params: ID_PARAMS } : {}),
          },
          ...(r.bodyInQuery ? { preValidation: bodyWithQuery } : {}),
          handler: (req, reply) => {
            const call: Call<never, never> = {
              ctx,
              company: ctx.company(req),
              body: req.body as never,
              query: req.query as never,
              id: (req.params as { id?: string }).id ?? '',
              req,
              reply,
            }
            return r.handler(call)
          },
        })
      }
    },
    { prefix: REST_API_PREFIX },
  )
}

/** The query's fields join the body's (the body wins), for routes whose fields may come in either. */
async function bodyWithQuery(req: FastifyRequest): Promise<void> {
  const b = req.body
  if (b === undefined || b === null || (typeof b === 'object' && !Array.isArray(b)))
    req.body = { ...(req.query as Record<string, unknown>), ...(b as Record<string, unknown> | null | undefined) }
}

export function hasNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.includes('\u0000')
  if (depth > 32 || v === null || typeof v !== 'object') return false
  for (const [k, x] of Object.entries(v)) if (k.includes('\u0000') || hasNul(x, depth + 1)) return true
  return false
}

/** Turns anything thrown into a documented result code. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  const e = err as FastifyError & { code?: string }
  const pg = pgErrorCode(err)
  if (pg === PG_UNIQUE_VIOLATION) return new ApiError('ALREADY_EXISTS')
  if (pg === PG_FOREIGN_KEY_VIOLATION) return new ApiError('IN_USE', 'The item refers to, or is referred to by, another item.')
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500
  if (status === 413) return new ApiError('TOO_LARGE', e.message)
  if (status === 415)
    return new ApiError('INVALID_BODY', 'The body must be JSON (Content-Type: application/json), or multipart/form-data for uploads.')
  if (status >= 400 && status < 500) return new ApiError('INVALID_BODY', e.message)
  return new ApiError('SERVER_ERROR')
}

export function sendApiError(req: FastifyRequest, reply: FastifyReply, err: unknown, project?: number): FastifyReply {
  const e = toApiError(err)
  if (e.result === 'SERVER_ERROR') req.log.error({ err }, 'REST API request failed')
  const body: Record<string, unknown> = { r: e.r, message: e.message }
  if (project !== undefined) body.project = project
  // The call history speaks `msg` (stringee-call-management-api.txt); its errors do too.
  if (req.url.startsWith(`${REST_API_PREFIX}/call/`)) body.msg = e.message
  return reply.code(e.http).send(body)
}

export { RESULTS }
