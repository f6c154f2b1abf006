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
import type { PhoneType } from 'sobot-call-sdk/protocol'
import type { Db, Queryable } from './db'

const SEED_LOCK = 7_270_702

/** A group routing as the store keeps it: with its id and company. */
export type StoredRouting = GroupRouting & { id: string; companyId: string }

/**
 * The configuration's persistence: the Directory (server/acd/directory.ts) stays the in-memory copy
 * that the agent core reads synchronously; this class loads it from the database at start and is the
 * only way to change it afterwards. Every write goes to the database first, and only once it is
 * committed does the Directory change, so memory never holds what a restart would lose. Writes are
 * serialised, which keeps the Directory in the database's commit order even on a connection pool.
 */
export class ConfigStore {
  private tail: Promise<unknown> = Promise.resolve()
  private lastStamp = 0

  constructor(
    private readonly db: Db,
    readonly dir: Directory,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * created_at of new rows: strictly increasing, so that loading in created_at order gives the
   * Directory the order the items were created in (the order the API lists them in).
   */
  private now(): number {
    this.lastStamp = Math.max(this.clock(), this.lastStamp + 1)
    return this.lastStamp
  }

  /** Called after each committed write, once the Directory follows it (the routing engine's tier events). */
  onChanged: (() => void) | undefined

  /** Runs write operations one at a time, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => {})
    return run.then((v) => {
      try {
        this.onChanged?.()
      } catch {
        // a listener's failure is not the write's
      }
      return v
    })
  }

  /** Resolves when every write issued so far has finished. */
  async idle(): Promise<void> {
    await this.tail
  }

  async isEmpty(): Promise<boolean> {
    const rows = await this.db.query<{ n: number }>('select count(*) as n from companies')
    return Number(rows[0]?.n ?? 0) === 0
  }

  // --- loading ---------------------------------------------------------------------------------

  /** Replaces the Directory's content with the database's. */
  async load(): Promise<void> {
    const q = <T>(sql: string): Promise<T[]> => this.db.query<T>(sql)
    const [companies, exts, agents, queues, groups, members, routing, trees, nodes, keys, numbers] = await Promise.all([
      q<CompanyRow>('select * from companies order by id'),
      q<{ company_id: string; ext: string }>('select * from extensions order by company_id, ext'),
      q<AgentRow>('select * from agents order by company_id, created_at, uuid'),
      q<QueueRow>('select * from queues order by company_id, created_at, id'),
      q<{ id: string; company_id: string; name: string }>('select * from agent_groups order by company_id, created_at, id'),
      q<{ group_id: string; agent_uuid: string }>('select * from agent_group_members order by group_id, position, agent_uuid'),
      q<RoutingRow>('select * from group_routing order by company_id, queue_id, priority, group_id'),
      q<TreeRow>('select * from ivr_trees order by company_id, created_at, id'),
      q<NodeRow>('select * from ivr_nodes order by company_id, created_at, id'),
      q<KeyRow>('select * from ivr_keys order by node_id, key'),
      q<NumberRow>('select * from numbers order by company_id, created_at, id'),
    ])
    const d = this.dir
    d.clear()
    for (const r of companies) d.companies.set(r.id, companyFromRow(r))
    for (const r of exts) {
      let set = d.extensions.get(r.company_id)
      if (!set) d.extensions.set(r.company_id, (set = new Set()))
      set.add(r.ext)
    }
    for (const c of d.companies.keys()) if (!d.extensions.has(c)) d.extensions.set(c, new Set())
    for (const r of agents) d.agents.set(r.uuid, agentFromRow(r))
    for (const r of queues) d.queues.set(r.id, queueFromRow(r))
    for (const r of groups) d.groups.set(r.id, { id: r.id, companyId: r.company_id, name: r.name, agentUUIDs: [] })
    for (const r of members) d.groups.get(r.group_id)?.agentUUIDs.push(r.agent_uuid)
    d.routing = routing.map(routingFromRow)
    for (const r of trees) d.ivrTrees.set(r.id, treeFromRow(r))
    for (const r of nodes) d.ivrNodes.set(r.id, nodeFromRow(r))
    for (const r of keys) d.ivrKeys.set(r.id, keyFromRow(r))
    for (const r of numbers) d.numbers.set(r.id, numberFromRow(r))
  }

  /**
   * Writes every row of `src` (the seed) in one transaction when the database has no company yet,
   * then loads the database. Several processes starting at once on one empty PostgreSQL seed it once.
   */
  seedIfEmpty(src: Directory): Promise<boolean> {
    return this.serial(async () => {
      const seeded = await this.db.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock($1)', [SEED_LOCK])
        const [{ n }] = (await tx.query<{ n: number }>('select count(*) as n from companies')) as [{ n: number }]
        if (Number(n) > 0) return false
        for (const c of src.companies.values()) await upsertCompany(tx, c, this.now())
        for (const [companyId, exts] of src.extensions) for (const e of exts) await insertExtension(tx, companyId, e)
        for (const a of src.agents.values()) await upsertAgent(tx, a, this.now())
        for (const q of src.queues.values()) await upsertQueue(tx, q, this.now())
        for (const g of src.groups.values()) await upsertGroup(tx, g, this.now())
        for (const r of src.routing) await upsertRouting(tx, withRoutingId(r, src))
        for (const t of src.ivrTrees.values()) await upsertTree(tx, { ...t, rootNodeId: null }, this.now())
        for (const n of src.ivrNodes.values()) await upsertNode(tx, n, this.now())
        for (const t of src.ivrTrees.values()) await upsertTree(tx, t, this.now())
        for (const k of src.ivrKeys.values()) await upsertKey(tx, k)
        for (const n of src.numbers.values()) await upsertNumber(tx, n, this.now())
        return true
      })
      await this.load()
      return seeded
    })
  }

  // --- writes: the database first, then the Directory ----------------------------------------------

  saveCompany(c: Company): Promise<Company> {
    return this.serial(async () => {
      await upsertCompany(this.db, c, this.now())
      this.dir.companies.set(c.id, { ...c })
      if (!this.dir.extensions.has(c.id)) this.dir.extensions.set(c.id, new Set())
      return c
    })
  }

  addExtension(companyId: string, ext: string): Promise<void> {
    return this.serial(async () => {
      await insertExtension(this.db, companyId, ext)
      let set = this.dir.extensions.get(companyId)
      if (!set) this.dir.extensions.set(companyId, (set = new Set()))
      set.add(ext)
    })
  }

  removeExtension(companyId: string, ext: string): Promise<void> {
    return this.serial(async () => {
      await this.db.query('delete from extensions where company_id = $1 and ext = $2', [companyId, ext])
      this.dir.extensions.get(companyId)?.delete(ext)
    })
  }

  saveAgent(a: AgentRecord): Promise<AgentRecord> {
    return this.serial(async () => {
      await upsertAgent(this.db, a, this.now())
      // The same object stays in the map when it is the one being saved: the core may hold it.
      const cur = this.dir.agents.get(a.uuid)
      if (cur && cur !== a) Object.assign(cur, a)
      else this.dir.agents.set(a.uuid, a)
      return this.dir.agents.get(a.uuid)!
    })
  }

  deleteAgent(uuid: string): Promise<void> {
    return this.serial(async () => {
      await this.db.query('delete from agents where uuid = $1', [uuid])
      this.dir.agents.delete(uuid)
      for (const g of this.dir.groups.values()) g.agentUUIDs = g.agentUUIDs.filter((u) => u !== uuid)
    })
  }

  saveQueue(q: SkillGroup): Promise<SkillGroup> {
    return this.serial(async () => {
      const stored: SkillGroup = { ...q, settings: queueSettings(q) }
      await upsertQueue(this.db, stored, this.now())
      const cur = this.dir.queues.get(q.id)
      if (cur) Object.assign(cur, stored)
      else this.dir.queues.set(q.id, stored)
      return this.dir.queues.get(q.id)!
    })
  }

  /** Deletes the queue and its group routings. Numbers and IVR keys that use it must be changed first. */
  deleteQueue(id: string): Promise<void> {
    return this.serial(async () => {
      await this.db.query('delete from queues where id = $1', [id])
      this.dir.queues.delete(id)
      this.dir.routing = this.dir.routing.filter((r) => r.queueId !== id)
    })
  }

  /** Saves the group with its members, in the order given. */
  saveGroup(g: AgentGroup): Promise<AgentGroup> {
    return this.serial(async () => {
      await this.db.transaction((tx) => upsertGroup(tx, g, this.now()))
      const stored = { ...g, agentUUIDs: [...g.agentUUIDs] }
      const cur = this.dir.groups.get(g.id)
      if (cur) Object.assign(cur, stored)
      else this.dir.groups.set(g.id, stored)
      return this.dir.groups.get(g.id)!
    })
  }

  deleteGroup(id: string): Promise<void> {
    return this.serial(async () => {
      await this.db.query('delete from agent_groups where id = $1', [id])
      this.dir.groups.delete(id)
      this.dir.routing = this.dir.routing.filter((r) => r.groupId !== id)
    })
  }

  saveRouting(r: StoredRouting): Promise<StoredRouting> {
    return this.serial(async () => {
      await upsertRouting(this.db, r)
      const stored = { ...r }
      const i = this.dir.routing.findIndex((x) => x.id === r.id)
      if (i >= 0) this.dir.routing[i] = stored
      else this.dir.routing.push(stored)
      return stored
    })
  }

  deleteRouting(id: string): Promise<void> {
    return this.serial(async () => {
      await this.db.query('delete from group_routing where id = $1', [id])
      this.dir.routing = this.dir.routing.filter((r) => r.id !== id)
    })
  }

  saveNumber(n: NumberRecord): Promise<NumberRecord> {
    return this.serial(async () => {
      await upsertNumber(this.db, n, this.now())
      this.dir.numbers.set(n.id, { ...n })
      return this.dir.numbers.get(n.id)!
    })
  }

  deleteNumber(id: string): Promise<void> {
    return this.serial(async () => {
      await this.db.query('delete from numbers where id = $1', [id])
      this.dir.numbers.delete(id)
    })
  }

  saveIvrTree(t: IvrTree): Promise<IvrTree> {
    return this.serial(async () => {
      await upsertTree(this.db, t, this.now())
      this.dir.ivrTrees.set(t.id, { ...t })
      return this.dir.ivrTrees.get(t.id)!
    })
  }

  /** Deletes the tree with its nodes and their keys. Numbers that use it must be changed first. */
  deleteIvrTree(id: string): Promise<void> {
    return this.serial(async () => {
      await this.db.query('delete from ivr_trees where id = $1', [id])
      this.dir.ivrTrees.delete(id)
      for (const n of [...this.dir.ivrNodes.values()]) if (n.treeId === id) this.forgetNode(n.id)
    })
  }

  /** Saves the node; the first node of a tree without a root becomes its root (as Stringee's isRootNode). */
  saveIvrNode(n: IvrNode): Promise<{ node: IvrNode; isRoot: boolean }> {
    return this.serial(async () => {
      const tree = this.dir.ivrTrees.get(n.treeId)
      const makeRoot = tree !== undefined && tree.rootNodeId === null
      await this.db.transaction(async (tx) => {
        await upsertNode(tx, n, this.now())
        if (makeRoot) await tx.query('update ivr_trees set root_node_id = $2 where id = $1', [n.treeId, n.id])
      })
      this.dir.ivrNodes.set(n.id, { ...n })
      if (makeRoot) tree.rootNodeId = n.id
      return { node: this.dir.ivrNodes.get(n.id)!, isRoot: this.dir.ivrTrees.get(n.treeId)?.rootNodeId === n.id }
    })
  }

  /** Deletes the node and its keys; a tree whose root it was has no root afterwards. */
  deleteIvrNode(id: string): Promise<void> {
    return this.serial(async () => {
      await this.db.query('delete from ivr_nodes where id = $1', [id])
      this.forgetNode(id)
    })
  }

  saveIvrKey(k: IvrKey): Promise<IvrKey> {
    return this.serial(async () => {
      await upsertKey(this.db, k)
      this.dir.ivrKeys.set(k.id, { ...k })
      return this.dir.ivrKeys.get(k.id)!
    })
  }

  deleteIvrKey(id: string): Promise<void> {
    return this.serial(async () => {
      await this.db.query('delete from ivr_keys where id = $1', [id])
      this.dir.ivrKeys.delete(id)
    })
  }

  private forgetNode(id: string): void {
    this.dir.ivrNodes.delete(id)
    for (const k of [...this.dir.ivrKeys.values()]) if (k.nodeId === id) this.dir.ivrKeys.delete(k.id)
    for (const t of this.dir.ivrTrees.values()) if (t.rootNodeId === id) t.rootNodeId = null
  }
}

