import type { AgentCore } from './agents'
import type { Directory } from './directory'

/**
 * EventTierAdded / EventTierRemoved: an agent serves the skill groups its agent groups are routed to
 * (Directory.agentQueues). After every configuration change (a group's members, a group routing, a
 * queue or group deleted) refresh() compares each agent's skill groups with what they were and tells
 * the agent's sessions what it gained and lost, one event per skill group.
 */
export class TierNotifier {
  /** agent uuid -> queue id -> queue name, as last seen. */
  private last = new Map<string, Map<string, string>>()

  constructor(
    private readonly dir: Directory,
    private readonly core: AgentCore,
  ) {
    this.last = this.snapshot()
  }

  private snapshot(): Map<string, Map<string, string>> {
    const out = new Map<string, Map<string, string>>()
    for (const a of this.dir.agents.values())
      out.set(a.uuid, new Map(this.dir.agentQueues(a.uuid).map(({ queue }) => [queue.id, queue.name])))
    return out
  }

  refresh(): void {
    const now = this.snapshot()
    for (const [uuid, queues] of now) {
      const a = this.dir.agents.get(uuid)!
      const before = this.last.get(uuid) ?? new Map<string, string>()
      for (const [queueID, queueName] of queues) if (!before.has(queueID)) this.core.emit('EventTierAdded', a, '', { queueID, queueName })
      for (const [queueID, queueName] of before) if (!queues.has(queueID)) this.core.emit('EventTierRemoved', a, '', { queueID, queueName })
    }
    this.last = now
  }
}
