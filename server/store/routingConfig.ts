import type { Db } from './db'
import type { Migration } from './migrations'

/**
 * The routing engine's settings that the Directory does not hold: each company's business hours
 * (queues with schedule 2), its outbound display schemes (the SDK's "dynamic display no. scheme"),
 * and each agent's outbound routing (which display rules, schemes and numbers it may use, and the one
 * it chose with setRoute). Kept in memory for synchronous reads; every write goes to the database
 * first, one at a time, and changes memory once committed (as ConfigStore does).
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

export class RoutingConfigStore {
  private readonly hours = new Map<string, BusinessHours>()
  private readonly schemes = new Map<string, OutboundScheme>()
  private readonly routes = new Map<string, AgentRoute>()
  private tail: Promise<unknown> = Promise.resolve()
  private lastStamp = 0

  constructor(
    private readonly db: Db,
    private readonly clock: () => number = Date.now,
  ) {}

  private now(): number {
    this.lastStamp = Math.max(this.clock(), this.lastStamp + 1)
    return this.lastStamp
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => {})
    return run
  }

  async idle(): Promise<void> {
    await this.tail
  }

  async load(): Promise<void> {
    const [hours, schemes, routes] = await Promise.all([
      this.db.query<{ company_id: string; timezone: string; week: BusinessHours['week']; closed_dates: string[] }>(
        'select * from business_hours',
      ),
      this.db.query<{ company_id: string; code: string; name: string; numbers: string[]; created_at: number }>(
        'select * from outbound_schemes order by company_id, created_at, code',
      ),
      this.db.query<{
        agent_uuid: string
        company_id: string
        rules: DisplayRule[]
        schemes: string[] | null
        numbers: string[]
        current_rule: number
        current_scheme: string | null
        current_number: string | null
      }>('select * from agent_outbound_routes'),
    ])
    this.hours.clear()
    this.schemes.clear()
    this.routes.clear()
    for (const r of hours) this.hours.set(r.company_id, { timezone: r.timezone, week: r.week, closedDates: r.closed_dates })
    for (const r of schemes)
      this.schemes.set(schemeKey(r.company_id, r.code), {
        companyId: r.company_id,
        code: r.code,
        name: r.name,
        numbers: r.numbers,
        createdAt: Number(r.created_at),
      })
    for (const r of routes) {
      this.routes.set(r.agent_uuid, {
        agentUUID: r.agent_uuid,
        companyId: r.company_id,
        rules: r.rules,
        schemes: r.schemes,
        numbers: r.numbers,
        current: { rule: r.current_rule as DisplayRule, scheme: r.current_scheme, number: r.current_number },
      })
    }
  }

  // --- business hours ---------------------------------------------------------------------------

  /** The company's business hours, undefined when never set (callers use DEFAULT_BUSINESS_HOURS). */
  businessHours(companyId: string): BusinessHours | undefined {
    return this.hours.get(companyId)
  }

  saveBusinessHours(companyId: string, h: BusinessHours): Promise<BusinessHours> {
    return this.serial(async () => {
      await this.db.query(
        `insert into business_hours (company_id, timezone, week, closed_dates, updated_at) values ($1, $2, $3::jsonb, $4::jsonb, $5)
         on conflict (company_id) do update set timezone = excluded.timezone, week = excluded.week, closed_dates = excluded.closed_dates, updated_at = excluded.updated_at`,
        [companyId, h.timezone, JSON.stringify(h.week), JSON.stringify(h.closedDates), this.now()],
      )
      const copy = structuredClone(h)
      this.hours.set(companyId, copy)
      return copy
    })
  }

  // --- outbound display schemes ------------------------------------------------------------------

  scheme(companyId: string, code: string): OutboundScheme | undefined {
    return this.schemes.get(schemeKey(companyId, code))
  }

  companySchemes(companyId: string): OutboundScheme[] {
    return [...this.schemes.values()].filter((s) => s.companyId === companyId)
  }

  saveScheme(s: Omit<OutboundScheme, 'createdAt'> & { createdAt?: number }): Promise<OutboundScheme> {
    return this.serial(async () => {
      const full: OutboundScheme = { ...s, numbers: [...s.numbers], createdAt: s.createdAt ?? this.now() }
      await this.db.query(
        `insert into outbound_schemes (company_id, code, name, numbers, created_at) values ($1, $2, $3, $4::jsonb, $5)
         on conflict (company_id, code) do update set name = excluded.name, numbers = excluded.numbers`,
        [full.companyId, full.code, full.name, JSON.stringify(full.numbers), full.createdAt],
      )
      this.schemes.set(schemeKey(full.companyId, full.code), full)
      return full
    })
  }

  deleteScheme(companyId: string, code: string): Promise<void> {
    return this.serial(async () => {
      await this.db.query('delete from outbound_schemes where company_id = $1 and code = $2', [companyId, code])
      this.schemes.delete(schemeKey(companyId, code))
    })
  }

  // --- agents' outbound routes ---------------------------------------------------------------------

  /** The agent's route (its defaults when never set). */
  agentRoute(agentUUID: string, companyId: string): AgentRoute {
    return structuredClone(this.routes.get(agentUUID) ?? defaultAgentRoute(agentUUID, companyId))
  }

  saveAgentRoute(r: AgentRoute): Promise<AgentRoute> {
    return this.serial(async () => {
      await this.db.query(
        `insert into agent_outbound_routes (agent_uuid, company_id, rules, schemes, numbers, current_rule, current_scheme, current_number, updated_at)
         values ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7, $8, $9)
         on conflict (agent_uuid) do update set rules = excluded.rules, schemes = excluded.schemes, numbers = excluded.numbers,
           current_rule = excluded.current_rule, current_scheme = excluded.current_scheme, current_number = excluded.current_number,
           updated_at = excluded.updated_at`,
        [
          r.agentUUID,
          r.companyId,
          JSON.stringify(r.rules),
          r.schemes === null ? null : JSON.stringify(r.schemes),
          JSON.stringify(r.numbers),
          r.current.rule,
          r.current.scheme,
          r.current.number,
          this.now(),
        ],
      )
      const copy = structuredClone(r)
      this.routes.set(r.agentUUID, copy)
      return structuredClone(copy)
    })
  }
}

function schemeKey(companyId: string, code: string): string {
  return `${companyId}\u0000${code}`
}
