import type {
  AgentGroup,
  AgentRecord,
  Company,
  Directory,
  GroupRouting,
  IvrKey,
  IvrNode,
  IvrTree,
  NumberRecord,
  SkillGroup,
} from '../acd/directory'
import { DEFAULT_QUEUE_SETTINGS, queueSettings } from '../acd/directory'
import type { Db } from './db'
import { put, remove, table, WriteThrough, type Memory, type Table } from './table'

const SEED_LOCK = 7_270_702

/** A group routing as the store keeps it: with its id and company. */
export type StoredRouting = GroupRouting & { id: string; companyId: string }

/** One member of a group (a row of agent_group_members; the Directory indexes them). */
export interface Membership {
  groupId: string
  agentUUID: string
}

/** A Map of the Directory as a table's memory: a new record is stored as given, a changed one as a copy or, with `inPlace`, into the object already there (the agent core holds agents and queues). */
function mapMemory<R>(map: Map<string, R>, keyOf: (r: R) => string, inPlace = false): Memory<R> {
  return {
    put(r) {
      const cur = map.get(keyOf(r))
      if (inPlace && cur) return cur === r ? cur : Object.assign(cur, r)
      const stored = inPlace ? r : { ...r }
      map.set(keyOf(r), stored)
      return stored
    },
    remove: ([id]) => void map.delete(id as string),
  }
}

// --- the tables --------------------------------------------------------------------------------------

const CREATED = { column: 'created_at', onUpdate: false }
const fixed = <R>(value: (r: R) => unknown) => ({ value, fixed: true })

export const COMPANIES = table<Company, Directory>({
  table: 'companies',
  key: ['id'],
  columns: {
    id: (c) => c.id,
    name: (c) => c.name,
    project_id: (c) => c.projectId,
    account_id: (c) => c.accountId ?? c.projectId,
    account_sid: (c) => c.accountSid ?? '',
    api_key_sid: (c) => c.apiKeySid ?? `SK${c.id}`,
    event_url: (c) => c.eventUrl ?? null,
    webhook_secret: (c) => c.webhookSecret ?? '',
  },
  stamp: CREATED,
  order: 'id',
  fromRow: (r) => ({
    id: r.id,
    name: r.name,
    projectId: r.project_id,
    accountId: r.account_id,
    accountSid: r.account_sid,
    apiKeySid: r.api_key_sid,
    eventUrl: r.event_url,
    webhookSecret: r.webhook_secret,
  }),
  memory: (d) => ({
    put(c) {
      d.companies.set(c.id, { ...c })
      if (!d.extensions.has(c.id)) d.extensions.set(c.id, new Set())
      return d.companies.get(c.id)!
    },
    remove: ([id]) => void d.companies.delete(id as string),
  }),
})

export const EXTENSIONS = table<{ companyId: string; ext: string }, Directory>({
  table: 'extensions',
  key: ['company_id', 'ext'],
  columns: { company_id: (e) => e.companyId, ext: (e) => e.ext },
  order: 'company_id, ext',
  fromRow: (r) => ({ companyId: r.company_id, ext: r.ext }),
  memory: (d) => ({
    put(e) {
      let set = d.extensions.get(e.companyId)
      if (!set) d.extensions.set(e.companyId, (set = new Set()))
      set.add(e.ext)
      return e
    },
    remove: ([companyId, ext]) => void d.extensions.get(companyId as string)?.delete(ext as string),
  }),
})

