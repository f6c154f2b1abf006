import { DEFAULT_QUEUE_SETTINGS, queueSettings, type QueueSettings, type SkillGroup } from '../../acd/directory'
import { newId } from '../../store/ids'
import { ApiError } from '../result'
import { crud, owned } from '../route'
import { Bool, Clearable, HttpUrl, Int, IntOf, PHONE_NUMBER, Str, Type, type Static } from '../schema'
import { account, bit } from '../util'

const d = DEFAULT_QUEUE_SETTINGS
const opt = Type.Optional

/** Every setting of the queue API (stringee-queue-api.txt), with its documented default. */
const SETTINGS = {
  record_calls: opt(Bool({ default: d.record_calls })),
  agent_wrap_up_after_calls: opt(Bool({ default: d.agent_wrap_up_after_calls })),
  wrap_up_time_limit: opt(Int({ min: 0, max: 3600, default: d.wrap_up_time_limit, description: 'seconds' })),
  schedule: opt(IntOf([1, 2], { default: d.schedule, description: '1 always route calls, 2 business hours (`/v1/business-hours`)' })),
  wait_agent_answer_timeout: opt(Int({ min: 3, max: 600, default: d.wait_agent_answer_timeout, description: 'seconds' })),
  wait_greeting: opt(
    Clearable({
      max: 255,
      description:
        "a greeting's `filename`. Not checked against the uploads, so that the document's sample (`file-1.mp3`) is accepted; for a name it cannot find the server plays its generated music instead",
    }),
  ),
  hold_greeting: opt(Clearable({ max: 255, description: 'as `wait_greeting`: the music on hold' })),
  maximum_queue_size: opt(Int({ min: 0, max: 10_000, default: d.maximum_queue_size, description: '0: no limit' })),
  maximum_queue_wait_time: opt(Int({ min: 0, max: 86_400, default: d.maximum_queue_wait_time, description: 'seconds; 0: no limit' })),
  from_number_callout_to_agent: opt(Clearable({ max: 21, pattern: PHONE_NUMBER })),
  get_list_agents_url: opt(HttpUrl({ description: 'the agents to offer a call to (see Routing)' })),
  cond_routing: opt(IntOf([1, 2], { default: d.cond_routing, description: '1 the web phone (or a mobile) only, 2 SIP phones too' })),
  enable_voicemail: opt(Bool({ default: d.enable_voicemail })),
} satisfies Record<keyof QueueSettings, unknown>

const CREATE = Type.Object({ name: Str({ max: 128 }), ...SETTINGS })
const UPDATE = Type.Partial(CREATE)

function settingsOf(b: Partial<Static<typeof CREATE>>): Partial<QueueSettings> {
  const { name: _, ...settings } = b
  return settings
}

/** A queue as the list shows it: the sample's fields (booleans as 0/1, no greeting as ""), then the rest. */
export function queueRow(q: SkillGroup, accountId: number, project: number): Record<string, unknown> {
  const s = queueSettings(q)
  return {
    id: q.id,
    account: accountId,
    project,
    name: q.name,
    agent_wrap_up_after_calls: bit(s.agent_wrap_up_after_calls),
    wrap_up_time_limit: s.wrap_up_time_limit,
    enable_voicemail: bit(s.enable_voicemail),
    schedule: s.schedule,
    wait_greeting: s.wait_greeting ?? '',
    hold_greeting: s.hold_greeting ?? '',
    wait_agent_answer_timeout: s.wait_agent_answer_timeout,
    record_calls: bit(s.record_calls),
    maximum_queue_size: s.maximum_queue_size,
    maximum_queue_wait_time: s.maximum_queue_wait_time,
    from_number_callout_to_agent: s.from_number_callout_to_agent ?? '',
    get_list_agents_url: s.get_list_agents_url ?? '',
    cond_routing: s.cond_routing,
  }
}

/** Queues: POST/GET /v1/queue, GET/PUT/DELETE /v1/queue/{QUEUE_ID}. */
export const queues = crud<SkillGroup, typeof CREATE, typeof UPDATE>({
  title: 'Queues (stringee-queue-api.txt)',
  path: '/queue',
  idName: 'QUEUE_ID',
  noun: 'queue',
  label: 'queue',
  idField: 'queueID',
  listField: 'queues',
  // The document's two samples name the count totalCount and totalQueues: both are given.
  totalAlias: 'totalQueues',
  id: (q) => q.id,
  find: (ctx, c, id) => owned(ctx.dir.queues, c, id),
  row: (_ctx, c, q) => queueRow(q, account(c), c.projectId),
  create: {
    body: CREATE,
    run: ({ ctx, company, body }) =>
      ctx.store.config.saveQueue({ id: newId('QU'), companyId: company.id, name: body.name, settings: { ...d, ...settingsOf(body) } }),
  },
  list: { items: ({ ctx, company }) => [...ctx.dir.queues.values()].filter((q) => q.companyId === company.id) },
  get: {},
  update: {
    body: UPDATE,
    async run({ ctx, body }, q) {
      await ctx.store.config.saveQueue({ ...q, name: body.name ?? q.name, settings: { ...queueSettings(q), ...settingsOf(body) } })
    },
  },
  remove: {
    summary: 'delete (and its group routings)',
    async run({ ctx }, q) {
      const numbers = [...ctx.dir.numbers.values()].filter((n) => n.queueId === q.id).map((n) => n.number)
      const keys = [...ctx.dir.ivrKeys.values()].filter((k) => k.queueId === q.id).map((k) => k.id)
      if (numbers.length || keys.length) {
        const users = [numbers.length ? `numbers ${numbers.join(', ')}` : '', keys.length ? `IVR keys ${keys.join(', ')}` : '']
        throw new ApiError('IN_USE', `Queue ${q.id} is used by ${users.filter(Boolean).join(' and ')}.`)
      }
      await ctx.store.config.deleteQueue(q.id)
    },
  },
})
