import type { AgentGroup } from '../../acd/directory'
import { newId } from '../../store/ids'
import { ApiError } from '../result'
import { crud, owned, ref, route, type Call, type Resource } from '../route'
import { paging, Str, Type, type Static } from '../schema'
import { account, listData } from '../util'

const CREATE = Type.Object({ name: Str({ max: 128 }) })
const UPDATE = Type.Partial(CREATE)

/** Agent groups: POST/GET /v1/group, GET/PUT/DELETE /v1/group/{GROUP_ID}. */
export const groups = crud<AgentGroup, typeof CREATE, typeof UPDATE>({
  title: 'Agent groups',
  path: '/group',
  idName: 'GROUP_ID',
  noun: 'group',
  label: 'group',
  idField: 'groupID',
  listField: 'groups',
  totalAlias: 'totalGroups',
  id: (g) => g.id,
  find: (ctx, c, id) => owned(ctx.dir.groups, c, id),
  row: (_ctx, c, g) => ({ id: g.id, account: account(c), project: c.projectId, name: g.name, number_of_agent: g.agentUUIDs.length }),
  create: {
    body: CREATE,
    run: ({ ctx, company, body }) => ctx.store.config.saveGroupRow({ id: newId('GR'), companyId: company.id, name: body.name }),
  },
  list: { items: ({ ctx, company }) => [...ctx.dir.groups.values()].filter((g) => g.companyId === company.id) },
  get: { more: (_ctx, _c, g) => ({ agents: [...g.agentUUIDs] }) },
  update: {
    body: UPDATE,
    async run({ ctx, body }, g) {
      if (body.name !== undefined) await ctx.store.config.saveGroupRow({ ...g, name: body.name })
    },
  },
  remove: {
    summary: 'delete (with its memberships and routings)',
    run: ({ ctx }, g) => ctx.store.config.deleteGroup(g.id),
  },
})

const PAIR = Type.Object({ agent_id: Str({ max: 128 }), group_id: Str({ max: 128 }) })

function pair({ ctx, company: c, body }: Call<Static<typeof PAIR>>) {
  return { a: ref(ctx.dir.agents, c, 'agent_id', body.agent_id, 'agent'), g: ref(ctx.dir.groups, c, 'group_id', body.group_id, 'group') }
}

/** A group's members, one at a time: each change is one row, whatever the group's size. */
export const members: Resource = {
  title: "A group's agents",
  routes: [
    route({
      method: 'POST',
      path: '/manage-agents-in-group',
      summary: 'add an agent to a group',
      answer: '`Add agent to Group success`, `agentID`, `groupID`',
      body: PAIR,
      bodyInQuery: true,
      async handler(call) {
        const { a, g } = pair(call)
        if (call.ctx.dir.groups.isMember(g.id, a.uuid)) throw new ApiError('ALREADY_EXISTS', `Agent ${a.uuid} is already in group ${g.id}.`)
        await call.ctx.store.config.addMember(g.id, a.uuid)
        return { r: 0, project: call.company.projectId, agentID: a.uuid, groupID: g.id, message: 'Add agent to Group success' }
      },
    }),
    route({
      method: 'GET',
      path: '/manage-agents-in-group',
      summary: "a group's agents",
      answer: '`Load group agent success`, `data.groupAgents`',
      query: Type.Object({ group: Str({ max: 128 }), ...paging() }),
      async handler({ ctx, company: c, query }) {
        const g = ref(ctx.dir.groups, c, 'group', query.group, 'group')
        const rows = g.agentUUIDs.map((uuid) => ({ account: account(c), project: c.projectId, agent_id: uuid, group_id: g.id }))
        const data = listData('groupAgents', rows, { page: query.page ?? 1, limit: query.limit ?? 50 })
        return { r: 0, message: 'Load group agent success', project: c.projectId, data }
      },
    }),
    route({
      method: 'DELETE',
      path: '/manage-agents-in-group',
      summary: 'remove an agent from a group (the fields in the body or the query)',
      answer: '`Remove agent from Group success`',
      body: PAIR,
      bodyInQuery: true,
      async handler(call) {
        const { a, g } = pair(call)
        if (!call.ctx.dir.groups.isMember(g.id, a.uuid)) throw new ApiError('NOT_FOUND', `Agent ${a.uuid} is not in group ${g.id}.`)
        await call.ctx.store.config.removeMember(g.id, a.uuid)
        return { r: 0, project: call.company.projectId, agentID: a.uuid, groupID: g.id, message: 'Remove agent from Group success' }
      },
    }),
  ],
}
