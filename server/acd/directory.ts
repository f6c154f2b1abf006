import type { PhoneType } from 'sobot-call-sdk/protocol'

/**
 * The contact center's configuration: companies, agents, extensions, skill groups (queues, in the
 * Stringee documents' words), agent groups and group routing. Held in memory for fast, synchronous
 * reads by the agent core; a store (server/store) loads it at start and persists each change.
 */

export interface Company {
  id: string
  name: string
  /** The Stringee documents' numeric project id. */
  projectId: number
  /** Stringee-style account fields, the REST API's key id, and where call events go (server/store). */
  accountId?: number
  accountSid?: string
  apiKeySid?: string
  /** The call-event webhook URL (Stringee's event_url), and the secret its requests are signed with. */
  eventUrl?: string | null
  webhookSecret?: string
}

export interface AgentRecord {
  uuid: string
  companyId: string
  /** Work number. */
  agentID: string
  name: string
  ext: string
  mobile: string
  phoneTypes: PhoneType[]
  defaultPhoneType: PhoneType
  supervisor: boolean
  /** The SIP digest password of the agent's extension. */
  sipPassword: string
  /** Stringee's agent attributes (the PCC guide): the user id the agent authenticates with, ... */
  stringeeUserId?: string
  /** ... the phone calls are routed to when routingType is 2, ... */
  phoneNumber?: string
  /** ... 1 routes calls to the app / SIP phone, 2 to phoneNumber, ... */
  routingType?: 1 | 2
  /** ... and the statuses ("AVAILABLE", "NOT AVAILABLE", ...; 0 or 1). */
  manualStatus?: string
  systemStatus?: number
}

export interface SkillGroup {
  id: string
  companyId: string
  name: string
  /** Every setting of the Stringee queue API; loaded from the store (queueSettings() fills defaults). */
  settings?: QueueSettings
}

/** A queue's settings, named as in the Stringee queue API, with its documented defaults below. */
export interface QueueSettings {
  record_calls: boolean
  agent_wrap_up_after_calls: boolean
  /** seconds */
  wrap_up_time_limit: number
  /** 1 always route calls, 2 business hours */
  schedule: 1 | 2
  /** seconds, at least 3 */
  wait_agent_answer_timeout: number
  wait_greeting: string | null
  hold_greeting: string | null
  maximum_queue_size: number
  /** seconds */
  maximum_queue_wait_time: number
  from_number_callout_to_agent: string | null
  get_list_agents_url: string | null
  /** 1 app/web only, 2 app/web or SIP phone */
  cond_routing: 1 | 2
  enable_voicemail: boolean
}

export const DEFAULT_QUEUE_SETTINGS: Readonly<QueueSettings> = Object.freeze({
  record_calls: true,
  agent_wrap_up_after_calls: true,
  wrap_up_time_limit: 10,
  schedule: 1,
  wait_agent_answer_timeout: 15,
  wait_greeting: null,
  hold_greeting: null,
  maximum_queue_size: 5,
  maximum_queue_wait_time: 60,
  from_number_callout_to_agent: null,
  get_list_agents_url: null,
  cond_routing: 1,
  enable_voicemail: false,
})

export function queueSettings(q: SkillGroup): QueueSettings {
  return { ...DEFAULT_QUEUE_SETTINGS, ...q.settings }
}

export interface AgentGroup {
  id: string
  companyId: string
  name: string
  /** The members in the order they joined; changed through the Directory's GroupTable (addMember, removeMember), which indexes them. */
  readonly agentUUIDs: readonly string[]
}

/** Group routing: a group serves a queue with a priority (1 is first). */
export interface GroupRouting {
  queueId: string
  groupId: string
  priority: number
  /** The routing's own id (Stringee's groupRoutingID) and company, set by the store. */
  id?: string
  companyId?: string
}

/** A contact center number: inbound calls go to its IVR tree when enableIvr, else to its queue. */
export interface NumberRecord {
  id: string
  companyId: string
  number: string
  nickname: string
  allowOutboundCalls: boolean
  enableIvr: boolean
  ivrTreeId: string | null
  queueId: string | null
  recordOutboundCalls: boolean
}

export interface IvrTree {
  id: string
  companyId: string
  name: string
  /** The node a call starts at; the tree's first node unless changed. */
  rootNodeId: string | null
}