export const AGENTS = table<AgentRecord, Directory>({
  table: 'agents',
  key: ['uuid'],
  columns: {
    uuid: (a) => a.uuid,
    company_id: fixed((a) => a.companyId),
    agent_id: (a) => a.agentID,
    name: (a) => a.name,
    ext: (a) => a.ext,
    mobile: (a) => a.mobile,
    phone_types: { value: (a) => a.phoneTypes, json: true },
    default_phone_type: (a) => a.defaultPhoneType,
    supervisor: (a) => a.supervisor,
    sip_password: (a) => a.sipPassword,
    stringee_user_id: (a) => a.stringeeUserId ?? a.agentID,
    phone_number: (a) => a.phoneNumber ?? a.mobile,
    routing_type: (a) => a.routingType ?? 1,
    manual_status: (a) => a.manualStatus ?? 'AVAILABLE',
    system_status: (a) => a.systemStatus ?? 0,
  },
  stamp: CREATED,
  order: 'company_id, created_at, uuid',
  fromRow: (r) => ({
    uuid: r.uuid,
    companyId: r.company_id,
    agentID: r.agent_id,
    name: r.name,
    ext: r.ext,
    mobile: r.mobile,
    phoneTypes: r.phone_types,
    defaultPhoneType: r.default_phone_type,
    supervisor: r.supervisor,
    sipPassword: r.sip_password,
    stringeeUserId: r.stringee_user_id,
    phoneNumber: r.phone_number,
    routingType: r.routing_type === 2 ? 2 : 1,
    manualStatus: r.manual_status,
    systemStatus: r.system_status,
  }),
  // The same object stays in the map when it is the one being saved: the core may hold it.
  memory: (d) => ({ ...mapMemory(d.agents, (a) => a.uuid, true), remove: ([uuid]) => d.removeAgent(uuid as string) }),
})

const QUEUE_SETTING_KEYS = Object.keys(DEFAULT_QUEUE_SETTINGS) as (keyof typeof DEFAULT_QUEUE_SETTINGS)[]

export const QUEUES = table<SkillGroup, Directory>({
  table: 'queues',
  key: ['id'],
  columns: {
    id: (q) => q.id,
    company_id: fixed((q) => q.companyId),
    name: (q) => q.name,
    ...Object.fromEntries(QUEUE_SETTING_KEYS.map((k) => [k, (q: SkillGroup) => queueSettings(q)[k]])),
  },
  stamp: CREATED,
  order: 'company_id, created_at, id',
  fromRow: (r) => ({
    id: r.id,
    companyId: r.company_id,
    name: r.name,
    settings: Object.fromEntries(QUEUE_SETTING_KEYS.map((k) => [k, r[k]])) as unknown as SkillGroup['settings'],
  }),
  memory: (d) => {
    const m = mapMemory(d.queues, (q) => q.id, true)
    return { put: (q) => m.put({ ...q, settings: queueSettings(q) }), remove: ([id]) => d.removeQueue(id as string) }
  },
})

/** The group's own row; its members are MEMBERS' rows. */
export const GROUPS = table<Omit<AgentGroup, 'agentUUIDs'>, Directory>({
  table: 'agent_groups',
  key: ['id'],
  columns: { id: (g) => g.id, company_id: fixed((g) => g.companyId), name: (g) => g.name },
  stamp: CREATED,
  order: 'company_id, created_at, id',
  fromRow: (r) => ({ id: r.id, companyId: r.company_id, name: r.name }),
  memory: (d) => ({
    put(g) {
      const cur = d.groups.get(g.id)
      if (cur) return Object.assign(cur, { companyId: g.companyId, name: g.name })
      const stored: AgentGroup = { id: g.id, companyId: g.companyId, name: g.name, agentUUIDs: [] }
      d.groups.set(g.id, stored)
      return stored
    },
    remove: ([id]) => d.removeGroup(id as string),
  }),
})

/** One row per member: adding or removing one agent is one insert or delete, whatever the group's size. */
export const MEMBERS = table<Membership, Directory>({
  table: 'agent_group_members',
  key: ['group_id', 'agent_uuid'],
  columns: {
    group_id: (m) => m.groupId,
    agent_uuid: (m) => m.agentUUID,
    // After the group's last member, whatever the gaps earlier deletes left.
    position: {
      value: (m) => m.groupId,
      fixed: true,
      insert: (p) => `(select coalesce(max(position) + 1, 0) from agent_group_members where group_id = ${p})`,
    },
  },
  order: 'group_id, position, agent_uuid',
  fromRow: (r) => ({ groupId: r.group_id, agentUUID: r.agent_uuid }),
  memory: (d) => ({
    put(m) {
      d.groups.addMember(m.groupId, m.agentUUID)
      return m
    },
    remove([groupId, agentUUID]) {
      const members = agentUUID === undefined ? [...(d.groups.get(groupId as string)?.agentUUIDs ?? [])] : [agentUUID as string]
      for (const uuid of members) d.groups.removeMember(groupId as string, uuid)
    },
  }),
})

