import type { FastifyInstance } from 'fastify'
import { toSobotError } from 'sobot-call-sdk/protocol'
import type { Multiparty } from '../calls/multiparty'
import { bodyOf, reqStr, type Fields } from './fields'
import type { ApiContext } from './index'
import { ApiError } from './result'

/** `to` / `from` of the Stringee call API: `{ type: "internal" | "external", number, alias }`. */
function endpoint(b: Fields, name: string): { type: 'internal' | 'external'; number: string } {
  const v = b[name]
  if (v === undefined || v === null) throw new ApiError('MISSING_FIELD', `${name} is required.`)
  if (typeof v !== 'object' || Array.isArray(v)) throw new ApiError('INVALID_TYPE', `${name} must be an object { type, number, alias }.`)
  const o = v as Fields
  const type = reqStr(o, 'type', { max: 16 })
  if (type !== 'internal' && type !== 'external')
    throw new ApiError('INVALID_VALUE', `${name}.type must be "internal" (an agent's user id) or "external" (a phone number).`)
  const number = reqStr(o, 'number', { max: 64 })
  if (type === 'external' && !/^\+?[0-9*#]{2,32}$/.test(number))
    throw new ApiError('INVALID_VALUE', `${name}.number "${number}" is not a phone number.`)
  return { type, number }
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

/**
 * Transfer and add participant on live calls (stringee-call-management-api.txt), carried out by the
 * call control's multi-party operations (server/calls/multiparty.ts). docs/REST_API.md has the shapes.
 */
export function registerLiveCallOperations(api: FastifyInstance, ctx: ApiContext, mp: Multiparty): void {
  api.post('/call/transfer', async (req) => {
    const c = ctx.company(req)
    const b = bodyOf(req.body)
    const callId = reqStr(b, 'callId', { max: 128 })
    const to = endpoint(b, 'to')
    try {
      mp.restTransfer(c.id, callId, to)
    } catch (err) {
      throw apiError(err)
    }
    return { r: 0, msg: 'Success', message: 'Success', callId, to: { type: to.type, number: to.number, alias: to.number } }
  })

  api.post('/call/participant', async (req) => {
    const c = ctx.company(req)
    const b = bodyOf(req.body)
    const callId = reqStr(b, 'callId', { max: 128 })
    const from = b.from === undefined ? undefined : endpoint(b, 'from')
    const to = endpoint(b, 'to')
    try {
      mp.restAddParticipant(c.id, callId, from?.number ?? '', to)
    } catch (err) {
      throw apiError(err)
    }
    return { r: 0, msg: 'Success', message: 'Success', callId, to: { type: to.type, number: to.number, alias: to.number } }
  })
}
