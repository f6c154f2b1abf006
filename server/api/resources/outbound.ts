import type { Company } from '../../acd/directory'
import { newId } from '../../store/ids'
import type { AgentRoute, DisplayRule, OutboundScheme } from '../../store/routingConfig'
import type { ApiContext } from '../index'
import { ApiError } from '../result'
import { crud, owned, route, type Resource } from '../route'
import { Clearable, IntOf, List, Str, Type } from '../schema'

const opt = Type.Optional
const CODE: [RegExp, string] = [/^[A-Za-z0-9_-]{1,64}$/, 'may hold letters, digits, _ and - only.']
const NUMBERS = (description: string) => List(Str({ max: 32 }), { max: 100, min: 1, description })

/** Company numbers that may be shown on outbound calls; anything else is r = 5. */
function poolNumbers(ctx: ApiContext, c: Company, name: string, numbers: string[]): string[] {
  for (const n of numbers) {
    const rec = ctx.dir.numberByDigits(n)
    if (!rec || rec.companyId !== c.id)
      throw new ApiError('NOT_FOUND', `${name}: ${n.slice(0, 32)} is not a number of this project (see /v1/number).`)
    if (!rec.allowOutboundCalls) throw new ApiError('INVALID_VALUE', `${name}: number ${n} does not allow outbound calls.`)
  }
  return numbers
}

// --- outbound display schemes ------------------------------------------------------------------------

const SCHEME_NUMBERS = 'company numbers that allow outbound calls'
const SCHEME = Type.Object({
  code: opt(
    Str({
      max: 64,
      pattern: CODE,
      'x-default': 'generated `OS_...`',
      description: "unique in the company; the SDK's `explicitCode` and `outboundPlanCode`",
    }),
  ),
  name: Str({ max: 128 }),
  numbers: NUMBERS(SCHEME_NUMBERS),
})
const SCHEME_UPDATE = Type.Object({ name: opt(Str({ max: 128 })), numbers: opt(NUMBERS(SCHEME_NUMBERS)) })

/** Outbound display schemes (the SDK's dynamic display number schemes); the code is the id. */
export const outboundSchemes = crud<OutboundScheme, typeof SCHEME, typeof SCHEME_UPDATE>({
  title: 'Outbound display schemes',
  path: '/outbound-scheme',
  idName: 'CODE',
  noun: 'outbound scheme',
  label: 'outbound scheme',
  idField: 'code',
  listField: 'schemes',
  id: (s) => s.code,
  find: (ctx, c, code) => ctx.store.routing.scheme(c.id, code),
  row: (_ctx, c, s) => ({ code: s.code, project: c.projectId, name: s.name, numbers: s.numbers, created: s.createdAt }),
  create: {
    body: SCHEME,
    async run({ ctx, company: c, body }) {
      const code = body.code ?? newId('OS', 12)
      if (ctx.store.routing.scheme(c.id, code)) throw new ApiError('ALREADY_EXISTS', `Outbound scheme ${code} already exists.`)
      return ctx.store.routing.saveScheme({ companyId: c.id, code, name: body.name, numbers: poolNumbers(ctx, c, 'numbers', body.numbers) })
    },
  },
  list: { items: ({ ctx, company }) => ctx.store.routing.companySchemes(company.id) },
  get: {},
  update: {
    body: SCHEME_UPDATE,
    async run({ ctx, company: c, body }, s) {
      await ctx.store.routing.saveScheme({
        ...s,
        name: body.name ?? s.name,
        numbers: body.numbers ? poolNumbers(ctx, c, 'numbers', body.numbers) : s.numbers,
      })
    },
  },
  remove: {
    summary: "delete (not while an agent's route names it)",
    async run({ ctx, company: c }, s) {
      const users = ctx.dir
        .companyAgents(c.id)
        .filter((a) => {
          const r = ctx.store.routing.agentRoute(a.uuid, c.id)
          return r.schemes?.includes(s.code) || (r.current.rule === 2 && r.current.scheme === s.code)
        })
        .map((a) => a.uuid)
      if (users.length) throw new ApiError('IN_USE', `Outbound scheme ${s.code} is used by agents ${users.join(', ')}.`)
      await ctx.store.routing.deleteScheme(c.id, s.code)
    },
  },
})

// --- agents' outbound routes -------------------------------------------------------------------------

