import { SobotError } from '../errors'
import type { AgentSnapshot } from './agentModel'
import { LOGIN_FORBIDDEN_IN, LOGOUT_ALLOWED_IN, type WorkStatus } from './workStatus'

/**
 * Which workStatus allows which call operation. The SDK checks before sending, the server again
 * (and the server adds what only it knows, such as whether a consulted party has answered).
 */
export type CallCommand =
  | 'makeCall'
  | 'answer'
  | 'rejectCall'
  | 'hangup'
  | 'holdCall'
  | 'retrieveCall'
  | 'muteCall'
  | 'unmute'
  | 'sendDtmf'
  | 'singleTransfer'
  | 'initiateConsult'
  | 'cancelConsult'
  | 'retrieveConsult'
  | 'consultTransfer'
  | 'consultConference'
  | 'sendSatisfy'
  | 'delayACW'
  | 'completeACW'
  | 'completeACWToBusy'
  | 'observe'
  | 'bargeIn'
  | 'intercept'

const TALKING: readonly WorkStatus[] = ['talking', 'holding']
const IDLE: readonly WorkStatus[] = ['ready', 'occupied', 'sorting']

export const CALL_COMMAND_STATES: Readonly<Record<CallCommand, readonly WorkStatus[]>> = {
  makeCall: IDLE,
  answer: ['calling'],
  rejectCall: ['calling'],
  hangup: ['dialing', 'calling', 'talking', 'holding', 'consulting', 'conferencing', 'monitoring'],
  holdCall: ['talking'],
  retrieveCall: ['holding'],
  // The spec: a monitoring supervisor's microphone stays off, so no mute/unmute for it.
  muteCall: ['dialing', 'talking', 'holding', 'consulting', 'conferencing'],
  unmute: ['dialing', 'talking', 'holding', 'consulting', 'conferencing'],
  sendDtmf: ['dialing', 'talking', 'consulting', 'conferencing'],
  singleTransfer: TALKING,
  initiateConsult: TALKING,
  cancelConsult: ['consulting'],
  retrieveConsult: ['consulting'],
  consultTransfer: ['consulting'],
  consultConference: ['consulting'],
  sendSatisfy: ['talking', 'holding', 'conferencing'],
  delayACW: ['sorting'],
  completeACW: ['sorting'],
  completeACWToBusy: ['sorting'],
  observe: ['ready', 'occupied'],
  bargeIn: ['monitoring'],
  intercept: ['monitoring', 'conferencing'],
}

export function checkCallCommand(cmd: CallCommand, status: WorkStatus): void {
  if (CALL_COMMAND_STATES[cmd].includes(status)) return
  if (status === 'offline') throw new SobotError('NOT_LOGGED_IN')
  if (cmd === 'delayACW' || cmd === 'completeACW' || cmd === 'completeACWToBusy') {
    throw new SobotError('NOT_IN_ACW', `${cmd} needs after-call work; the agent is ${status}.`)
  }
  const onCall = !['ready', 'occupied', 'locking', 'sorting'].includes(status)
  throw new SobotError(
    onCall || cmd === 'makeCall' || cmd === 'observe' ? 'CALL_STATE_FORBIDS' : 'NO_ACTIVE_CALL',
    `${cmd} is not allowed while the agent is ${status}.`,
  )
}

/**
 * The methods whose use depends on the agent's state. The others (initAgent, the queries,
 * resetLogout, handleRefreshToken, destroy) may be used whenever the agent is initialised.
 */
export type AgentCommand =
  CallCommand | 'login' | 'logout' | 'ready' | 'notReady' | 'queryRoutes' | 'setRoute' | 'forceReady' | 'forceBusy' | 'forceLogout'

const CALL_COMMANDS = Object.keys(CALL_COMMAND_STATES) as CallCommand[]
const SUPERVISOR_ONLY: ReadonlySet<AgentCommand> = new Set<AgentCommand>([
  'observe',
  'bargeIn',
  'intercept',
  'forceReady',
  'forceBusy',
  'forceLogout',
])
/** Consult commands that need the consulted party to have answered (cancelConsult needs the opposite). */
const AFTER_ANSWER: ReadonlySet<AgentCommand> = new Set<AgentCommand>(['retrieveConsult', 'consultTransfer', 'consultConference'])

/**
 * Which of the state-dependent methods the agent may use now, by the same rules the SDK checks
 * before sending, plus what the snapshot shows the server would refuse: a consult before or after
 * its party answered, a consulted agent passing the customer on. A desktop enables its buttons by
 * it. Parameters are not considered (a method in the set may still refuse bad input), nor what only
 * the server knows (whether a target is free).
 *
 * @example
 * ```ts
 * agent.on('EventAgentAll', () => {
 *   const allowed = allowedCommands(agent.state)
 *   answerButton.disabled = !allowed.has('answer')
 * })
 * ```
 */
export function allowedCommands(s: Readonly<AgentSnapshot>): ReadonlySet<AgentCommand> {
  const ok = new Set<AgentCommand>()
  const ws = s.workStatus
  const loggedIn = s.agentState !== 0 && ws !== 'offline'
  if (!LOGIN_FORBIDDEN_IN.has(ws)) ok.add('login')
  if (loggedIn) {
    for (const c of ['ready', 'notReady', 'queryRoutes', 'setRoute'] as const) ok.add(c)
    if (LOGOUT_ALLOWED_IN.has(ws)) ok.add('logout')
  }
  if (s.isSupervisor) for (const c of ['forceReady', 'forceBusy', 'forceLogout'] as const) ok.add(c)
  // The consult this agent made, if the snapshot knows it (a reload while consulting may not).
  const consult = s.calls.find((c) => c.callType === 'Consult' && c.thisDNRole === 'ConsultBy')
  // The customer's call comes first; a consulted agent's only call is the consult.
  const mine = s.call
  for (const c of CALL_COMMANDS) {
    if (!CALL_COMMAND_STATES[c].includes(ws)) continue
    if (SUPERVISOR_ONLY.has(c) && !s.isSupervisor) continue
    // answer() answers the web phone; other phones are answered on the device.
    if (c === 'answer' && s.phoneType !== 'webrtc') continue
    if (consult && (AFTER_ANSWER.has(c) ? !consult.established : c === 'cancelConsult' && consult.established)) continue
    // A consulted agent cannot pass the customer on; the one who consulted it does.
    if ((c === 'singleTransfer' || c === 'initiateConsult') && (!mine || mine.callType === 'Consult')) continue
    ok.add(c)
  }
  return ok
}
