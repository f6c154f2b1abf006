import { describe, expect, it } from 'vitest'
import { CALL_COMMAND_STATES, checkCallCommand, type CallCommand } from '../../src/model/callRules'
import { WORK_STATUS_CODES, type WorkStatus } from '../../src/model/workStatus'

const STATUSES = Object.keys(WORK_STATUS_CODES) as WorkStatus[]

describe('call command rules', () => {
  for (const [cmd, allowed] of Object.entries(CALL_COMMAND_STATES) as [CallCommand, readonly WorkStatus[]][]) {
    it(`${cmd}: allowed only in ${allowed.join(', ')}`, () => {
      for (const s of STATUSES) {
        if (allowed.includes(s)) expect(() => checkCallCommand(cmd, s)).not.toThrow()
        else expect(() => checkCallCommand(cmd, s)).toThrow(expect.objectContaining({ status: 'error' }))
      }
    })
  }
  it('names the reason', () => {
    const code = (cmd: CallCommand, s: WorkStatus) => {
      try {
        checkCallCommand(cmd, s)
      } catch (e) {
        return (e as { errorCode: string }).errorCode
      }
    }
    expect(code('hangup', 'ready')).toBe('NO_ACTIVE_CALL')
    expect(code('holdCall', 'holding')).toBe('CALL_STATE_FORBIDS')
    expect(code('makeCall', 'talking')).toBe('CALL_STATE_FORBIDS')
    expect(code('delayACW', 'ready')).toBe('NOT_IN_ACW')
    expect(code('answer', 'offline')).toBe('NOT_LOGGED_IN')
    expect(code('muteCall', 'monitoring')).toBe('CALL_STATE_FORBIDS')
  })
})
