import { queueSettings, type AgentRecord, type IvrTree, type NumberRecord, type SkillGroup } from '../acd/directory'
import type { AgentRuntime } from '../acd/agents'
import { MusicOnHoldSource, RingbackSource } from '../switch/audio'
import type { Call } from '../switch/b2bua'
import { PcmSource } from '../switch/fileSource'
import type { RoutingConfigStore } from '../store/routingConfig'
import { fetchAgentList, AGENT_LIST_TIMEOUT_MS, type ListedAgent } from './agentList'
import type { CallContext } from './CallControl'
import type { CallEnd } from './history'
import { runIvr } from './ivr'
import { callerNumber, type CcCall } from './model'
import { TRUNK_USER } from './phones'
import type { Prompts } from './prompts'
import { DEFAULT_BUSINESS_HOURS, isOpen } from './schedule'
import { takeVoicemail, VOICEMAIL_MAX_SECONDS } from './voicemail'

/** A call forwarded by an IVR key (action 3) rings the number this long. */
export const FORWARD_RING_TIMEOUT_MS = 45_000
/** What a caller hears before the hang-up when a queue is closed and takes no voicemail. */
export const CLOSED_MESSAGE = 'Sorry, we are closed now. Please call again during our business hours. Goodbye.'

export interface RoutingOptions {
  /** How long get_list_agents_url may take before the call falls back to group routing. */
  agentListTimeoutMs: number
  /** The longest voicemail, in seconds. */
  voicemailMaxSeconds: number
}

export const DEFAULT_ROUTING_OPTIONS: Readonly<RoutingOptions> = Object.freeze({
  agentListTimeoutMs: AGENT_LIST_TIMEOUT_MS,
  voicemailMaxSeconds: VOICEMAIL_MAX_SECONDS,
})

/** What the routing engine needs beyond call control: its settings, the media it plays. */
export interface RoutingDeps {
  prompts: Prompts
  config: RoutingConfigStore
  options: RoutingOptions
  fetch?: typeof fetch
}

/** Where a call is in the engine (the realtime view shows it). */
export type RouteStage = 'ivr' | 'queued' | 'offered' | 'connected' | 'forwarding' | 'voicemail' | 'closing'

/** The engine's own record of a call (call control's CcCall stays as it is). */
interface Route {
  stage: RouteStage
  ivrStartedAt?: number
  ivrSeconds?: number
  /** The call ended in the IVR (stopped there, or the caller hung up there). */
  endedInIvr: boolean
  /** get_list_agents_url: undefined = not used; 'pending' while asking; else the agents, in order. */
  listed?: ListedAgent[] | 'pending'
  waitTimer?: ReturnType<typeof setTimeout>
  /** maximum_queue_wait_time passed while an agent was being offered the call. */
  overdue: boolean
  voicemail: boolean
  /** Something already plays to the waiting caller (the queue's wait_greeting). */
  waitAudio: boolean
  forwardedAt?: number
  abort: AbortController
}

/** How to reach an agent for one offer. */
interface Offer {
  agent: AgentRecord
  timeoutS: number
  routingType: 1 | 2
  phoneNumber?: string
}

/**
 * Inbound routing (docs/ARCHITECTURE.md, "The routing engine"). A customer's call to a number goes to
 * the number's IVR tree (enable_ivr) or straight to its queue; a call to a queue id goes to that queue
 * (the simulator and tests dial queues directly). In a queue, calls wait first come first served and
 * are offered to agents who may take them now: logged in and ready (not on a call, not in wrap-up),
 * reachable, and allowed by the queue's cond_routing. Agents come from get_list_agents_url when the
 * queue has one (in the order it gives, each with its own answer timeout and routing type), otherwise
 * from the groups routed to the queue, best priority first, then longest idle. An agent who does not
 * answer in time, or rejects, is not offered the call again; the call goes back to the head of its
 * queue. Closed queues (schedule 2), full queues and callers waiting too long go to voicemail.
 */
export class Router {
  /** Calls waiting for an agent, per skill group, first come first served. */
  private readonly waiting = new Map<string, CcCall[]>()
  /** When each agent last became ready (longest idle is offered first). */
  private readonly idleSince = new Map<string, number>()
  private readonly routes = new Map<CcCall, Route>()
  /** Voicemails being taken: a shutdown waits for their files to be stored. */
  private readonly voicemails = new Set<Promise<void>>()
  private dispatching = false
  private closed = false

