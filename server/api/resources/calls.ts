import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Company } from '../../acd/directory'
import { CALL_SORT_COLUMNS, type CallFilter, type CallRecord, type CallSortBy } from '../../store/calls'
import { REST_API_PREFIX } from '../index'
import { ApiError } from '../result'
import { route, type Call, type Resource } from '../route'
import { Int, IntOf, paging, Str, Type, type Static } from '../schema'

export const CALL_LOG_DEFAULT_LIMIT = 10
export const CALL_LOG_MAX_LIMIT = 100
const opt = Type.Optional
const MAX_INT = 2_147_483_647

/** The call history's filters (all optional, combined with AND). */
const FILTERS = Type.Object({
  call_id: opt(Str({ max: 128, description: 'that call' })),
  time: opt(
    Str({
      max: 64,
      description:
        '`FROM-TO`, epoch ms, on `start_time`, both ends inclusive; either end may be left out (`FROM-`, `-TO`); `FROM,TO` works too',
    }),
  ),
  answer_duration: opt(Int({ min: 0, max: MAX_INT, description: '`answer_duration` at least this many seconds' })),
  queue_duration: opt(Int({ min: 0, max: MAX_INT, description: 'time in the queue (`enqueue_time`) at least this many seconds' })),
  direction: opt(IntOf([0, 1, 2], { description: '0 callout, 1 callin, 2 internal' })),
  agent_id: opt(Str({ max: 128, description: "the agent (the row's `account`)" })),
  status: opt(IntOf([1, 2, 3, 4], { description: '1 met an agent, 2 missed, 3 stopped at the IVR, 4 stopped at the survey IVR' })),
  stringee_number: opt(Str({ max: 32, description: 'the number contains this text' })),
  customer_number: opt(Str({ max: 32, description: 'the number contains this text' })),
  has_voicemail: opt(IntOf([0, 1])),
  ...paging(CALL_LOG_DEFAULT_LIMIT, CALL_LOG_MAX_LIMIT),
  sort_order: opt(Str({ max: 1000, default: 'desc', description: '`asc` or `desc`, any case; anything else `r = 12`' })),
  sort_by: opt(
    Str({
      max: 1000,
      default: 'start_time',
      description: `one of ${Object.keys(CALL_SORT_COLUMNS)
        .map((k) => `\`${k}\``)
        .join(', ')}; anything else \`r = 13\``,
    }),
  ),
})

export function parseCallFilter(q: Static<typeof FILTERS>): CallFilter {
  const sortOrder = (q.sort_order ?? 'desc').toLowerCase()
  if (sortOrder !== 'asc' && sortOrder !== 'desc')
    throw new ApiError('SORT_ORDER_NOT_ALLOWED', `Sort_order not allowed: use asc or desc, not "${String(q.sort_order).slice(0, 40)}".`)
  const sortBy = (q.sort_by ?? 'start_time').toLowerCase()
  if (!(sortBy in CALL_SORT_COLUMNS))
    throw new ApiError('SORT_BY_NOT_ALLOWED', `Sort_by not allowed: use one of ${Object.keys(CALL_SORT_COLUMNS).join(', ')}.`)
  const f: CallFilter = { page: q.page ?? 1, limit: q.limit ?? CALL_LOG_DEFAULT_LIMIT, sortBy: sortBy as CallSortBy, sortOrder }
  if (q.call_id) f.callId = q.call_id
  if (q.time) {
    const m = /^(\d{0,15})\s*[-,]\s*(\d{0,15})$/.exec(q.time)
    if (!m || (!m[1] && !m[2]))
      throw new ApiError('INVALID_VALUE', 'time must be FROM-TO in epoch milliseconds (either side may be left out).')
    if (m[1]) f.timeFrom = Number(m[1])
    if (m[2]) f.timeTo = Number(m[2])
    if (f.timeFrom !== undefined && f.timeTo !== undefined && f.timeFrom > f.timeTo)
      throw new ApiError('INVALID_VALUE', 'time: FROM is after TO.')
  }
  const set = <K extends keyof CallFilter>(k: K, v: CallFilter[K] | undefined): void => {
    if (v !== undefined) f[k] = v
  }
  set('minAnswerDuration', q.answer_duration)
  set('minQueueDuration', q.queue_duration)
  set('direction', q.direction)
  set('status', q.status)
  if (q.has_voicemail !== undefined) f.hasVoicemail = q.has_voicemail === 1
  set('agentId', q.agent_id)
  set('stringeeNumber', q.stringee_number)
  set('customerNumber', q.customer_number)
  return f
}

