import {
  getBody,
  type IncomingInviteRequest,
  type IncomingRequestMessage,
  type IncomingResponseMessage,
  type OutgoingInviteRequest,
  type Session,
  type UserAgentCore,
  type URI,
} from 'sip.js/lib/core/index.js'
import { TypedEmitter } from '../util/emitter'
import type { Logger } from '../util/logger'
import { ALLOW, sdpBody } from './sipCore'

export type SipLegState = 'offered' | 'inviting' | 'early' | 'confirmed' | 'terminated'

export interface SipLegEvents {
  /** UAC: provisional response (180/183). */
  progress: [status: number, reason: string]
  /** UAC: 2xx to the initial INVITE (ACK already sent); carries the answer SDP. */
  accepted: [answerSdp: string]
  /** UAC: final non-2xx (486 busy, 603 decline, 487 after our CANCEL, 408 ...). */
  rejected: [status: number, reason: string]
  /** UAS: the caller sent CANCEL (we answered 487). */
  cancelled: []
  /** UAS: ACK for our 2xx arrived. */
  confirmed: []
  /** The remote sent BYE (already answered 200). */
  bye: []
  /** SIP INFO (e.g. application/dtmf-relay). */
  info: [contentType: string, body: string]
  /** The leg is over for whatever reason; emitted exactly once. */
  ended: [reason: string]
}

/** Who an inbound leg comes from: a configured gateway (a customer's call), or an authenticated SIP user. */
export type LegOrigin = { gateway: string } | { user: string }

export class SipError extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(`SIP ${status} ${reason}`)
  }
}

/**
 * One SIP dialog (call leg) driven through its own sip.js UserAgentCore over one WebSocket
 * connection. Created by SipWsServer: inbound legs from an INVITE (UAS), outbound legs from
 * `SipWsServer.createOutboundLeg()` (UAC). Re-INVITEs from the remote are answered through the
 * `onReoffer` callback (set by the media owner); our own re-INVITEs go through `reinvite()`.
 */
export class SipLeg extends TypedEmitter<SipLegEvents> {
  readonly callId: string
  readonly role: 'uas' | 'uac'
  state: SipLegState
  /** Answers a remote re-offer (returns our answer SDP). Unset = 488. */
  onReoffer: ((offerSdp: string) => Promise<string>) | undefined
  /** Makes our offer for a re-INVITE without SDP (RFC 3261 §14.2: the offer goes in the 200, the answer in the ACK). */
  onOfferRequest: (() => Promise<string>) | undefined
  /** Takes the answer the ACK carried to such an offer. */
  onLateAnswer: ((answerSdp: string) => Promise<void>) | undefined
  /** UAS: the initial INVITE; UAC: undefined. */
  readonly request: IncomingRequestMessage | undefined
  private readonly core: UserAgentCore
  private readonly contactHeader: string
  private readonly log: Logger
  private readonly release: () => void
  private uas: IncomingInviteRequest | undefined
  private uac: OutgoingInviteRequest | undefined
  private session: Session | undefined
  private cancelRequested = false
  private awaitingAnswer = false
  private endedBecause: string | undefined
  private timers = new Set<NodeJS.Timeout>()

  /** @internal use SipWsServer */
  constructor(p: {
    callId: string
    role: 'uas' | 'uac'
    core: UserAgentCore
    contactHeader: string
    log: Logger
    release: () => void
    request?: IncomingRequestMessage
    connectionId?: string
  }) {
    super()
    this.callId = p.callId
    this.role = p.role
    this.state = p.role === 'uas' ? 'offered' : 'inviting'
    this.core = p.core
    this.contactHeader = p.contactHeader
    this.log = p.log
    this.release = p.release
    this.request = p.request
    this.connectionId = p.connectionId
  }

  /** The connection the dialog began on. */
  readonly connectionId: string | undefined
  /** UAS: who sent the INVITE, as the switch established it (set before the `invite` event). */
  origin: LegOrigin | undefined

  get ended(): boolean {
    return this.state === 'terminated'
  }
  get endReason(): string | undefined {
    return this.endedBecause
  }