  constructor(private readonly cc: CallContext) {
    cc.d.b2bua.on('call', (sw) => void this.onInbound(sw))
  }

  private get r(): RoutingDeps | undefined {
    return this.cc.d.routing
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

  stageOf(call: CcCall): RouteStage | undefined {
    return this.routes.get(call)?.stage
  }

  // --- arrival -----------------------------------------------------------------------------------

  /** What a dialled number leads to: a number's IVR tree or queue, or a queue by its id. */
  private resolve(DNIS: string): { companyId: string; queue?: SkillGroup; tree?: IvrTree; number?: NumberRecord } | undefined {
    const { dir } = this.cc.d
    const number = dir.numberByDigits(DNIS) ?? (DNIS.startsWith('+') ? dir.numberByDigits(DNIS.slice(1)) : dir.numberByDigits(`+${DNIS}`))
    if (number) {
      if (number.enableIvr) {
        const tree = number.ivrTreeId ? dir.ivrTrees.get(number.ivrTreeId) : undefined
        if (tree) return { companyId: number.companyId, tree, number }
      }
      const queue = number.queueId ? dir.queues.get(number.queueId) : undefined
      return queue ? { companyId: number.companyId, queue, number } : undefined
    }
    const queue = dir.queues.get(DNIS)
    return queue ? { companyId: queue.companyId, queue } : undefined
  }

  private async onInbound(sw: Call): Promise<void> {
    const { d } = this.cc
    const sip = sw.customer?.sip
    if (!sip) return
    if (!d.phones.mayCallIn(sip.origin)) {
      sip.reject(403, 'Forbidden')
      return
    }
    const DNIS = sip.request?.ruri?.user ?? ''
    // The trunk passes the customer's number as the From user.
    const ANI = callerNumber(sip)
    const to = this.resolve(DNIS)
    if (!to) {
      sip.reject(404, 'No such number')
      return
    }
    const call = this.cc.createCall(sw, {
      type: 'Inbound',
      companyId: to.companyId,
      ANI,
      DNIS,
      customerNumber: ANI,
      ...(to.queue ? { queue: to.queue } : {}),
      attachedData: {},
      referenceID: '',
    })
    const route = this.routeOf(call)
    if (to.tree) route.stage = 'ivr'
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
    if (to.tree) void this.ivr(call, route, to.tree)
    else void this.enterQueue(call, to.queue!)
  }

  /** The engine's record of a call, made on first use (a call another part puts in a queue has none yet). */
  private routeOf(call: CcCall): Route {
    let route = this.routes.get(call)
    if (!route) {
      route = { stage: 'queued', endedInIvr: false, overdue: false, voicemail: false, waitAudio: false, abort: new AbortController() }
      this.routes.set(call, route)
      // After call control's own 'ended' listener (which reads the route for the record), the route goes.
      call.sw.once('ended', () => this.drop(call))
    }
    return route
  }

  private drop(call: CcCall): void {
    const route = this.routes.get(call)
    if (!route) return
    route.abort.abort()
    if (route.waitTimer) clearTimeout(route.waitTimer)
    this.routes.delete(call)
  }

  // --- the IVR -------------------------------------------------------------------------------------

  private async ivr(call: CcCall, route: Route, tree: IvrTree): Promise<void> {
    const r = this.r
    route.ivrStartedAt = this.cc.now()
    if (!r) {
      await call.sw.hangup('server-hangup')
      return
    }
    const outcome = await runIvr({ call, tree, dir: this.cc.d.dir, prompts: r.prompts, signal: route.abort.signal })
    if (call.sw.ended || outcome.kind === 'gone') {
      route.endedInIvr = true
      if (call.attachedData.ivr) this.cc.d.history.routed(call.logged, { attachedData: call.attachedData })
      return
    }
    route.ivrSeconds = Math.round((this.cc.now() - route.ivrStartedAt) / 1000)
    this.cc.d.history.routed(call.logged, { attachedData: call.attachedData, ivrDuration: route.ivrSeconds })
    switch (outcome.kind) {
      case 'queue':
        route.stage = 'queued'
        await this.enterQueue(call, outcome.queue)
        return
      case 'forward':
        await this.forward(call, route, outcome.number, outcome.from)
        return
      case 'stop':
        this.cc.d.logger.info(`call ${call.id}: stopped in the IVR: ${outcome.why}`)
        route.endedInIvr = true
        call.releasedBy ??= 'system'
        await call.sw.hangup('server-hangup')
    }
  }

  /** IVR action 3: the caller is connected to a phone number through the trunk. */
  private async forward(call: CcCall, route: Route, number: string, from: string | null): Promise<void> {
    const { sw } = call
    const customer = sw.customer
    if (!customer) return
    route.stage = 'forwarding'
    sw.play(customer, new RingbackSource())
    this.cc.d.history.routed(call.logged, { callee: number })
    try {
      await sw.connectAgent(TRUNK_USER, {
        toUser: number,
        fromUser: from ?? call.DNIS,
        timeoutMs: FORWARD_RING_TIMEOUT_MS,
        endCallOnFailure: true,
      })
      route.forwardedAt = this.cc.now()
      route.stage = 'connected'
      sw.play(customer, undefined)
    } catch (err) {
      this.cc.d.logger.info(`call ${call.id}: forwarding to ${number} failed: ${String(err)}`)
      if (!sw.ended) await sw.hangup('error')
    }
  }

  // --- queues --------------------------------------------------------------------------------------

  /** Sets the queue a call is for (an IVR key chose it); its settings apply from now on. */
  private assignQueue(call: CcCall, queue: SkillGroup): void {
    if (call.queue?.id === queue.id) return
    // queue and settings are fixed for call control's users; routing is the one place that sets them.
    const c = call as { queue?: SkillGroup; settings: CcCall['settings'] }
    c.queue = queue
    c.settings = queueSettings(queue)
    call.logged.queueId = queue.id
    this.cc.d.history.routed(call.logged, { queueId: queue.id })
  }

  /**
   * A call arrives in a queue (from its number, an IVR key, or another part of the server such as a
   * transfer to a skill group): business hours, size, greetings, the agent list, then the wait.
   */
  async enterQueue(call: CcCall, queue: SkillGroup): Promise<void> {
    if (call.ended || call.sw.ended) return
    this.assignQueue(call, queue)
    const route = this.routeOf(call)
    const r = this.r
    const s = call.settings
    if (r) {
      if (s.schedule === 2 && !isOpen(r.config.businessHours(call.companyId) ?? DEFAULT_BUSINESS_HOURS, this.cc.now())) {
        if (s.enable_voicemail) return this.voicemail(call, route, 'the queue is closed')
        return this.closedMessage(call, route)
      }
      if (s.maximum_queue_size > 0 && this.waitingCount(queue.id) >= s.maximum_queue_size)
        return this.voicemail(call, route, 'the queue is full')
      const company = call.companyId
      if (s.hold_greeting) {
        const samples = await r.prompts.greeting(company, s.hold_greeting)
        if (samples) call.sw.moh = () => new PcmSource(samples, { loop: true })
      }
      const wait = s.wait_greeting ? await r.prompts.greeting(company, s.wait_greeting) : undefined
      if (call.sw.ended || call.ended) return
      if (call.sw.customer) {
        call.sw.play(
          call.sw.customer,
          wait ? new PcmSource(wait, { loop: true }) : (this.cc.d.waitMusic ?? (() => new MusicOnHoldSource()))(),
        )
        route.waitAudio = true
      }
      if (s.maximum_queue_wait_time > 0) {
        route.waitTimer = setTimeout(() => this.waitedTooLong(call, route), s.maximum_queue_wait_time * 1000)
      }
      if (s.get_list_agents_url) void this.askForAgents(call, route, s.get_list_agents_url)
      route.stage = 'queued'
    }
    this.enqueue(call)
  }

  /** Puts a customer's call in its skill group's queue, with the waiting music. */
  enqueue(call: CcCall, atHead = false): void {
    const queue = call.queue!
    const customer = call.sw.customer
    const route = this.routes.get(call)
    if (route?.overdue) {
      void this.voicemail(call, route, 'the caller waited too long')
      return
    }
    if (route) route.stage = 'queued'
    if (customer && !call.enqueuedAt && !route?.waitAudio)
      call.sw.play(customer, (this.cc.d.waitMusic ?? (() => new MusicOnHoldSource()))())
    call.enqueuedAt ??= this.cc.now()
    const list = this.waiting.get(queue.id) ?? []
    if (atHead) list.unshift(call)
    else list.push(call)
    this.waiting.set(queue.id, list)
    this.dispatch()
  }

  private waitedTooLong(call: CcCall, route: Route): void {
    route.waitTimer = undefined
    if (call.ended || call.sw.ended || call.answeredAt) return
    route.overdue = true
    if (!this.isWaiting(call)) return // being offered: decided when the offer ends
    this.unqueue(call)
    void this.voicemail(call, route, 'the caller waited too long')
  }

  private isWaiting(call: CcCall): boolean {
    return !!call.queue && (this.waiting.get(call.queue.id)?.includes(call) ?? false)
  }

  private async voicemail(call: CcCall, route: Route, why: string): Promise<void> {
    const r = this.r
    if (!r || call.sw.ended) return
    this.cc.d.logger.info(`call ${call.id}: to voicemail: ${why}`)
    route.stage = 'voicemail'
    if (route.waitTimer) clearTimeout(route.waitTimer)
    route.waitTimer = undefined
    this.unqueue(call)
    const taking = takeVoicemail(
      call,
      { prompts: r.prompts, history: this.cc.d.history, maxSeconds: r.options.voicemailMaxSeconds, log: (m) => this.cc.d.logger.warn(m) },
      () => (route.voicemail = true),
    )
    this.voicemails.add(taking)
    try {
      await taking
    } finally {
      this.voicemails.delete(taking)
    }
  }

  /** Resolves when the voicemails under way are stored (after the switch has hung their calls up). */
  async settled(): Promise<void> {
    while (this.voicemails.size) await Promise.allSettled([...this.voicemails])
  }

  /** A closed queue without voicemail: a message, then the server hangs up. */
  private async closedMessage(call: CcCall, route: Route): Promise<void> {
    const r = this.r!
    route.stage = 'closing'
    const customer = call.sw.customer
    if (!customer) return
    const message = new PcmSource(await r.prompts.speech(CLOSED_MESSAGE))
    if (call.sw.ended) return
    call.sw.play(customer, message)
    await Promise.race([message.ended, new Promise<void>((resolve) => call.sw.once('ended', () => resolve()))])
    call.releasedBy ??= 'system'
    if (!call.sw.ended) await call.sw.hangup('server-hangup')
  }

  // --- get_list_agents_url -------------------------------------------------------------------------

  private async askForAgents(call: CcCall, route: Route, url: string): Promise<void> {
    const r = this.r!
    route.listed = 'pending'
    const queueId = call.queue!.id
    const waiting = [...(this.waiting.get(queueId) ?? []), call].filter((c, i, all) => all.indexOf(c) === i)
    const result = await fetchAgentList(
      url,
      {
        queueId,
        projectId: this.cc.d.dir.companies.get(call.companyId)?.projectId ?? 0,
        calls: waiting.map((c) => ({ callId: c.id, from: c.customerNumber, to: c.DNIS })),
      },
      { timeoutMs: r.options.agentListTimeoutMs, signal: route.abort.signal, ...(r.fetch ? { fetch: r.fetch } : {}) },
    )
    if (route.abort.signal.aborted || call.ended) return
    if (!result.ok) {
      this.cc.d.logger.warn(`call ${call.id}: get_list_agents_url failed (${result.reason}); group routing`)
      route.listed = undefined
    } else {
      const agents = result.calls.get(call.id)
      route.listed = agents
      if (!agents) this.cc.d.logger.warn(`call ${call.id}: get_list_agents_url did not list this call; group routing`)
      // The answer may name other waiting calls of the queue: their lists are updated too.
      for (const other of waiting) {
        const o = this.routes.get(other)
        const list = result.calls.get(other.id)
        if (other !== call && o && list && o.listed !== 'pending') o.listed = list
      }
    }
    this.dispatch()
  }

  // --- choosing agents -----------------------------------------------------------------------------

  /** The next agent to offer the call to, if any may take it now. */
  private pick(call: CcCall): Offer | undefined {
    const route = this.routes.get(call)
    if (route?.listed === 'pending') return undefined
    if (route?.listed) {
      const { dir } = this.cc.d
      const untried = route.listed
        .map((l) => ({
          l,
          a: [...dir.agents.values()].find((a) => a.companyId === call.companyId && (a.stringeeUserId ?? a.agentID) === l.stringeeUserId),
        }))
        .filter((x): x is { l: ListedAgent; a: AgentRecord } => !!x.a && !call.tried.has(x.a.uuid))
      if (untried.length) {
        // In the list's order; busy agents are skipped; when nobody listed is free, the call waits for them.
        for (const { l, a } of untried) {
          const phoneNumber = l.routingType === 2 ? (l.phoneNumber ?? a.phoneNumber) : undefined
          if (this.routable(a, call, l.routingType, phoneNumber))
            return { agent: a, timeoutS: l.answerTimeoutS, routingType: l.routingType, ...(phoneNumber ? { phoneNumber } : {}) }
        }
        return undefined
      }
      // Everyone listed has had the call: the queue's groups take over.
    }
    const agent = this.candidates(call)[0]
    if (!agent) return undefined
    const routingType = agent.routingType === 2 ? 2 : 1
    return {
      agent,
      timeoutS: call.settings.wait_agent_answer_timeout,
      routingType,
      ...(routingType === 2 ? { phoneNumber: agent.phoneNumber } : {}),
    }
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
          if (a && !call.tried.has(a.uuid) && this.routable(a, call, a.routingType === 2 ? 2 : 1, a.phoneNumber)) tier.push(a)
        }
      }
      tier.sort((x, y) => (this.idleSince.get(x.uuid) ?? 0) - (this.idleSince.get(y.uuid) ?? 0))
      out.push(...tier)
    }
    return out
  }

  /**
   * Whether the agent may be offered the call now: logged in and ready (which excludes calls and
   * wrap-up), and reachable the way the call would go. routing_type 2 rings the agent's phone number
   * through the trunk; otherwise the phone the agent logged in with, which cond_routing 1 limits to
   * the web phone (or a mobile, phoneType pstn) and 2 also allows a SIP phone.
   */
  private routable(a: AgentRecord, call: CcCall, routingType: 1 | 2, phoneNumber: string | undefined): boolean {
    if (a.companyId !== call.companyId || call.tried.has(a.uuid)) return false
    const { core, phones } = this.cc.d
    const rt: AgentRuntime = core.runtime(a.uuid)
    if (rt.agentState !== 1 || rt.workStatus !== 'ready') return false
    if (routingType === 2) return !!phoneNumber && phones.trunkUp()
    if (call.settings.cond_routing === 1 && rt.phoneType === 'sip') return false
    return phones.reachable(a, rt)
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
          const offer = this.pick(call)
          if (!offer) continue
          this.unqueue(call)
          void this.offer(call, offer)
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
  private async offer(call: CcCall, o: Offer): Promise<void> {
    call.tried.add(o.agent.uuid)
    const route = this.routes.get(call)
    if (route) route.stage = 'offered'
    const viaTrunk = o.routingType === 2 && o.phoneNumber
    const party = await this.cc.ringAgent(call, o.agent, {
      role: 'Destination',
      timeoutMs: Math.max(3, o.timeoutS) * 1000,
      ...(viaTrunk
        ? {
            target: { aor: TRUNK_USER, toUser: o.phoneNumber! },
            fromUser: call.settings.from_number_callout_to_agent ?? (call.ANI || call.DNIS),
          }
        : {}),
    })
    if (party) {
      if (route) {
        route.stage = 'connected'
        if (route.waitTimer) clearTimeout(route.waitTimer)
        route.waitTimer = undefined
      }
      return
    }
    if (!call.ended && !call.sw.ended) this.enqueue(call, true)
  }

  /** The engine's part of the call's record when it ends (CallControl.onEnded spreads it in). */
  endOverrides(call: CcCall, endedAt: number): Partial<CallEnd> {
    const route = this.routes.get(call)
    if (!route) return {}
    const out: Partial<CallEnd> = {}
    if (route.ivrStartedAt !== undefined) out.ivrSeconds = route.ivrSeconds ?? Math.round((endedAt - route.ivrStartedAt) / 1000)
    if (route.endedInIvr || (route.stage === 'ivr' && !call.answeredAt)) {
      out.status = 3
      out.callType = 'IVR'
    }
    if (route.voicemail) out.voicemail = true
    if (route.forwardedAt !== undefined) {
      out.status = 1
      out.answerTime = route.forwardedAt
      out.talkSeconds = Math.max(0, Math.round((endedAt - route.forwardedAt) / 1000))
    }
    return out
  }

  close(): void {
    this.closed = true
    this.waiting.clear()
    for (const call of [...this.routes.keys()]) this.drop(call)
  }
}
