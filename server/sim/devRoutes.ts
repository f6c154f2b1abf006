import type { FastifyInstance } from 'fastify'
import { optString, parseDialNumber, parseDtmf, reqString, SobotError } from 'sobot-call-sdk/protocol'
import { sendError } from '../cti/commands'
import type { PhoneBook } from '../calls/phones'
import type { PrivacyNumbers } from '../calls/privacy'
import type { TelephoneNetwork } from './network'

/**
 * Development-mode routes of the simulated telephone network (never in production mode):
 *   POST /dev/customers/call          {"to": "<skill group or number>", "from"?: "<number>"} -> {"id"}
 *   GET  /dev/customers               every simulated call
 *   GET  /dev/customers/:id           one: state, DTMF received, audio received
 *   POST /dev/customers/:id/dtmf      {"digits": "123#"}
 *   POST /dev/customers/:id/hangup
 *   POST /dev/numbers/:number         {"answerAfterMs"?, "reject"?, "noAnswer"?}: how a number answers
 *   POST /dev/customers/phone         a SIP identity for the customer phone page
 *   POST /dev/privacy-numbers         {"companyId", "number"} -> {"privacyNumber"}
 */
export function installDevTelephony(
  app: FastifyInstance,
  net: () => TelephoneNetwork | undefined,
  phones: PhoneBook,
  privacy: PrivacyNumbers,
): void {
  const network = (): TelephoneNetwork => {
    const n = net()
    if (!n) throw new SobotError('SERVER_ERROR', 'The simulated telephone network is not running.')
    return n
  }
  const body = (b: unknown): Record<string, unknown> => (b && typeof b === 'object' ? (b as Record<string, unknown>) : {})
  const route =
    (h: (req: { params: Record<string, string>; body: unknown }) => unknown) =>
    async (req: { params: unknown; body: unknown }, reply: Parameters<typeof sendError>[0]) => {
      try {
        return await h({ params: req.params as Record<string, string>, body: req.body })
      } catch (err) {
        return sendError(reply, err)
      }
    }

  app.post(
    '/dev/customers/call',
    route(({ body: b }) => {
      const to = reqString('to', body(b).to, 64)
      const from = parseDialNumber('from', body(b).from, false)
      const call = network().callIn(to, from)
      return { id: call.id, from: call.number, to }
    }),
  )
  app.get(
    '/dev/customers',
    route(() => ({ calls: network().list() })),
  )
  app.get(
    '/dev/customers/:id',
    route(({ params }) => {
      const v = network().get(params.id!)
      if (!v) throw new SobotError('NOT_FOUND', 'No such simulated call.')
      return v
    }),
  )
  app.post(
    '/dev/customers/:id/dtmf',
    route(({ params, body: b }) => {
      if (!network().sendDtmf(params.id!, parseDtmf(body(b).digits)))
        throw new SobotError('CALL_STATE_FORBIDS', 'That call is not talking.')
      return { status: 'success' }
    }),
  )
  app.post(
    '/dev/customers/:id/hangup',
    route(({ params }) => {
      if (!network().hangup(params.id!)) throw new SobotError('NOT_FOUND', 'No such simulated call.')
      return { status: 'success' }
    }),
  )
  app.post(
    '/dev/numbers/:number',
    route(({ params, body: b }) => {
      const number = parseDialNumber('number', params.number, true)!
      const x = body(b)
      const reject = x.reject === undefined ? undefined : Number(x.reject)
      if (reject !== undefined && !(reject >= 400 && reject <= 699))
        throw new SobotError('INVALID_PARAMETER', 'reject: a SIP status 400-699.')
      network().behave(number, {
        ...(x.answerAfterMs !== undefined ? { answerAfterMs: Math.max(0, Number(x.answerAfterMs) || 0) } : {}),
        ...(reject !== undefined ? { reject } : {}),
        ...(x.noAnswer === true ? { noAnswer: true } : {}),
      })
      return { status: 'success' }
    }),
  )
  app.post(
    '/dev/customers/phone',
    route(() => phones.issueCustomer()),
  )
  app.post(
    '/dev/privacy-numbers',
    route(({ body: b }) => {
      const companyId = reqString('companyId', body(b).companyId, 64)
      const number = parseDialNumber('number', body(b).number, true)!
      return { privacyNumber: privacy.encrypt(companyId, optString('number', number)!) }
    }),
  )
}