function withRoutingId(r: GroupRouting, src: Directory): StoredRouting {
  return { ...r, id: r.id ?? `GR_RO_${r.queueId}_${r.groupId}`, companyId: r.companyId ?? src.queues.get(r.queueId)?.companyId ?? '' }
}

// --- rows ----------------------------------------------------------------------------------------

interface CompanyRow {
  id: string
  name: string
  project_id: number
  account_id: number
  account_sid: string
  api_key_sid: string
  event_url: string | null
  webhook_secret: string
}

interface AgentRow {
  uuid: string
  company_id: string
  agent_id: string
  name: string
  ext: string
  mobile: string
  phone_types: PhoneType[]
  default_phone_type: PhoneType
  supervisor: boolean
  sip_password: string
  stringee_user_id: string
  phone_number: string
  routing_type: number
  manual_status: string
  system_status: number
}

type QueueRow = { id: string; company_id: string; name: string } & Record<string, unknown>

interface RoutingRow {
  id: string
  company_id: string
  queue_id: string
  group_id: string
  priority: number
}

interface TreeRow {
  id: string
  company_id: string
  name: string
  root_node_id: string | null
}

interface NodeRow {
  id: string
  company_id: string
  tree_id: string
  name: string
  play_mode: 'talk' | 'play'
  play_content: string
  barge_in: boolean
  loop_count: number
  sched: number
  voice: string
  speed: number
  keypress_timeout: number
}

