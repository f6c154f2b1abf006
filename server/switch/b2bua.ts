import { randomUUID } from 'node:crypto'
import { MusicOnHoldSource, RingbackSource, type AudioSource } from './audio'
import { MediaLeg, MediaNegotiationError, type MediaLegOptions } from './mediaLeg'
import { Mixer, type Participant } from './mixer'
import { Recorder } from './recorder'
import { includesSend } from './sdp'
import { SipError, type SipLeg } from './sipLeg'
import type { SipWsServer } from './sipWsServer'
import { TypedEmitter } from '../util/emitter'
import { silentLogger, type Logger } from '../util/logger'

export type LegRole = 'customer' | 'agent' | 'participant'
export type LegState = 'offered' | 'ringing' | 'answered' | 'ended'
export type EndCause =
  | 'customer-hangup'
  | 'customer-cancel'
  | 'customer-rejected'
  | 'customer-no-answer'
  | 'agent-hangup'
  | 'agent-rejected'
  | 'agent-no-answer'
  | 'not-registered'
  | 'server-hangup'
  | 'transport'
  | 'media-failed'
  | 'error'

/** One party of a call: its SIP dialog, its media, and its seat in the call's mixer. */
export class CallLeg {
  readonly id = randomUUID().slice(0, 8)
  state: LegState
  participant: Participant | undefined
  readonly timings: {
    inviteAt: number
    ringingAt?: number
    answeredAt?: number
    mediaConnectedAt?: number
    firstRtpAt?: number
    endedAt?: number
  }
  endReason: string | undefined
  /** Joins the mixer muted when it answers. */
  joinMuted = false
  constructor(
    readonly role: LegRole,
    readonly sip: SipLeg,
    readonly media: MediaLeg,
    readonly aor: string | undefined,
  ) {
    this.state = sip.role === 'uas' ? 'offered' : 'ringing'
    this.timings = { inviteAt: Date.now() }
  }
  get label(): string {
    return this.aor ? `${this.role}:${this.aor}` : this.role
  }
}

export interface DtmfLogEntry {
  leg: CallLeg
  digit: string
  via: 'rfc4733' | 'info'
  at: number
}

export interface CallEvents {
  /** An outbound leg is ringing (180/183). */
  ringing: [CallLeg]
  /** A leg has answered (or the server answered the inbound customer). */
  answered: [CallLeg]
  /** Customer and at least one agent are in the mixer. */
  bridged: []
  hold: [by: 'server' | 'agent']
  unhold: [by: 'server' | 'agent']
  /** An agent-side leg's phone put the call on hold (true) or took it off hold (false), by re-INVITE. */
  remoteHold: [CallLeg, held: boolean]
  dtmf: [DtmfLogEntry]
  legEnded: [CallLeg, reason: string]
  /** The call is ending (nothing is hung up yet): the last moment to tell parties about it. */
  ending: [{ cause: EndCause }]
  ended: [{ cause: EndCause; leg?: CallLeg }]
}

/** How a leg is dialled: who it seems to come from, whom it is for (through a gateway), extra headers. */
export interface DialOptions {
  timeoutMs?: number
  fromUser?: string
  fromDisplayName?: string
  /** The number called when `aor` is a gateway. */
  toUser?: string
  extraHeaders?: string[]
  /** Called as soon as the leg exists (before it rings), so call control can act on it at once. */
  onLeg?: (leg: CallLeg) => void
  /** Joins the mixer muted (heard by nobody): a supervisor observing. */
  muted?: boolean
}

export interface CallOptions {
  sip: SipWsServer
  media: MediaLegOptions
  moh: () => AudioSource
  ringback: () => AudioSource
  logger: Logger
}

/**
 * One call as the call-control layer sees it: a customer leg plus agent/participant legs, all
 * anchored in this server (B2BUA) and mixed by one Mixer. Inbound: created from the customer's
 * INVITE; call answerCustomer() and/or connectAgent(). Outbound: B2bua.originate().
 * Ending the customer leg ends the call; in a two-party call so does the agent hanging up.
 */
