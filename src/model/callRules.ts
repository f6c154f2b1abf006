import { SobotError } from '../errors'
import type { WorkStatus } from './workStatus'

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
