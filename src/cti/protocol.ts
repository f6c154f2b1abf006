import type { ErrorCode } from '../errors'
import type { AnySobotEvent } from '../events'

/**
 * The wire between SDK and contact center (docs/PROTOCOL.md is its prose). Both sides import this
 * file, so a change here is a change of the protocol: bump PROTOCOL_VERSION when it breaks.
 */
export const PROTOCOL_VERSION = 1

/** Commands: POST {CTI_BASE_PATH}/agent/_{name}, JSON body, these headers. */
export const CTI_BASE_PATH = '/cti/v1'
export const EVENTS_PATH = `${CTI_BASE_PATH}/events`
export const HEADER_PROTOCOL = 'x-sobot-protocol'
export const HEADER_SESSION = 'x-sobot-session'

/** Every command body carries its referenceID; the events it causes echo it back. */
export interface CommandBody {
  referenceID: string
  [param: string]: unknown
}

export interface SuccessResult {
  status: 'success'
  [field: string]: unknown
}

export interface ErrorResult {
  status: 'error'
  errorCode: ErrorCode
  errorMessage: string
}

/** What _init returns besides status: the session the event socket will join. */
export interface InitResult extends SuccessResult {
  sessionId: string
  agentUUID: string
  agentID: string
  isSupervisor: boolean
}

// --- the event socket ---------------------------------------------------------------------------

/** Client to server. The token travels in the first frame, never in the URL (URLs get logged). */
export type ClientFrame = { t: 'hello'; v: number; token: string; sessionId: string; lastSeq: number } | { t: 'ping'; id: number }

/** Server to client. */
export type ServerFrame =
  /** resumed: every event after lastSeq follows. Not resumed: the client's lastSeq restarts at `seq`
   * and an EventAgentRegainStatus follows with the current state. */
  | { t: 'welcome'; sessionId: string; resumed: boolean; seq: number }
  | { t: 'ev'; seq: number; ev: AnySobotEvent }
  | { t: 'pong'; id: number }
  /** The server refuses the hello; `fatal` means retrying with the same token and session is useless. */
  | { t: 'error'; errorCode: ErrorCode; errorMessage: string; fatal: boolean }
  /** This session is over (replaced by a login elsewhere, forced out); do not reconnect. */
  | { t: 'bye'; reason: 'replaced' | 'forceLogout' | 'sessionClosed' }

/** Close codes the server uses on the event socket. */
export const CLOSE_BYE = 4000
export const CLOSE_AUTH = 4001
export const CLOSE_PROTOCOL = 4002
export const CLOSE_HEARTBEAT = 4003
