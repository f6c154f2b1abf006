import { randomBytes } from 'node:crypto'
import { SIP_PATH, type PhoneConfig } from 'sobot-call-sdk/protocol'
import type { AgentRecord, Directory } from '../acd/directory'
import type { AgentRuntime } from '../acd/agents'
import type { SipWsServer } from '../switch/sipWsServer'

/**
 * SIP identities and where each agent's phone is reached. Usernames follow the Stringee guide's
 * `projectId_userId`:
 *   {projectId}_{ext}       the agent's SIP phone (phoneType sip), with the agent's SIP password
 *   {projectId}_web_{ext}   the SDK's web phone (phoneType webrtc), with a password made at login
 *   pstn                    the PSTN gateway trunk (the simulator stands in for it)
 *   cust_{token}            a customer phone page (development mode), with a password made for it
 */
export const TRUNK_USER = 'pstn'

export class PhoneBook {
  /** username -> password for web phones (per login) and customer pages. */
  private readonly issued = new Map<string, string>()
  constructor(
    private readonly dir: Directory,
    readonly domain: string,
    readonly trunkPassword: string,
    private sip?: SipWsServer,
  ) {}

  bindSip(sip: SipWsServer): void {
    this.sip = sip
  }

  private projectOf(a: AgentRecord): number {
    return this.dir.companies.get(a.companyId)?.projectId ?? 0
  }

  sipUser(a: AgentRecord): string {
    return `${this.projectOf(a)}_${a.ext}`
  }

  webUser(a: AgentRecord): string {
    return `${this.projectOf(a)}_web_${a.ext}`
  }

  /** The registrar's password lookup. */
  credentials(username: string): string | undefined {
    if (username === TRUNK_USER) return this.trunkPassword
    const issued = this.issued.get(username)
    if (issued) return issued
    const m = /^(\d+)_(\d+)$/.exec(username)
    if (!m) return undefined
    for (const a of this.dir.agents.values()) if (a.ext === m[2] && String(this.projectOf(a)) === m[1]) return a.sipPassword
    return undefined
  }

  /** A fresh web-phone identity for a login with phoneType webrtc (the previous password stops working). */
  issueWebPhone(a: AgentRecord): PhoneConfig {
    const user = this.webUser(a)
    const password = randomBytes(18).toString('base64url')
    this.issued.set(user, password)
    return {
      sipPath: SIP_PATH,
      uri: `sip:${user}@${this.domain}`,
      authorizationUser: user,
      password,
      displayName: a.name,
      domain: this.domain,
    }
  }

  revokeWebPhone(a: AgentRecord): void {
    this.issued.delete(this.webUser(a))
  }

  /** A customer phone page's identity (development mode). */
  issueCustomer(): PhoneConfig {
    const user = `cust_${randomBytes(6).toString('hex')}`
    const password = randomBytes(18).toString('base64url')
    this.issued.set(user, password)
    return {
      sipPath: SIP_PATH,
      uri: `sip:${user}@${this.domain}`,
      authorizationUser: user,
      password,
      displayName: 'Customer',
      domain: this.domain,
    }
  }

  /** Where to ring the agent: its web phone, its SIP phone, or its mobile through the trunk. */
  target(a: AgentRecord, rt: AgentRuntime): { aor: string; toUser?: string } | undefined {
    switch (rt.phoneType) {
      case 'webrtc':
        return { aor: this.webUser(a) }
      case 'sip':
        return { aor: this.sipUser(a) }
      case 'pstn':
        return rt.bindMobile ? { aor: TRUNK_USER, toUser: rt.bindMobile } : undefined
      default:
        return undefined
    }
  }

  /** Whether the agent's phone can be rung now (registered, or the trunk is up for a mobile). */
  reachable(a: AgentRecord, rt: AgentRuntime): boolean {
    const t = this.target(a, rt)
    return !!t && !!this.sip && this.sip.lookup(t.aor).length > 0
  }

  /** Whether the PSTN trunk is registered (calls to phone numbers can be placed). */
  trunkUp(): boolean {
    return !!this.sip && this.sip.lookup(TRUNK_USER).length > 0
  }

  /** Whether a SIP identity (an extension's desk phone, the trunk) is registered now. */
  registered(aor: string): boolean {
    return !!this.sip && this.sip.lookup(aor).length > 0
  }

  /** Whether a SIP connection is a trunk or a customer page, which may place inbound calls. */
  mayCallIn(connectionId: string | undefined): boolean {
    if (!connectionId || !this.sip) return false
    return this.sip.aorsOf(connectionId).some((aor) => aor === TRUNK_USER || aor.startsWith('cust_'))
  }
}