/** A history row: every field of the document's sample, in its order, then this server's additions. */
export function callRow(r: CallRecord, c: Company): Record<string, unknown> {
  return {
    object_type: 'call',
    id: r.id,
    project_id: c.projectId,
    customer_number: r.customerNumber,
    stringee_number: r.stringeeNumber,
    direction: r.direction,
    start_time: r.startTime,
    end_time: r.endTime,
    answer_time: r.answerTime,
    enqueue_time: r.enqueueTime,
    duration: r.duration,
    ivr_duration: r.ivrDuration,
    portal: r.portal,
    account: r.agentId,
    hold_duration: r.holdDuration,
    talk_duration: r.talkDuration,
    recorded: r.recorded,
    have_voice_mail: r.haveVoiceMail,
    end_call_reason: r.endCallReason,
    route_to_agent: r.routeToAgent,
    acw_duration: r.acwDuration,
    status: r.status,
    account_name: r.accountName,
    account_email: r.accountEmail,
    campaign_name: r.campaignName,
    contactname: r.contactName,
    company_id: r.contactCompanyId,
    companyname: r.contactCompanyName,
    from_user_id: r.fromUserId,
    record_path: r.recorded ? `${REST_API_PREFIX}/call/recording/${encodeURIComponent(r.id)}` : null,
    participants: r.participants ?? null,
    answer_duration: r.answerDuration,
    answer_duration_minutes: Math.ceil(r.answerDuration / 60),
    first_answer_time: r.firstAnswerTime,
    callee: r.callee,
    video_call: r.videoCall === null ? null : r.videoCall ? 1 : 0,
    queue_id: r.queueId,
    attached_data: r.attachedData,
    end_cause: r.endCause,
    satisfaction_key: r.satisfactionKey,
  }
}

async function history({ ctx, company: c, query }: Call<unknown, Static<typeof FILTERS>>) {
  const f = parseCallFilter(query)
  const { total, rows } = await ctx.store.calls.search(c.id, f)
  return {
    r: 0,
    msg: 'Success',
    message: 'Success',
    data: {
      totalCount: total,
      totalPages: Math.ceil(total / f.limit),
      currentPage: f.page,
      limit: f.limit,
      rows: rows.map((r) => callRow(r, c)),
    },
  }
}

/**
 * The call management API (stringee-call-management-api.txt): the call history and recordings.
 * Realtime calls, stop call, transfer and add participant are in liveCalls.ts.
 */
export const calls: Resource = {
  title: 'Call history and recordings (stringee-call-management-api.txt)',
  routes: [
    route({
      method: 'GET',
      path: '/call/log',
      summary: 'the call history',
      answer: '`msg: Success`, `data.rows`',
      query: FILTERS,
      handler: history,
    }),
    // StringeeX names the same list /v1/call/history.
    route({ method: 'GET', path: '/call/history', summary: 'the same', answer: 'the same', query: FILTERS, handler: history }),
    route({
      method: 'GET',
      path: '/call/recording/:id',
      idName: 'CALL_ID',
      summary: 'download the recording',
      answer: '`audio/wav` bytes',
      async handler({ ctx, company: c, id: callId, reply }) {
        const rec = await ctx.store.recordings.get(c.id, callId)
        if (!rec) throw new ApiError('NOT_FOUND', `Call ${callId} has no recording.`)
        const info = await stat(rec.file).catch(() => undefined)
        if (!info) throw new ApiError('NOT_FOUND', `The recording of call ${callId} is missing from the disk.`)
        return reply
          .header('content-type', rec.format === 'wav' ? 'audio/wav' : 'application/octet-stream')
          .header('content-length', String(info.size))
          .header('content-disposition', `attachment; filename="${callId.replace(/[^A-Za-z0-9._-]/g, '_')}.${rec.format}"`)
          .send(createReadStream(rec.file))
      },
    }),
    route({
      method: 'DELETE',
      path: '/call/recording/:id',
      idName: 'CALL_ID',
      summary: 'delete the recording',
      answer: '`Delete record success`',
      async handler({ ctx, company: c, id: callId }) {
        if (!(await ctx.store.recordings.delete(c.id, callId))) throw new ApiError('NOT_FOUND', `Call ${callId} has no recording.`)
        return { r: 0, msg: 'Delete record success', message: 'Delete record success', project: c.projectId }
      },
    }),
  ],
}
