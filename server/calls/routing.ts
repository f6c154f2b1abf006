import type { AgentRecord } from '../acd/directory'
import { MusicOnHoldSource } from '../switch/audio'
import type { Call } from '../switch/b2bua'
import type { CallContext } from './CallControl'
import { callerNumber, type CcCall } from './model'

/**
 * Inbound routing: a customer's call to a skill group waits in its queue, first come first served,
 * and is offered to the longest-idle available agent of the groups serving it, best priority first.
 * An agent who does not answer in the queue's answer timeout, or rejects, is not offered it again;
 * the call goes back to the head of its queue for the next one.
 */
export class Router {
  /** Calls waiting for an agent, per skill group, first come first served. */
  private readonly waiting = new Map<string, CcCall[]>()
  /** When each agent last became ready (longest idle is offered first). */
  private readonly idleSince = new Map<string, number>()
  private dispatching = false
  private closed = false

  constructor(private readonly cc: CallContext) {
    cc.d.b2bua.on('call', (sw) => void this.onInbound(sw))
  }

  onWorkStatus(a: AgentRecord, to: string): void {
    if (to === 'ready') this.idleSince.set(a.uuid, this.cc.now())
  }

  forget(a: AgentRecord): void {
    this.idleSince.delete(a.uuid)
  }

  /** Customers waiting in a skill group. */
  waitingCount(queueId: string): number {
    return this.waiting.get(queueId)?.length ?? 0
  }

  private async onInbound(sw: Call): Promise<void> {
    const { d } = this.cc
    const sip = sw.customer?.sip
    if (!sip) return
    if (!d.phones.mayCallIn(sip.connectionId)) {
      sip.reject(403, 'Forbidden')
      return
    }
    const DNIS = sip.request?.ruri?.user ?? ''
    const ANI = callerNumber(sip)
    const queue = d.dir.queues.get(DNIS)
    if (!queue) {
      sip.reject(404, 'No such number')
      return
    }
    const call = this.cc.createCall(sw, { type: 'Inbound', companyId: queue.companyId, ANI, DNIS, customerNumber: ANI, queue, attachedData: {}, referenceID: '' })
    sw.ringCustomer()
    try {
      await sw.answerCustomer()
    } catch (err) {
      d.logger.warn(`call ${call.id}: answering the customer failed: ${String(err)}`)
      await sw.hangup('error')
      return
    }
    if (sw.ended || !sw.customer) return
    d.history.started(call.logged)
    this.enqueue(call)
  }

  /** Puts a customer's call in its skill group's queue, with the waiting music. */
  enqueue(call: CcCall, atHead = false): void {
    const queue = call.queue!
    const customer = call.sw.customer
    if (customer && !call.enqueuedAt) call.sw.play(customer, (this.cc.d.waitMusic ?? (() => new MusicOnHoldSource()))())
    call.enqueuedAt ??= this.cc.now()
    const list = this.waiting.get(queue.id) ?? []
    if (atHead) list.unshift(call)
    else list.push(call)
    this.waiting.set(queue.id, list)
    this.dispatch()
  }

  /** Agents who may take a call of this skill group: by group priority, then longest idle. */
  private candidates(call: CcCall): AgentRecord[] {
    const { dir } = this.cc.d
    const routes = dir.routing.filter((r) => r.queueId === call.queue!.id).sort((a, b) => a.priority - b.priority)
    const seen = new Set<string>()
    const out: AgentRecord[] = []
    for (const prio of [...new Set(routes.map((r) => r.priority))]) {
      const tier: AgentRecord[] = []
      for (const r of routes.filter((x) => x.priority === prio)) {
        for (const uuid of dir.groups.get(r.groupId)?.agentUUIDs ?? []) {
          if (seen.has(uuid)) continue
          seen.add(uuid)
          const a = dir.agents.get(uuid)
          if (a && this.routable(a, call)) tier.push(a)
        }
      }
      tier.sort((x, y) => (this.idleSince.get(x.uuid) ?? 0) - (this.idleSince.get(y.uuid) ?? 0))
      out.push(...tier)
    }
    return out
  }

  private routable(a: AgentRecord, call: CcCall): boolean {
    const { core, phones } = this.cc.d
    const rt = core.runtime(a.uuid)
    return rt.agentState === 1 && rt.workStatus === 'ready' && !call.tried.has(a.uuid) && phones.reachable(a, rt)
  }

  /** Offers waiting calls to available agents, first come first served per skill group. */
  dispatch(): void {
    if (this.dispatching || this.closed) return
    this.dispatching = true
    try {
      for (const [queueId, list] of this.waiting) {
        for (const call of [...list]) {
          if (call.ended || call.sw.ended) {
            this.unqueue(call)
            continue
          }
          const agent = this.candidates(call)[0]
          if (!agent) continue
          this.unqueue(call)
          void this.offer(call, agent)
        }
        if (!list.length) this.waiting.delete(queueId)
      }
    } finally {
      this.dispatching = false
    }
  }

  unqueue(call: CcCall): void {
    if (!call.queue) return
    const list = this.waiting.get(call.queue.id)
    if (!list) return
    const i = list.indexOf(call)
    if (i >= 0) list.splice(i, 1)
  }

  /** Rings one agent; on no answer or rejection the call goes back to the head of its queue. */
  private async offer(call: CcCall, agent: AgentRecord): Promise<void> {
    call.tried.add(agent.uuid)
    const party = await this.cc.ringAgent(call, agent, { role: 'Destination', timeoutMs: Math.max(3, call.settings.wait_agent_answer_timeout) * 1000 })
    if (!party && !call.ended && !call.sw.ended) this.enqueue(call, true)
  }

  close(): void {
    this.closed = true
    this.waiting.clear()
  }
}
