import { SobotError } from '../errors'
import type { AgentStateCode } from './agentState'

/**
 * workStatus: what the agent is doing with calls. Each has a stable string (on the wire) and a code.
 *
 *  offline ─login─► ready / occupied ("idle": which one follows agentState)
 *  idle ─reserve─► locking ─ring─► calling ─establish─► talking ◄─retrieve─ holding
 *  idle ─ring─► calling          idle ─dial─► dialing ─establish─► talking ─hold─► holding
 *  talking ─consult─► consulting ─conference─► conferencing     idle ─monitor─► monitoring
 *  any call state ─wrapUp─► sorting ─release─► idle               any call state ─release─► idle
 *  idle ─logout─► offline       anything ─reset─► offline
 */
export const WORK_STATUS_CODES = {
  offline: 0,
  ready: 1,
  occupied: 2,
  locking: 3,
  dialing: 4,
  calling: 5,
  talking: 6,
  holding: 7,
  consulting: 8,
  conferencing: 9,
  monitoring: 10,
  sorting: 11,
} as const
export type WorkStatus = keyof typeof WORK_STATUS_CODES

export type WorkStatusAction =
  | 'login'
  | 'ready'
  | 'notReady'
  | 'reserve'
  | 'unreserve'
  | 'ring'
  | 'dial'
  | 'establish'
  | 'hold'
  | 'retrieve'
  | 'consult'
  | 'conference'
  | 'monitor'
  | 'wrapUp'
  | 'release'
  | 'logout'
  | 'reset'

/** 'idle' resolves to ready or occupied by the agent's agentState. */
type Target = WorkStatus | 'idle'

const IDLE_MOVES: Partial<Record<WorkStatusAction, Target>> = {
  login: 'idle',
  ready: 'ready',
  notReady: 'occupied',
  reserve: 'locking',
  ring: 'calling',
  dial: 'dialing',
  monitor: 'monitoring',
  logout: 'offline',
  reset: 'offline',
}

const ON_CALL: Partial<Record<WorkStatusAction, Target>> = { wrapUp: 'sorting', release: 'idle', reset: 'offline' }

export const WORK_STATUS_TABLE: Readonly<Record<WorkStatus, Partial<Record<WorkStatusAction, Target>>>> = {
  offline: { login: 'idle', reset: 'offline' },
  ready: IDLE_MOVES,
  occupied: IDLE_MOVES,
  locking: { ring: 'calling', unreserve: 'idle', release: 'idle', logout: 'offline', reset: 'offline' },
  dialing: { ...ON_CALL, establish: 'talking' },
  calling: { ...ON_CALL, establish: 'talking' },
  talking: { ...ON_CALL, hold: 'holding', consult: 'consulting', conference: 'conferencing' },
  holding: { ...ON_CALL, retrieve: 'talking', consult: 'consulting' },
  consulting: { ...ON_CALL, retrieve: 'talking', conference: 'conferencing', establish: 'talking' },
  conferencing: { ...ON_CALL, establish: 'talking' },
  monitoring: { ...ON_CALL, conference: 'conferencing', establish: 'talking' },
  sorting: { release: 'idle', ready: 'idle', notReady: 'idle', reset: 'offline', wrapUp: 'sorting', ring: 'calling', dial: 'dialing' },
}

export function idleStatus(agentState: AgentStateCode): WorkStatus {
  return agentState === 0 ? 'offline' : agentState === 1 ? 'ready' : 'occupied'
}

export function nextWorkStatus(from: WorkStatus, action: WorkStatusAction, agentState: AgentStateCode): WorkStatus {
  const to = WORK_STATUS_TABLE[from][action]
  if (to === undefined) {
    throw new SobotError(from === 'offline' ? 'NOT_LOGGED_IN' : 'INVALID_STATE', `${action} is not allowed while the agent is ${from}.`)
  }
  return to === 'idle' ? idleStatus(agentState) : to
}

/** The spec: login is refused while dialing, ringing, talking, holding or in after-call work. */
export const LOGIN_FORBIDDEN_IN: ReadonlySet<WorkStatus> = new Set<WorkStatus>([
  'dialing',
  'calling',
  'talking',
  'holding',
  'consulting',
  'conferencing',
  'monitoring',
  'sorting',
])

/** The spec: logout only when ready, not ready (occupied) or locked. */
export const LOGOUT_ALLOWED_IN: ReadonlySet<WorkStatus> = new Set<WorkStatus>(['ready', 'occupied', 'locking'])

export function isWorkStatus(s: unknown): s is WorkStatus {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(WORK_STATUS_CODES, s)
}

export function isOnCall(s: WorkStatus): boolean {
  return s !== 'offline' && s !== 'ready' && s !== 'occupied' && s !== 'locking' && s !== 'sorting'
}
