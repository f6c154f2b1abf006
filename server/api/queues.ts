import type { FastifyInstance } from 'fastify'
import { DEFAULT_QUEUE_SETTINGS, queueSettings, type QueueSettings, type SkillGroup } from '../acd/directory'
import { newId } from '../store/ids'
import { bodyOf, listData, optBool, optInt, optNullableStr, optStr, paging, PHONE_NUMBER, reqStr, type Fields } from './fields'
import type { ApiContext } from './index'
import { ApiError } from './result'
import { httpUrl, idParam } from './util'

/** Settings of the queue API with their rules (stringee-queue-api.txt); defaults in DEFAULT_QUEUE_SETTINGS. */
function parseSettings(b: Fields): Partial<QueueSettings> {
  const s: Partial<QueueSettings> = {}
  const set = <K extends keyof QueueSettings>(k: K, v: QueueSettings[K] | undefined): void => {
    if (v !== undefined) s[k] = v
  }
  set('record_calls', optBool(b, 'record_calls'))
  set('agent_wrap_up_after_calls', optBool(b, 'agent_wrap_up_after_calls'))
  set('wrap_up_time_limit', optInt(b, 'wrap_up_time_limit', { min: 0, max: 3600 }))
  set('schedule', optInt(b, 'schedule', { oneOf: [1, 2] }) as 1 | 2 | undefined)
  set('wait_agent_answer_timeout', optInt(b, 'wait_agent_answer_timeout', { min: 3, max: 600 }))
  set('wait_greeting', optNullableStr(b, 'wait_greeting', { max: 255 }))
  set('hold_greeting', optNullableStr(b, 'hold_greeting', { max: 255 }))
  set('maximum_queue_size', optInt(b, 'maximum_queue_size', { min: 0, max: 10_000 }))
  set('maximum_queue_wait_time', optInt(b, 'maximum_queue_wait_time', { min: 0, max: 86_400 }))
  set('from_number_callout_to_agent', optNullableStr(b, 'from_number_callout_to_agent', { max: 21, pattern: PHONE_NUMBER }))
  set('get_list_agents_url', httpUrl(b, 'get_list_agents_url'))
  set('cond_routing', optInt(b, 'cond_routing', { oneOf: [1, 2] }) as 1 | 2 | undefined)
  set('enable_voicemail', optBool(b, 'enable_voicemail'))
  return s
}

/** A queue as the list shows it: the sample's fields (booleans as 0/1, no greeting as ""), then the rest. */
export function queueRow(q: SkillGroup, account: number, project: number): Record<string, unknown> {
  const s = queueSettings(q)
  return {
    id: q.id,
    account,
    project,
    name: q.name,
    agent_wrap_up_after_calls: s.agent_wrap_up_after_calls ? 1 : 0,
    wrap_up_time_limit: s.wrap_up_time_limit,
    enable_voicemail: s.enable_voicemail ? 1 : 0,
    schedule: s.schedule,
    wait_greeting: s.wait_greeting ?? '',
    hold_greeting: s.hold_greeting ?? '',
    wait_agent_answer_timeout: s.wait_agent_answer_timeout,
    record_calls: s.record_calls ? 1 : 0,
    maximum_queue_size: s.maximum_queue_size,
    maximum_queue_wait_time: s.maximum_queue_wait_time,
    from_number_callout_to_agent: s.from_number_callout_to_agent ?? '',
    get_list_agents_url: s.get_list_agents_url ?? '',
    cond_routing: s.cond_routing,
  }
}

/** Queues: POST/GET /v1/queue, GET/PUT/DELETE /v1/queue/{QUEUE_ID}. */
export function registerQueues(api: FastifyInstance, ctx: ApiContext): void {
  const own = (companyId: string, id: string): SkillGroup => {
    const q = ctx.dir.queues.get(id)
    if (!q || q.companyId !== companyId) throw new ApiError('NOT_FOUND', `No queue ${id} in this project.`)
    return q
  }

  api.post('/queue', async (req) => {
    const c = ctx.company(req)
    const b = bodyOf(req.body)
    const name = reqStr(b, 'name', { max: 128 })
    const settings = { ...DEFAULT_QUEUE_SETTINGS, ...parseSettings(b) }
    const q = await ctx.store.config.saveQueue({ id: newId('QU'), companyId: c.id, name, settings })
    return { r: 0, project: c.projectId, queueID: q.id, message: 'Create queue success' }
  })

  api.get('/queue', async (req) => {
    const c = ctx.company(req)
    const p = paging(req.query as Fields)
    const all = [...ctx.dir.queues.values()]
      .filter((q) => q.companyId === c.id)
      .map((q) => queueRow(q, c.accountId ?? c.projectId, c.projectId))
    const data = listData('queues', all, p)
    // The document's two samples name the count totalCount and totalQueues: both are given.
    return { r: 0, message: 'Load queue(s) success', project: c.projectId, data: { ...data, totalQueues: data.totalCount } }
  })

  api.get('/queue/:id', async (req) => {
    const c = ctx.company(req)
    const q = own(c.id, idParam(req))
    return { r: 0, message: 'Load queue success', project: c.projectId, data: queueRow(q, c.accountId ?? c.projectId, c.projectId) }
  })

  api.put('/queue/:id', async (req) => {
    const c = ctx.company(req)
    const q = own(c.id, idParam(req))
    const b = bodyOf(req.body)
    const name = optStr(b, 'name', { max: 128 })
    const settings = { ...queueSettings(q), ...parseSettings(b) }
    await ctx.store.config.saveQueue({ ...q, name: name ?? q.name, settings })
    return { r: 0, message: 'Update queue success', project: c.projectId }
  })

  api.delete('/queue/:id', async (req) => {
    const c = ctx.company(req)
    const q = own(c.id, idParam(req))
    const numbers = [...ctx.dir.numbers.values()].filter((n) => n.queueId === q.id).map((n) => n.number)
    const keys = [...ctx.dir.ivrKeys.values()].filter((k) => k.queueId === q.id).map((k) => k.id)
    if (numbers.length || keys.length) {
      throw new ApiError(
        'IN_USE',
        `Queue ${q.id} is used by ${[numbers.length ? `numbers ${numbers.join(', ')}` : '', keys.length ? `IVR keys ${keys.join(', ')}` : ''].filter(Boolean).join(' and ')}.`,
      )
    }
    await ctx.store.config.deleteQueue(q.id)
    return { r: 0, project: c.projectId, message: 'Delete queue success' }
  })
}
