/**
 * Glue around sip.js's core (parsers, transactions, dialogs) for server-side use.
 * Trap: sip.js is ESM without an exports map, so Node needs the explicit file path
 * 'sip.js/lib/core/index.js' ('sip.js/lib/core' only resolves under bundlers/tsx).
 */
import {
  LoggerFactory,
  URI,
  UserAgentCore,
  type Contact,
  type Transport,
  type UserAgentCoreConfiguration,
  type UserAgentCoreDelegate,
  type Body,
} from 'sip.js/lib/core/index.js'
import { randomBytes } from 'node:crypto'
import type { Logger } from '../util/logger'

/** What a call leg handles in and around its dialog (INFO carries DTMF). */
export const ALLOW = 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO'
/** What the switch answers outside a dialog: the registrar too. */
export const ALLOW_OUTSIDE_DIALOG = 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REGISTER'
/** Every other method gets 405 (sip.js's core would accept a MESSAGE or NOTIFY it does not handle). */
export const HANDLED_METHODS: readonly string[] = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'REGISTER']

export function sdpBody(sdp: string): Body {
  return { contentDisposition: 'session', contentType: 'application/sdp', content: sdp }
}

export function randomToken(n = 10): string {
  return randomBytes(n).toString('base64url').replace(/[-_]/g, 'x').slice(0, n)
}

/** A sip.js LoggerFactory that forwards to our Logger (sip.js's console output disabled). */
export function sipLoggerFactory(log: Logger): LoggerFactory {
  const f = new LoggerFactory()
  f.builtinEnabled = false
  f.level = 1 // warn
  f.connector = (level, category, _label, content) => {
    const msg = `${category}: ${String(content)}`
    if (level === 'error') log.error(msg)
    else if (level === 'warn') log.warn(msg)
    else log.debug(msg)
  }
  return f
}

export function makeContact(user: string, host: string, transport: 'WS' | 'TCP' = 'WS'): Contact {
  const [name, port] = host.split(':')
  const uri = new URI('sip', user, name!, port ? Number(port) : undefined, { transport: transport.toLowerCase() })
  return {
    pubGruu: undefined,
    tempGruu: undefined,
    uri,
    toString: () => `<${uri.toString()}>`,
  }
}

export interface CoreParams {
  aor: URI
  contact: Contact
  viaHost: string
  transport: Transport
  loggerFactory: LoggerFactory
  displayName?: string
  userAgent?: string
  /** Route set of out-of-dialog requests (the Path of a phone behind an edge). */
  routeSet?: string[]
}

/**
 * Builds a UserAgentCore. The core answers 404 unless the Request-URI's user matches its AOR or
 * Contact user, so a server core acting for one leg uses that leg's Request-URI as AOR (inbound)
 * and a per-leg Contact user (all in-dialog requests target that Contact).
 */
export function createCore(p: CoreParams, delegate: UserAgentCoreDelegate = {}): UserAgentCore {
  const config: UserAgentCoreConfiguration = {
    aor: p.aor,
    contact: p.contact,
    displayName: p.displayName ?? '',
    loggerFactory: p.loggerFactory,
    hackViaTcp: false,
    routeSet: p.routeSet ?? [],
    sipjsId: randomToken(5),
    supportedOptionTags: [],
    supportedOptionTagsResponse: [],
    userAgentHeaderFieldValue: p.userAgent ?? 'sobot-contact-center',
    viaForceRport: false,
    viaHost: p.viaHost,
    authenticationFactory: () => undefined,
    transportAccessor: () => p.transport,
  }
  return new UserAgentCore(config, delegate)
}
