import type { PhoneType } from '../../src/model/validate'

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
}

export interface SkillGroup {
  id: string
  companyId: string
  name: string
}

export interface AgentGroup {
  id: string
  companyId: string
  name: string
  agentUUIDs: string[]
}

/** Group routing: a group serves a queue with a priority (1 is first). */
export interface GroupRouting {
  queueId: string
  groupId: string
  priority: number
}

export class Directory {
  readonly companies = new Map<string, Company>()
  readonly agents = new Map<string, AgentRecord>()
  readonly extensions = new Map<string, Set<string>>()
  readonly queues = new Map<string, SkillGroup>()
  readonly groups = new Map<string, AgentGroup>()
  routing: GroupRouting[] = []

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
    const groupIds = new Set([...this.groups.values()].filter((g) => g.agentUUIDs.includes(agentUUID)).map((g) => g.id))
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
}