export class Call extends TypedEmitter<CallEvents> {
  readonly id = randomUUID().slice(0, 8)
  readonly direction: 'inbound' | 'outbound'
  readonly mixer: Mixer
  readonly legs: CallLeg[] = []
  readonly dtmfLog: DtmfLogEntry[] = []
  readonly createdAt = Date.now()
  customer: CallLeg | undefined
  bridgedAt: number | undefined
  endedAt: number | undefined
  cause: EndCause | undefined
  onHold = false
  /** What the customer hears on hold in this call (default: the switch's music on hold). */
  moh: (() => AudioSource) | undefined
  recorder: Recorder | undefined
  /**
   * Asked when the customer leaves an answered call: true keeps the call going without the customer
   * (a conference of agents goes on). By default the call ends with the customer.
   */
  keepWithoutCustomer: ((leg: CallLeg) => boolean) | undefined
  private readonly o: CallOptions
  private readonly log: Logger
  private readonly timers = new Set<NodeJS.Timeout>()
  private detachRecorder: (() => void) | undefined
  private holdBy: 'server' | 'agent' | undefined
  private reinvites: Promise<void> = Promise.resolve()

  /** @internal use B2bua */
  constructor(direction: 'inbound' | 'outbound', o: CallOptions, customerSip?: SipLeg) {
    super()
    this.direction = direction
    this.o = o
    this.log = o.logger
    this.mixer = new Mixer({ logger: o.logger })
    if (customerSip) {
      const leg = new CallLeg('customer', customerSip, this.newMedia('customer'), customerSip.remoteUri?.user)
      this.customer = leg
      this.adopt(leg)
    }
  }

  get ended(): boolean {
    return this.endedAt !== undefined
  }

  get agents(): CallLeg[] {
    return this.legs.filter((l) => l.role !== 'customer' && l.state !== 'ended')
  }

  /** Inbound: 180 Ringing to the customer (no early media). */
  ringCustomer(): void {
    this.customer?.sip.progress(180)
  }

  /** Inbound: the server answers the customer with its own media leg (customer joins the mixer). */
  async answerCustomer(): Promise<void> {
    const leg = this.customer
    if (!leg || leg.state !== 'offered') return
    let answer: string
    try {
      answer = await leg.media.answer(leg.sip.remoteOffer)
    } catch (e) {
      if (e instanceof MediaNegotiationError) leg.sip.reject(488, 'Not Acceptable Here')
      throw e
    }
    if (leg.state !== 'offered') return // cancelled while we built the answer
    leg.sip.accept(answer)
    this.answered(leg)
  }

  /**
   * INVITEs a registered phone (the agent) and joins it to the mixer when it answers. Resolves with
   * the answered leg; rejects when it is rejected, not answered in time, or not registered.
   * Default policy on failure: end the call (`endCallOnFailure: false` keeps it for re-routing).
   */
  connectAgent(aor: string, opts: DialOptions & { endCallOnFailure?: boolean } = {}): Promise<CallLeg> {
    return this.dial('agent', aor, opts.timeoutMs ?? 30_000, opts.endCallOnFailure ?? true, opts)
  }

  /** Conference: INVITEs another registered phone into the same mixer. */
  addParticipant(aor: string, opts: DialOptions = {}): Promise<CallLeg> {
    return this.dial('participant', aor, opts.timeoutMs ?? 30_000, false, opts)
  }

  /** Outbound flow: dials the customer (through a gateway: aor the gateway, toUser the number). */
  dialCustomer(aor: string, timeoutMs: number, opts: DialOptions = {}): Promise<CallLeg> {
    return this.dial('customer', aor, timeoutMs, true, opts)
  }

  /**
   * Puts the customer on hold: the customer hears music on hold, nobody hears the customer, and
   * (reinvite) the customer leg is re-INVITEd sendonly (we keep sending MOH, they stop sending).
   */
  async hold(by: 'server' | 'agent' = 'server', opts: { reinvite?: boolean } = {}): Promise<void> {
    const c = this.customer
    if (!c?.participant || this.onHold) return
    this.onHold = true
    this.holdBy = by
    this.mixer.setSource(c.participant, (this.moh ?? this.o.moh)())
    this.mixer.setMuted(c.participant, true)
    this.emit('hold', by)
    if (opts.reinvite ?? true) await this.renegotiate()
  }

