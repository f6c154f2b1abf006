import type { FastifyInstance } from 'fastify'
import { newWebhookSecret } from '../store/ids'
import type { OutboxEntry, OutboxStatus } from '../store/outbox'
import { bodyOf, listData, paging, present, queryStr, type Fields } from './fields'
import type { ApiContext } from './index'
import { ApiError } from './result'
import { httpUrl } from './util'

/**
 * The project (company) settings the REST API manages: the call-event URL and the secret webhook
 * requests are signed with, and the delivery log of those events.
 */
export function registerProject(api: FastifyInstance, ctx: ApiContext): void {
  api.get('/project', async (req) => {
    const c = ctx.company(req)
    return {
      r: 0,
      message: 'Load project success',
      project: c.projectId,
      data: {
        id: c.id,
        name: c.name,
        project_id: c.projectId,
        account: c.accountId ?? c.projectId,
        account_sid: c.accountSid ?? '',
        api_key_sid: c.apiKeySid ?? '',
        event_url: c.eventUrl ?? '',
        webhook_secret: c.webhookSecret ?? '',
      },
    }
  })

  api.put('/project', async (req) => {
    const c = ctx.company(req)
    const b = bodyOf(req.body)
    if (!present(b, 'event_url')) throw new ApiError('MISSING_FIELD', 'event_url is required ("" or null turns call events off).')
    const eventUrl = httpUrl(b, 'event_url') ?? null
    await ctx.store.config.saveCompany({ ...c, eventUrl })
    return { r: 0, project: c.projectId, message: 'Update project success' }
  })

  api.post('/project/webhook-secret', async (req) => {
    const c = ctx.company(req)
    const webhookSecret = newWebhookSecret()
    await ctx.store.config.saveCompany({ ...c, webhookSecret })
    return { r: 0, project: c.projectId, webhook_secret: webhookSecret, message: 'Rotate webhook secret success' }
  })

  api.get('/project/webhook-events', async (req) => {
    const c = ctx.company(req)
    const q = req.query as Fields
    const status = queryStr(q, 'status', 16)
    if (status && !['pending', 'delivered', 'failed'].includes(status))
      throw new ApiError('INVALID_VALUE', 'status must be pending, delivered or failed.')
    const p = paging(q)
    const { total, rows } = await ctx.store.outbox.list(c.id, {
      status: status as OutboxStatus | undefined,
      callId: queryStr(q, 'call_id', 128),
      limit: p.limit,
      offset: (p.page - 1) * p.limit,
    })
    return {
      r: 0,
      message: 'Load webhook event(s) success',
      project: c.projectId,
      data: listData('events', { total, rows: rows.map(eventRow) }, p),
    }
  })
}

function eventRow(e: OutboxEntry): Record<string, unknown> {
  return {
    id: e.id,
    call_id: e.callId,
    call_status: e.callStatus,
    url: e.url,
    status: e.status,
    attempts: e.attempts,
    next_attempt_at: e.nextAttemptAt,
    last_error: e.lastError,
    last_http_status: e.lastHttpStatus,
    created_at: e.createdAt,
    delivered_at: e.deliveredAt,
  }
}