  /** UAS: remote offer of the initial INVITE ('' when the INVITE had no body). */
  get remoteOffer(): string {
    return this.request ? (getBody(this.request)?.content ?? '') : ''
  }
  /** From URI of the initial request (the caller for UAS legs). */
  get remoteUri(): URI | undefined {
    return this.request?.from.uri ?? this.session?.remoteURI
  }

  /** @internal the server's core delivered the initial INVITE to this leg */
  bindUas(uas: IncomingInviteRequest): void {
    this.uas = uas
    uas.delegate = {
      onCancel: () => {
        if (this.state !== 'offered' && this.state !== 'early') return
        uas.reject({ statusCode: 487 })
        this.emit('cancelled')
        this.end('cancelled')
      },
      onTransportError: () => this.end('transport-error'),
    }
  }

  /** UAS: 180 Ringing (or 183 with SDP for early media). */
  progress(statusCode = 180, sdp?: string): void {
    if (!this.uas || (this.state !== 'offered' && this.state !== 'early')) return
    this.uas.progress({ statusCode, ...(sdp ? { body: sdpBody(sdp) } : {}) })
    this.state = 'early'
  }

  /** UAS: 200 OK with our answer. */
  accept(answerSdp: string): void {
    if (!this.uas || (this.state !== 'offered' && this.state !== 'early')) throw new Error(`cannot accept in ${this.state}`)
    const res = this.uas.accept({ statusCode: 200, body: sdpBody(answerSdp), extraHeaders: [ALLOW] })
    this.state = 'confirmed'
    this.bindSession(res.session)
  }

  /** UAS: final error response. */
  reject(statusCode = 480, reasonPhrase?: string, extraHeaders?: string[]): void {
    if (!this.uas || (this.state !== 'offered' && this.state !== 'early')) return
    this.uas.reject({ statusCode, ...(reasonPhrase ? { reasonPhrase } : {}), ...(extraHeaders ? { extraHeaders } : {}) })
    this.end(`rejected-${statusCode}`)
  }

  /** @internal UAC: sends the initial INVITE built by the server. */
  bindUac(send: (delegate: Parameters<UserAgentCore['invite']>[1]) => OutgoingInviteRequest): void {
    this.uac = send({
      onTrying: () => undefined,
      onProgress: (r) => {
        const m = r.message
        if (this.state === 'inviting') this.state = 'early'
        this.emit('progress', m.statusCode ?? 180, m.reasonPhrase ?? '')
      },
      onAccept: (r) => {
        r.ack()
        this.bindSession(r.session)
        if (this.cancelRequested || this.state === 'terminated') {
          // 200 crossed our CANCEL: confirm and hang up at once.
          this.bye().catch(() => undefined)
          return
        }
        this.state = 'confirmed'
        this.emit('accepted', getBody(r.message)?.content ?? '')
      },
      onRedirect: (r) => this.uacFailed(r.message),
      onReject: (r) => this.uacFailed(r.message),
    })
  }

  /** UAC: CANCEL a pending INVITE (no-op once answered; use bye()). */
  cancel(reason?: string): void {
    if (this.role !== 'uac' || (this.state !== 'inviting' && this.state !== 'early')) return
    this.cancelRequested = true
    this.uac?.cancel(reason)
    // If the far end never answers the CANCEL with 487, give up after a while.
    this.timer(() => this.end('cancelled'), 5000)
  }

  /** Sends a re-INVITE with `offerSdp`; resolves with the answer SDP. */
  reinvite(offerSdp: string, timeoutMs = 10_000): Promise<string> {
    const session = this.session
    if (!session || this.state !== 'confirmed') return Promise.reject(new Error(`cannot re-INVITE in ${this.state}`))
    return new Promise<string>((resolve, reject) => {
      const t = this.timer(() => reject(new Error('re-INVITE timeout')), timeoutMs)
      const done = (): void => {
        clearTimeout(t)
        this.timers.delete(t)
      }
      session.invite(
        {
          onAccept: (r) => {
            done()
            r.ack()
            resolve(getBody(r.message)?.content ?? '')
          },
          onReject: (r) => {
            done()
            reject(new SipError(r.message.statusCode ?? 500, r.message.reasonPhrase ?? ''))
          },
          onRedirect: (r) => {
            done()
            reject(new SipError(r.message.statusCode ?? 300, r.message.reasonPhrase ?? ''))
          },
        },
        { body: sdpBody(offerSdp), extraHeaders: [this.contactHeader, ALLOW] },
      )
    })
  }

