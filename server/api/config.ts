import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AgentGroup, AgentRecord, Company, IvrKey, IvrNode, IvrTree, NumberRecord } from '../acd/directory'
import { PHONE_TYPES, type PhoneType } from '../../src/model/validate'
import type { StoredRouting } from '../store/config'
import { newId } from '../store/ids'
import {
  bodyOf,
  listData,
  optBool,
  optInt,
  optNullableStr,
  optStr,
  paging,
  PHONE_NUMBER,
  present,
  queryStr,
  reqInt,
  reqStr,
  type Fields,
} from './fields'
import type { ApiContext } from './index'
import { ApiError } from './result'
import { bit, idParam } from './util'

/**
 * The configuration the contact center engine needs, in the style of Stringee's PCC REST API:
 * agents, groups and their members, group routing, numbers, IVR trees / nodes / key presses, and
 * extensions. The URLs are Stringee's where it has them (docs/REST_API.md).
 */
export function registerConfig(api: FastifyInstance, ctx: ApiContext): void {
  registerAgents(api, ctx)
  registerExtensions(api, ctx)
  registerGroups(api, ctx)
  registerRouting(api, ctx)
  registerNumbers(api, ctx)
  registerIvr(api, ctx)
}

const account = (c: Company): number => c.accountId ?? c.projectId

function owned<T extends { companyId: string }>(map: Map<string, T>, c: Company, id: string, what: string): T {
  const x = map.get(id)
  if (!x || x.companyId !== c.id) throw new ApiError('NOT_FOUND', `No ${what} ${id} in this project.`)
  return x
}

/** A reference in a body (queue_id, group_id, ...): must name an item of the caller's company. */
function ref<T extends { companyId: string }>(map: Map<string, T>, c: Company, field: string, id: string, what: string): T {
  const x = map.get(id)
  if (!x || x.companyId !== c.id) throw new ApiError('NOT_FOUND', `${field}: no ${what} ${id} in this project.`)
  return x
}

function loggedIn(ctx: ApiContext, uuid: string): boolean {
  return ctx.core.runtime(uuid).workStatus !== 'offline'
}

// --- agents --------------------------------------------------------------------------------------

const USER_ID: [RegExp, string] = [/^[A-Za-z0-9_.@-]{1,64}$/, 'may hold letters, digits and _ . @ - only.']
const EXT: [RegExp, string] = [/^[0-9]{2,10}$/, 'must be 2 to 10 digits.']

function agentRow(a: AgentRecord, c: Company, ctx: ApiContext): Record<string, unknown> {
  return {
    id: a.uuid,
    account: account(c),
    project: c.projectId,
    name: a.name,
    stringee_user_id: a.stringeeUserId ?? a.agentID,
    manual_status: a.manualStatus ?? 'AVAILABLE',
    routing_type: a.routingType ?? 1,
    phone_number: a.phoneNumber ?? '',
    system_status: a.systemStatus ?? 0,
    work_no: a.agentID,
    ext: a.ext,
    mobile: a.mobile,
    phone_types: a.phoneTypes,
    default_phone_type: a.defaultPhoneType,
    supervisor: bit(a.supervisor),
    groups: ctx.dir.groups.groupsOf(a.uuid),
  }
}

function parsePhoneTypes(b: Fields): PhoneType[] | undefined {
  if (!present(b, 'phone_types')) return undefined
  const v = b.phone_types
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new ApiError('INVALID_TYPE', 'phone_types must be an array of strings.')
  const list = [...new Set(v as string[])]
  if (!list.length || list.some((x) => !PHONE_TYPES.includes(x as PhoneType)))
    throw new ApiError('INVALID_VALUE', `phone_types must list some of ${PHONE_TYPES.join(', ')}.`)
  return list as PhoneType[]
}