export interface IvrNode {
  id: string
  companyId: string
  treeId: string
  name: string
  /** "talk": say playContent (text to speech); "play": play the uploaded greeting named playContent. */
  playMode: 'talk' | 'play'
  playContent: string
  bargeIn: boolean
  loopCount: number
  /** ms of silence before playing */
  sched: number
  voice: string
  speed: number
  /** seconds to wait for a key */
  keypressTimeout: number
}

/** What a key does at a node: 2 route to queueId, 3 forward to toPhoneNumber, 4 go to nextNodeId, 6 stop the call. */
export interface IvrKey {
  id: string
  companyId: string
  nodeId: string
  /** 0-9, *, #, EMPTY_KEY (no key before the timeout) or INVALID_KEY (a key with no entry) */
  key: string
  action: 1 | 2 | 3 | 4 | 5 | 6
  nextNodeId: string | null
  queueId: string | null
  toPhoneNumber: string | null
  fromNumberCalloutToAgent: string | null
  sms: string | null
}

export class Directory {
  readonly companies = new Map<string, Company>()
  readonly agents = new Map<string, AgentRecord>()
  readonly extensions = new Map<string, Set<string>>()
  readonly queues = new Map<string, SkillGroup>()
  readonly groups = new GroupTable()
  routing: GroupRouting[] = []
  readonly numbers = new Map<string, NumberRecord>()
  readonly ivrTrees = new Map<string, IvrTree>()
  readonly ivrNodes = new Map<string, IvrNode>()
  readonly ivrKeys = new Map<string, IvrKey>()

  agentByUUID(companyId: string, uuid: string): AgentRecord | undefined {
    const a = this.agents.get(uuid)
    return a && a.companyId === companyId ? a : undefined
  }

  agentByWorkNo(companyId: string, agentID: string): AgentRecord | undefined {
    for (const a of this.agents.values()) if (a.companyId === companyId && a.agentID === agentID) return a
    return undefined
  }

  /** agentType "0" names agents by work number, "1" by id. */
  findAgent(companyId: string, agent: string, agentType: '0' | '1'): AgentRecord | undefined {
    return agentType === '1' ? this.agentByUUID(companyId, agent) : this.agentByWorkNo(companyId, agent)
  }

  companyAgents(companyId: string): AgentRecord[] {
    return [...this.agents.values()].filter((a) => a.companyId === companyId)
  }

  hasExtension(companyId: string, ext: string): boolean {
    return this.extensions.get(companyId)?.has(ext) ?? false
  }

  companyExtensions(companyId: string): string[] {
    return [...(this.extensions.get(companyId) ?? [])].sort()
  }

  /** The agent an extension is bound to, if any. */
  extensionOwner(companyId: string, ext: string): AgentRecord | undefined {
    for (const a of this.agents.values()) if (a.companyId === companyId && a.ext === ext) return a
    return undefined
  }

  /** The skill groups an agent receives calls from: those its groups are routed to, best priority first. */
  agentQueues(agentUUID: string): { queue: SkillGroup; priority: number }[] {
    const groupIds = this.groups.groupIdsOf(agentUUID)
    const best = new Map<string, number>()
    for (const r of this.routing) {
      if (!groupIds.has(r.groupId)) continue
      best.set(r.queueId, Math.min(best.get(r.queueId) ?? Infinity, r.priority))
    }
    return [...best.entries()]
      .map(([id, priority]) => ({ queue: this.queues.get(id)!, priority }))
      .filter((x) => x.queue)
      .sort((a, b) => a.priority - b.priority || a.queue.id.localeCompare(b.queue.id))
  }

  /** The number an inbound call dialled, whatever company owns it. */
  numberByDigits(number: string): NumberRecord | undefined {
    for (const n of this.numbers.values()) if (n.number === number) return n
    return undefined
  }

  /** The entry for a key at an IVR node, if any. */
  ivrKey(nodeId: string, key: string): IvrKey | undefined {
    for (const k of this.ivrKeys.values()) if (k.nodeId === nodeId && k.key === key) return k
    return undefined
  }

  ivrNodeKeys(nodeId: string): IvrKey[] {
    return [...this.ivrKeys.values()].filter((k) => k.nodeId === nodeId)
  }

  /** The groups serving a queue, best priority first. */
  queueGroups(queueId: string): { group: AgentGroup; priority: number }[] {
    return this.routing
      .filter((r) => r.queueId === queueId && this.groups.has(r.groupId))
      .map((r) => ({ group: this.groups.get(r.groupId)!, priority: r.priority }))
      .sort((a, b) => a.priority - b.priority || a.group.id.localeCompare(b.group.id))
  }