interface KeyRow {
  id: string
  company_id: string
  node_id: string
  key: string
  action: number
  next_node_id: string | null
  queue_id: string | null
  to_phone_number: string | null
  from_number_callout_to_agent: string | null
  sms: string | null
}

interface NumberRow {
  id: string
  company_id: string
  number: string
  nickname: string
  allow_outbound_calls: boolean
  enable_ivr: boolean
  ivr_tree_id: string | null
  queue_id: string | null
  record_outbound_calls: boolean
}

function companyFromRow(r: CompanyRow): Company {
  return {
    id: r.id,
    name: r.name,
    projectId: r.project_id,
    accountId: r.account_id,
    accountSid: r.account_sid,
    apiKeySid: r.api_key_sid,
    eventUrl: r.event_url,
    webhookSecret: r.webhook_secret,
  }
}

function agentFromRow(r: AgentRow): AgentRecord {
  return {
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
  }
}

const QUEUE_SETTING_KEYS = Object.keys(DEFAULT_QUEUE_SETTINGS) as (keyof typeof DEFAULT_QUEUE_SETTINGS)[]

function queueFromRow(r: QueueRow): SkillGroup {
  const settings = {} as Record<string, unknown>
  for (const k of QUEUE_SETTING_KEYS) settings[k] = r[k]
  return { id: r.id, companyId: r.company_id, name: r.name, settings: settings as unknown as SkillGroup['settings'] }
}

