import { describe, expect, it } from 'vitest'
import { AGENT_STATE_TABLE, nextAgentState, type AgentStateAction, type AgentStateCode } from '../../src/model/agentState'
import { nextWorkStatus, WORK_STATUS_CODES, type WorkStatus, type WorkStatusAction } from '../../src/model/workStatus'
import { DN_ROLES, dnRoleCode, nextDNRole, parseDNRole, type DNOperation, type DNRole } from '../../src/model/dnRole'
import { SobotError } from '../../src/errors'

const AGENT_ACTIONS: AgentStateAction[] = [
  'loginOnline',
  'loginDnd',
  'ready',
  'notReady',
  'logout',
  'forceReady',
  'forceBusy',
  'forceLogout',
  'resetLogout',
]

// The expected legal edges, written out independently of the table under test.
const AGENT_EDGES: [AgentStateCode, AgentStateAction, AgentStateCode][] = [
  [0, 'loginOnline', 1],
  [0, 'loginDnd', 2],
  [0, 'resetLogout', 0],
  [1, 'loginOnline', 1],
  [1, 'loginDnd', 2],
  [1, 'ready', 1],
  [1, 'notReady', 2],
  [1, 'forceReady', 1],
  [1, 'forceBusy', 2],
  [1, 'logout', 0],
  [1, 'forceLogout', 0],
  [1, 'resetLogout', 0],
  [2, 'loginOnline', 1],
  [2, 'loginDnd', 2],
  [2, 'ready', 1],
  [2, 'notReady', 2],
  [2, 'forceReady', 1],
  [2, 'forceBusy', 2],
  [2, 'logout', 0],
  [2, 'forceLogout', 0],
  [2, 'resetLogout', 0],
]

describe('agentState table', () => {
  for (const from of [0, 1, 2] as AgentStateCode[]) {
    for (const action of AGENT_ACTIONS) {
      const edge = AGENT_EDGES.find(([f, a]) => f === from && a === action)
      it(`${from} --${action}--> ${edge ? edge[2] : 'refused'}`, () => {
        if (edge) expect(nextAgentState(from, action)).toBe(edge[2])
        else {
          const err = (() => {
            try {
              nextAgentState(from, action)
            } catch (e) {
              return e
            }
          })() as SobotError
          expect(err).toBeInstanceOf(SobotError)
          expect(err.errorCode).toBe(from === 0 ? 'NOT_LOGGED_IN' : 'INVALID_STATE')
        }
      })
    }
  }
  it('has no edge the expectations above do not name', () => {
    const n = Object.values(AGENT_STATE_TABLE).reduce((sum, row) => sum + Object.keys(row).length, 0)
    expect(n).toBe(AGENT_EDGES.length)
  })
})

const WS_ACTIONS: WorkStatusAction[] = [
  'login',
  'ready',
  'notReady',
  'reserve',
  'unreserve',
  'ring',
  'dial',
  'establish',
  'hold',
  'retrieve',
  'consult',
  'conference',
  'monitor',
  'wrapUp',
  'release',
  'logout',
  'reset',
]
const STATUSES = Object.keys(WORK_STATUS_CODES) as WorkStatus[]
const IDLE = 'IDLE' // ready with agentState 1, occupied with 2

const onCall = { wrapUp: 'sorting', release: IDLE, reset: 'offline' }
const idle = {
  login: IDLE,
  ready: 'ready',
  notReady: 'occupied',
  reserve: 'locking',
  ring: 'calling',
  dial: 'dialing',
  monitor: 'monitoring',
  logout: 'offline',
  reset: 'offline',
}
const WS_EDGES: Record<WorkStatus, Partial<Record<WorkStatusAction, string>>> = {
  offline: { login: IDLE, reset: 'offline' },
  ready: idle,
  occupied: idle,
  locking: { ring: 'calling', unreserve: IDLE, release: IDLE, logout: 'offline', reset: 'offline' },
  dialing: { ...onCall, establish: 'talking' },
  calling: { ...onCall, establish: 'talking' },
  talking: { ...onCall, hold: 'holding', consult: 'consulting', conference: 'conferencing' },
  holding: { ...onCall, retrieve: 'talking', consult: 'consulting' },
  consulting: { ...onCall, retrieve: 'talking', conference: 'conferencing', establish: 'talking' },
  conferencing: { ...onCall, establish: 'talking' },
  monitoring: { ...onCall, conference: 'conferencing', establish: 'talking' },
  sorting: { release: IDLE, ready: IDLE, notReady: IDLE, reset: 'offline', wrapUp: 'sorting', ring: 'calling', dial: 'dialing' },
}

