import { SobotError, type ErrorCode } from '../errors'
import { isReasonCode, type DndReasonCode } from './agentState'

/**
 * Parameter rules of the spec, shared by the SDK (before anything is sent) and the server (which
 * never trusts the client). Each parser takes the raw value, accepts the spec's padded strings
 * (" 1005 "), and returns the normalised value or throws a SobotError naming the parameter.
 */

export type PhoneType = 'sip' | 'pstn' | 'webrtc'
export const PHONE_TYPES: readonly PhoneType[] = ['sip', 'pstn', 'webrtc']
/** How an agent is named: "0" by work number, "1" by agent id. */
export type AgentType = '0' | '1'
/** The login's agentState: "1" online, "2" DND. */
export type LoginAgentState = '1' | '2'

function fail(code: ErrorCode, name: string, detail: string): never {
  throw new SobotError(code, `${name}: ${detail}`)
}

/** A trimmed string, or undefined when absent or blank. Numbers are accepted and stringified. */
export function optString(name: string, v: unknown, maxLength = 256): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'number' && Number.isFinite(v)) v = String(v)
  if (typeof v !== 'string') fail('INVALID_PARAMETER', name, `expected a string, got ${typeof v}.`)
  const s = v.trim()
  if (s.length > maxLength) fail('INVALID_PARAMETER', name, `at most ${maxLength} characters.`)
  return s === '' ? undefined : s
}

export function reqString(name: string, v: unknown, maxLength?: number): string {
  const s = optString(name, v, maxLength)
  if (s === undefined) fail('MISSING_PARAMETER', name, 'is required.')
  return s
}

function oneOf<T extends string>(code: ErrorCode, name: string, v: unknown, allowed: readonly T[], dflt: T | undefined): T | undefined {
  const s = optString(name, v)
  if (s === undefined) return dflt
  if (!(allowed as readonly string[]).includes(s)) fail(code, name, `"${s}" is not one of ${allowed.join(', ')}.`)
  return s as T
}

export function parseAgentType(v: unknown): AgentType {
  return oneOf('INVALID_AGENT_TYPE', 'agentType', v, ['0', '1'] as const, '0')!
}

/** Login status after login; blank means DND (2), as the spec says. */
export function parseLoginAgentState(v: unknown): LoginAgentState {
  return oneOf('INVALID_AGENT_STATE', 'agentState', v, ['1', '2'] as const, '2')!
}

export function parsePhoneType(v: unknown): PhoneType | undefined {
  return oneOf('INVALID_PHONE_TYPE', 'phoneType', v, PHONE_TYPES, undefined)
}

export function optBoolean(name: string, v: unknown): boolean | undefined {
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v === 'boolean') return v
  if (v === 'true' || v === 'false') return v === 'true'
  fail('INVALID_PARAMETER', name, 'expected true or false.')
}

function wholeNumber(name: string, v: unknown, code: ErrorCode): number | undefined {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return undefined
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN
  if (!Number.isInteger(n)) fail(code, name, `expected a whole number, got ${JSON.stringify(v)}.`)
  return n
}

export function parseReasonCode(v: unknown): DndReasonCode {
  const n = wholeNumber('reasonCode', v, 'INVALID_REASON_CODE')
  if (n === undefined) fail('MISSING_PARAMETER', 'reasonCode', 'is required (2 or 11-18).')
  if (!isReasonCode(n)) fail('INVALID_REASON_CODE', 'reasonCode', `${n} is not 2 or 11-18.`)
  return n
}

export const MAX_DTMF_DIGITS = 24