function registerAgents(api: FastifyInstance, ctx: ApiContext): void {
  /** Applies a body's agent fields to `a` (a copy), checking uniqueness and references. */
  const apply = (c: Company, a: AgentRecord, b: Fields, creating: boolean): AgentRecord => {
    const next = { ...a }
    const name = creating ? reqStr(b, 'name', { max: 128 }) : optStr(b, 'name', { max: 128 })
    if (name !== undefined) next.name = name
    const userId = creating
      ? reqStr(b, 'stringee_user_id', { max: 64, pattern: USER_ID })
      : optStr(b, 'stringee_user_id', { max: 64, pattern: USER_ID })
    if (userId !== undefined) next.stringeeUserId = userId
    const workNo = optStr(b, 'work_no', { max: 64, pattern: USER_ID })
    if (workNo !== undefined) next.agentID = workNo
    else if (creating) next.agentID = next.stringeeUserId!
    const manual = optStr(b, 'manual_status', { max: 64 })
    if (manual !== undefined) next.manualStatus = manual.toUpperCase()
    const routing = optInt(b, 'routing_type', { oneOf: [1, 2] })
    if (routing !== undefined) next.routingType = routing as 1 | 2
    const phone = optNullableStr(b, 'phone_number', { max: 21, pattern: PHONE_NUMBER })
    if (phone !== undefined) next.phoneNumber = phone ?? ''
    const mobile = optNullableStr(b, 'mobile', { max: 21, pattern: PHONE_NUMBER })
    if (mobile !== undefined) next.mobile = mobile ?? ''
    else if (creating) next.mobile = next.phoneNumber ?? ''
    const ext = optNullableStr(b, 'ext', { max: 10, pattern: EXT })
    if (ext !== undefined) next.ext = ext ?? ''
    const types = parsePhoneTypes(b)
    if (types) next.phoneTypes = types
    const dflt = optStr(b, 'default_phone_type', { max: 8 })
    if (dflt !== undefined) {
      if (!PHONE_TYPES.includes(dflt as PhoneType))
        throw new ApiError('INVALID_VALUE', `default_phone_type must be one of ${PHONE_TYPES.join(', ')}.`)
      next.defaultPhoneType = dflt as PhoneType
    }
    if (!next.phoneTypes.includes(next.defaultPhoneType)) {
      if (dflt !== undefined) throw new ApiError('INVALID_VALUE', 'default_phone_type must be one of phone_types.')
      next.defaultPhoneType = next.phoneTypes.includes('webrtc') ? 'webrtc' : next.phoneTypes[0]!
    }
    const sup = optBool(b, 'supervisor')
    if (sup !== undefined) next.supervisor = sup
    const pw = optStr(b, 'sip_password', { max: 64 })
    if (pw !== undefined) {
      if (pw.length < 6) throw new ApiError('INVALID_VALUE', 'sip_password must be at least 6 characters.')
      next.sipPassword = pw
    }

    if (next.routingType === 2 && !next.phoneNumber) throw new ApiError('MISSING_FIELD', 'phone_number is required when routing_type is 2.')
    for (const other of ctx.dir.companyAgents(c.id)) {
      if (other.uuid === next.uuid) continue
      if ((other.stringeeUserId ?? other.agentID) === next.stringeeUserId)
        throw new ApiError('ALREADY_EXISTS', `stringee_user_id ${next.stringeeUserId} belongs to agent ${other.uuid}.`)
      if (other.agentID === next.agentID) throw new ApiError('ALREADY_EXISTS', `work_no ${next.agentID} belongs to agent ${other.uuid}.`)
    }
    if (next.ext && next.ext !== a.ext) {
      if (!ctx.dir.hasExtension(c.id, next.ext))
        throw new ApiError('NOT_FOUND', `ext: no extension ${next.ext} in this project; create it at /v1/extension.`)
      const owner = ctx.dir.extensionOwner(c.id, next.ext)
      if (owner && owner.uuid !== next.uuid) throw new ApiError('IN_USE', `Extension ${next.ext} is bound to agent ${owner.uuid}.`)
      if (!creating && loggedIn(ctx, a.uuid))
        throw new ApiError('IN_USE', 'The agent is logged in; its extension changes at its next login (bindExt).')
    }
    return next
  }

  api.post('/agent', async (req) => {
    const c = ctx.company(req)
    const blank: AgentRecord = {
      uuid: newId('AG'),
      companyId: c.id,
      agentID: '',
      name: '',
      ext: '',
      mobile: '',
      phoneTypes: ['webrtc', 'sip', 'pstn'],
      defaultPhoneType: 'webrtc',
      supervisor: false,
      sipPassword: randomBytes(12).toString('base64url'),
      routingType: 1,
      phoneNumber: '',
      manualStatus: 'AVAILABLE',
      systemStatus: 0,
    }
    const a = await ctx.store.config.saveAgent(apply(c, blank, bodyOf(req.body), true))
    return { r: 0, project: c.projectId, agentID: a.uuid, message: 'Create agent success' }
  })

  api.get('/agent', async (req) => {
    const c = ctx.company(req)
    const p = paging(req.query as Fields)
    const rows = ctx.dir.companyAgents(c.id).map((a) => agentRow(a, c, ctx))
    const data = listData('agents', rows, p)
    return { r: 0, message: 'Load agent(s) success', project: c.projectId, data: { ...data, totalAgents: data.totalCount } }
  })

  api.get('/agent/:id', async (req) => {
    const c = ctx.company(req)
    const a = owned(ctx.dir.agents, c, idParam(req), 'agent')
    return { r: 0, message: 'Load agent success', project: c.projectId, data: agentRow(a, c, ctx) }
  })

  api.put('/agent/:id', async (req) => {
    const c = ctx.company(req)
    const a = owned(ctx.dir.agents, c, idParam(req), 'agent')
    await ctx.store.config.saveAgent(apply(c, a, bodyOf(req.body), false))
    return { r: 0, project: c.projectId, message: 'Update agent success' }
  })

  api.delete('/agent/:id', async (req) => {
    const c = ctx.company(req)
    const a = owned(ctx.dir.agents, c, idParam(req), 'agent')
    if (loggedIn(ctx, a.uuid)) throw new ApiError('IN_USE', `Agent ${a.uuid} is logged in; log it out first (forceLogout).`)
    await ctx.store.config.deleteAgent(a.uuid)
    return { r: 0, project: c.projectId, message: 'Delete agent success' }
  })
}

