import { describe, expect, it } from 'vitest'
import {
  parseAgentType,
  parseDelayTime,
  parseDtmf,
  parseLoginAgentState,
  parsePage,
  parsePhoneType,
  parseReasonCode,
  parseRoute,
  parseTarget,
  reqString,
  optBoolean,
} from '../../src/model/validate'

const code = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (e) {
    return (e as { errorCode?: string }).errorCode
  }
  return undefined
}

describe('parameter rules', () => {
  it("accepts the spec's padded strings", () => {
    expect(reqString('agent', ' 1005 ')).toBe('1005')
    expect(parseAgentType(' 0 ')).toBe('0')
    expect(parseLoginAgentState(' 1 ')).toBe('1')
    expect(parseReasonCode(' 11 ')).toBe(11)
  })
  it("applies the spec's defaults", () => {
    expect(parseAgentType(undefined)).toBe('0')
    expect(parseLoginAgentState('')).toBe('2')
    expect(parsePhoneType(undefined)).toBeUndefined()
    expect(parsePage(undefined, undefined)).toEqual({ currPage: 1, pageSize: 50 })
  })
  it('names what is missing', () => {
    expect(code(() => reqString('token', '  '))).toBe('MISSING_PARAMETER')
    expect(code(() => parseReasonCode(undefined))).toBe('MISSING_PARAMETER')
    expect(code(() => parseDelayTime(undefined))).toBe('MISSING_PARAMETER')
  })
  it('refuses values outside the spec', () => {
    expect(code(() => parseAgentType('2'))).toBe('INVALID_AGENT_TYPE')
    expect(code(() => parseLoginAgentState('0'))).toBe('INVALID_AGENT_STATE')
    expect(code(() => parsePhoneType('skype'))).toBe('INVALID_PHONE_TYPE')
    for (const bad of [0, 1, 3, 10, 19, 11.5, 'x', -2]) expect(code(() => parseReasonCode(bad))).toBe('INVALID_REASON_CODE')
    for (const ok of [2, 11, 12, 13, 14, 15, 16, 17, 18]) expect(parseReasonCode(ok)).toBe(ok)
    expect(code(() => optBoolean('unbindExtOnLogout', 'yes'))).toBe('INVALID_PARAMETER')
    expect(code(() => reqString('token', {}))).toBe('INVALID_PARAMETER')
  })
  it('checks DTMF: 1-24 of 0-9 * #', () => {
    expect(parseDtmf('801#')).toBe('801#')
    expect(parseDtmf('0123456789*#0123456789*#')).toHaveLength(24)
    expect(code(() => parseDtmf('0123456789*#0123456789*#0'))).toBe('INVALID_DTMF')
    expect(code(() => parseDtmf('12a'))).toBe('INVALID_DTMF')
    expect(code(() => parseDtmf(''))).toBe('MISSING_PARAMETER')
  })
  it('checks the ACW extension: whole seconds 30-900', () => {
    expect(parseDelayTime(30)).toBe(30)
    expect(parseDelayTime('900')).toBe(900)
    for (const bad of [29, 901, 60.5, 'soon']) expect(code(() => parseDelayTime(bad))).toBe('INVALID_DELAY_TIME')
  })
  it('checks transfer targets', () => {
    expect(parseTarget(' 0 ', ' 1002 ', false)).toEqual({ targetType: '0', target: '1002' })
    expect(parseTarget('3', 'QU_SALES', true)).toEqual({ targetType: '3', target: 'QU_SALES' })
    expect(code(() => parseTarget('3', 'QU_SALES', false))).toBe('INVALID_TARGET_TYPE')
    expect(code(() => parseTarget('4', 'x', true))).toBe('INVALID_TARGET_TYPE')
    expect(code(() => parseTarget('1', 'call me', true))).toBe('INVALID_PARAMETER')
    expect(code(() => parseTarget('0', '', true))).toBe('MISSING_PARAMETER')
  })
  it('checks route rules', () => {
    expect(parseRoute({ explicitRule: ' 1 ' }).explicitRule).toBe('1')
    expect(code(() => parseRoute({ explicitRule: '2' }))).toBe('INVALID_ROUTE_RULE')
    expect(code(() => parseRoute({ explicitRule: '3', explicitCode: 'x' }))).toBe('INVALID_ROUTE_RULE')
    expect(parseRoute({ explicitRule: '3', explicitNumber: ' 13333333333 ' }).explicitNumber).toBe('13333333333')
    expect(code(() => parseRoute({ explicitRule: '4' }))).toBe('INVALID_ROUTE_RULE')
  })
  it('checks paging', () => {
    expect(code(() => parsePage(0, 10))).toBe('INVALID_PARAMETER')
    expect(code(() => parsePage(1, 501))).toBe('INVALID_PARAMETER')
  })
})