  async unhold(by: 'server' | 'agent' = 'server', opts: { reinvite?: boolean } = {}): Promise<void> {
    const c = this.customer
    if (!c?.participant || !this.onHold) return
    this.onHold = false
    this.holdBy = undefined
    this.mixer.setSource(c.participant, undefined)
    this.mixer.setMuted(c.participant, false)
    this.emit('unhold', by)
    if (opts.reinvite ?? true) await this.renegotiate()
  }

  /**
   * Re-INVITEs the customer to the direction the hold state asks for (sendonly held, sendrecv not),
   * one re-INVITE at a time: a quick hold then unhold (a consult cancelled at once) never overlaps
   * two offers, and the last state wins.
   */
  private renegotiate(): Promise<void> {
    const run = async (): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        const c = this.customer
        if (!c || c.state !== 'answered' || this.ended) return
        const want = this.onHold ? 'sendonly' : 'sendrecv'
        if (c.media.localDirection === want) return
        try {
          const offer = await c.media.createOffer(want)
          const answer = await c.sip.reinvite(offer)
          await c.media.acceptAnswer(answer)
          return
        } catch (e) {
          await c.media.rollback()
          if (e instanceof SipError && e.status === 491 && attempt < REINVITE_GLARE_ATTEMPTS) {
            // Glare (RFC 3261 §14.1): both sides re-INVITEd at once. Try again after a random pause.
            await new Promise<void>((resolve) => this.timer(resolve, glareDelayMs(c.sip.role)))
            continue
          }
          this.log.warn(`call ${this.id}: ${want} re-INVITE failed: ${String(e)}`)
          return
        }
      }
    }
    this.reinvites = this.reinvites.then(run, run)
    return this.reinvites
  }

  /** Mutes what `leg` sends (the others stop hearing it). */
  mute(leg: CallLeg, muted: boolean): void {
    if (leg.participant) this.mixer.setMuted(leg.participant, muted)
  }

  /** Replaces what `leg` hears (undefined = back to the mix). */
  play(leg: CallLeg, source: AudioSource | undefined): void {
    if (leg.participant) this.mixer.setSource(leg.participant, source)
  }

  /**
   * Starts a stereo WAV recording: the customer on the first channel, every other leg (agents,
   * consulted and conferenced parties, joining later too) mixed on the second.
   */
  async startRecording(path: string): Promise<Recorder> {
    if (this.recorder) return this.recorder
    const rec = await Recorder.open(path, 2)
    this.recorder = rec
    const others = this.agents.filter((l) => l.participant).map((l) => l.participant!)
    this.detachRecorder = this.mixer.attach(rec, [this.customer?.participant ? [this.customer.participant] : [], others])
    return rec
  }

  async stopRecording(): Promise<{ path: string; durationMs: number } | undefined> {
    const rec = this.recorder
    if (!rec) return undefined
    this.detachRecorder?.()
    this.detachRecorder = undefined
    this.recorder = undefined
    return rec.close()
  }

  /** Server-side hangup of the whole call. */
  async hangup(cause: EndCause = 'server-hangup'): Promise<void> {
    await this.end(cause)
  }

  /** Hangs up one leg (e.g. a conference participant); ends the call per the usual rules. */
  async hangupLeg(leg: CallLeg): Promise<void> {
    await leg.sip.hangup()
  }

  /** @internal */
  timingsReport(): Record<string, number | undefined> {
    const rel = (t: number | undefined): number | undefined => (t === undefined ? undefined : t - this.createdAt)
    const out: Record<string, number | undefined> = { bridged: rel(this.bridgedAt) }
    for (const l of this.legs) {
      for (const [k, v] of Object.entries(l.timings)) out[`${l.label}.${k}`] = rel(v)
    }
    return out
  }

  private async dial(role: LegRole, aor: string, timeoutMs: number, endCallOnFailure: boolean, opts: DialOptions = {}): Promise<CallLeg> {
    if (this.ended) throw new Error('call ended')
    const binding = this.o.sip.lookup(aor)[0]
    if (!binding) {
      if (endCallOnFailure) await this.end('not-registered')
      throw new Error(`${aor} is not registered`)
    }
    const media = this.newMedia(`${role}:${aor}`)
    let offer: string
    try {
      offer = await media.createOffer('sendrecv')
    } catch (e) {
      await media.close()
      throw e
    }
    if (this.ended) {
      await media.close()
      throw new Error('call ended')
    }
    const sip = this.o.sip.createOutboundLeg({
      binding,
      offerSdp: offer,
      fromUser: opts.fromUser ?? this.customer?.aor ?? 'contact-center',
      ...(opts.fromDisplayName ? { fromDisplayName: opts.fromDisplayName } : {}),
      ...(opts.toUser ? { toUser: opts.toUser } : {}),
      ...(opts.extraHeaders ? { extraHeaders: opts.extraHeaders } : {}),
    })
    const leg = new CallLeg(role, sip, media, opts.toUser ?? aor)
    leg.joinMuted = opts.muted ?? false
    opts.onLeg?.(leg)
    if (role === 'customer') this.customer = leg
    this.adopt(leg)
    return new Promise<CallLeg>((resolve, reject) => {
      const timer = this.timer(() => {
        sip.cancel('no answer')
        failure('no-answer', 408)
      }, timeoutMs)
      let settled = false
      const failure = (kind: 'rejected' | 'no-answer', status: number): void => {
        if (settled) return
        settled = true
        this.clear(timer)
        reject(new SipError(status, kind))
        if (endCallOnFailure) {
          const cause: EndCause =
            role === 'customer'
              ? kind === 'rejected'
                ? 'customer-rejected'
                : 'customer-no-answer'
              : kind === 'rejected'
                ? 'agent-rejected'
                : 'agent-no-answer'
          void this.end(cause, leg, status)
        }
      }
      sip.on('progress', () => {
        if (leg.timings.ringingAt === undefined) {
          leg.timings.ringingAt = Date.now()
          this.emit('ringing', leg)
        }
      })
      sip.on('rejected', (status) => failure(status === 408 || status === 480 ? 'no-answer' : 'rejected', status))
      sip.on('ended', () => {
        if (!settled) failure('rejected', 487)
      })
      sip.on('accepted', (answer) => {
        if (settled) return
        settled = true
        this.clear(timer)
        media
          .acceptAnswer(answer)
          .then(() => {
            this.answered(leg)
            resolve(leg)
          })
          .catch((e: unknown) => {
            reject(e instanceof Error ? e : new Error(String(e)))
            void this.end('media-failed', leg)
          })
      })
    })
  }

  private newMedia(label: string): MediaLeg {
    return new MediaLeg({ ...this.o.media, id: `${this.id}/${label}`, logger: this.log })
  }

  /** Wires a leg's SIP and media events into the call. */
  private adopt(leg: CallLeg): void {
    this.legs.push(leg)
    const { sip, media } = leg
    sip.onReoffer = async (sdp) => {
      const answer = await media.answer(sdp)
      this.onDirection(leg)
      return answer
    }
    // An offerless re-INVITE (a phone refreshing the session) gets our offer as things stand.
    sip.onOfferRequest = () => media.createOffer(media.localDirection === 'inactive' ? 'sendonly' : media.localDirection)
    sip.onLateAnswer = async (sdp) => {
      await media.acceptAnswer(sdp)
      this.onDirection(leg)
    }
    sip.on('ended', (reason) => void this.legEnded(leg, reason))
    sip.on('info', (type, body) => {
      if (!/dtmf-relay/i.test(type)) return
      const m = /Signal\s*=\s*([0-9A-D*#])/i.exec(body)
      if (m) this.dtmf(leg, m[1]!, 'info')
    })
    media.on('dtmf', (e) => this.dtmf(leg, e.digit, 'rfc4733'))
    media.on('connected', () => {
      leg.timings.mediaConnectedAt = Date.now()
    })
    media.on('audio', () => {
      leg.timings.firstRtpAt ??= Date.now()
    })
    media.on('failed', () => {
      this.log.warn(`call ${this.id}: media of ${leg.label} failed`)
      void this.end('media-failed', leg)
    })
  }

  private answered(leg: CallLeg): void {
    leg.state = 'answered'
    leg.timings.answeredAt = Date.now()
    leg.participant = this.mixer.add(leg.media, { label: leg.label, muted: leg.joinMuted })
    if (this.recorder && leg.role !== 'customer') this.mixer.joinChannel(this.recorder, 1, leg.participant)
    this.emit('answered', leg)
    const customer = this.customer
    if (leg.role !== 'customer' && customer && customer.state === 'offered') {
      // Inbound call that was left ringing: answer the customer now that an agent is there.
      this.answerCustomer().catch((e: unknown) => {
        this.log.warn(`call ${this.id}: answering customer failed: ${String(e)}`)
        void this.end('error')
      })
      return
    }
    if (this.direction === 'outbound' && leg.role === 'agent' && customer === undefined) {
      // Outbound: the agent waits for the customer with a ringback tone.
      this.mixer.setSource(leg.participant, this.o.ringback())
    }
    if (leg.role === 'customer') {
      for (const a of this.agents) if (a.participant) this.mixer.setSource(a.participant, undefined)
    }
    if (this.bridgedAt === undefined && this.customer?.participant && this.agents.some((a) => a.participant)) {
      this.bridgedAt = Date.now()
      this.emit('bridged')
    }
  }

  /** The remote of `leg` changed direction in a re-INVITE (JsSIP hold = sendonly). */
  private onDirection(leg: CallLeg): void {
    if (leg.role === 'customer') return
    const remoteSends = includesSend(leg.media.remoteDirection)
    const remoteReceives = leg.media.remoteDirection === 'sendrecv' || leg.media.remoteDirection === 'recvonly'
    const agentHolds = !remoteReceives // sendonly or inactive from the agent's phone
    if (agentHolds && !this.onHold) {
      void this.hold('agent')
      this.emit('remoteHold', leg, true)
    } else if (!agentHolds && remoteSends && this.onHold && this.holdBy === 'agent') {
      void this.unhold('agent')
      this.emit('remoteHold', leg, false)
    }
  }

  private dtmf(leg: CallLeg, digit: string, via: 'rfc4733' | 'info'): void {
    const e: DtmfLogEntry = { leg, digit, via, at: Date.now() }
    this.dtmfLog.push(e)
    this.log.info(`call ${this.id}: DTMF ${digit} from ${leg.label} (${via})`)
    this.emit('dtmf', e)
  }

  private async legEnded(leg: CallLeg, reason: string): Promise<void> {
    if (leg.state === 'ended') return
    leg.state = 'ended'
    leg.endReason = reason
    leg.timings.endedAt = Date.now()
    if (leg.participant) this.mixer.remove(leg.participant)
    await leg.media.close()
    this.emit('legEnded', leg, reason)
    if (this.ended) return
    const remote = reason === 'bye-remote' || reason === 'cancelled' || reason === 'transport-closed'
    if (leg.role === 'customer') {
      if (remote && reason !== 'cancelled' && leg.timings.answeredAt !== undefined && this.keepWithoutCustomer?.(leg)) return
      if (reason === 'cancelled') await this.end('customer-cancel', leg)
      else if (reason === 'transport-closed') await this.end('transport', leg)
      else if (remote) await this.end('customer-hangup', leg)
      return
    }
    const answeredOthers = this.legs.filter((l) => l.state === 'answered' && l.role !== 'customer')
    if (remote && leg.timings.answeredAt !== undefined && answeredOthers.length === 0) {
      await this.end(reason === 'transport-closed' ? 'transport' : 'agent-hangup', leg)
    }
  }

  private async end(cause: EndCause, by?: CallLeg, status?: number): Promise<void> {
    if (this.ended) return
    this.endedAt = Date.now()
    this.cause = cause
    this.emit('ending', { cause })
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    await this.stopRecording().catch((e: unknown) => this.log.warn(`recording: ${String(e)}`))
    const pending: Promise<void>[] = []
    for (const l of this.legs) {
      // The leg that ended the call is hung up too unless its dialog is over (its media failed, say).
      if (l.state === 'ended' || l.sip.ended) continue
      // An unanswered inbound customer gets the agent's failure status (486 busy, 480 ...).
      if (l.sip.role === 'uas' && l.state === 'offered') l.sip.reject(status && status >= 400 && status !== 487 ? status : 480)
      else pending.push(l.sip.hangup())
    }
    await Promise.allSettled(pending)
    await Promise.allSettled(this.legs.map((l) => l.media.close()))
    this.mixer.close()
    this.emit('ended', { cause, ...(by ? { leg: by } : {}) })
    this.removeAllListeners()
  }

  private timer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
    return t
  }

  private clear(t: NodeJS.Timeout): void {
    clearTimeout(t)
    this.timers.delete(t)
  }
}

