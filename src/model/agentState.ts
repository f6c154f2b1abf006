import { SobotError } from '../errors'

/**
 * agentState: the agent's login status, as the spec codes it.
 *
 *            login(1)/ready/forceReady
 *   Offline ─────────────────────────► Online (1) ◄──┐
 *     ▲  │                               │  ▲        │ ready / forceReady
 *     │  │ login(2)        notReady /    │  │        │
 *     │  └──────────────► forceBusy      ▼  │        │
 *     │                   DND (2) ───────────────────┘
 *     └── logout / resetLogout / forceLogout (from Online or DND)
 */
export const AgentState = { Offline: 0, Online: 1, Dnd: 2 } as const
export type AgentStateCode = (typeof AgentState)[keyof typeof AgentState]

export type AgentStateAction =
  'loginOnline' | 'loginDnd' | 'ready' | 'notReady' | 'logout' | 'forceReady' | 'forceBusy' | 'forceLogout' | 'resetLogout'

const ONLINE_OR_DND: Partial<Record<AgentStateAction, AgentStateCode>> = {
  loginOnline: 1,
  loginDnd: 2,
  ready: 1,
  notReady: 2,
  forceReady: 1,
  forceBusy: 2,
  logout: 0,
  forceLogout: 0,
  resetLogout: 0,
}

/** The legal moves. A move absent from the table is an error with a name, never a silent no-op. */
export const AGENT_STATE_TABLE: Readonly<Record<AgentStateCode, Partial<Record<AgentStateAction, AgentStateCode>>>> = {
  0: { loginOnline: 1, loginDnd: 2, resetLogout: 0 },
  1: ONLINE_OR_DND,
  2: ONLINE_OR_DND,
}

export function nextAgentState(from: AgentStateCode, action: AgentStateAction): AgentStateCode {
  const to = AGENT_STATE_TABLE[from][action]
  if (to === undefined) {
    throw new SobotError(from === 0 ? 'NOT_LOGGED_IN' : 'INVALID_STATE', `${action} is not allowed when agentState is ${from}.`)
  }
  return to
}

/** reasonCode: why the agent is DND. 0 means none (online or offline). */
export const REASON_CODES = [2, 11, 12, 13, 14, 15, 16, 17, 18] as const
/** Why an agent is DND: 2 DND, 11 break, 12-15 named breaks, 16-18 custom breaks. */
export type DndReasonCode = (typeof REASON_CODES)[number]
export type ReasonCode = 0 | DndReasonCode

export const REASON_NAMES: Readonly<Record<ReasonCode, string>> = {
  0: 'None',
  2: 'DND',
  11: 'Break',
  12: 'Break (Training)',
  13: 'Break (Meeting)',
  14: 'Break (Dining)',
  15: 'Break (Active)',
  16: 'Break (Custom 1)',
  17: 'Break (Custom 2)',
  18: 'Break (Custom 3)',
}

export function isReasonCode(n: number): n is DndReasonCode {
  return (REASON_CODES as readonly number[]).includes(n)
}