  /** Deletes the group, its memberships and its routings (as the database's cascade does). */
  removeGroup(id: string): void {
    this.groups.delete(id)
    this.routing = this.routing.filter((r) => r.groupId !== id)
  }

  /** Deletes the queue and its routings (as the database's cascade does). */
  removeQueue(id: string): void {
    this.queues.delete(id)
    this.routing = this.routing.filter((r) => r.queueId !== id)
  }

  /** Deletes the IVR tree with its nodes and their keys. */
  removeIvrTree(id: string): void {
    this.ivrTrees.delete(id)
    for (const n of [...this.ivrNodes.values()]) if (n.treeId === id) this.removeIvrNode(n.id)
  }

  /** Deletes the IVR node and its keys; a tree whose root it was has no root afterwards. */
  removeIvrNode(id: string): void {
    this.ivrNodes.delete(id)
    for (const k of [...this.ivrKeys.values()]) if (k.nodeId === id) this.ivrKeys.delete(k.id)
    for (const t of this.ivrTrees.values()) if (t.rootNodeId === id) t.rootNodeId = null
  }

  /** Deletes the agent and its memberships. */
  removeAgent(uuid: string): void {
    this.agents.delete(uuid)
    for (const groupId of [...this.groups.groupIdsOf(uuid)]) this.groups.removeMember(groupId, uuid)
  }

  /** Empties every table, before the store loads them again. */
  clear(): void {
    this.companies.clear()
    this.agents.clear()
    this.extensions.clear()
    this.queues.clear()
    this.groups.clear()
    this.routing = []
    this.numbers.clear()
    this.ivrTrees.clear()
    this.ivrNodes.clear()
    this.ivrKeys.clear()
  }
}

/**
 * The agent groups by id, with their membership indexed both ways, so that a test for one member or
 * an agent's groups never scans a group (groups of thousands of agents are normal). A group's
 * `agentUUIDs` is read-only: members change through addMember and removeMember.
 */
export class GroupTable extends Map<string, AgentGroup> {
  private readonly members = new Map<string, Set<string>>()
  private readonly byAgent = new Map<string, Set<string>>()

  override set(id: string, g: AgentGroup): this {
    this.unindex(id)
    super.set(id, g)
    for (const uuid of g.agentUUIDs) this.index(id, uuid)
    return this
  }

  override delete(id: string): boolean {
    this.unindex(id)
    return super.delete(id)
  }

  override clear(): void {
    super.clear()
    this.members.clear()
    this.byAgent.clear()
  }

  isMember(groupId: string, agentUUID: string): boolean {
    return this.members.get(groupId)?.has(agentUUID) ?? false
  }

  /** The ids of the agent's groups (not in any particular order). */
  groupIdsOf(agentUUID: string): ReadonlySet<string> {
    return this.byAgent.get(agentUUID) ?? new Set()
  }

  /** The ids of the agent's groups, in the groups' order. */
  groupsOf(agentUUID: string): string[] {
    const mine = this.byAgent.get(agentUUID)
    return mine?.size ? [...this.keys()].filter((id) => mine.has(id)) : []
  }

  /** Appends the agent to the group's members; false when the group is unknown or has it already. */
  addMember(groupId: string, agentUUID: string): boolean {
    const g = this.get(groupId)
    if (!g || this.isMember(groupId, agentUUID)) return false
    ;(g.agentUUIDs as string[]).push(agentUUID)
    this.index(groupId, agentUUID)
    return true
  }

  removeMember(groupId: string, agentUUID: string): boolean {
    const g = this.get(groupId)
    if (!g || !this.isMember(groupId, agentUUID)) return false
    const list = g.agentUUIDs as string[]
    list.splice(list.indexOf(agentUUID), 1)
    this.members.get(groupId)?.delete(agentUUID)
    this.byAgent.get(agentUUID)?.delete(groupId)
    return true
  }

  private index(groupId: string, agentUUID: string): void {
    setOf(this.members, groupId).add(agentUUID)
    setOf(this.byAgent, agentUUID).add(groupId)
  }

  private unindex(groupId: string): void {
    for (const uuid of this.members.get(groupId) ?? []) this.byAgent.get(uuid)?.delete(groupId)
    this.members.delete(groupId)
  }
}

function setOf(m: Map<string, Set<string>>, key: string): Set<string> {
  let s = m.get(key)
  if (!s) m.set(key, (s = new Set()))
  return s
}