function routingFromRow(r: RoutingRow): StoredRouting {
  return { id: r.id, companyId: r.company_id, queueId: r.queue_id, groupId: r.group_id, priority: r.priority }
}

function treeFromRow(r: TreeRow): IvrTree {
  return { id: r.id, companyId: r.company_id, name: r.name, rootNodeId: r.root_node_id }
}

function nodeFromRow(r: NodeRow): IvrNode {
  return {
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
  }
}

function keyFromRow(r: KeyRow): IvrKey {
  return {
    id: r.id,
    companyId: r.company_id,
    nodeId: r.node_id,
    key: r.key,
    action: r.action as IvrKey['action'],
    nextNodeId: r.next_node_id,
    queueId: r.queue_id,
    toPhoneNumber: r.to_phone_number,
    fromNumberCalloutToAgent: r.from_number_callout_to_agent,
    sms: r.sms,
  }
}

function numberFromRow(r: NumberRow): NumberRecord {
  return {
    id: r.id,
    companyId: r.company_id,
    number: r.number,
    nickname: r.nickname,
    allowOutboundCalls: r.allow_outbound_calls,
    enableIvr: r.enable_ivr,
    ivrTreeId: r.ivr_tree_id,
    queueId: r.queue_id,
    recordOutboundCalls: r.record_outbound_calls,
  }
}