/** Attempts of one re-INVITE that meets glare (491) before it is given up. */
const REINVITE_GLARE_ATTEMPTS = 4

/** RFC 3261 §14.1: the owner of the Call-ID (we, for a leg we called) waits 2.1-4 s, the other side 0-2 s. */
function glareDelayMs(role: 'uac' | 'uas'): number {
  return role === 'uac' ? 2100 + Math.random() * 1900 : Math.random() * 2000
}

export interface B2buaOptions {
  sip: SipWsServer
  media?: Omit<MediaLegOptions, 'id' | 'logger'>
  /** Music on hold factory (default: generated MusicOnHoldSource). */
  moh?: () => AudioSource
  ringback?: () => AudioSource
  logger?: Logger
}

export interface B2buaEvents {
  /** A new inbound call; the call-control layer decides (answerCustomer/connectAgent/hangup). */
  call: [Call]
}

/**
 * The switch's signalling+media core: turns inbound INVITEs into Calls and originates outbound
 * calls (agent first, then customer). Owns its calls; close() hangs them all up.
 */
export class B2bua extends TypedEmitter<B2buaEvents> {
  readonly calls = new Set<Call>()
  private readonly o: CallOptions
  private readonly unsub: () => void

  constructor(opts: B2buaOptions) {
    super()
    this.o = {
      sip: opts.sip,
      media: opts.media ?? {},
      moh: opts.moh ?? (() => new MusicOnHoldSource()),
      ringback: opts.ringback ?? (() => new RingbackSource()),
      logger: opts.logger ?? silentLogger,
    }
    this.unsub = opts.sip.on('invite', (leg) => {
      if (this.listenerCount('call') === 0) {
        leg.reject(480)
        return
      }
      const call = this.track(new Call('inbound', this.o, leg))
      this.emit('call', call)
    })
  }

  /**
   * Outbound: rings the agent's phone first; when it answers (hearing ringback), dials the
   * customer; bridges when the customer answers. Returns the call at once.
   */
  originate(p: { agent: string; customer: string; agentTimeoutMs?: number; customerTimeoutMs?: number }): Call {
    const call = this.track(new Call('outbound', this.o))
    call
      .connectAgent(p.agent, { timeoutMs: p.agentTimeoutMs ?? 30_000 })
      .then(() => call.dialCustomer(p.customer, p.customerTimeoutMs ?? 45_000))
      .catch((e: unknown) => this.o.logger.info(`originate ${call.id}: ${String(e)}`))
    return call
  }

  /** An outbound call with no leg yet: call control dials the agent, then the customer, itself. */
  createOutbound(): Call {
    return this.track(new Call('outbound', this.o))
  }

  async close(): Promise<void> {
    this.unsub()
    await Promise.allSettled([...this.calls].map((c) => c.hangup('server-hangup')))
    this.calls.clear()
    this.removeAllListeners()
  }

  private track(call: Call): Call {
    this.calls.add(call)
    call.once('ended', () => this.calls.delete(call))
    return call
  }
}
