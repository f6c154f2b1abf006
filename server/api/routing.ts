import type { FastifyInstance } from 'fastify'
import type { AgentRecord, Company } from '../acd/directory'
import type { LiveCalls } from '../calls/liveCalls'
import { checkDate, checkRange, checkTimezone, DEFAULT_BUSINESS_HOURS, isOpen, WEEK_DAYS, type BusinessHours } from '../calls/schedule'
import { newId } from '../store/ids'
import type { AgentRoute, DisplayRule, OutboundScheme } from '../store/routingConfig'
import { bodyOf, listData, optInt, optNullableStr, optStr, paging, present, reqStr, type Fields } from './fields'
import type { ApiContext } from './index'
import { ApiError } from './result'
import { idParam } from './util'

/**
 * The routing engine's REST API (docs/REST_API.md): business hours (queues with schedule 2),
 * outbound display schemes and agents' outbound routes (the SDK's queryRoutes / setRoute / makeCall
 * caller id), and the live calls of stringee-call-management-api.txt: realtime calls and stop call.
 */
export function registerRouting(api: FastifyInstance, ctx: ApiContext, live: LiveCalls | undefined): void {
  registerBusinessHours(api, ctx)
  registerSchemes(api, ctx)
  registerAgentRoutes(api, ctx)
  if (live) registerLiveCalls(api, ctx, live)
}

const CODE: [RegExp, string] = [/^[A-Za-z0-9_-]{1,64}$/, 'may hold letters, digits, _ and - only.']

function stringArray(b: Fields, name: string, max: number): string[] | undefined {
  if (!present(b, name)) return undefined
  const v = b[name]
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ApiError('INVALID_TYPE', `${name} must be an array of strings.`)
  if (v.length > max) throw new ApiError('INVALID_VALUE', `${name} may hold at most ${max} entries.`)
  return [...new Set((v as string[]).map((x) => x.trim()))]
}

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

// --- business hours ------------------------------------------------------------------------------

function hoursRow(h: BusinessHours, isDefault: boolean): Record<string, unknown> {
  return { timezone: h.timezone, week: h.week, closed_dates: h.closedDates, default: isDefault, open_now: isOpen(h, Date.now()) }
}

function registerBusinessHours(api: FastifyInstance, ctx: ApiContext): void {
  api.get('/business-hours', async (req) => {
    const c = ctx.company(req)
    const h = ctx.store.routing.businessHours(c.id)
    return { r: 0, message: 'Load business hours success', project: c.projectId, data: hoursRow(h ?? DEFAULT_BUSINESS_HOURS, !h) }
  })

  api.put('/business-hours', async (req) => {
    const c = ctx.company(req)
    const b = bodyOf(req.body)
    const cur = structuredClone(ctx.store.routing.businessHours(c.id) ?? DEFAULT_BUSINESS_HOURS) as BusinessHours
    const tz = optStr(b, 'timezone', { max: 64 })
    if (tz !== undefined) {
      const bad = checkTimezone(tz)
      if (bad) throw new ApiError('INVALID_VALUE', bad)
      cur.timezone = tz
    }
    if (present(b, 'week')) {
      const week = b.week
      if (!week || typeof week !== 'object' || Array.isArray(week))
        throw new ApiError('INVALID_TYPE', 'week must be an object of days (mon ... sun), each an array of "HH:MM-HH:MM" ranges.')
      for (const day of Object.keys(week as Fields)) {
        if (!(WEEK_DAYS as readonly string[]).includes(day))
          throw new ApiError('INVALID_VALUE', `week: ${day.slice(0, 16)} is not one of ${WEEK_DAYS.join(', ')}.`)
        const list = stringArray(week as Fields, day, 12)!
        for (const r of list) {
          const bad = checkRange(r)
          if (bad) throw new ApiError('INVALID_VALUE', `week.${day}: ${bad}`)
        }
        cur.week[day as keyof BusinessHours['week']] = list
      }
    }
    const dates = stringArray(b, 'closed_dates', 400)
    if (dates !== undefined) {
      for (const d of dates) {
        const bad = checkDate(d)
        if (bad) throw new ApiError('INVALID_VALUE', `closed_dates: ${bad}`)
      }
      cur.closedDates = dates.sort()
    }
    await ctx.store.routing.saveBusinessHours(c.id, cur)
    return { r: 0, message: 'Update business hours success', project: c.projectId }
  })
}