// --- upserts (created_at is kept on update) --------------------------------------------------------

async function upsertCompany(db: Queryable, c: Company, now: number): Promise<void> {
  await db.query(
    `insert into companies (id, name, project_id, account_id, account_sid, api_key_sid, event_url, webhook_secret, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict (id) do update set name = excluded.name, project_id = excluded.project_id, account_id = excluded.account_id,
       account_sid = excluded.account_sid, api_key_sid = excluded.api_key_sid, event_url = excluded.event_url,
       webhook_secret = excluded.webhook_secret`,
    [
      c.id,
      c.name,
      c.projectId,
      c.accountId ?? c.projectId,
      c.accountSid ?? '',
      c.apiKeySid ?? `SK${c.id}`,
      c.eventUrl ?? null,
      c.webhookSecret ?? '',
      now,
    ],
  )
}

async function insertExtension(db: Queryable, companyId: string, ext: string): Promise<void> {
  await db.query('insert into extensions (company_id, ext) values ($1, $2) on conflict do nothing', [companyId, ext])
}

async function upsertAgent(db: Queryable, a: AgentRecord, now: number): Promise<void> {
  await db.query(
    `insert into agents (uuid, company_id, agent_id, name, ext, mobile, phone_types, default_phone_type, supervisor, sip_password,
       stringee_user_id, phone_number, routing_type, manual_status, system_status, created_at)
     values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     on conflict (uuid) do update set agent_id = excluded.agent_id, name = excluded.name, ext = excluded.ext,
       mobile = excluded.mobile, phone_types = excluded.phone_types, default_phone_type = excluded.default_phone_type,
       supervisor = excluded.supervisor, sip_password = excluded.sip_password, stringee_user_id = excluded.stringee_user_id,
       phone_number = excluded.phone_number, routing_type = excluded.routing_type, manual_status = excluded.manual_status,
       system_status = excluded.system_status`,
    [
      a.uuid,
      a.companyId,
      a.agentID,
      a.name,
      a.ext,
      a.mobile,
      JSON.stringify(a.phoneTypes),
      a.defaultPhoneType,
      a.supervisor,
      a.sipPassword,
      a.stringeeUserId ?? a.agentID,
      a.phoneNumber ?? a.mobile,
      a.routingType ?? 1,
      a.manualStatus ?? 'AVAILABLE',
      a.systemStatus ?? 0,
      now,
    ],
  )
}

async function upsertQueue(db: Queryable, q: SkillGroup, now: number): Promise<void> {
  const s = queueSettings(q)
  const cols = QUEUE_SETTING_KEYS
  const params = [q.id, q.companyId, q.name, ...cols.map((k) => s[k]), now]
  const placeholders = params.map((_, i) => `$${i + 1}`).join(', ')
  await db.query(
    `insert into queues (id, company_id, name, ${cols.join(', ')}, created_at) values (${placeholders})
     on conflict (id) do update set name = excluded.name, ${cols.map((k) => `${k} = excluded.${k}`).join(', ')}`,
    params,
  )
}