export const ROUTING = table<StoredRouting, Directory>({
  table: 'group_routing',
  key: ['id'],
  columns: {
    id: (r) => r.id,
    company_id: fixed((r) => r.companyId),
    queue_id: fixed((r) => r.queueId),
    group_id: fixed((r) => r.groupId),
    priority: (r) => r.priority,
  },
  order: 'company_id, queue_id, priority, group_id',
  fromRow: (r) => ({ id: r.id, companyId: r.company_id, queueId: r.queue_id, groupId: r.group_id, priority: r.priority }),
  memory: (d) => ({
    put(r) {
      const stored = { ...r }
      const i = d.routing.findIndex((x) => x.id === r.id)
      if (i >= 0) d.routing[i] = stored
      else d.routing.push(stored)
      return stored
    },
    remove([id]) {
      d.routing = d.routing.filter((r) => r.id !== id)
    },
  }),
})

export const IVR_TREES = table<IvrTree, Directory>({
  table: 'ivr_trees',
  key: ['id'],
  columns: { id: (t) => t.id, company_id: fixed((t) => t.companyId), name: (t) => t.name, root_node_id: (t) => t.rootNodeId },
  stamp: CREATED,
  order: 'company_id, created_at, id',
  fromRow: (r) => ({ id: r.id, companyId: r.company_id, name: r.name, rootNodeId: r.root_node_id }),
  memory: (d) => ({ ...mapMemory(d.ivrTrees, (t) => t.id), remove: ([id]) => d.removeIvrTree(id as string) }),
})

export const IVR_NODES = table<IvrNode, Directory>({
  table: 'ivr_nodes',
  key: ['id'],
  columns: {
    id: (n) => n.id,
    company_id: fixed((n) => n.companyId),
    tree_id: fixed((n) => n.treeId),
    name: (n) => n.name,
    play_mode: (n) => n.playMode,
    play_content: (n) => n.playContent,
    barge_in: (n) => n.bargeIn,
    loop_count: (n) => n.loopCount,
    sched: (n) => n.sched,
    voice: (n) => n.voice,
    speed: (n) => n.speed,
    keypress_timeout: (n) => n.keypressTimeout,
  },
  stamp: CREATED,
  order: 'company_id, created_at, id',
  fromRow: (r) => ({
    id: r.id,
    companyId: r.company_id,
    treeId: r.tree_id,
    name: r.name,
    playMode: r.play_mode,
    playContent: r.play_content,
    bargeIn: r.barge_in,
    loopCount: r.loop_count,
    sched: r.sched,
    voice: r.voice,
    speed: r.speed,
    keypressTimeout: r.keypress_timeout,
  }),
  memory: (d) => ({ ...mapMemory(d.ivrNodes, (n) => n.id), remove: ([id]) => d.removeIvrNode(id as string) }),
})

export const IVR_KEYS = table<IvrKey, Directory>({
  table: 'ivr_keys',
  key: ['id'],
  columns: {
    id: (k) => k.id,
    company_id: fixed((k) => k.companyId),
    node_id: fixed((k) => k.nodeId),
    key: (k) => k.key,
    action: (k) => k.action,
    next_node_id: (k) => k.nextNodeId,
    queue_id: (k) => k.queueId,
    to_phone_number: (k) => k.toPhoneNumber,
    from_number_callout_to_agent: (k) => k.fromNumberCalloutToAgent,
    sms: (k) => k.sms,
  },
  order: 'node_id, key',
  fromRow: (r) => ({
    id: r.id,
    companyId: r.company_id,
    nodeId: r.node_id,
    key: r.key,
    action: r.action,
    nextNodeId: r.next_node_id,
    queueId: r.queue_id,
    toPhoneNumber: r.to_phone_number,
    fromNumberCalloutToAgent: r.from_number_callout_to_agent,
    sms: r.sms,
  }),
  memory: (d) => mapMemory(d.ivrKeys, (k) => k.id),
})