// --- outbound display schemes ----------------------------------------------------------------------

function schemeRow(s: OutboundScheme, c: Company): Record<string, unknown> {
  return { code: s.code, project: c.projectId, name: s.name, numbers: s.numbers, created: s.createdAt }
}

function registerSchemes(api: FastifyInstance, ctx: ApiContext): void {
  const own = (c: Company, code: string): OutboundScheme => {
    const s = ctx.store.routing.scheme(c.id, code)
    if (!s) throw new ApiError('NOT_FOUND', `No outbound scheme ${code} in this project.`)
    return s
  }

  api.post('/outbound-scheme', async (req) => {
    const c = ctx.company(req)
    const b = bodyOf(req.body)
    const code = optStr(b, 'code', { max: 64, pattern: CODE }) ?? newId('OS', 12)
    const name = reqStr(b, 'name', { max: 128 })
    const numbers = stringArray(b, 'numbers', 100)
    if (!numbers?.length) throw new ApiError('MISSING_FIELD', 'numbers is required: the company numbers this scheme shows.')
    if (ctx.store.routing.scheme(c.id, code)) throw new ApiError('ALREADY_EXISTS', `Outbound scheme ${code} already exists.`)
    await ctx.store.routing.saveScheme({ companyId: c.id, code, name, numbers: poolNumbers(ctx, c, 'numbers', numbers) })
    return { r: 0, project: c.projectId, code, message: 'Create outbound scheme success' }
  })

  api.get('/outbound-scheme', async (req) => {
    const c = ctx.company(req)
    const rows = ctx.store.routing.companySchemes(c.id).map((s) => schemeRow(s, c))
    return {
      r: 0,
      message: 'Load outbound scheme(s) success',
      project: c.projectId,
      data: listData('schemes', rows, paging(req.query as Fields)),
    }
  })

  api.get('/outbound-scheme/:id', async (req) => {
    const c = ctx.company(req)
    return { r: 0, message: 'Load outbound scheme success', project: c.projectId, data: schemeRow(own(c, idParam(req)), c) }
  })

  api.put('/outbound-scheme/:id', async (req) => {
    const c = ctx.company(req)
    const s = own(c, idParam(req))
    const b = bodyOf(req.body)
    const name = optStr(b, 'name', { max: 128 })
    const numbers = stringArray(b, 'numbers', 100)
    if (numbers !== undefined && !numbers.length) throw new ApiError('INVALID_VALUE', 'numbers must not be empty.')
    await ctx.store.routing.saveScheme({
      ...s,
      name: name ?? s.name,
      numbers: numbers ? poolNumbers(ctx, c, 'numbers', numbers) : s.numbers,
    })
    return { r: 0, project: c.projectId, message: 'Update outbound scheme success' }
  })

  api.delete('/outbound-scheme/:id', async (req) => {
    const c = ctx.company(req)
    const s = own(c, idParam(req))
    const users = ctx.dir
      .companyAgents(c.id)
      .filter((a) => {
        const r = ctx.store.routing.agentRoute(a.uuid, c.id)
        return r.schemes?.includes(s.code) || (r.current.rule === 2 && r.current.scheme === s.code)
      })
      .map((a) => a.uuid)
    if (users.length) throw new ApiError('IN_USE', `Outbound scheme ${s.code} is used by agents ${users.join(', ')}.`)
    await ctx.store.routing.deleteScheme(c.id, s.code)
    return { r: 0, project: c.projectId, message: 'Delete outbound scheme success' }
  })
}

// --- agents' outbound routes -----------------------------------------------------------------------

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