async function upsertGroup(db: Queryable, g: AgentGroup, now: number): Promise<void> {
  await db.query(
    `insert into agent_groups (id, company_id, name, created_at) values ($1, $2, $3, $4)
     on conflict (id) do update set name = excluded.name`,
    [g.id, g.companyId, g.name, now],
  )
  await db.query('delete from agent_group_members where group_id = $1', [g.id])
  let position = 0
  for (const uuid of g.agentUUIDs) {
    await db.query('insert into agent_group_members (group_id, agent_uuid, position) values ($1, $2, $3)', [g.id, uuid, position++])
  }
}

async function upsertRouting(db: Queryable, r: StoredRouting): Promise<void> {
  await db.query(
    `insert into group_routing (id, company_id, queue_id, group_id, priority) values ($1, $2, $3, $4, $5)
     on conflict (id) do update set priority = excluded.priority`,
    [r.id, r.companyId, r.queueId, r.groupId, r.priority],
  )
}

async function upsertTree(db: Queryable, t: IvrTree, now: number): Promise<void> {
  await db.query(
    `insert into ivr_trees (id, company_id, name, root_node_id, created_at) values ($1, $2, $3, $4, $5)
     on conflict (id) do update set name = excluded.name, root_node_id = excluded.root_node_id`,
    [t.id, t.companyId, t.name, t.rootNodeId, now],
  )
}

async function upsertNode(db: Queryable, n: IvrNode, now: number): Promise<void> {
  await db.query(
    `insert into ivr_nodes (id, company_id, tree_id, name, play_mode, play_content, barge_in, loop_count, sched, voice, speed, keypress_timeout, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     on conflict (id) do update set name = excluded.name, play_mode = excluded.play_mode, play_content = excluded.play_content,
       barge_in = excluded.barge_in, loop_count = excluded.loop_count, sched = excluded.sched, voice = excluded.voice,
       speed = excluded.speed, keypress_timeout = excluded.keypress_timeout`,
    [
      n.id,
      n.companyId,
      n.treeId,
      n.name,
      n.playMode,
      n.playContent,
      n.bargeIn,
      n.loopCount,
      n.sched,
      n.voice,
      n.speed,
      n.keypressTimeout,
      now,
    ],
  )
}

async function upsertKey(db: Queryable, k: IvrKey): Promise<void> {
  await db.query(
    `insert into ivr_keys (id, company_id, node_id, key, action, next_node_id, queue_id, to_phone_number, from_number_callout_to_agent, sms)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (id) do update set key = excluded.key, action = excluded.action, next_node_id = excluded.next_node_id,
       queue_id = excluded.queue_id, to_phone_number = excluded.to_phone_number,
       from_number_callout_to_agent = excluded.from_number_callout_to_agent, sms = excluded.sms`,
    [k.id, k.companyId, k.nodeId, k.key, k.action, k.nextNodeId, k.queueId, k.toPhoneNumber, k.fromNumberCalloutToAgent, k.sms],
  )
}

async function upsertNumber(db: Queryable, n: NumberRecord, now: number): Promise<void> {
  await db.query(
    `insert into numbers (id, company_id, number, nickname, allow_outbound_calls, enable_ivr, ivr_tree_id, queue_id, record_outbound_calls, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (id) do update set number = excluded.number, nickname = excluded.nickname,
       allow_outbound_calls = excluded.allow_outbound_calls, enable_ivr = excluded.enable_ivr, ivr_tree_id = excluded.ivr_tree_id,
       queue_id = excluded.queue_id, record_outbound_calls = excluded.record_outbound_calls`,
    [n.id, n.companyId, n.number, n.nickname, n.allowOutboundCalls, n.enableIvr, n.ivrTreeId, n.queueId, n.recordOutboundCalls, now],
  )
}
