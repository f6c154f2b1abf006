import type { ErrorCode, SobotErrorResult } from '../errors'
import type { AnySobotEvent } from '../events'

/**
 * The wire between SDK and contact center, besides the commands (commands.ts): paths, headers, the
 * event socket's frames and close codes, the web phone's identity. docs/PROTOCOL.md is its prose.
 * A change here is a change of the protocol: bump PROTOCOL_VERSION when it breaks a peer.
 */
export const PROTOCOL_VERSION = 1

/** Commands: POST {CTI_BASE_PATH}/agent/_{name}, JSON body, the headers below. */
export const CTI_BASE_PATH = '/cti/v1'
/** The event socket (WebSocket upgrade). */
export const EVENTS_PATH = `${CTI_BASE_PATH}/events`
/** SIP over WebSocket (RFC 7118): the web phone, desk phones, the telephone network's trunk. */
export const SIP_PATH = '/sip'

export function commandPath(name: string): string {
  return `${CTI_BASE_PATH}/agent/_${name}`
}

/** HTTP headers of a command. */
export const HEADER_PROTOCOL = 'x-sobot-protocol'
export const HEADER_SESSION = 'x-sobot-session'

/** SIP header on every INVITE to an agent's phone: the CTI call it belongs to. */
export const SIP_CALL_ID_HEADER = 'X-Sobot-Call-ID'
/** SIP header (value `true`) on an INVITE the web phone answers by itself: the agent asked for the call. */
export const SIP_AUTO_ANSWER_HEADER = 'X-Sobot-Auto-Answer'

/** A refused command's answer: the HTTP status says the class, errorCode the reason (docs/ERRORS.md). */
export type ErrorResult = SobotErrorResult

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  TOKEN_INVALID: 401,
  PERMISSION_DENIED: 403,
  COMPANY_MISMATCH: 403,
  AGENT_MISMATCH: 403,
  SESSION_OFFLINE: 409,
  NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  TARGET_NOT_FOUND: 404,
  EXTENSION_NOT_FOUND: 404,
  SERVER_ERROR: 500,
}

/** The HTTP status a refused command is answered with. */
export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? (code.startsWith('INVALID_') || code === 'MISSING_PARAMETER' || code === 'PROTOCOL_UNSUPPORTED' ? 400 : 409)
}

// --- the web phone -------------------------------------------------------------------------------

/** An ICE server for the web phone's peer connection (the shape of WebRTC's RTCIceServer). */
export interface IceServer {
  urls: string | string[]
  username?: string
  credential?: string
}

/**
 * A SIP identity the contact center hands out: the web phone's in the login result of phoneType
 * webrtc (and `_phone`), a development customer page's. Nothing else is hard-wired in the phone.
 */
export interface PhoneConfig {
  /** The SIP websocket's path on the contact center (SIP_PATH); the URL follows the SDK's server URL. */
  sipPath: string
  uri: string
  authorizationUser: string
  password: string
  displayName: string
  /** The SIP domain (the host part of `uri`). */
  domain: string
  iceServers?: IceServer[]
}

// --- the event socket ----------------------------------------------------------------------------

/** Why the server ended a session (the `bye` frame). */
export type ByeReason = 'replaced' | 'forceLogout' | 'sessionClosed'

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
  | { t: 'bye'; reason: ByeReason }

/** Close codes the server uses on the event socket. */
export const CLOSE_BYE = 4000
export const CLOSE_AUTH = 4001
export const CLOSE_PROTOCOL = 4002
export const CLOSE_HEARTBEAT = 4003
