import type { Company, IvrKey, IvrNode, IvrTree } from '../../acd/directory'
import { newId } from '../../store/ids'
import type { ApiContext } from '../index'
import { ApiError } from '../result'
import { crud, owned, ref } from '../route'
import { Bool, Clearable, Int, OneOf, PHONE_NUMBER, Str, Type, type Static } from '../schema'
import { account, bit } from '../util'

const opt = Type.Optional

// --- trees -----------------------------------------------------------------------------------------

const TREE = Type.Object({ tree_name: Str({ max: 128 }) })
const TREE_UPDATE = Type.Object({
  tree_name: opt(Str({ max: 128 })),
  root_node: opt(Clearable({ max: 128, description: "a node of the tree, where calls start (the tree's first node until changed)" })),
})

export const ivrTrees = crud<IvrTree, typeof TREE, typeof TREE_UPDATE>({
  title: 'IVR trees',
  path: '/ivrtree',
  idName: 'ID',
  noun: 'IVR tree',
  label: 'ivr tree',
  messages: { list: 'Load IVR tree success', get: 'Load IVR tree success' },
  idField: 'ivrTreeID',
  listField: 'ivrTrees',
  id: (t) => t.id,
  find: (ctx, c, id) => owned(ctx.dir.ivrTrees, c, id),
  row: (_ctx, c, t) => ({ id: t.id, account: account(c), project: c.projectId, tree_name: t.name, root_node: t.rootNodeId ?? '' }),
  create: {
    body: TREE,
    run: ({ ctx, company, body }) =>
      ctx.store.config.saveIvrTree({ id: newId('TR'), companyId: company.id, name: body.tree_name, rootNodeId: null }),
  },
  list: { items: ({ ctx, company }) => [...ctx.dir.ivrTrees.values()].filter((t) => t.companyId === company.id) },
  get: {},
  update: {
    body: TREE_UPDATE,
    async run({ ctx, body }, t) {
      const next = { ...t }
      if (body.tree_name !== undefined) next.name = body.tree_name
      if (body.root_node !== undefined) {
        if (body.root_node !== null && ctx.dir.ivrNodes.get(body.root_node)?.treeId !== t.id)
          throw new ApiError('NOT_FOUND', `root_node: no node ${body.root_node} in tree ${t.id}.`)
        next.rootNodeId = body.root_node
      }
      await ctx.store.config.saveIvrTree(next)
    },
  },
  remove: {
    summary: 'delete, with its nodes and keys (not while a number uses it)',
    async run({ ctx }, t) {
      const used = [...ctx.dir.numbers.values()].filter((n) => n.ivrTreeId === t.id).map((n) => n.number)
      if (used.length) throw new ApiError('IN_USE', `IVR tree ${t.id} is used by numbers ${used.join(', ')}.`)
      await ctx.store.config.deleteIvrTree(t.id)
    },
  },
})

// --- nodes -----------------------------------------------------------------------------------------

const NODE_FIELDS = {
  node_name: Str({ max: 128 }),
  node_play_mode: OneOf(['talk', 'play'], {
    description: '`talk`: say `node_play_content`; `play`: the uploaded greeting named `node_play_content`',
  }),
  node_play_content: Str({ max: 2000, description: "the text, or a greeting's `filename` (which must exist)" }),
  bargeIn: opt(Bool({ default: true, description: 'a key cuts the prompt short' })),
  loop_count: opt(Int({ min: 1, max: 100, default: 1 })),
  sched: opt(Int({ min: 0, max: 60_000, default: 0, description: 'ms of silence before the prompt' })),
  voice: opt(
    Str({
      max: 128,
      default: 'hn_female_thutrang_phrase_48k-hsmm',
      description: "an espeak-ng voice (`en`, `vi`, ...) or Stringee's name",
    }),
  ),
  speed: opt(Int({ min: -3, max: 3, default: 0 })),
  keypress_timeout: opt(Int({ min: 1, max: 600, default: 5, description: 'seconds' })),
}
const NODE = Type.Object({ tree: Str({ max: 128, description: 'the IVR tree' }), ...NODE_FIELDS })
const NODE_UPDATE = Type.Partial(Type.Object(NODE_FIELDS))
const NODE_LIST = Type.Object({ tree: Str({ max: 128 }) })