describe('workStatus table', () => {
  it('numbers every status with a stable code', () => {
    expect(new Set(Object.values(WORK_STATUS_CODES)).size).toBe(STATUSES.length)
    expect(WORK_STATUS_CODES.ready).toBe(1)
  })
  for (const from of STATUSES) {
    for (const action of WS_ACTIONS) {
      const to = WS_EDGES[from][action]
      it(`${from} --${action}--> ${to ?? 'refused'}`, () => {
        if (to === IDLE) {
          expect(nextWorkStatus(from, action, 1)).toBe('ready')
          expect(nextWorkStatus(from, action, 2)).toBe('occupied')
        } else if (to) {
          expect(nextWorkStatus(from, action, 1)).toBe(to)
        } else {
          expect(() => nextWorkStatus(from, action, 1)).toThrow(SobotError)
        }
      })
    }
  }
})

describe('DNRole', () => {
  it('numbers roles as the spec does and parses names and numbers', () => {
    expect(dnRoleCode('Origination')).toBe(1)
    expect(dnRoleCode('ConferenceBy')).toBe(16)
    expect(parseDNRole(8)).toBe('TransferBy')
    expect(parseDNRole(' 13 ')).toBe('TransferTo')
    expect(parseDNRole('ObserveTo')).toBe('ObserveTo')
    expect(parseDNRole('nonsense')).toBe('Unknown')
    expect(parseDNRole(99)).toBe('Unknown')
    expect(DN_ROLES).toHaveLength(17)
  })
  const EDGES: [DNRole, DNOperation, DNRole][] = [
    ['Origination', 'consult', 'ConsultBy'],
    ['Destination', 'transfer', 'TransferBy'],
    ['Destination', 'conference', 'ConferenceBy'],
    ['ConsultBy', 'transfer', 'TransferBy'],
    ['ConsultBy', 'conference', 'ConferenceBy'],
    ['Unknown', 'observe', 'ObserveBy'],
    ['ObserveBy', 'bargein', 'BargeinBy'],
    ['ObserveBy', 'intercept', 'InterceptBy'],
    ['BargeinBy', 'intercept', 'InterceptBy'],
    ['ConferenceBy', 'delete', 'DeletedBy'],
    ['TransferTo', 'consult', 'ConsultBy'],
    // After a barge-in shrinks back to two, either side handles the call as usual.
    ['BargeinTo', 'transfer', 'TransferBy'],
    ['BargeinTo', 'consult', 'ConsultBy'],
    ['BargeinBy', 'transfer', 'TransferBy'],
    ['InterceptBy', 'consult', 'ConsultBy'],
    ['NewParty', 'transfer', 'TransferBy'],
  ]
  for (const [from, op, to] of EDGES) it(`${from} --${op}--> ${to}`, () => expect(nextDNRole(from, op)).toBe(to))
  const REFUSED: [DNRole, DNOperation][] = [
    ['ObserveBy', 'transfer'],
    ['ObserveBy', 'consult'],
    ['ConsultBy', 'consult'],
    ['TransferBy', 'consult'],
    ['DeletedParty', 'conference'],
    ['Origination', 'bargein'],
    ['ObserveTo', 'transfer'],
    ['BargeinTo', 'intercept'],
    ['InterceptTo', 'consult'],
    ['ConferenceBy', 'intercept'],
    ['Destination', 'observe'],
  ]
  for (const [from, op] of REFUSED) {
    it(`${from} cannot ${op}`, () =>
      expect(() => nextDNRole(from, op)).toThrow(expect.objectContaining({ errorCode: 'CALL_STATE_FORBIDS' })))
  }
})