// --- extensions ----------------------------------------------------------------------------------

function registerExtensions(api: FastifyInstance, ctx: ApiContext): void {
  api.get('/extension', async (req) => {
    const c = ctx.company(req)
    const p = paging(req.query as Fields)
    const rows = ctx.dir.companyExtensions(c.id).map((ext) => ({ ext, agent_id: ctx.dir.extensionOwner(c.id, ext)?.uuid ?? '' }))
    return { r: 0, message: 'Load extension(s) success', project: c.projectId, data: listData('extensions', rows, p) }
  })

  api.post('/extension', async (req) => {
    const c = ctx.company(req)
    const ext = reqStr(bodyOf(req.body), 'ext', { max: 10, pattern: EXT })
    if (ctx.dir.hasExtension(c.id, ext)) throw new ApiError('ALREADY_EXISTS', `Extension ${ext} already exists.`)
    await ctx.store.config.addExtension(c.id, ext)
    return { r: 0, project: c.projectId, ext, message: 'Create extension success' }
  })

  api.delete('/extension/:id', async (req) => {
    const c = ctx.company(req)
    const ext = idParam(req)
    if (!ctx.dir.hasExtension(c.id, ext)) throw new ApiError('NOT_FOUND', `No extension ${ext} in this project.`)
    const owner = ctx.dir.extensionOwner(c.id, ext)
    if (owner) throw new ApiError('IN_USE', `Extension ${ext} is bound to agent ${owner.uuid}.`)
    await ctx.store.config.removeExtension(c.id, ext)
    return { r: 0, project: c.projectId, message: 'Delete extension success' }
  })
}

// --- groups and their agents ---------------------------------------------------------------------

function registerGroups(api: FastifyInstance, ctx: ApiContext): void {
  const row = (g: AgentGroup, c: Company) => ({
    id: g.id,
    account: account(c),
    project: c.projectId,
    name: g.name,
    number_of_agent: g.agentUUIDs.length,
  })

  api.post('/group', async (req) => {
    const c = ctx.company(req)
    const name = reqStr(bodyOf(req.body), 'name', { max: 128 })
    const g = await ctx.store.config.saveGroup({ id: newId('GR'), companyId: c.id, name, agentUUIDs: [] })
    return { r: 0, project: c.projectId, groupID: g.id, message: 'Create group success' }
  })

  api.get('/group', async (req) => {
    const c = ctx.company(req)
    const p = paging(req.query as Fields)
    const rows = [...ctx.dir.groups.values()].filter((g) => g.companyId === c.id).map((g) => row(g, c))
    const data = listData('groups', rows, p)
    return { r: 0, message: 'Load group(s) success', project: c.projectId, data: { ...data, totalGroups: data.totalCount } }
  })

  api.get('/group/:id', async (req) => {
    const c = ctx.company(req)
    const g = owned(ctx.dir.groups, c, idParam(req), 'group')
    return { r: 0, message: 'Load group success', project: c.projectId, data: { ...row(g, c), agents: [...g.agentUUIDs] } }
  })

  api.put('/group/:id', async (req) => {
    const c = ctx.company(req)
    const g = owned(ctx.dir.groups, c, idParam(req), 'group')
    const name = optStr(bodyOf(req.body), 'name', { max: 128 })
    if (name !== undefined) await ctx.store.config.saveGroup({ ...g, name })
    return { r: 0, project: c.projectId, message: 'Update group success' }
  })

  api.delete('/group/:id', async (req) => {
    const c = ctx.company(req)
    const g = owned(ctx.dir.groups, c, idParam(req), 'group')
    await ctx.store.config.deleteGroup(g.id)
    return { r: 0, project: c.projectId, message: 'Delete group success' }
  })

  const pair = (req: FastifyRequest, c: Company): { g: AgentGroup; a: AgentRecord } => {
    const b = { ...(req.query as Fields), ...bodyOf(req.body) }
    const agentId = reqStr(b, 'agent_id', { max: 128 })
    const groupId = reqStr(b, 'group_id', { max: 128 })
    return { a: ref(ctx.dir.agents, c, 'agent_id', agentId, 'agent'), g: ref(ctx.dir.groups, c, 'group_id', groupId, 'group') }
  }

  api.post('/manage-agents-in-group', async (req) => {
    const c = ctx.company(req)
    const { a, g } = pair(req, c)
    if (ctx.dir.groups.isMember(g.id, a.uuid)) throw new ApiError('ALREADY_EXISTS', `Agent ${a.uuid} is already in group ${g.id}.`)
    await ctx.store.config.addMember(g.id, a.uuid)
    return { r: 0, project: c.projectId, agentID: a.uuid, groupID: g.id, message: 'Add agent to Group success' }
  })

  api.get('/manage-agents-in-group', async (req) => {
    const c = ctx.company(req)
    const q = req.query as Fields
    const groupId = queryStr(q, 'group', 128)
    if (!groupId) throw new ApiError('MISSING_FIELD', 'group is required.')
    const g = ref(ctx.dir.groups, c, 'group', groupId, 'group')
    const p = paging(q)
    const rows = g.agentUUIDs.map((uuid) => ({ account: account(c), project: c.projectId, agent_id: uuid, group_id: g.id }))
    return { r: 0, message: 'Load group agent success', project: c.projectId, data: listData('groupAgents', rows, p) }
  })

  api.delete('/manage-agents-in-group', async (req) => {
    const c = ctx.company(req)
    const { a, g } = pair(req, c)
    if (!ctx.dir.groups.isMember(g.id, a.uuid)) throw new ApiError('NOT_FOUND', `Agent ${a.uuid} is not in group ${g.id}.`)
    await ctx.store.config.removeMember(g.id, a.uuid)
    return { r: 0, project: c.projectId, agentID: a.uuid, groupID: g.id, message: 'Remove agent from Group success' }
  })
}