async function applyNode(ctx: ApiContext, c: Company, n: IvrNode, b: Partial<Static<typeof NODE>>): Promise<IvrNode> {
  const next = { ...n }
  if (b.node_name !== undefined) next.name = b.node_name
  if (b.node_play_mode !== undefined) next.playMode = b.node_play_mode
  if (b.node_play_content !== undefined) next.playContent = b.node_play_content
  if (
    next.playMode === 'play' &&
    (b.node_play_mode !== undefined || b.node_play_content !== undefined) &&
    !(await ctx.store.greetings.get(c.id, next.playContent))
  )
    throw new ApiError('NOT_FOUND', `node_play_content: no uploaded greeting ${next.playContent} (upload it at /v1/greetingfile).`)
  next.bargeIn = b.bargeIn ?? next.bargeIn
  next.loopCount = b.loop_count ?? next.loopCount
  next.sched = b.sched ?? next.sched
  next.voice = b.voice ?? next.voice
  next.speed = b.speed ?? next.speed
  next.keypressTimeout = b.keypress_timeout ?? next.keypressTimeout
  return next
}

/** IVR nodes: a tree's first node becomes its root (`isRootNode: true`). */
export const ivrNodes = crud<IvrNode, typeof NODE, typeof NODE_UPDATE, typeof NODE_LIST>({
  title: 'IVR nodes',
  path: '/ivrnode',
  idName: 'ID',
  noun: 'IVR node',
  label: 'ivr node',
  messages: { list: 'Load IVR node success', get: 'Load IVR node success' },
  idField: 'ivrNodeID',
  listField: 'ivrNodes',
  id: (n) => n.id,
  find: (ctx, c, id) => owned(ctx.dir.ivrNodes, c, id),
  row: (ctx, c, n) => ({
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
  }),
  create: {
    summary: 'create a node (the answer says `isRootNode`)',
    body: NODE,
    async run({ ctx, company: c, body }) {
      const tree = ref(ctx.dir.ivrTrees, c, 'tree', body.tree, 'IVR tree')
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
      const { node, isRoot } = await ctx.store.config.saveIvrNode(await applyNode(ctx, c, blank, body))
      return { item: node, answer: { isRootNode: isRoot } }
    },
  },
  list: {
    summary: "a tree's nodes",
    query: NODE_LIST,
    items({ ctx, company, query }) {
      const tree = ref(ctx.dir.ivrTrees, company, 'tree', query.tree, 'IVR tree')
      return [...ctx.dir.ivrNodes.values()].filter((n) => n.treeId === tree.id)
    },
  },
  get: {},
  update: {
    body: NODE_UPDATE,
    async run({ ctx, company, body }, n) {
      await ctx.store.config.saveIvrNode(await applyNode(ctx, company, n, body))
    },
  },
  remove: {
    summary: "delete, with its keys (not while another node's key leads to it)",
    async run({ ctx }, n) {
      const from = [...ctx.dir.ivrKeys.values()].filter((k) => k.nextNodeId === n.id && k.nodeId !== n.id).map((k) => k.id)
      if (from.length) throw new ApiError('IN_USE', `IVR node ${n.id} is the next node of keys ${from.join(', ')}.`)
      await ctx.store.config.deleteIvrNode(n.id)
    },
  },
})

// --- key presses -------------------------------------------------------------------------------------