export function parseDtmf(v: unknown): string {
  const s = reqString('dtmfDigits', v, 1000)
  if (s.length > MAX_DTMF_DIGITS) fail('INVALID_DTMF', 'dtmfDigits', `${s.length} digits; at most ${MAX_DTMF_DIGITS}.`)
  if (!/^[0-9*#]+$/.test(s)) fail('INVALID_DTMF', 'dtmfDigits', 'only 0-9, * and # are allowed.')
  return s
}

export const ACW_DELAY_MIN_S = 30
export const ACW_DELAY_MAX_S = 900

export function parseDelayTime(v: unknown): number {
  const n = wholeNumber('delayTime', v, 'INVALID_DELAY_TIME')
  if (n === undefined) fail('MISSING_PARAMETER', 'delayTime', `is required (${ACW_DELAY_MIN_S}-${ACW_DELAY_MAX_S} s).`)
  if (n < ACW_DELAY_MIN_S || n > ACW_DELAY_MAX_S)
    fail('INVALID_DELAY_TIME', 'delayTime', `${n} is outside ${ACW_DELAY_MIN_S}-${ACW_DELAY_MAX_S} s.`)
  return n
}

/** 0 agent, 1 third-party number, 2 extension, 3 skill group (transfer only). */
export type TargetType = '0' | '1' | '2' | '3'
/** A consult's target: no skill group. */
export type ConsultTargetType = Exclude<TargetType, '3'>

export function parseTarget(targetType: unknown, target: unknown, allowSkillGroup: true): { targetType: TargetType; target: string }
export function parseTarget(targetType: unknown, target: unknown, allowSkillGroup: false): { targetType: ConsultTargetType; target: string }
export function parseTarget(targetType: unknown, target: unknown, allowSkillGroup: boolean): { targetType: TargetType; target: string } {
  const allowed: TargetType[] = allowSkillGroup ? ['0', '1', '2', '3'] : ['0', '1', '2']
  const t = oneOf('INVALID_TARGET_TYPE', 'targetType', targetType, allowed, undefined)
  if (t === undefined) fail('MISSING_PARAMETER', 'targetType', `is required (${allowed.join(', ')}).`)
  const tg = reqString('target', target, 64)
  if (t === '1' && !/^\+?[0-9*#]{2,32}$/.test(tg)) fail('INVALID_PARAMETER', 'target', `"${tg}" is not a phone number.`)
  return { targetType: t, target: tg }
}

/** The outbound display rule: 1 enterprise number pool, 2 dynamic scheme, 3 agent number. */
export type RouteRule = '1' | '2' | '3'

export function parseRoute(p: { explicitRule?: unknown; explicitCode?: unknown; explicitNumber?: unknown }): {
  explicitRule: RouteRule
  explicitCode?: string
  explicitNumber?: string
} {
  const rule = oneOf('INVALID_ROUTE_RULE', 'explicitRule', p.explicitRule, ['1', '2', '3'] as const, undefined)
  if (rule === undefined) fail('MISSING_PARAMETER', 'explicitRule', 'is required (1, 2 or 3).')
  const explicitCode = optString('explicitCode', p.explicitCode, 64)
  const explicitNumber = optString('explicitNumber', p.explicitNumber, 32)
  if (rule === '2' && !explicitCode) fail('INVALID_ROUTE_RULE', 'explicitCode', 'is required when explicitRule is 2.')
  if (rule === '3' && !explicitNumber) fail('INVALID_ROUTE_RULE', 'explicitNumber', 'is required when explicitRule is 3.')
  return { explicitRule: rule, explicitCode, explicitNumber }
}

export function parsePage(currPage: unknown, pageSize: unknown): { currPage: number; pageSize: number } {
  const page = wholeNumber('currPage', currPage, 'INVALID_PARAMETER') ?? 1
  const size = wholeNumber('pageSize', pageSize, 'INVALID_PARAMETER') ?? 50
  if (page < 1) fail('INVALID_PARAMETER', 'currPage', 'must be 1 or more.')
  if (size < 1 || size > 500) fail('INVALID_PARAMETER', 'pageSize', 'must be 1-500.')
  return { currPage: page, pageSize: size }
}

/** queryAgents' agentState: -1 all, 0 offline, 1 online, 2 DND. */
export type AgentFilterState = -1 | 0 | 1 | 2

/** queryAgents' agentState; blank means 1. */
export function parseAgentFilterState(v: unknown): AgentFilterState {
  const n = wholeNumber('agentState', v, 'INVALID_AGENT_STATE') ?? 1
  if (n !== -1 && n !== 0 && n !== 1 && n !== 2) fail('INVALID_AGENT_STATE', 'agentState', `${n} is not -1, 0, 1 or 2.`)
  return n
}

/** A dialable number for makeCall's otherDN: digits with optional +, and the masks of the spec's UI (135****5678). */
export function parseDialNumber(name: string, v: unknown, required: boolean): string | undefined {
  const s = required ? reqString(name, v, 32) : optString(name, v, 32)
  if (s !== undefined && !/^\+?[0-9*#]{2,32}$/.test(s)) fail('INVALID_PARAMETER', name, `"${s}" is not a phone number.`)
  return s
}

/** makeCall's userData: a plain JSON object of at most 4 KB (it travels on every event of the call). */
export const MAX_USER_DATA_BYTES = 4096

export function parseUserData(v: unknown): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object' || Array.isArray(v)) fail('INVALID_PARAMETER', 'userData', 'expected a plain object.')
  let json: string
  try {
    json = JSON.stringify(v)
  } catch {
    fail('INVALID_PARAMETER', 'userData', 'must be JSON-serialisable.')
  }
  if (new TextEncoder().encode(json).length > MAX_USER_DATA_BYTES)
    fail('INVALID_PARAMETER', 'userData', `at most ${MAX_USER_DATA_BYTES} bytes of JSON.`)
  return JSON.parse(json) as Record<string, unknown>
}
