import {
  checkDate,
  checkRange,
  checkTimezone,
  DEFAULT_BUSINESS_HOURS,
  isOpen,
  type BusinessHours,
  type WeekDay,
} from '../../calls/schedule'
import { route, type Resource } from '../route'
import { List, Str, Type } from '../schema'

const opt = Type.Optional
const RANGES = List(Str({ max: 16, check: checkRange }), {
  max: 12,
  description: '`HH:MM-HH:MM`, the end excluded; `24:00` is the end of the day',
})

const UPDATE = Type.Object({
  timezone: opt(Str({ max: 64, check: checkTimezone, default: DEFAULT_BUSINESS_HOURS.timezone, description: 'an IANA name' })),
  week: opt(
    Type.Object(
      {
        mon: opt(RANGES),
        tue: opt(RANGES),
        wed: opt(RANGES),
        thu: opt(RANGES),
        fri: opt(RANGES),
        sat: opt(RANGES),
        sun: opt(RANGES),
      } satisfies Record<WeekDay, unknown>,
      {
        additionalProperties: false,
        'x-type': 'an object of days (mon ... sun), each an array of "HH:MM-HH:MM" ranges',
        description: 'per day (`mon` ... `sun`) its opening ranges, at most 12; days not named keep theirs',
        'x-default': 'Monday to Friday 08:00-18:00',
      },
    ),
  ),
  closed_dates: opt(
    List(Str({ max: 10, check: checkDate }), {
      max: 400,
      sort: true,
      default: [],
      description: 'whole days closed, `YYYY-MM-DD` in the time zone',
    }),
  ),
})

function hoursRow(h: BusinessHours, isDefault: boolean): Record<string, unknown> {
  return { timezone: h.timezone, week: h.week, closed_dates: h.closedDates, default: isDefault, open_now: isOpen(h, Date.now()) }
}

/** The company's business hours, which queues with `schedule` 2 follow. */
export const businessHours: Resource = {
  title: 'Business hours',
  routes: [
    route({
      method: 'GET',
      path: '/business-hours',
      summary: 'the business hours, with `default` (never set) and `open_now`',
      answer: '`Load business hours success`, `data`',
      async handler({ ctx, company: c }) {
        const h = ctx.store.routing.businessHours(c.id)
        return { r: 0, message: 'Load business hours success', project: c.projectId, data: hoursRow(h ?? DEFAULT_BUSINESS_HOURS, !h) }
      },
    }),
    route({
      method: 'PUT',
      path: '/business-hours',
      summary: 'change the fields given',
      answer: '`Update business hours success`',
      body: UPDATE,
      async handler({ ctx, company: c, body }) {
        const cur = structuredClone(ctx.store.routing.businessHours(c.id) ?? DEFAULT_BUSINESS_HOURS) as BusinessHours
        if (body.timezone !== undefined) cur.timezone = body.timezone
        if (body.week) Object.assign(cur.week, body.week)
        if (body.closed_dates !== undefined) cur.closedDates = body.closed_dates
        await ctx.store.routing.saveBusinessHours(c.id, cur)
        return { r: 0, message: 'Update business hours success', project: c.projectId }
      },
    }),
  ],
}