const NODE_KEY: [RegExp, string] = [/^([0-9*#]|EMPTY_KEY|INVALID_KEY)$/, 'must be one of 0-9, *, #, EMPTY_KEY or INVALID_KEY.']

const KEY_FIELDS = {
  node_key: Str({
    max: 16,
    pattern: NODE_KEY,
    description: '`EMPTY_KEY`: no key before the timeout; `INVALID_KEY`: a key without an entry',
  }),
  action: Int({
    min: 1,
    max: 6,
    description:
      '2 route to `queue_id`, 3 forward to `to_phone_number`, 4 go to `next_node`, 6 stop the call; 1 (voicemail) and 5 (SMS) are refused, "coming soon" in Stringee\'s document',
  }),
  next_node: opt(Clearable({ max: 128, description: 'a node of the same tree (action 4)' })),
  queue_id: opt(Clearable({ max: 128, description: 'action 2' })),
  to_phone_number: opt(Clearable({ max: 21, pattern: PHONE_NUMBER, description: 'action 3' })),
  from_number_callout_to_agent: opt(Clearable({ max: 21, pattern: PHONE_NUMBER, description: 'the number a forward shows' })),
  sms: opt(Clearable({ max: 1000 })),
}
const KEY = Type.Object({ node: Str({ max: 128, description: 'the IVR node' }), ...KEY_FIELDS })
const KEY_UPDATE = Type.Partial(Type.Object(KEY_FIELDS))
const KEY_LIST = Type.Object({ node: Str({ max: 128 }) })

function applyKey(ctx: ApiContext, c: Company, k: IvrKey, b: Partial<Static<typeof KEY>>): IvrKey {
  const next = { ...k }
  if (b.node_key !== undefined) next.key = b.node_key
  if (b.action !== undefined) {
    if (b.action === 1 || b.action === 5)
      throw new ApiError('INVALID_VALUE', 'action 1 (voicemail) and 5 (SMS) are not available (Stringee lists them as coming soon).')
    next.action = b.action as IvrKey['action']
  }
  if (b.next_node !== undefined) next.nextNodeId = b.next_node
  if (b.queue_id !== undefined) next.queueId = b.queue_id === null ? null : ref(ctx.dir.queues, c, 'queue_id', b.queue_id, 'queue').id
  if (b.to_phone_number !== undefined) next.toPhoneNumber = b.to_phone_number
  if (b.from_number_callout_to_agent !== undefined) next.fromNumberCalloutToAgent = b.from_number_callout_to_agent
  if (b.sms !== undefined) next.sms = b.sms
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
  if (clash && clash.id !== next.id) throw new ApiError('ALREADY_EXISTS', `Node ${next.nodeId} already has key ${next.key} (${clash.id}).`)
  return next
}

/** What a key does at an IVR node. */
export const ivrKeys = crud<IvrKey, typeof KEY, typeof KEY_UPDATE, typeof KEY_LIST>({
  title: 'IVR key presses',
  path: '/ivrkeypress',
  idName: 'ID',
  noun: 'IVR key',
  label: 'ivr node key',
  idField: 'ivrNodeKeyID',
  listField: 'ivrNodeKeys',
  messages: { list: 'Load ivr node key success' },
  id: (k) => k.id,
  find: (ctx, c, id) => owned(ctx.dir.ivrKeys, c, id),
  row: (_ctx, c, k) => ({
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
  }),
  create: {
    summary: 'create a key press of a node',
    body: KEY,
    run({ ctx, company: c, body }) {
      const node = ref(ctx.dir.ivrNodes, c, 'node', body.node, 'IVR node')
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
      return ctx.store.config.saveIvrKey(applyKey(ctx, c, blank, body))
    },
  },
  list: {
    summary: "a node's keys",
    query: KEY_LIST,
    items({ ctx, company, query }) {
      const node = ref(ctx.dir.ivrNodes, company, 'node', query.node, 'IVR node')
      return ctx.dir.ivrNodeKeys(node.id).sort((a, b) => a.key.localeCompare(b.key))
    },
  },
  update: {
    body: KEY_UPDATE,
    async run({ ctx, company, body }, k) {
      await ctx.store.config.saveIvrKey(applyKey(ctx, company, k, body))
    },
  },
  remove: { run: ({ ctx }, k) => ctx.store.config.deleteIvrKey(k.id) },
})
