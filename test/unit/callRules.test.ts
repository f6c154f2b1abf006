import { describe, expect, it } from 'vitest'
import { INITIAL_SNAPSHOT, type AgentSnapshot, type SnapshotCall } from '../../src/model/agentModel'
import { allowedCommands, CALL_COMMAND_STATES, checkCallCommand, type CallCommand } from '../../src/model/callRules'
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

const idle: AgentSnapshot = { ...INITIAL_SNAPSHOT, agentState: 1, workStatus: 'ready', phoneType: 'webrtc', thisDN: '8001' }
const call = (over: Partial<SnapshotCall> = {}): SnapshotCall => ({
  callID: 'c1',
  callType: 'Inbound',
  companyId: 'demo',
  otherDN: '13900001234',
  otherDNRole: 'Origination',
  thisDN: '8001',
  thisDNRole: 'Destination',
  thirdDN: '',
  thirdDNRole: '',
  established: true,
  ...over,
})
const on = (workStatus: WorkStatus, calls: SnapshotCall[], over: Partial<AgentSnapshot> = {}): AgentSnapshot => ({
  ...idle,
  workStatus,
  calls,
  call: calls[0],
  ...over,
})
const sorted = (s: AgentSnapshot): string[] => [...allowedCommands(s)].sort()
// Logged in and not offline: these follow agentState, whatever the call.
const LOGGED_IN = ['notReady', 'queryRoutes', 'ready', 'setRoute']

describe('allowedCommands', () => {
  // The expected sets, written out from the spec's rules rather than computed from the table.
  it('offline: only login (and a supervisor may act on other agents)', () => {
    expect(sorted(INITIAL_SNAPSHOT)).toEqual(['login'])
    expect(sorted({ ...INITIAL_SNAPSHOT, isSupervisor: true })).toEqual(['forceBusy', 'forceLogout', 'forceReady', 'login'])
  })

  it('idle: dial, change status, log out; a supervisor also listens in', () => {
    expect(sorted(idle)).toEqual([...LOGGED_IN, 'login', 'logout', 'makeCall'].sort())
    expect(sorted({ ...idle, workStatus: 'occupied', agentState: 2 })).toEqual(sorted(idle))
    expect(sorted({ ...idle, isSupervisor: true })).toEqual(
      [...LOGGED_IN, 'forceBusy', 'forceLogout', 'forceReady', 'login', 'logout', 'makeCall', 'observe'].sort(),
    )
  })

  it('ringing: answer (on the web phone only), reject, hang up', () => {
    const ringing = on('calling', [call({ established: false })])
    expect(sorted(ringing)).toEqual([...LOGGED_IN, 'answer', 'hangup', 'rejectCall'].sort())
    expect(sorted({ ...ringing, phoneType: 'sip' })).toEqual([...LOGGED_IN, 'hangup', 'rejectCall'].sort())
  })

  it('talking and on hold', () => {
    const talking = on('talking', [call()])
    const inCall = ['hangup', 'initiateConsult', 'muteCall', 'sendSatisfy', 'singleTransfer', 'unmute']
    expect(sorted(talking)).toEqual([...LOGGED_IN, ...inCall, 'holdCall', 'sendDtmf'].sort())
    expect(sorted(on('holding', [call()]))).toEqual([...LOGGED_IN, ...inCall, 'retrieveCall'].sort())
  })

  it('consulting: cancel until the consulted party answers; then back, hand over or conference', () => {
    const consult = call({ callID: 'k', callType: 'Consult', thisDNRole: 'ConsultBy', otherDN: '8002', established: false })
    const base = [...LOGGED_IN, 'hangup', 'muteCall', 'sendDtmf', 'unmute']
    expect(sorted(on('consulting', [call(), consult]))).toEqual([...base, 'cancelConsult'].sort())
    expect(sorted(on('consulting', [call(), { ...consult, established: true }]))).toEqual(
      [...base, 'consultConference', 'consultTransfer', 'retrieveConsult'].sort(),
    )
    // A reloaded desktop knows only the customer's call: the server decides.
    expect(sorted(on('consulting', [call()]))).toEqual(
      [...base, 'cancelConsult', 'consultConference', 'consultTransfer', 'retrieveConsult'].sort(),
    )
  })

  it('a consulted agent talks, holds and hangs up, but cannot pass the customer on', () => {
    const consulted = call({ callID: 'k', callType: 'Consult', thisDNRole: 'Destination', otherDN: '8001', otherDNRole: 'ConsultBy' })
    expect(sorted(on('talking', [consulted]))).toEqual(
      [...LOGGED_IN, 'hangup', 'holdCall', 'muteCall', 'sendDtmf', 'sendSatisfy', 'unmute'].sort(),
    )
  })

  it('in a conference; a supervisor listening in', () => {
    expect(sorted(on('conferencing', [call()]))).toEqual([...LOGGED_IN, 'hangup', 'muteCall', 'sendDtmf', 'sendSatisfy', 'unmute'].sort())
    expect(sorted(on('conferencing', [call()], { isSupervisor: true }))).toEqual(
      [
        ...LOGGED_IN,
        'forceBusy',
        'forceLogout',
        'forceReady',
        'hangup',
        'intercept',
        'muteCall',
        'sendDtmf',
        'sendSatisfy',
        'unmute',
      ].sort(),
    )
    expect(sorted(on('monitoring', [call({ thisDNRole: 'ObserveBy' })], { isSupervisor: true }))).toEqual(
      [...LOGGED_IN, 'bargeIn', 'forceBusy', 'forceLogout', 'forceReady', 'hangup', 'intercept'].sort(),
    )
  })

  it('after-call work: extend, complete, or dial the next call; no login or logout meanwhile', () => {
    expect(sorted(on('sorting', []))).toEqual([...LOGGED_IN, 'completeACW', 'completeACWToBusy', 'delayACW', 'makeCall'].sort())
  })

  it('never allows a call command that the SDK refuses before sending', () => {
    for (const ws of STATUSES) {
      const s = on(ws, ws === 'offline' ? [] : [call()], { agentState: ws === 'offline' ? 0 : 1, isSupervisor: true })
      for (const cmd of allowedCommands(s)) {
        if (cmd in CALL_COMMAND_STATES) expect(() => checkCallCommand(cmd as CallCommand, ws), `${cmd} in ${ws}`).not.toThrow()
      }
    }
  })
})