  /** Hangs up: BYE when confirmed, CANCEL when inviting, 480 when offered. Resolves when done. */
  async hangup(): Promise<void> {
    switch (this.state) {
      case 'confirmed':
        return this.bye()
      case 'inviting':
      case 'early':
        if (this.role === 'uac') {
          this.cancel()
          await this.waitFor('ended', 6000).catch(() => undefined)
        } else this.reject(480)
        return
      case 'offered':
        this.reject(480)
        return
      default:
        return
    }
  }

  /** Sends BYE and resolves on its final response (or after 4 s). */
  bye(): Promise<void> {
    const session = this.session
    if (!session || this.state === 'terminated') {
      this.end('bye-local')
      return Promise.resolve()
    }
    this.state = 'terminated'
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(t)
        this.timers.delete(t)
        this.end('bye-local')
        resolve()
      }
      const t = this.timer(finish, 4000)
      session.bye({ onAccept: finish, onReject: finish, onRedirect: finish })
    })
  }

  /** Ends the leg locally without signalling (e.g. transport closed). */
  close(reason = 'closed'): void {
    this.end(reason)
  }

  private uacFailed(m: IncomingResponseMessage): void {
    const status = m.statusCode ?? 500
    this.emit('rejected', status, m.reasonPhrase ?? '')
    this.end(this.cancelRequested ? 'cancelled' : `rejected-${status}`)
  }

  private bindSession(session: Session): void {
    this.session = session
    session.delegate = {
      onAck: (ack) => {
        const answer = this.awaitingAnswer ? getBody(ack.message)?.content : undefined
        if (this.awaitingAnswer) {
          this.awaitingAnswer = false
          const take = this.onLateAnswer
          if (answer && take) take(answer).catch((e: unknown) => this.log.warn(`leg ${this.callId}: answer in ACK failed: ${String(e)}`))
          else this.log.warn(`leg ${this.callId}: ACK without the answer to our offer`)
        }
        this.emit('confirmed')
      },
      onAckTimeout: () => {
        this.log.warn(`leg ${this.callId}: no ACK for 2xx`)
        this.bye().catch(() => undefined)
      },
      onBye: (req) => {
        req.accept()
        this.state = 'terminated'
        this.emit('bye')
        this.end('bye-remote')
      },
      onInfo: (req) => {
        const b = getBody(req.message)
        req.accept()
        if (b) this.emit('info', b.contentType, b.content)
      },
      onInvite: (req) => {
        const b = getBody(req.message)
        const handler = this.onReoffer
        if (!b) {
          const offer = this.onOfferRequest
          if (!offer) {
            req.reject({ statusCode: 488 })
            return
          }
          offer().then(
            (sdp) => {
              this.awaitingAnswer = true
              req.accept({ statusCode: 200, body: sdpBody(sdp), extraHeaders: [this.contactHeader, ALLOW] })
            },
            (e: unknown) => {
              this.log.warn(`leg ${this.callId}: offer for an offerless re-INVITE failed: ${String(e)}`)
              req.reject({ statusCode: 488 })
            },
          )
          return
        }
        if (!handler) {
          req.reject({ statusCode: 488 })
          return
        }
        handler(b.content).then(
          (answer) => {
            // A 2xx to a re-INVITE (target refresh) must carry Contact (RFC 3261 12.2.2); sip.js's
            // ReInviteUserAgentServer does not add one, so we do.
            req.accept({ statusCode: 200, body: sdpBody(answer), extraHeaders: [this.contactHeader, ALLOW] })
          },
          (e: unknown) => {
            this.log.warn(`leg ${this.callId}: re-offer failed: ${String(e)}`)
            req.reject({ statusCode: 488 })
          },
        )
      },
    }
  }

  private timer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
    return t
  }

  private end(reason: string): void {
    if (this.endedBecause !== undefined) return
    this.endedBecause = reason
    this.state = 'terminated'
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.emit('ended', reason)
    this.session?.dispose()
    this.core.dispose()
    this.release()
    this.removeAllListeners()
  }
}