function registerAgentRoutes(api: FastifyInstance, ctx: ApiContext): void {
  const agentOf = (c: Company, id: string): AgentRecord => {
    const a = ctx.dir.agents.get(id)
    if (!a || a.companyId !== c.id) throw new ApiError('NOT_FOUND', `No agent ${id} in this project.`)
    return a
  }

  api.get('/agent/:id/outbound-route', async (req) => {
    const c = ctx.company(req)
    const a = agentOf(c, idParam(req))
    return {
      r: 0,
      message: 'Load outbound route success',
      project: c.projectId,
      data: routeRow(ctx.store.routing.agentRoute(a.uuid, c.id)),
    }
  })

  api.put('/agent/:id/outbound-route', async (req) => {
    const c = ctx.company(req)
    const a = agentOf(c, idParam(req))
    const b = bodyOf(req.body)
    const r = ctx.store.routing.agentRoute(a.uuid, c.id)
    if (present(b, 'rules')) {
      const v = b.rules
      if (!Array.isArray(v)) throw new ApiError('INVALID_TYPE', 'rules must be an array of display rules (1, 2, 3).')
      if (v.some((x) => x !== 1 && x !== 2 && x !== 3))
        throw new ApiError('INVALID_VALUE', 'rules must hold display rules 1, 2 and 3 only.')
      if (!v.length) throw new ApiError('INVALID_VALUE', 'rules must not be empty.')
      r.rules = [...new Set(v as DisplayRule[])].sort()
    }
    if (present(b, 'schemes')) {
      if (b.schemes === null) r.schemes = null
      else {
        const list = stringArray(b, 'schemes', 100)!
        for (const code of list)
          if (!ctx.store.routing.scheme(c.id, code))
            throw new ApiError('NOT_FOUND', `schemes: no outbound scheme ${code.slice(0, 64)} in this project.`)
        r.schemes = list
      }
    }
    const numbers = stringArray(b, 'numbers', 100)
    if (numbers !== undefined) r.numbers = poolNumbers(ctx, c, 'numbers', numbers)
    const rule = optInt(b, 'current_rule', { oneOf: [1, 2, 3] })
    if (rule !== undefined) r.current.rule = rule as DisplayRule
    const scheme = optNullableStr(b, 'current_scheme', { max: 64 })
    if (scheme !== undefined) r.current.scheme = scheme
    const number = optNullableStr(b, 'current_number', { max: 21 })
    if (number !== undefined) r.current.number = number
    // The current choice must be one the agent may make.
    if (!r.rules.includes(r.current.rule)) {
      if (rule !== undefined) throw new ApiError('INVALID_VALUE', `current_rule ${rule} is not among rules (${r.rules.join(', ')}).`)
      r.current.rule = r.rules[0]!
    }
    const schemes = r.schemes === null ? ctx.store.routing.companySchemes(c.id).map((s) => s.code) : r.schemes
    if (r.current.scheme !== null && !schemes.includes(r.current.scheme)) {
      if (scheme !== undefined) throw new ApiError('NOT_FOUND', `current_scheme: ${r.current.scheme} is not one of the agent's schemes.`)
      r.current.scheme = null
    }
    if (r.current.number !== null && !r.numbers.includes(r.current.number)) {
      if (number !== undefined) throw new ApiError('NOT_FOUND', `current_number: ${r.current.number} is not one of the agent's numbers.`)
      r.current.number = null
    }
    if (r.current.rule === 2 && r.current.scheme === null) r.current.scheme = schemes[0] ?? null
    if (r.current.rule === 3 && r.current.number === null) r.current.number = r.numbers[0] ?? null
    await ctx.store.routing.saveAgentRoute(r)
    return { r: 0, project: c.projectId, message: 'Update outbound route success' }
  })
}

// --- live calls ------------------------------------------------------------------------------------

function registerLiveCalls(api: FastifyInstance, ctx: ApiContext, live: LiveCalls): void {
  api.get('/call/realtime', async (req) => {
    const c = ctx.company(req)
    const p = paging(req.query as Fields, 200, 500)
    const all = live.realtime(c.id)
    const calls = all.slice((p.page - 1) * p.limit, p.page * p.limit)
    return {
      r: 0,
      message: 'Load call(s) success',
      project: c.projectId,
      data: { totalCount: all.length, totalPages: Math.ceil(all.length / p.limit), currentPage: p.page, limit: p.limit, calls },
    }
  })

  api.post('/call/stop', async (req) => {
    const c = ctx.company(req)
    const callId = reqStr(bodyOf(req.body), 'callId', { max: 128 })
    if (!live.stop(c.id, callId)) throw new ApiError('NOT_FOUND', `No call ${callId} in progress in this project.`)
    return { r: 0, message: 'Stop call success', msg: 'Stop call success', project: c.projectId, callId }
  })
}