// --- group routing -------------------------------------------------------------------------------

/** Stringee's primary_group (1 first, 0 after) and this server's priority (1 first, 2, 3...). */
function parsePriority(b: Fields, required: boolean): number | undefined {
  const priority = optInt(b, 'priority', { min: 1, max: 100 })
  const primary = optInt(b, 'primary_group', { oneOf: [0, 1] })
  if (priority !== undefined) return priority
  if (primary !== undefined) return primary === 1 ? 1 : 2
  if (required) throw new ApiError('MISSING_FIELD', 'primary_group (or priority) is required.')
  return undefined
}

function registerRouting(api: FastifyInstance, ctx: ApiContext): void {
  const row = (r: StoredRouting, c: Company) => ({
    id: r.id,
    account: account(c),
    project: c.projectId,
    queue_id: r.queueId,
    group_id: r.groupId,
    primary_group: r.priority === 1 ? 1 : 0,
    priority: r.priority,
  })
  const own = (c: Company, id: string): StoredRouting => {
    const r = ctx.dir.routing.find((x) => x.id === id && ctx.dir.queues.get(x.queueId)?.companyId === c.id)
    if (!r) throw new ApiError('NOT_FOUND', `No group routing ${id} in this project.`)
    return r as StoredRouting
  }

  api.post('/routing-call-to-groups', async (req) => {
    const c = ctx.company(req)
    const b = bodyOf(req.body)
    const queue = ref(ctx.dir.queues, c, 'queue_id', reqStr(b, 'queue_id', { max: 128 }), 'queue')
    const group = ref(ctx.dir.groups, c, 'group_id', reqStr(b, 'group_id', { max: 128 }), 'group')
    const priority = parsePriority(b, true)!
    if (ctx.dir.routing.some((r) => r.queueId === queue.id && r.groupId === group.id)) {
      throw new ApiError('ALREADY_EXISTS', `Group ${group.id} is already routed from queue ${queue.id}.`)
    }
    const r = await ctx.store.config.saveRouting({ id: newId('GR_RO'), companyId: c.id, queueId: queue.id, groupId: group.id, priority })
    return { r: 0, project: c.projectId, groupRoutingID: r.id, message: 'Create group routing success' }
  })

  api.get('/routing-call-to-groups', async (req) => {
    const c = ctx.company(req)
    const q = req.query as Fields
    const queueId = queryStr(q, 'queue', 128)
    if (!queueId) throw new ApiError('MISSING_FIELD', 'queue is required.')
    const queue = ref(ctx.dir.queues, c, 'queue', queueId, 'queue')
    const rows = ctx.dir.routing
      .filter((r) => r.queueId === queue.id)
      .sort((a, b) => a.priority - b.priority || a.groupId.localeCompare(b.groupId))
      .map((r) => row(r as StoredRouting, c))
    return { r: 0, message: 'Load group routing success', project: c.projectId, data: listData('groupRoutings', rows, paging(q)) }
  })

  api.put('/routing-call-to-groups/:id', async (req) => {
    const c = ctx.company(req)
    const r = own(c, idParam(req))
    const priority = parsePriority(bodyOf(req.body), false)
    if (priority !== undefined) await ctx.store.config.saveRouting({ ...r, priority })
    return { r: 0, project: c.projectId, message: 'Update group routing success' }
  })

  api.delete('/routing-call-to-groups/:id', async (req) => {
    const c = ctx.company(req)
    const r = own(c, idParam(req))
    await ctx.store.config.deleteRouting(r.id)
    return { r: 0, project: c.projectId, message: 'Delete group routing success' }
  })
}

