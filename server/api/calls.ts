import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Company } from '../acd/directory'
import { CALL_SORT_COLUMNS, type CallFilter, type CallRecord, type CallSortBy } from '../store/calls'
import { newId } from '../store/ids'
import type { Greeting } from '../store/media'
import { paging, queryInt, queryStr, listData, type Fields } from './fields'
import { REST_API_PREFIX, type ApiContext } from './index'
import { ApiError } from './result'
import { idParam } from './util'
import { GREETING_RATE, toGreetingWav } from './wav'

/**
 * The call management API: call history (GET /v1/call/log), recordings (GET and DELETE
 * /v1/call/recording/{CALL_ID}) and greeting files (/v1/greetingfile). Realtime calls, transfer, stop
 * call and add participant belong to the call control (docs/REST_API.md describes what they expect).
 */
export function registerCalls(api: FastifyInstance, ctx: ApiContext): void {
  const history = async (req: FastifyRequest) => {
    const c = ctx.company(req)
    const q = req.query as Fields
    const f = parseCallFilter(q)
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
  api.get('/call/log', history)
  // StringeeX names the same list /v1/call/history.
  api.get('/call/history', history)

  api.get('/call/recording/:id', async (req, reply) => {
    const c = ctx.company(req)
    const callId = idParam(req)
    const rec = await ctx.store.recordings.get(c.id, callId)
    if (!rec) throw new ApiError('NOT_FOUND', `Call ${callId} has no recording.`)
    const info = await stat(rec.file).catch(() => undefined)
    if (!info) throw new ApiError('NOT_FOUND', `The recording of call ${callId} is missing from the disk.`)
    return reply
      .header('content-type', rec.format === 'wav' ? 'audio/wav' : 'application/octet-stream')
      .header('content-length', String(info.size))
      .header('content-disposition', `attachment; filename="${callId.replace(/[^A-Za-z0-9._-]/g, '_')}.${rec.format}"`)
      .send(createReadStream(rec.file))
  })

  api.delete('/call/recording/:id', async (req) => {
    const c = ctx.company(req)
    const callId = idParam(req)
    if (!(await ctx.store.recordings.delete(c.id, callId))) throw new ApiError('NOT_FOUND', `Call ${callId} has no recording.`)
    return { r: 0, msg: 'Delete record success', message: 'Delete record success', project: c.projectId }
  })

  registerGreetings(api, ctx)
}

// --- call history -------------------------------------------------------------------------------

export const CALL_LOG_DEFAULT_LIMIT = 10
export const CALL_LOG_MAX_LIMIT = 100

export function parseCallFilter(q: Fields): CallFilter {
  const sortOrderRaw = queryStr(q, 'sort_order', 1000)
  const sortOrder = (sortOrderRaw ?? 'desc').toLowerCase()
  if (sortOrder !== 'asc' && sortOrder !== 'desc')
    throw new ApiError('SORT_ORDER_NOT_ALLOWED', `Sort_order not allowed: use asc or desc, not "${String(sortOrderRaw).slice(0, 40)}".`)
  const sortBy = (queryStr(q, 'sort_by', 1000) ?? 'start_time').toLowerCase()
  if (!(sortBy in CALL_SORT_COLUMNS))
    throw new ApiError('SORT_BY_NOT_ALLOWED', `Sort_by not allowed: use one of ${Object.keys(CALL_SORT_COLUMNS).join(', ')}.`)
  const { page, limit } = paging(q, CALL_LOG_DEFAULT_LIMIT, CALL_LOG_MAX_LIMIT)
  const f: CallFilter = { page, limit, sortBy: sortBy as CallSortBy, sortOrder }
  const callId = queryStr(q, 'call_id', 128)
  if (callId) f.callId = callId
  const time = queryStr(q, 'time', 64)
  if (time) {
    const m = /^(\d{0,15})\s*[-,]\s*(\d{0,15})$/.exec(time)
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
  set('minAnswerDuration', queryInt(q, 'answer_duration', { min: 0, max: 2_147_483_647 }))
  set('minQueueDuration', queryInt(q, 'queue_duration', { min: 0, max: 2_147_483_647 }))
  set('direction', queryInt(q, 'direction', { oneOf: [0, 1, 2] }) as CallFilter['direction'])
  set('status', queryInt(q, 'status', { oneOf: [1, 2, 3, 4] }) as CallFilter['status'])
  const vm = queryInt(q, 'has_voicemail', { oneOf: [0, 1] })
  if (vm !== undefined) f.hasVoicemail = vm === 1
  set('agentId', queryStr(q, 'agent_id', 128))
  set('stringeeNumber', queryStr(q, 'stringee_number', 32))
  set('customerNumber', queryStr(q, 'customer_number', 32))
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

// --- greeting files -----------------------------------------------------------------------------

function greetingRow(g: Greeting): Record<string, unknown> {
  return {
    id: g.id,
    fileSid: g.id,
    filename: g.filename,
    desc: g.description,
    original_name: g.originalName,
    sample_rate: g.sampleRate,
    channels: g.channels,
    bytes: g.bytes,
    duration_ms: g.durationMs,
    created: g.createdAt,
  }
}

function registerGreetings(api: FastifyInstance, ctx: ApiContext): void {
  api.post('/greetingfile', async (req) => {
    const c = ctx.company(req)
    if (!req.isMultipart())
      throw new ApiError('INVALID_BODY', 'Upload the file as multipart/form-data, in the field file_upload (and desc).')
    let desc = queryStr(req.query as Fields, 'desc', 255) ?? ''
    let upload: { name: string; data: Buffer } | undefined
    let stray: string | undefined
    try {
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          const data = await part.toBuffer()
          if (part.fieldname === 'file_upload') upload = { name: (part.filename ?? '').replace(/\u0000/g, ''), data }
          else stray = part.fieldname
        } else if (part.fieldname === 'desc') {
          if (typeof part.value !== 'string') throw new ApiError('INVALID_TYPE', 'desc must be text.')
          if (part.value.length > 255) throw new ApiError('INVALID_VALUE', 'desc must be at most 255 characters.')
          if (part.value.includes('\u0000')) throw new ApiError('INVALID_VALUE', 'desc contains a NUL character.')
          desc = part.value.trim()
        }
      }
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode
      if (err instanceof ApiError || status === 413) throw err
      // A malformed multipart body (no boundary, cut short, ...) is the client's, not a server failure.
      throw new ApiError('INVALID_BODY', `The multipart body could not be read: ${(err as Error).message}`)
    }
    if (!upload)
      throw new ApiError('MISSING_FIELD', stray ? `The file must be in the field file_upload, not ${stray}.` : 'file_upload is required.')
    if (upload.data.byteLength === 0) throw new ApiError('UNSUPPORTED_FILE', 'The uploaded file is empty.')
    const { wav, durationMs } = toGreetingWav(upload.data)
    const g = await ctx.store.greetings.save(
      {
        id: newId('', 16),
        companyId: c.id,
        filename: `${newId('', 10)}-${Date.now()}.wav`,
        description: desc,
        originalName: upload.name.slice(0, 255),
        sampleRate: GREETING_RATE,
        channels: 1,
        durationMs,
      },
      wav,
    )
    return { r: 0, project: c.projectId, filename: g.filename, fileSid: g.id, message: 'Upload file success', data: greetingRow(g) }
  })

  api.get('/greetingfile', async (req) => {
    const c = ctx.company(req)
    const p = paging(req.query as Fields)
    const { total, rows } = await ctx.store.greetings.list(c.id, p.page, p.limit)
    return {
      r: 0,
      message: 'Load greeting file(s) success',
      project: c.projectId,
      data: listData('files', { total, rows: rows.map(greetingRow) }, p),
    }
  })

  api.get('/greetingfile/:id', async (req) => {
    const c = ctx.company(req)
    const g = await ctx.store.greetings.get(c.id, idParam(req))
    if (!g) throw new ApiError('NOT_FOUND', 'No such greeting file in this project.')
    return { r: 0, message: 'Load greeting file success', project: c.projectId, data: greetingRow(g) }
  })

  api.get('/greetingfile/:id/file', async (req, reply) => {
    const c = ctx.company(req)
    const g = await ctx.store.greetings.get(c.id, idParam(req))
    if (!g) throw new ApiError('NOT_FOUND', 'No such greeting file in this project.')
    const file = ctx.store.greetings.fileOf(g)
    const info = await stat(file).catch(() => undefined)
    if (!info) throw new ApiError('NOT_FOUND', 'The greeting file is missing from the disk.')
    return reply.header('content-type', 'audio/wav').header('content-length', String(info.size)).send(createReadStream(file))
  })

  api.delete('/greetingfile/:id', async (req) => {
    const c = ctx.company(req)
    const g = await ctx.store.greetings.get(c.id, idParam(req))
    if (!g) throw new ApiError('NOT_FOUND', 'No such greeting file in this project.')
    const queues = [...ctx.dir.queues.values()]
      .filter((q) => q.companyId === c.id && (q.settings?.wait_greeting === g.filename || q.settings?.hold_greeting === g.filename))
      .map((q) => q.id)
    const nodes = [...ctx.dir.ivrNodes.values()]
      .filter((n) => n.companyId === c.id && n.playMode === 'play' && n.playContent === g.filename)
      .map((n) => n.id)
    if (queues.length || nodes.length)
      throw new ApiError('IN_USE', `Greeting ${g.filename} is used by ${[...queues, ...nodes].join(', ')}.`)
    await ctx.store.greetings.delete(c.id, g.id)
    return { r: 0, project: c.projectId, message: 'Delete file success' }
  })
}
