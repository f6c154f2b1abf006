import type { Company } from '../../acd/directory'
import type { StoredRouting } from '../../store/config'
import { newId } from '../../store/ids'
import { ApiError } from '../result'
import { crud, ref } from '../route'
import { Int, IntOf, Str, Type } from '../schema'
import { account } from '../util'

const PRIORITY = {
  primary_group: Type.Optional(IntOf([0, 1], { description: "Stringee's: 1 first (priority 1), 0 after (priority 2)" })),
  priority: Type.Optional(Int({ min: 1, max: 100, description: "this server's: 1 first, 2, 3 ...; wins over `primary_group`" })),
}
const CREATE = Type.Object({ queue_id: Str({ max: 128 }), group_id: Str({ max: 128 }), ...PRIORITY })
const UPDATE = Type.Object(PRIORITY)
const LIST = Type.Object({ queue: Str({ max: 128 }) })

/** Stringee's primary_group (1 first, 0 after) and this server's priority (1 first, 2, 3...). */
function priorityOf(b: { primary_group?: 0 | 1; priority?: number }): number | undefined {
  if (b.priority !== undefined) return b.priority
  if (b.primary_group !== undefined) return b.primary_group === 1 ? 1 : 2
  return undefined
}

/** Group routing: which groups serve a queue, by priority (Stringee's routing-call-to-groups). */
export const groupRouting = crud<StoredRouting, typeof CREATE, typeof UPDATE, typeof LIST>({
  title: 'Group routing',
  path: '/routing-call-to-groups',
  idName: 'ID',
  noun: 'group routing',
  label: 'group routing',
  messages: { list: 'Load group routing success' },
  idField: 'groupRoutingID',
  listField: 'groupRoutings',
  id: (r) => r.id,
  find: (ctx, c, id) => ctx.dir.routing.find((x) => x.id === id && ctx.dir.queues.get(x.queueId)?.companyId === c.id) as StoredRouting,
  row: (_ctx, c: Company, r) => ({
    id: r.id,
    account: account(c),
    project: c.projectId,
    queue_id: r.queueId,
    group_id: r.groupId,
    primary_group: r.priority === 1 ? 1 : 0,
    priority: r.priority,
  }),
  create: {
    summary: 'route a queue to a group (`primary_group` or `priority` required)',
    body: CREATE,
    run({ ctx, company: c, body }) {
      const queue = ref(ctx.dir.queues, c, 'queue_id', body.queue_id, 'queue')
      const group = ref(ctx.dir.groups, c, 'group_id', body.group_id, 'group')
      const priority = priorityOf(body)
      if (priority === undefined) throw new ApiError('MISSING_FIELD', 'primary_group (or priority) is required.')
      if (ctx.dir.routing.some((r) => r.queueId === queue.id && r.groupId === group.id))
        throw new ApiError('ALREADY_EXISTS', `Group ${group.id} is already routed from queue ${queue.id}.`)
      return ctx.store.config.saveRouting({ id: newId('GR_RO'), companyId: c.id, queueId: queue.id, groupId: group.id, priority })
    },
  },
  list: {
    summary: "a queue's groups, best priority first",
    query: LIST,
    items({ ctx, company, query }) {
      const queue = ref(ctx.dir.queues, company, 'queue', query.queue, 'queue')
      return (ctx.dir.routing as StoredRouting[])
        .filter((r) => r.queueId === queue.id)
        .sort((a, b) => a.priority - b.priority || a.groupId.localeCompare(b.groupId))
    },
  },
  update: {
    summary: 'change the priority',
    body: UPDATE,
    async run({ ctx, body }, r) {
      const priority = priorityOf(body)
      if (priority !== undefined) await ctx.store.config.saveRouting({ ...r, priority })
    },
  },
  remove: { run: ({ ctx }, r) => ctx.store.config.deleteRouting(r.id) },
})
