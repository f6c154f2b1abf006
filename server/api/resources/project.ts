import { newWebhookSecret } from '../../store/ids'
import type { OutboxEntry, OutboxStatus } from '../../store/outbox'
import { route, type Resource } from '../route'
import { HttpUrl, OneOf, paging, Str, Type } from '../schema'
import { listData } from '../util'

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

/**
 * The project (company) settings the REST API manages: the call-event URL and the secret webhook
 * requests are signed with, and the delivery log of those events.
 */
export const project: Resource = {
  title: 'The project and its call-event webhooks',
  routes: [
    route({
      method: 'GET',
      path: '/project',
      summary: 'the project: ids, `api_key_sid`, `event_url`, `webhook_secret`',
      answer: '`Load project success`, `data`',
      async handler({ company: c }) {
        const data = {
          id: c.id,
          name: c.name,
          project_id: c.projectId,
          account: c.accountId ?? c.projectId,
          account_sid: c.accountSid ?? '',
          api_key_sid: c.apiKeySid ?? '',
          event_url: c.eventUrl ?? '',
          webhook_secret: c.webhookSecret ?? '',
        }
        return { r: 0, message: 'Load project success', project: c.projectId, data }
      },
    }),
    route({
      method: 'PUT',
      path: '/project',
      summary: 'set the call-event URL',
      answer: '`Update project success`',
      body: Type.Object({ event_url: HttpUrl({ description: 'where call events go; `""` or null: no call events' }) }),
      async handler({ ctx, company: c, body }) {
        await ctx.store.config.saveCompany({ ...c, eventUrl: body.event_url })
        return { r: 0, project: c.projectId, message: 'Update project success' }
      },
    }),
    route({
      method: 'POST',
      path: '/project/webhook-secret',
      summary: 'a new webhook secret (the old one stops at once)',
      answer: '`Rotate webhook secret success`, `webhook_secret`',
      async handler({ ctx, company: c }) {
        const webhookSecret = newWebhookSecret()
        await ctx.store.config.saveCompany({ ...c, webhookSecret })
        return { r: 0, project: c.projectId, webhook_secret: webhookSecret, message: 'Rotate webhook secret success' }
      },
    }),
    route({
      method: 'GET',
      path: '/project/webhook-events',
      summary: 'the delivery log of call events',
      answer: '`Load webhook event(s) success`, `data.events`',
      query: Type.Object({
        status: Type.Optional(OneOf(['pending', 'delivered', 'failed'] as const)),
        call_id: Type.Optional(Str({ max: 128 })),
        ...paging(),
      }),
      async handler({ ctx, company: c, query }) {
        const p = { page: query.page ?? 1, limit: query.limit ?? 50 }
        const { total, rows } = await ctx.store.outbox.list(c.id, {
          status: query.status as OutboxStatus | undefined,
          callId: query.call_id,
          limit: p.limit,
          offset: (p.page - 1) * p.limit,
        })
        return {
          r: 0,
          message: 'Load webhook event(s) success',
          project: c.projectId,
          data: listData('events', { total, rows: rows.map(eventRow) }, p),
        }
      },
    }),
  ],
}