// --- numbers -------------------------------------------------------------------------------------

function registerNumbers(api: FastifyInstance, ctx: ApiContext): void {
  const row = (n: NumberRecord, c: Company) => ({
    id: n.id,
    account: account(c),
    project: c.projectId,
    number: n.number,
    nickname: n.nickname,
    allow_outbound_calls: bit(n.allowOutboundCalls),
    enable_ivr: bit(n.enableIvr),
    ivr_menu: n.ivrTreeId ?? '',
    queue_id: n.queueId ?? '',
    record_outbound_calls: bit(n.recordOutboundCalls),
  })

  const apply = (c: Company, n: NumberRecord, b: Fields, creating: boolean): NumberRecord => {
    const next = { ...n }
    const number = creating
      ? reqStr(b, 'number', { max: 21, pattern: PHONE_NUMBER })
      : optStr(b, 'number', { max: 21, pattern: PHONE_NUMBER })
    if (number !== undefined) next.number = number
    const nickname = optNullableStr(b, 'nickname', { max: 128 })
    if (nickname !== undefined) next.nickname = nickname ?? ''
    next.allowOutboundCalls = optBool(b, 'allow_outbound_calls') ?? next.allowOutboundCalls
    next.enableIvr = optBool(b, 'enable_ivr') ?? next.enableIvr
    next.recordOutboundCalls = optBool(b, 'record_outbound_calls') ?? next.recordOutboundCalls
    const ivr = optNullableStr(b, 'ivr_menu', { max: 128 })
    if (ivr !== undefined) next.ivrTreeId = ivr === null ? null : ref(ctx.dir.ivrTrees, c, 'ivr_menu', ivr, 'IVR tree').id
    const queue = optNullableStr(b, 'queue_id', { max: 128 })
    if (queue !== undefined) next.queueId = queue === null ? null : ref(ctx.dir.queues, c, 'queue_id', queue, 'queue').id
    if (next.enableIvr && !next.ivrTreeId) throw new ApiError('MISSING_FIELD', 'ivr_menu is required when enable_ivr is true.')
    if (!next.enableIvr && !next.queueId) throw new ApiError('MISSING_FIELD', 'queue_id is required when enable_ivr is false.')
    const taken = ctx.dir.numberByDigits(next.number)
    if (taken && taken.id !== next.id) throw new ApiError('ALREADY_EXISTS', `Number ${next.number} is already configured.`)
    return next
  }

  api.post('/number', async (req) => {
    const c = ctx.company(req)
    const blank: NumberRecord = {
      id: newId('NU'),
      companyId: c.id,
      number: '',
      nickname: '',
      allowOutboundCalls: true,
      enableIvr: false,
      ivrTreeId: null,
      queueId: null,
      recordOutboundCalls: false,
    }
    const n = await ctx.store.config.saveNumber(apply(c, blank, bodyOf(req.body), true))
    return { r: 0, project: c.projectId, numberID: n.id, message: 'Create number success' }
  })

  api.get('/number', async (req) => {
    const c = ctx.company(req)
    const rows = [...ctx.dir.numbers.values()].filter((n) => n.companyId === c.id).map((n) => row(n, c))
    return { r: 0, message: 'Load number(s) success', project: c.projectId, data: listData('numbers', rows, paging(req.query as Fields)) }
  })

  api.get('/number/:id', async (req) => {
    const c = ctx.company(req)
    return { r: 0, message: 'Load number success', project: c.projectId, data: row(owned(ctx.dir.numbers, c, idParam(req), 'number'), c) }
  })

  api.put('/number/:id', async (req) => {
    const c = ctx.company(req)
    const n = owned(ctx.dir.numbers, c, idParam(req), 'number')
    await ctx.store.config.saveNumber(apply(c, n, bodyOf(req.body), false))
    return { r: 0, project: c.projectId, message: 'Update number success' }
  })

  api.delete('/number/:id', async (req) => {
    const c = ctx.company(req)
    const n = owned(ctx.dir.numbers, c, idParam(req), 'number')
    await ctx.store.config.deleteNumber(n.id)
    return { r: 0, project: c.projectId, message: 'Delete number success' }
  })
}

