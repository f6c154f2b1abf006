import { randomInt } from 'node:crypto'
import { SobotError, type CommandParams, type CommandResult } from 'sobot-call-sdk/protocol'
import type { AgentCore, Caller } from '../acd/agents'
import type { AgentRecord, Directory, NumberRecord } from '../acd/directory'
import type { AgentRoute, DisplayRule, OutboundScheme, RoutingConfigStore } from '../store/routingConfig'

/**
 * Outbound routing: which number a customer sees when an agent calls out (the SDK's queryRoutes and
 * setRoute, Sobot's "display rules"):
 *
 *   1 enterprise number pool, random: any company number with allow_outbound_calls;
 *   2 dynamic display scheme: the numbers of a scheme (by its code); the one sharing the longest
 *     prefix with the dialled number (same country and area), a random one among equals;
 *   3 the agent's own number: one of the numbers set on the agent, chosen with setRoute.
 *
 * What each agent may use (rules, schemes, numbers) is set through the REST API
 * (PUT /v1/agent/{id}/outbound-route); what it uses now through setRoute. makeCall's ANI wins over
 * both, and its outboundPlanCode names a scheme for one call.
 */
export const RULE_NAMES: Record<DisplayRule, string> = {
  1: 'Enterprise number pool (random)',
  2: 'Dynamic display number scheme',
  3: 'Agent number',
}

export class OutboundRoutes {
  constructor(
    private readonly dir: Directory,
    private readonly store: RoutingConfigStore,
    private readonly core: AgentCore,
  ) {}

  /** The company's numbers that may be shown on outbound calls. */
  pool(companyId: string): NumberRecord[] {
    return [...this.dir.numbers.values()].filter((n) => n.companyId === companyId && n.allowOutboundCalls)
  }

  private usable(companyId: string, numbers: string[]): string[] {
    const pool = new Set(this.pool(companyId).map((n) => n.number))
    return numbers.filter((n) => pool.has(n))
  }

  /** The schemes the agent may use. */
  schemesOf(route: AgentRoute): OutboundScheme[] {
    const all = this.store.companySchemes(route.companyId)
    return route.schemes === null ? all : all.filter((s) => route.schemes!.includes(s.code))
  }

  /** queryRoutes and setRoute answer with this (sobot-call-sdk-js.txt, "Query Agent Outbound Routing Rules"). */
  view(a: AgentRecord): CommandResult<'queryRoutes'> {
    const route = this.store.agentRoute(a.uuid, a.companyId)
    const nick = new Map(this.pool(a.companyId).map((n) => [n.number, n.nickname]))
    return {
      agentUuid: a.uuid,
      agentUUID: a.uuid,
      agentID: a.agentID,
      agentName: a.name,
      explicitRule: route.rules.map((r) => ({ code: String(r), name: RULE_NAMES[r], hasSet: route.current.rule === r })),
      explicitSchema: this.schemesOf(route).map((s) => ({
        code: s.code,
        planName: s.name,
        hasSet: route.current.rule === 2 && route.current.scheme === s.code,
      })),
      explicitNumbers: this.usable(a.companyId, route.numbers).map((n) => ({
        number: n,
        nickName: nick.get(n) ?? '',
        hasSet: route.current.rule === 3 && route.current.number === n,
      })),
    }
  }

  queryRoutes(c: Caller): CommandResult<'queryRoutes'> {
    this.requireLoggedIn(c.agent)
    return this.view(c.agent)
  }

  /** Switches the agent's display rule (and scheme or number), within what it may use; kept across restarts. */
  async setRoute(c: Caller, p: CommandParams<'setRoute'>): Promise<CommandResult<'setRoute'>> {
    const a = c.agent
    this.requireLoggedIn(a)
    const route = this.store.agentRoute(a.uuid, a.companyId)
    const rule = Number(p.explicitRule) as DisplayRule
    if (!route.rules.includes(rule))
      throw new SobotError('INVALID_ROUTE_RULE', `explicitRule ${rule} is not among the agent's display rules (${route.rules.join(', ')}).`)
    const next: AgentRoute['current'] = { rule, scheme: route.current.scheme, number: route.current.number }
    if (rule === 2) {
      if (!this.schemesOf(route).some((s) => s.code === p.explicitCode))
        throw new SobotError('INVALID_ROUTE_RULE', `explicitCode ${p.explicitCode} is not a display scheme this agent may use.`)
      next.scheme = p.explicitCode!
    }
    if (rule === 3) {
      if (!this.usable(a.companyId, route.numbers).includes(p.explicitNumber!))
        throw new SobotError('INVALID_ROUTE_RULE', `explicitNumber ${p.explicitNumber} is not one of the agent's numbers.`)
      next.number = p.explicitNumber!
    }
    await this.store.saveAgentRoute({ ...route, current: next })
    return this.view(a)
  }

  /**
   * The number makeCall shows when it names no ANI: the scheme `planCode` names (SobotError when the
   * agent has no such scheme), else the agent's current rule; undefined when that gives no number.
   */
  callerId(a: AgentRecord, dialled: string, planCode: string | undefined): string | undefined {
    const route = this.store.agentRoute(a.uuid, a.companyId)
    if (planCode !== undefined) {
      const scheme = this.schemesOf(route).find((s) => s.code === planCode)
      if (!scheme) throw new SobotError('INVALID_PARAMETER', `outboundPlanCode: ${planCode} is not a display scheme this agent may use.`)
      return this.fromScheme(a.companyId, scheme, dialled)
    }
    switch (route.current.rule) {
      case 1: {
        const pool = this.pool(a.companyId)
        return pool.length ? pool[randomInt(pool.length)]!.number : undefined
      }
      case 2: {
        const scheme = this.schemesOf(route).find((s) => s.code === route.current.scheme)
        return scheme ? this.fromScheme(a.companyId, scheme, dialled) : undefined
      }
      case 3:
        return route.current.number && this.usable(a.companyId, [route.current.number]).length ? route.current.number : undefined
    }
  }

  private fromScheme(companyId: string, scheme: OutboundScheme, dialled: string): string | undefined {
    const numbers = this.usable(companyId, scheme.numbers)
    if (!numbers.length) return undefined
    const target = dialled.replace(/^\+/, '')
    const common = (n: string): number => {
      const x = n.replace(/^\+/, '')
      let i = 0
      while (i < x.length && i < target.length && x[i] === target[i]) i++
      return i
    }
    const best = Math.max(...numbers.map(common))
    const ties = numbers.filter((n) => common(n) === best)
    return ties[randomInt(ties.length)]
  }

  private requireLoggedIn(a: AgentRecord): void {
    if (this.core.runtime(a.uuid).agentState === 0) throw new SobotError('NOT_LOGGED_IN')
  }
}
