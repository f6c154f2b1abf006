import type { BusinessHours, WeekDay } from '../store/routingConfig'

export { WEEK_DAYS, type BusinessHours, type WeekDay } from '../store/routingConfig'

/**
 * Business hours, for queues with `schedule` 2 ("using business hours", stringee-queue-api.txt).
 * The queue document does not say where the hours come from; here they are one setting per company
 * (REST: GET / PUT /v1/business-hours, docs/REST_API.md): a time zone, opening ranges per day of the
 * week, and closed dates. A company that never set them has DEFAULT_BUSINESS_HOURS: Monday to Friday,
 * 08:00 to 18:00, UTC.
 */
export const DEFAULT_BUSINESS_HOURS: Readonly<BusinessHours> = Object.freeze({
  timezone: 'UTC',
  week: { mon: ['08:00-18:00'], tue: ['08:00-18:00'], wed: ['08:00-18:00'], thu: ['08:00-18:00'], fri: ['08:00-18:00'], sat: [], sun: [] },
  closedDates: [],
})

const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-(([01]\d|2[0-3]):([0-5]\d)|24:00)$/
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/

/** What is wrong with a value, or undefined when it is fine (the REST API turns the text into r = 4). */
export function checkTimezone(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return undefined
  } catch {
    return `timezone: ${tz.slice(0, 64)} is not an IANA time zone (e.g. Asia/Ho_Chi_Minh, UTC).`
  }
}

export function checkRange(r: string): string | undefined {
  const m = RANGE.exec(r)
  if (!m) return `"${r.slice(0, 32)}" is not a range HH:MM-HH:MM (00:00 to 24:00).`
  const [from, to] = r.split('-').map(minutes) as [number, number]
  if (from >= to) return `"${r}" ends before it starts.`
  return undefined
}

export function checkDate(d: string): string | undefined {
  return DATE.test(d) ? undefined : `"${d.slice(0, 32)}" is not a date YYYY-MM-DD.`
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number]
  return h * 60 + m
}

/** The wall-clock day, date and minute of `at` in the time zone. */
export function localTime(at: number, timezone: string): { day: WeekDay; date: string; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(at))
  const get = (t: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === t)?.value ?? ''
  const day = get('weekday').toLowerCase().slice(0, 3) as WeekDay
  return { day, date: `${get('year')}-${get('month')}-${get('day')}`, minute: Number(get('hour')) * 60 + Number(get('minute')) }
}

/** Whether the company is open at `at` (ms since the epoch). */
export function isOpen(hours: BusinessHours, at: number): boolean {
  const t = localTime(at, hours.timezone)
  if (hours.closedDates.includes(t.date)) return false
  return (hours.week[t.day] ?? []).some((r) => {
    const [from, to] = r.split('-').map(minutes) as [number, number]
    return t.minute >= from && t.minute < to
  })
}
