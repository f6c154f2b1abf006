import type { Db } from './db'
import type { Migration } from './migrations'
import { put, table, WriteThrough } from './table'

/**
 * The routing engine's settings that the Directory does not hold: each company's business hours
 * (queues with schedule 2), its outbound display schemes (the SDK's "dynamic display no. scheme"),
 * and each agent's outbound routing (which display rules, schemes and numbers it may use, and the one
 * it chose with setRoute).
 */
export const ROUTING_MIGRATION: Migration = {
  version: 20,
  name: "routing: business hours, outbound display schemes, agents' outbound routes",
  sql: `
create table business_hours (
  company_id    text primary key references companies(id) on delete cascade,
  timezone      text not null,
  week          jsonb not null,
  closed_dates  jsonb not null,
  updated_at    bigint not null
);

create table outbound_schemes (
  company_id  text not null references companies(id) on delete cascade,
  code        text not null,
  name        text not null,
  numbers     jsonb not null,
  created_at  bigint not null,
  primary key (company_id, code)
);

create table agent_outbound_routes (
  agent_uuid      text primary key references agents(uuid) on delete cascade,
  company_id      text not null references companies(id) on delete cascade,
  rules           jsonb not null,
  schemes         jsonb,
  numbers         jsonb not null,
  current_rule    smallint not null check (current_rule between 1 and 3),
  current_scheme  text,
  current_number  text,
  updated_at      bigint not null
);
`,
}

export const WEEK_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type WeekDay = (typeof WEEK_DAYS)[number]

/** A company's business hours (server/calls/schedule.ts reads them). */
export interface BusinessHours {
  /** An IANA time zone, e.g. "Asia/Ho_Chi_Minh". */
  timezone: string
  /** Per day, the opening ranges "HH:MM-HH:MM" (end exclusive; "24:00" is the end of the day). */
  week: Record<WeekDay, string[]>
  /** Closed all day, "YYYY-MM-DD" in the time zone. */
  closedDates: string[]
}

/** 1 a random number of the company's pool, 2 a display scheme, 3 one of the agent's numbers. */
export type DisplayRule = 1 | 2 | 3

/** A dynamic display scheme: a code (the SDK's explicitCode / makeCall's outboundPlanCode) and its numbers. */
export interface OutboundScheme {
  companyId: string
  code: string
  name: string
  /** Company numbers (digits) this scheme may show. */
  numbers: string[]
  createdAt: number
}

/** An agent's outbound routing: what it may use, and what it uses now. */
export interface AgentRoute {
  agentUUID: string
  companyId: string
  /** The display rules the agent may choose from. */
  rules: DisplayRule[]
  /** The schemes it may use; null: every scheme of the company. */
  schemes: string[] | null
  /** Its own numbers (rule 3), company numbers. */
  numbers: string[]
  current: { rule: DisplayRule; scheme: string | null; number: string | null }
}

export function defaultAgentRoute(agentUUID: string, companyId: string): AgentRoute {
  return { agentUUID, companyId, rules: [1, 2, 3], schemes: null, numbers: [], current: { rule: 1, scheme: null, number: null } }
}

/** What the routing settings keep in memory, for synchronous reads. */
interface RoutingMemory {
  hours: Map<string, BusinessHours>
  schemes: Map<string, OutboundScheme>
  routes: Map<string, AgentRoute>
}

const HOURS = table<BusinessHours & { companyId: string }, RoutingMemory>({
  table: 'business_hours',
  key: ['company_id'],
  columns: {
    company_id: (h) => h.companyId,
    timezone: (h) => h.timezone,
    week: { value: (h) => h.week, json: true },
    closed_dates: { value: (h) => h.closedDates, json: true },
  },
  stamp: { column: 'updated_at', onUpdate: true },
  order: 'company_id',
  fromRow: (r) => ({ companyId: r.company_id, timezone: r.timezone, week: r.week, closedDates: r.closed_dates }),
  memory: (m) => ({
    put({ companyId, ...h }) {
      const copy = structuredClone(h)
      m.hours.set(companyId, copy)
      return { companyId, ...copy }
    },
    remove: ([companyId]) => void m.hours.delete(companyId as string),
  }),
})