export const NUMBERS = table<NumberRecord, Directory>({
  table: 'numbers',
  key: ['id'],
  columns: {
    id: (n) => n.id,
    company_id: fixed((n) => n.companyId),
    number: (n) => n.number,
    nickname: (n) => n.nickname,
    allow_outbound_calls: (n) => n.allowOutboundCalls,
    enable_ivr: (n) => n.enableIvr,
    ivr_tree_id: (n) => n.ivrTreeId,
    queue_id: (n) => n.queueId,
    record_outbound_calls: (n) => n.recordOutboundCalls,
  },
  stamp: CREATED,
  order: 'company_id, created_at, id',
  fromRow: (r) => ({
    id: r.id,
    companyId: r.company_id,
    number: r.number,
    nickname: r.nickname,
    allowOutboundCalls: r.allow_outbound_calls,
    enableIvr: r.enable_ivr,
    ivrTreeId: r.ivr_tree_id,
    queueId: r.queue_id,
    recordOutboundCalls: r.record_outbound_calls,
  }),
  memory: (d) => mapMemory(d.numbers, (n) => n.id),
})

/** Parents before children: the order a load applies them in. */
const TABLES = [COMPANIES, EXTENSIONS, AGENTS, QUEUES, GROUPS, MEMBERS, ROUTING, IVR_TREES, IVR_NODES, IVR_KEYS, NUMBERS] as const

/**
 * The configuration's persistence: the Directory (server/acd/directory.ts) stays the in-memory copy
 * that the agent core reads synchronously; this class loads it from the database at start and is the
 * only way to change it afterwards, through the write-through of server/store/table.ts (the database
 * first, the Directory once committed, one write at a time). The methods below are that write-through
 * for each kind of item, with the few that write more than one row.
 */
export class ConfigStore {
  private readonly w: WriteThrough<Directory>

  constructor(
    private readonly db: Db,
    readonly dir: Directory,
    clock: () => number = Date.now,
  ) {
    this.w = new WriteThrough(db, dir, clock, () => this.onChanged?.())
  }

  /** Called after each committed write, once the Directory follows it (the routing engine's tier events). */
  onChanged: (() => void) | undefined

  /** Resolves when every write issued so far has finished. */
  idle(): Promise<void> {
    return this.w.idle()
  }

  async isEmpty(): Promise<boolean> {
    const rows = await this.db.query<{ n: number }>('select count(*) as n from companies')
    return Number(rows[0]?.n ?? 0) === 0
  }

  /** Replaces the Directory's content with the database's. */
  async load(): Promise<void> {
    this.dir.clear()
    await this.w.load(TABLES)
    for (const c of this.dir.companies.keys()) if (!this.dir.extensions.has(c)) this.dir.extensions.set(c, new Set())
  }