// --- IVR trees, nodes and key presses --------------------------------------------------------------

const NODE_KEY: [RegExp, string] = [/^([0-9*#]|EMPTY_KEY|INVALID_KEY)$/, 'must be one of 0-9, *, #, EMPTY_KEY or INVALID_KEY.']

function registerIvr(api: FastifyInstance, ctx: ApiContext): void {
  const treeRow = (t: IvrTree, c: Company) => ({
    id: t.id,
    account: account(c),
    project: c.projectId,
    tree_name: t.name,
    root_node: t.rootNodeId ?? '',
  })
  const nodeRow = (n: IvrNode, c: Company) => ({
    id: n.id,
    account: account(c),
    project: c.projectId,
    tree: n.treeId,
    node_name: n.name,
    node_play_mode: n.playMode,
    node_play_content: n.playContent,
    bargeIn: n.bargeIn,
    loop_count: n.loopCount,
    sched: n.sched,
    voice: n.voice,
    speed: n.speed,
    keypress_timeout: n.keypressTimeout,
    is_root_node: bit(ctx.dir.ivrTrees.get(n.treeId)?.rootNodeId === n.id),
  })
  const keyRow = (k: IvrKey, c: Company) => ({
    id: k.id,
    account: account(c),
    project: c.projectId,
    node: k.nodeId,
    node_key: k.key,
    action: k.action,
    next_node: k.nextNodeId ?? '',
    queue_id: k.queueId ?? '',
    to_phone_number: k.toPhoneNumber ?? '',
    from_number_callout_to_agent: k.fromNumberCalloutToAgent ?? '',
    sms: k.sms ?? '',
  })

  // Trees
  api.post('/ivrtree', async (req) => {
    const c = ctx.company(req)
    const name = reqStr(bodyOf(req.body), 'tree_name', { max: 128 })
    const t = await ctx.store.config.saveIvrTree({ id: newId('TR'), companyId: c.id, name, rootNodeId: null })
    return { r: 0, project: c.projectId, ivrTreeID: t.id, message: 'Create ivr tree success' }
  })
  api.get('/ivrtree', async (req) => {
    const c = ctx.company(req)
    const rows = [...ctx.dir.ivrTrees.values()].filter((t) => t.companyId === c.id).map((t) => treeRow(t, c))
    return { r: 0, message: 'Load IVR tree success', project: c.projectId, data: listData('ivrTrees', rows, paging(req.query as Fields)) }
  })
  api.get('/ivrtree/:id', async (req) => {
    const c = ctx.company(req)
    return {
      r: 0,
      message: 'Load IVR tree success',
      project: c.projectId,
      data: treeRow(owned(ctx.dir.ivrTrees, c, idParam(req), 'IVR tree'), c),
    }
  })
  api.put('/ivrtree/:id', async (req) => {
    const c = ctx.company(req)
    const t = owned(ctx.dir.ivrTrees, c, idParam(req), 'IVR tree')
    const b = bodyOf(req.body)
    const next = { ...t }
    const name = optStr(b, 'tree_name', { max: 128 })
    if (name !== undefined) next.name = name
    const root = optNullableStr(b, 'root_node', { max: 128 })
    if (root !== undefined) {
      if (root !== null && ctx.dir.ivrNodes.get(root)?.treeId !== t.id)
        throw new ApiError('NOT_FOUND', `root_node: no node ${root} in tree ${t.id}.`)
      next.rootNodeId = root
    }
    await ctx.store.config.saveIvrTree(next)
    return { r: 0, project: c.projectId, message: 'Update ivr tree success' }
  })
  api.delete('/ivrtree/:id', async (req) => {
    const c = ctx.company(req)
    const t = owned(ctx.dir.ivrTrees, c, idParam(req), 'IVR tree')
    const numbers = [...ctx.dir.numbers.values()].filter((n) => n.ivrTreeId === t.id).map((n) => n.number)
    if (numbers.length) throw new ApiError('IN_USE', `IVR tree ${t.id} is used by numbers ${numbers.join(', ')}.`)
    await ctx.store.config.deleteIvrTree(t.id)
    return { r: 0, project: c.projectId, message: 'Delete ivr tree success' }
  })

  // Nodes
  const applyNode = async (c: Company, n: IvrNode, b: Fields, creating: boolean): Promise<IvrNode> => {
    const next = { ...n }
    const name = creating ? reqStr(b, 'node_name', { max: 128 }) : optStr(b, 'node_name', { max: 128 })
    if (name !== undefined) next.name = name
    const mode = creating ? reqStr(b, 'node_play_mode', { max: 8 }) : optStr(b, 'node_play_mode', { max: 8 })
    if (mode !== undefined) {
      if (mode !== 'talk' && mode !== 'play') throw new ApiError('INVALID_VALUE', 'node_play_mode must be "talk" or "play".')
      next.playMode = mode
    }
    const content = creating ? reqStr(b, 'node_play_content', { max: 2000 }) : optStr(b, 'node_play_content', { max: 2000 })
    if (content !== undefined) next.playContent = content
    if (
      next.playMode === 'play' &&
      (mode !== undefined || content !== undefined) &&
      !(await ctx.store.greetings.get(c.id, next.playContent))
    ) {
      throw new ApiError('NOT_FOUND', `node_play_content: no uploaded greeting ${next.playContent} (upload it at /v1/greetingfile).`)
    }
    next.bargeIn = optBool(b, 'bargeIn') ?? next.bargeIn
    next.loopCount = optInt(b, 'loop_count', { min: 1, max: 100 }) ?? next.loopCount
    next.sched = optInt(b, 'sched', { min: 0, max: 60_000 }) ?? next.sched
    next.voice = optStr(b, 'voice', { max: 128 }) ?? next.voice
    next.speed = optInt(b, 'speed', { min: -3, max: 3 }) ?? next.speed
    next.keypressTimeout = optInt(b, 'keypress_timeout', { min: 1, max: 600 }) ?? next.keypressTimeout
    return next
  }

  api.post('/ivrnode', async (req) => {
    const c = ctx.company(req)
    const b = bodyOf(req.body)
    const tree = ref(ctx.dir.ivrTrees, c, 'tree', reqStr(b, 'tree', { max: 128 }), 'IVR tree')
    const blank: IvrNode = {
      id: newId('ND'),
      companyId: c.id,
      treeId: tree.id,
      name: '',
      playMode: 'talk',
      playContent: '',
      bargeIn: true,
      loopCount: 1,
      sched: 0,
      voice: 'hn_female_thutrang_phrase_48k-hsmm',
      speed: 0,
      keypressTimeout: 5,
    }
    const { node, isRoot } = await ctx.store.config.saveIvrNode(await applyNode(c, blank, b, true))
    return { r: 0, project: c.projectId, ivrNodeID: node.id, message: 'Create ivr node success', isRootNode: isRoot }
  })
  api.get('/ivrnode', async (req) => {
    const c = ctx.company(req)
    const q = req.query as Fields
    const treeId = queryStr(q, 'tree', 128)
    if (!treeId) throw new ApiError('MISSING_FIELD', 'tree is required.')
    const tree = ref(ctx.dir.ivrTrees, c, 'tree', treeId, 'IVR tree')
    const rows = [...ctx.dir.ivrNodes.values()].filter((n) => n.treeId === tree.id).map((n) => nodeRow(n, c))
    return { r: 0, message: 'Load IVR node success', project: c.projectId, data: listData('ivrNodes', rows, paging(q)) }
  })
  api.get('/ivrnode/:id', async (req) => {
    const c = ctx.company(req)
    return {
      r: 0,
      message: 'Load IVR node success',
      project: c.projectId,
      data: nodeRow(owned(ctx.dir.ivrNodes, c, idParam(req), 'IVR node'), c),
    }
  })
  api.put('/ivrnode/:id', async (req) => {
    const c = ctx.company(req)
    const n = owned(ctx.dir.ivrNodes, c, idParam(req), 'IVR node')
    await ctx.store.config.saveIvrNode(await applyNode(c, n, bodyOf(req.body), false))
    return { r: 0, project: c.projectId, message: 'Update ivr node success' }
  })
  api.delete('/ivrnode/:id', async (req) => {
    const c = ctx.company(req)
    const n = owned(ctx.dir.ivrNodes, c, idParam(req), 'IVR node')
    const from = [...ctx.dir.ivrKeys.values()].filter((k) => k.nextNodeId === n.id && k.nodeId !== n.id).map((k) => k.id)
    if (from.length) throw new ApiError('IN_USE', `IVR node ${n.id} is the next node of keys ${from.join(', ')}.`)
    await ctx.store.config.deleteIvrNode(n.id)
    return { r: 0, project: c.projectId, message: 'Delete ivr node success' }
  })

  // Key presses
  const applyKey = (c: Company, k: IvrKey, b: Fields, creating: boolean): IvrKey => {
    const next = { ...k }
    const key = creating ? reqStr(b, 'node_key', { max: 16, pattern: NODE_KEY }) : optStr(b, 'node_key', { max: 16, pattern: NODE_KEY })
    if (key !== undefined) next.key = key
    const action = creating ? reqInt(b, 'action', { min: 1, max: 6 }) : optInt(b, 'action', { min: 1, max: 6 })
    if (action !== undefined) {
      if (action === 1 || action === 5)
        throw new ApiError('INVALID_VALUE', 'action 1 (voicemail) and 5 (SMS) are not available (Stringee lists them as coming soon).')
      next.action = action as IvrKey['action']
    }
    const nextNode = optNullableStr(b, 'next_node', { max: 128 })
    if (nextNode !== undefined) next.nextNodeId = nextNode
    const queue = optNullableStr(b, 'queue_id', { max: 128 })
    if (queue !== undefined) next.queueId = queue === null ? null : ref(ctx.dir.queues, c, 'queue_id', queue, 'queue').id
    const to = optNullableStr(b, 'to_phone_number', { max: 21, pattern: PHONE_NUMBER })
    if (to !== undefined) next.toPhoneNumber = to
    const fromNo = optNullableStr(b, 'from_number_callout_to_agent', { max: 21, pattern: PHONE_NUMBER })
    if (fromNo !== undefined) next.fromNumberCalloutToAgent = fromNo
    const sms = optNullableStr(b, 'sms', { max: 1000 })
    if (sms !== undefined) next.sms = sms
    // What each action needs.
    if (next.action === 2 && !next.queueId) throw new ApiError('MISSING_FIELD', 'queue_id is required for action 2 (route to a queue).')
    if (next.action === 3 && !next.toPhoneNumber) throw new ApiError('MISSING_FIELD', 'to_phone_number is required for action 3 (forward).')
    if (next.action === 4) {
      if (!next.nextNodeId) throw new ApiError('MISSING_FIELD', 'next_node is required for action 4 (go to a node).')
      const target = ctx.dir.ivrNodes.get(next.nextNodeId)
      const here = ctx.dir.ivrNodes.get(next.nodeId)
      if (!target || target.companyId !== c.id || target.treeId !== here?.treeId)
        throw new ApiError('NOT_FOUND', `next_node: no node ${next.nextNodeId} in this IVR tree.`)
    }
    const clash = ctx.dir.ivrKey(next.nodeId, next.key)
    if (clash && clash.id !== next.id)
      throw new ApiError('ALREADY_EXISTS', `Node ${next.nodeId} already has key ${next.key} (${clash.id}).`)
    return next
  }

  api.post('/ivrkeypress', async (req) => {
    const c = ctx.company(req)
    const b = bodyOf(req.body)
    const node = ref(ctx.dir.ivrNodes, c, 'node', reqStr(b, 'node', { max: 128 }), 'IVR node')
    const blank: IvrKey = {
      id: newId('KE'),
      companyId: c.id,
      nodeId: node.id,
      key: '',
      action: 6,
      nextNodeId: null,
      queueId: null,
      toPhoneNumber: null,
      fromNumberCalloutToAgent: null,
      sms: null,
    }
    const k = await ctx.store.config.saveIvrKey(applyKey(c, blank, b, true))
    return { r: 0, project: c.projectId, ivrNodeKeyID: k.id, message: 'Create ivr node key success' }
  })
  api.get('/ivrkeypress', async (req) => {
    const c = ctx.company(req)
    const q = req.query as Fields
    const nodeId = queryStr(q, 'node', 128)
    if (!nodeId) throw new ApiError('MISSING_FIELD', 'node is required.')
    const node = ref(ctx.dir.ivrNodes, c, 'node', nodeId, 'IVR node')
    const rows = ctx.dir
      .ivrNodeKeys(node.id)
      .sort((a, b) => a.key.localeCompare(b.key))
      .map((k) => keyRow(k, c))
    return { r: 0, message: 'Load ivr node key success', project: c.projectId, data: listData('ivrNodeKeys', rows, paging(q)) }
  })
  api.put('/ivrkeypress/:id', async (req) => {
    const c = ctx.company(req)
    const k = owned(ctx.dir.ivrKeys, c, idParam(req), 'IVR key')
    await ctx.store.config.saveIvrKey(applyKey(c, k, bodyOf(req.body), false))
    return { r: 0, project: c.projectId, message: 'Update ivr node key success' }
  })
  api.delete('/ivrkeypress/:id', async (req) => {
    const c = ctx.company(req)
    const k = owned(ctx.dir.ivrKeys, c, idParam(req), 'IVR key')
    await ctx.store.config.deleteIvrKey(k.id)
    return { r: 0, project: c.projectId, message: 'Delete ivr node key success' }
  })
}