const RULES = [1, 2, 3] as const
const ROUTE = Type.Object({
  rules: opt(
    List(IntOf(RULES), {
      max: 3,
      min: 1,
      sort: true,
      type: 'an array of display rules (1, 2, 3)',
      default: [...RULES],
      description: 'the display rules the agent may choose: 1 the company pool, 2 a scheme, 3 its own numbers',
    }),
  ),
  schemes: opt(
    List(Str({ max: 64 }), {
      max: 100,
      nullable: true,
      'x-default': 'null: every scheme of the company',
      description: 'the scheme codes it may use',
    }),
  ),
  numbers: opt(List(Str({ max: 32 }), { max: 100, default: [], description: 'its own numbers for rule 3: ' + SCHEME_NUMBERS })),
  current_rule: opt(IntOf(RULES, { default: 1, description: 'its current choice (as `setRoute` makes it); one of `rules`' })),
  current_scheme: opt(Clearable({ max: 64, description: 'one of its schemes' })),
  current_number: opt(Clearable({ max: 21, description: 'one of its numbers' })),
})

function routeRow(r: AgentRoute): Record<string, unknown> {
  return {
    agent_id: r.agentUUID,
    rules: r.rules,
    schemes: r.schemes,
    numbers: r.numbers,
    current_rule: r.current.rule,
    current_scheme: r.current.scheme,
    current_number: r.current.number,
  }
}

const agentOf = (ctx: ApiContext, c: Company, id: string) => {
  const a = owned(ctx.dir.agents, c, id)
  if (!a) throw new ApiError('NOT_FOUND', `No agent ${id} in this project.`)
  return a
}

/** What numbers an agent may show on outbound calls, and which it shows now (the SDK's queryRoutes / setRoute). */
export const outboundRoutes: Resource = {
  title: "Agents' outbound routes",
  routes: [
    route({
      method: 'GET',
      path: '/agent/:id/outbound-route',
      idName: 'AGENT_ID',
      summary: "the agent's route (its defaults until set)",
      answer: '`Load outbound route success`, `data`',
      async handler({ ctx, company: c, id }) {
        const a = agentOf(ctx, c, id)
        return {
          r: 0,
          message: 'Load outbound route success',
          project: c.projectId,
          data: routeRow(ctx.store.routing.agentRoute(a.uuid, c.id)),
        }
      },
    }),
    route({
      method: 'PUT',
      path: '/agent/:id/outbound-route',
      idName: 'AGENT_ID',
      summary: 'change the fields given',
      answer: '`Update outbound route success`',
      body: ROUTE,
      async handler({ ctx, company: c, id, body: b }) {
        const a = agentOf(ctx, c, id)
        const r = ctx.store.routing.agentRoute(a.uuid, c.id)
        if (b.rules) r.rules = b.rules as DisplayRule[]
        if (b.schemes !== undefined) {
          for (const code of b.schemes ?? [])
            if (!ctx.store.routing.scheme(c.id, code))
              throw new ApiError('NOT_FOUND', `schemes: no outbound scheme ${code.slice(0, 64)} in this project.`)
          r.schemes = b.schemes
        }
        if (b.numbers !== undefined) r.numbers = poolNumbers(ctx, c, 'numbers', b.numbers)
        if (b.current_rule !== undefined) r.current.rule = b.current_rule
        if (b.current_scheme !== undefined) r.current.scheme = b.current_scheme
        if (b.current_number !== undefined) r.current.number = b.current_number
        // The current choice must be one the agent may make.
        if (!r.rules.includes(r.current.rule)) {
          if (b.current_rule !== undefined)
            throw new ApiError('INVALID_VALUE', `current_rule ${b.current_rule} is not among rules (${r.rules.join(', ')}).`)
          r.current.rule = r.rules[0]!
        }
        const schemes = r.schemes === null ? ctx.store.routing.companySchemes(c.id).map((s) => s.code) : r.schemes
        if (r.current.scheme !== null && !schemes.includes(r.current.scheme)) {
          if (b.current_scheme !== undefined)
            throw new ApiError('NOT_FOUND', `current_scheme: ${r.current.scheme} is not one of the agent's schemes.`)
          r.current.scheme = null
        }
        if (r.current.number !== null && !r.numbers.includes(r.current.number)) {
          if (b.current_number !== undefined)
            throw new ApiError('NOT_FOUND', `current_number: ${r.current.number} is not one of the agent's numbers.`)
          r.current.number = null
        }
        if (r.current.rule === 2 && r.current.scheme === null) r.current.scheme = schemes[0] ?? null
        if (r.current.rule === 3 && r.current.number === null) r.current.number = r.numbers[0] ?? null
        await ctx.store.routing.saveAgentRoute(r)
        return { r: 0, project: c.projectId, message: 'Update outbound route success' }
      },
    }),
  ],
}
