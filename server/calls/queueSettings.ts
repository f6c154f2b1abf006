import type { SkillGroup } from '../acd/directory'

/**
 * A skill group's call handling, with the defaults of stringee-queue-api.txt. Read tolerantly from
 * the queue record (whose Stringee fields the store fills), so a queue with none gets the defaults.
 */
export interface QueueSettings {
  recordCalls: boolean
  wrapUpAfterCalls: boolean
  wrapUpSeconds: number
  answerTimeoutSeconds: number
}

export const QUEUE_DEFAULTS: QueueSettings = { recordCalls: true, wrapUpAfterCalls: true, wrapUpSeconds: 10, answerTimeoutSeconds: 15 }
/** The documented minimum of wait_agent_answer_timeout. */
export const MIN_ANSWER_TIMEOUT_S = 3

export function queueSettings(q: SkillGroup | undefined): QueueSettings {
  const r = (q ?? {}) as unknown as Record<string, unknown>
  const bool = (v: unknown, d: boolean): boolean => (v === undefined || v === null ? d : v === true || v === 1 || v === '1')
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d)
  return {
    recordCalls: bool(r.record_calls, QUEUE_DEFAULTS.recordCalls),
    wrapUpAfterCalls: bool(r.agent_wrap_up_after_calls, QUEUE_DEFAULTS.wrapUpAfterCalls),
    wrapUpSeconds: Math.max(0, num(r.wrap_up_time_limit, QUEUE_DEFAULTS.wrapUpSeconds)),
    answerTimeoutSeconds: Math.max(MIN_ANSWER_TIMEOUT_S, num(r.wait_agent_answer_timeout, QUEUE_DEFAULTS.answerTimeoutSeconds)),
  }
}
