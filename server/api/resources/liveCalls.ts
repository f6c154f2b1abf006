import { toSobotError } from 'sobot-call-sdk/protocol'
import { ApiError } from '../result'
import { route, type Resource } from '../route'
import { OneOf, paging, Str, Type } from '../schema'

/** `to` / `from` of the Stringee call API: `{ type: "internal" | "external", number, alias }`. */
const ENDPOINT = Type.Object(
  {
    type: OneOf(['internal', 'external'] as const, {
      description: "`internal`: an agent's `stringee_user_id`; `external`: a phone number",
    }),
    number: Str({ max: 64 }),
    alias: Type.Optional(Str({ max: 64 })),
  },
  { 'x-type': 'an object { type, number, alias }' },
)
type Endpoint = { type: 'internal' | 'external'; number: string }

function endpoint(name: string, e: Endpoint): Endpoint {
  if (e.type === 'external' && !/^\+?[0-9*#]{2,32}$/.test(e.number))
    throw new ApiError('INVALID_VALUE', `${name}.number "${e.number}" is not a phone number.`)
  return { type: e.type, number: e.number }
}

/** The call control's refusals in the REST API's result codes. */
function apiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  const e = toSobotError(err)
  switch (e.errorCode) {
    case 'TARGET_NOT_FOUND':
    case 'EXTENSION_NOT_FOUND':
      return new ApiError('NOT_FOUND', e.errorMessage)
    case 'INVALID_PARAMETER':
    case 'INVALID_TARGET_TYPE':
      return new ApiError('INVALID_VALUE', e.errorMessage)
    case 'SERVER_ERROR':
      return new ApiError('SERVER_ERROR')
    default:
      // TARGET_OFFLINE, TARGET_BUSY, TARGET_IS_SELF, CALL_STATE_FORBIDS: not possible now.
      return new ApiError('CALL_STATE', `${e.errorCode}: ${e.errorMessage}`)
  }
}

function liveOf<T>(x: T | undefined): T {
  if (!x) throw new ApiError('NO_SUCH_ROUTE', 'This server runs without call control.')
  return x
}

/**
 * Calls in progress (stringee-call-management-api.txt): realtime calls and stop call through the
 * LiveCalls interface (server/calls/liveCalls.ts); transfer and add participant carried out by the
 * call control's multi-party operations (server/calls/multiparty.ts).
 */
export const liveCalls: Resource = {
  title: 'Live calls',
  routes: [
    route({
      method: 'GET',
      path: '/call/realtime',
      summary: 'calls in progress',
      answer: '`Load call(s) success`, `data.calls`',
      query: Type.Object(paging(200, 500)),
      async handler({ ctx, company: c, query }) {
        const p = { page: query.page ?? 1, limit: query.limit ?? 200 }
        const all = liveOf(ctx.live).realtime(c.id)
        const calls = all.slice((p.page - 1) * p.limit, p.page * p.limit)
        return {
          r: 0,
          message: 'Load call(s) success',
          project: c.projectId,
          data: { totalCount: all.length, totalPages: Math.ceil(all.length / p.limit), currentPage: p.page, limit: p.limit, calls },
        }
      },
    }),
    route({
      method: 'POST',
      path: '/call/stop',
      summary: 'hang up a call in progress',
      answer: '`Stop call success`, `callId`',
      body: Type.Object({ callId: Str({ max: 128 }) }),
      async handler({ ctx, company: c, body: { callId } }) {
        if (!liveOf(ctx.live).stop(c.id, callId)) throw new ApiError('NOT_FOUND', `No call ${callId} in progress in this project.`)
        return { r: 0, message: 'Stop call success', msg: 'Stop call success', project: c.projectId, callId }
      },
    }),
    route({
      method: 'POST',
      path: '/call/transfer',
      summary: 'hand the customer to an agent or a number (blind transfer)',
      answer: '`msg: Success`, `callId`, `to`',
      body: Type.Object({ callId: Str({ max: 128 }), to: ENDPOINT }),
      async handler({ ctx, company: c, body }) {
        const to = endpoint('to', body.to)
        try {
          liveOf(ctx.multiparty).restTransfer(c.id, body.callId, to)
        } catch (err) {
          throw apiError(err)
        }
        return { r: 0, msg: 'Success', message: 'Success', callId: body.callId, to: { type: to.type, number: to.number, alias: to.number } }
      },
    }),
    route({
      method: 'POST',
      path: '/call/participant',
      summary: 'ring an agent or a number into the call (a conference)',
      answer: '`msg: Success`, `callId`, `to`',
      body: Type.Object({ callId: Str({ max: 128 }), from: Type.Optional(ENDPOINT), to: ENDPOINT }),
      async handler({ ctx, company: c, body }) {
        const from = body.from && endpoint('from', body.from)
        const to = endpoint('to', body.to)
        try {
          liveOf(ctx.multiparty).restAddParticipant(c.id, body.callId, from?.number ?? '', to)
        } catch (err) {
          throw apiError(err)
        }
        return { r: 0, msg: 'Success', message: 'Success', callId: body.callId, to: { type: to.type, number: to.number, alias: to.number } }
      },
    }),
  ],
}