  /**
   * Writes every row of `src` (the seed) in one transaction when the database has no company yet,
   * then loads the database. Several processes starting at once on one empty PostgreSQL seed it once.
   */
  seedIfEmpty(src: Directory): Promise<boolean> {
    return this.w.serial(async () => {
      const seeded = await this.db.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock($1)', [SEED_LOCK])
        const [{ n }] = (await tx.query<{ n: number }>('select count(*) as n from companies')) as [{ n: number }]
        if (Number(n) > 0) return false
        const insert = <R>(t: Table<R, Directory>, rows: Iterable<R>) => this.w.insert(tx, t, rows)
        await insert(COMPANIES, src.companies.values())
        for (const [companyId, exts] of src.extensions)
          await insert(
            EXTENSIONS,
            [...exts].map((ext) => ({ companyId, ext })),
          )
        await insert(AGENTS, src.agents.values())
        await insert(QUEUES, src.queues.values())
        for (const g of src.groups.values()) {
          await insert(GROUPS, [g])
          await insert(
            MEMBERS,
            g.agentUUIDs.map((agentUUID) => ({ groupId: g.id, agentUUID })),
          )
        }
        await insert(
          ROUTING,
          src.routing.map((r) => withRoutingId(r, src)),
        )
        // Trees point at their root node and nodes at their tree: trees first without their roots.
        await insert(
          IVR_TREES,
          [...src.ivrTrees.values()].map((t) => ({ ...t, rootNodeId: null })),
        )
        await insert(IVR_NODES, src.ivrNodes.values())
        await insert(IVR_TREES, src.ivrTrees.values())
        await insert(IVR_KEYS, src.ivrKeys.values())
        await insert(NUMBERS, src.numbers.values())
        return true
      })
      await this.load()
      return seeded
    })
  }

  // --- writes: the database first, then the Directory ----------------------------------------------

  saveCompany = (c: Company): Promise<Company> => this.w.put(COMPANIES, c)
  addExtension = async (companyId: string, ext: string): Promise<void> => void (await this.w.put(EXTENSIONS, { companyId, ext }))
  removeExtension = (companyId: string, ext: string): Promise<void> => this.w.remove(EXTENSIONS, companyId, ext)
  saveAgent = (a: AgentRecord): Promise<AgentRecord> => this.w.put(AGENTS, a)
  /** Deletes the agent and its memberships. */
  deleteAgent = (uuid: string): Promise<void> => this.w.remove(AGENTS, uuid)
  saveQueue = (q: SkillGroup): Promise<SkillGroup> => this.w.put(QUEUES, q)
  /** Deletes the queue and its group routings. Numbers and IVR keys that use it must be changed first. */
  deleteQueue = (id: string): Promise<void> => this.w.remove(QUEUES, id)
  /** Saves the group's own row (its name); its members stay as they are. */
  saveGroupRow = (g: Omit<AgentGroup, 'agentUUIDs'>): Promise<AgentGroup> => this.w.put(GROUPS, g) as Promise<AgentGroup>
  /** Deletes the group, its memberships and its routings. */
  deleteGroup = (id: string): Promise<void> => this.w.remove(GROUPS, id)
  /** One insert: the agent joins the end of the group's members. */
  addMember = async (groupId: string, agentUUID: string): Promise<void> => void (await this.w.put(MEMBERS, { groupId, agentUUID }))
  /** One delete. */
  removeMember = (groupId: string, agentUUID: string): Promise<void> => this.w.remove(MEMBERS, groupId, agentUUID)
  saveRouting = (r: StoredRouting): Promise<StoredRouting> => this.w.put(ROUTING, r)
  deleteRouting = (id: string): Promise<void> => this.w.remove(ROUTING, id)
  saveNumber = (n: NumberRecord): Promise<NumberRecord> => this.w.put(NUMBERS, n)
  deleteNumber = (id: string): Promise<void> => this.w.remove(NUMBERS, id)
  saveIvrTree = (t: IvrTree): Promise<IvrTree> => this.w.put(IVR_TREES, t)
  /** Deletes the tree with its nodes and their keys. Numbers that use it must be changed first. */
  deleteIvrTree = (id: string): Promise<void> => this.w.remove(IVR_TREES, id)
  /** Deletes the node and its keys; a tree whose root it was has no root afterwards. */
  deleteIvrNode = (id: string): Promise<void> => this.w.remove(IVR_NODES, id)
  saveIvrKey = (k: IvrKey): Promise<IvrKey> => this.w.put(IVR_KEYS, k)
  deleteIvrKey = (id: string): Promise<void> => this.w.remove(IVR_KEYS, id)

  /** Saves the group with exactly these members, in this order (the API changes members one at a time, with addMember and removeMember). */
  async saveGroup(g: AgentGroup): Promise<AgentGroup> {
    await this.w.apply([
      put(GROUPS, g),
      remove(MEMBERS, g.id),
      ...g.agentUUIDs.map((agentUUID) => put(MEMBERS, { groupId: g.id, agentUUID })),
    ])
    return this.dir.groups.get(g.id)!
  }

  /** Saves the node; the first node of a tree without a root becomes its root (as Stringee's isRootNode). */
  async saveIvrNode(n: IvrNode): Promise<{ node: IvrNode; isRoot: boolean }> {
    const [node] = await this.w.apply(() => {
      const tree = this.dir.ivrTrees.get(n.treeId)
      return tree?.rootNodeId === null ? [put(IVR_NODES, n), put(IVR_TREES, { ...tree, rootNodeId: n.id })] : [put(IVR_NODES, n)]
    })
    return { node: node as IvrNode, isRoot: this.dir.ivrTrees.get(n.treeId)?.rootNodeId === n.id }
  }
}

function withRoutingId(r: GroupRouting, src: Directory): StoredRouting {
  return { ...r, id: r.id ?? `GR_RO_${r.queueId}_${r.groupId}`, companyId: r.companyId ?? src.queues.get(r.queueId)?.companyId ?? '' }
}