const SCHEMES = table<OutboundScheme, RoutingMemory>({
  table: 'outbound_schemes',
  key: ['company_id', 'code'],
  columns: {
    company_id: (s) => s.companyId,
    code: (s) => s.code,
    name: (s) => s.name,
    numbers: { value: (s) => s.numbers, json: true },
    created_at: { value: (s) => s.createdAt, fixed: true },
  },
  order: 'company_id, created_at, code',
  fromRow: (r) => ({ companyId: r.company_id, code: r.code, name: r.name, numbers: r.numbers, createdAt: Number(r.created_at) }),
  memory: (m) => ({
    put(s) {
      const copy = { ...s, numbers: [...s.numbers] }
      m.schemes.set(schemeKey(s.companyId, s.code), copy)
      return copy
    },
    remove: ([companyId, code]) => void m.schemes.delete(schemeKey(companyId as string, code as string)),
  }),
})

const ROUTES = table<AgentRoute, RoutingMemory>({
  table: 'agent_outbound_routes',
  key: ['agent_uuid'],
  columns: {
    agent_uuid: (r) => r.agentUUID,
    company_id: (r) => r.companyId,
    rules: { value: (r) => r.rules, json: true },
    schemes: { value: (r) => r.schemes, json: true },
    numbers: { value: (r) => r.numbers, json: true },
    current_rule: (r) => r.current.rule,
    current_scheme: (r) => r.current.scheme,
    current_number: (r) => r.current.number,
  },
  stamp: { column: 'updated_at', onUpdate: true },
  order: 'agent_uuid',
  fromRow: (r) => ({
    agentUUID: r.agent_uuid,
    companyId: r.company_id,
    rules: r.rules,
    schemes: r.schemes,
    numbers: r.numbers,
    current: { rule: r.current_rule as DisplayRule, scheme: r.current_scheme, number: r.current_number },
  }),
  memory: (m) => ({
    put(r) {
      const copy = structuredClone(r)
      m.routes.set(r.agentUUID, copy)
      return structuredClone(copy)
    },
    remove: ([uuid]) => void m.routes.delete(uuid as string),
  }),
})

/** Kept in memory for synchronous reads, written through server/store/table.ts as the Directory is. */
export class RoutingConfigStore {
  private readonly m: RoutingMemory = { hours: new Map(), schemes: new Map(), routes: new Map() }
  private readonly w: WriteThrough<RoutingMemory>

  constructor(db: Db, clock: () => number = Date.now) {
    this.w = new WriteThrough(db, this.m, clock)
  }

  idle(): Promise<void> {
    return this.w.idle()
  }

  async load(): Promise<void> {
    this.m.hours.clear()
    this.m.schemes.clear()
    this.m.routes.clear()
    await this.w.load([HOURS, SCHEMES, ROUTES])
  }

  // --- business hours ---------------------------------------------------------------------------

  /** The company's business hours, undefined when never set (callers use DEFAULT_BUSINESS_HOURS). */
  businessHours(companyId: string): BusinessHours | undefined {
    return this.m.hours.get(companyId)
  }

  async saveBusinessHours(companyId: string, h: BusinessHours): Promise<BusinessHours> {
    const { timezone, week, closedDates } = await this.w.put(HOURS, { ...h, companyId })
    return { timezone, week, closedDates }
  }

  // --- outbound display schemes ------------------------------------------------------------------

  scheme(companyId: string, code: string): OutboundScheme | undefined {
    return this.m.schemes.get(schemeKey(companyId, code))
  }

  companySchemes(companyId: string): OutboundScheme[] {
    return [...this.m.schemes.values()].filter((s) => s.companyId === companyId)
  }

  /** Saves the scheme; a new one is stamped with its creation time (the list's order). */
  async saveScheme(s: Omit<OutboundScheme, 'createdAt'> & { createdAt?: number }): Promise<OutboundScheme> {
    const [saved] = await this.w.apply(() => [put(SCHEMES, { ...s, createdAt: s.createdAt ?? this.w.now() })])
    return saved as OutboundScheme
  }

  deleteScheme(companyId: string, code: string): Promise<void> {
    return this.w.remove(SCHEMES, companyId, code)
  }

  // --- agents' outbound routes ---------------------------------------------------------------------

  /** The agent's route (its defaults when never set). */
  agentRoute(agentUUID: string, companyId: string): AgentRoute {
    return structuredClone(this.m.routes.get(agentUUID) ?? defaultAgentRoute(agentUUID, companyId))
  }

  saveAgentRoute(r: AgentRoute): Promise<AgentRoute> {
    return this.w.put(ROUTES, r)
  }
}

function schemeKey(companyId: string, code: string): string {
  return `${companyId}\u0000${code}`
}
