import type { RTCSession } from 'jssip/lib/RTCSession.js'
import type { UA } from 'jssip/lib/UA.js'
import { MediaStream } from 'werift'
import { ToneSource, toneAmplitude, type AudioSource } from '../switch/audio'
import type { DtmfEvent } from '../switch/rtp'
import { TypedEmitter } from '../util/emitter'
import { silentLogger, type Logger } from '../util/logger'
import { withTimeout } from '../util/async'
import { loadJssipForNode } from './jssipBundle'
import { JssipWsSocket } from './jssipWsSocket'
import { PcmSourceTrack, SimPeerConnection } from './simPeerConnection'

export interface SimulatorOptions {
  /** ws://127.0.0.1:port/sip */
  wsUrl: string
  /** Our SIP URI, e.g. sip:customer1@127.0.0.1 */
  uri: string
  /** Digest password; when set (and register !== false) the simulator registers. */
  password?: string
  register?: boolean
  displayName?: string
  /** Answer incoming calls automatically (optionally after a delay). */
  autoAnswer?: boolean | { delayMs: number }
  /** What we send: a new source per call (default a 440 Hz tone at -12 dBFS). */
  source?: () => AudioSource
  iceAdditionalHostAddresses?: string[]
  logger?: Logger
}

export interface SimulatorEvents {
  registered: []
  registrationFailed: [cause: string]
  incoming: [SimCall]
}

export interface SimCallEvents {
  progress: []
  confirmed: []
  ended: [cause: string]
  dtmf: [DtmfEvent]
  hold: [originator: string]
  unhold: [originator: string]
}

/**
 * One call of the simulator: a JsSIP RTCSession over a werift SimPeerConnection, with a PCM
 * source track (what the customer "says") and a level meter on what it hears.
 */
export class SimCall extends TypedEmitter<SimCallEvents> {
  readonly session: RTCSession
  readonly direction: 'incoming' | 'outgoing'
  readonly track: PcmSourceTrack
  readonly createdAt = Date.now()
  confirmedAt: number | undefined
  endedAt: number | undefined
  endCause: string | undefined
  pc: SimPeerConnection | undefined
  private readonly pcConfig: Record<string, unknown>

  /** @internal */
  constructor(session: RTCSession, direction: 'incoming' | 'outgoing', track: PcmSourceTrack, pcConfig: Record<string, unknown>) {
    super()
    this.session = session
    this.direction = direction
    this.track = track
    this.pcConfig = pcConfig
    session.on('progress', () => this.emit('progress'))
    session.on('confirmed', () => {
      this.confirmedAt = Date.now()
      this.emit('confirmed')
    })
    const end = (cause: string): void => {
      if (this.endedAt !== undefined) return
      this.endedAt = Date.now()
      this.endCause = cause
      this.track.stop()
      this.emit('ended', cause)
    }
    session.on('ended', (e) => end(String(e.cause)))
    session.on('failed', (e) => end(String(e.cause)))
    session.on('hold', (e) => this.emit('hold', String(e.originator)))
    session.on('unhold', (e) => this.emit('unhold', String(e.originator)))
  }

  /** @internal the pc factory handed to JsSIP via pcConfig */
  static pcConfig(call: () => SimCall | undefined, base: { iceAdditionalHostAddresses: string[] }): Record<string, unknown> {
    return {
      iceServers: [],
      iceAdditionalHostAddresses: base.iceAdditionalHostAddresses,
      createPeerConnection: (cfg: Record<string, unknown>) => {
        const pc = new SimPeerConnection(cfg, {
          onDtmf: (e) => call()?.emit('dtmf', e),
        })
        const c = call()
        if (c) c.pc = pc
        return pc
      },
    }
  }

  get ended(): boolean {
    return this.endedAt !== undefined
  }

  /** RMS (0..1) of the audio received in [from, to]. */
  receivedRms(from: number, to = Date.now()): number {
    return this.pc?.meter.rmsBetween(from, to) ?? 0
  }

  /** Amplitude (0..1) of a pure tone at `hz` in what was received during the last `windowMs`. */
  toneLevel(hz: number, windowMs = 500): number {
    const audio = this.pc?.receivedAudio(Date.now() - windowMs)
    return audio && audio.length > 0 ? toneAmplitude(audio, hz) : 0
  }

  get packetsReceived(): number {
    return this.pc?.packetsReceived ?? 0
  }

  get firstRtpAt(): number | undefined {
    return this.pc?.firstRtpAt
  }

  answer(): void {
    this.session.answer({
      mediaStream: new MediaStream([this.track]) as never,
      pcConfig: this.pcConfig as never,
    })
  }

  waitConfirmed(timeoutMs: number): Promise<void> {
    if (this.confirmedAt !== undefined) return Promise.resolve()
    if (this.ended) return Promise.reject(new Error(`call ended: ${this.endCause}`))
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        offC()
        offE()
        reject(new Error(`timeout after ${timeoutMs} ms waiting for call confirmation`))
      }, timeoutMs)
      const offC = this.once('confirmed', () => {
        clearTimeout(t)
        offE()
        resolve()
      })
      const offE = this.once('ended', (cause) => {
        clearTimeout(t)
        offC()
        reject(new Error(`call ended before confirmation: ${cause}`))
      })
    })
  }

  async waitEnded(timeoutMs: number): Promise<string> {
    if (this.endCause !== undefined) return this.endCause
    const [cause] = await this.waitFor('ended', timeoutMs, 'call end')
    return cause
  }

  /** DTMF: 'rfc2833' (RFC 4733 in the RTP stream, default) or 'info' (SIP INFO). */
  sendDtmf(digits: string, opts: { transport?: 'rfc2833' | 'info'; durationMs?: number; gapMs?: number } = {}): void {
    this.session.sendDTMF(digits, {
      transportType: (opts.transport === 'info' ? 'INFO' : 'RFC2833') as never,
      duration: opts.durationMs ?? 100,
      interToneGap: opts.gapMs ?? 70,
    })
  }

  setSource(source: AudioSource): void {
    this.track.source = source
  }

  hold(): boolean {
    return this.session.hold()
  }
  unhold(): boolean {
    return this.session.unhold()
  }

  hangup(): void {
    if (!this.ended && !this.session.isEnded()) this.session.terminate()
  }
}

/**
 * The customer simulator: JsSIP running in Node with werift as its RTCPeerConnection. It can
 * register, place calls, auto-answer, send DTMF and measure what it hears.
 */
export class Simulator extends TypedEmitter<SimulatorEvents> {
  readonly ua: UA
  readonly calls = new Set<SimCall>()
  private readonly socket: JssipWsSocket
  private readonly opts: SimulatorOptions
  private readonly log: Logger
  private readonly timers = new Set<NodeJS.Timeout>()
  private closed = false

  private constructor(opts: SimulatorOptions) {
    super()
    this.opts = opts
    this.log = opts.logger ?? silentLogger
    const JsSIP = loadJssipForNode()
    this.socket = new JssipWsSocket(opts.wsUrl)
    const register = opts.register ?? opts.password !== undefined
    this.ua = new JsSIP.UA({
      sockets: [this.socket as never],
      uri: opts.uri,
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      ...(opts.displayName ? { display_name: opts.displayName } : {}),
      register,
      register_expires: 300,
      session_timers: false, // no UPDATE/re-INVITE refreshes; the B2BUA does not do session timers
      user_agent: 'sobot-telephone-network-simulator',
      connection_recovery_min_interval: 2,
      connection_recovery_max_interval: 4,
    })
    this.ua.on('registered', () => this.emit('registered'))
    this.ua.on('registrationFailed', (e) => this.emit('registrationFailed', String(e.cause)))
    this.ua.on('newRTCSession', (e: { originator: string; session: RTCSession }) => {
      if (e.originator !== 'remote') return
      const call = this.wrap(e.session, 'incoming')
      this.emit('incoming', call)
      const aa = this.opts.autoAnswer
      if (aa) {
        const delay = typeof aa === 'object' ? aa.delayMs : 0
        const t = setTimeout(() => {
          this.timers.delete(t)
          if (!call.ended) call.answer()
        }, delay)
        this.timers.add(t)
      }
    })
  }

  /** Starts the UA; resolves when connected (and registered, when registering). */
  static async start(opts: SimulatorOptions, timeoutMs = 10_000): Promise<Simulator> {
    const sim = new Simulator(opts)
    const registering = opts.register ?? opts.password !== undefined
    const ready = registering
      ? new Promise<void>((resolve, reject) => {
          sim.once('registered', () => resolve())
          sim.once('registrationFailed', (c) => reject(new Error(`registration failed: ${c}`)))
        })
      : new Promise<void>((resolve) => sim.ua.once('connected', () => resolve()))
    sim.ua.start()
    try {
      await withTimeout(ready, timeoutMs, `simulator ${opts.uri} start`)
    } catch (e) {
      await sim.close()
      throw e
    }
    return sim
  }

  /** Places a call; returns at once (await call.waitConfirmed()). */
  call(target: string, opts: { extraHeaders?: string[]; fromUserName?: string } = {}): SimCall {
    let call: SimCall | undefined
    const track = new PcmSourceTrack(this.source())
    const pcConfig = SimCall.pcConfig(() => call, { iceAdditionalHostAddresses: this.iceHosts() })
    const session = this.ua.call(target, {
      mediaStream: new MediaStream([track]) as never,
      pcConfig: pcConfig as never,
      ...(opts.extraHeaders ? { extraHeaders: opts.extraHeaders } : {}),
      ...(opts.fromUserName ? { fromUserName: opts.fromUserName } : {}),
    } as never)
    call = new SimCall(session, 'outgoing', track, pcConfig)
    // The pc was created synchronously inside ua.call(), before `call` existed: attach it now.
    call.pc = (session.connection as unknown as SimPeerConnection | undefined) ?? call.pc
    this.track(call)
    return call
  }

  async close(timeoutMs = 3000): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const c of this.calls) c.hangup()
    const stopped = new Promise<void>((resolve) => this.ua.once('disconnected', () => resolve()))
    try {
      this.ua.stop()
      await withTimeout(stopped, timeoutMs, 'simulator stop')
    } catch (e) {
      this.log.debug(`simulator close: ${String(e)}`)
    }
    this.socket.terminate()
    await Promise.all([...this.calls].map((c) => (c.pc ? withTimeout(c.pc.close(), 2000, 'pc close').catch(() => undefined) : undefined)))
    this.calls.clear()
    this.removeAllListeners()
  }

  private wrap(session: RTCSession, direction: 'incoming' | 'outgoing'): SimCall {
    let call: SimCall | undefined
    const track = new PcmSourceTrack(this.source())
    const pcConfig = SimCall.pcConfig(() => call, { iceAdditionalHostAddresses: this.iceHosts() })
    call = new SimCall(session, direction, track, pcConfig)
    this.track(call)
    return call
  }

  private track(call: SimCall): void {
    this.calls.add(call)
    call.once('ended', () => {
      const t = setTimeout(() => {
        this.timers.delete(t)
        this.calls.delete(call)
      }, 1000)
      this.timers.add(t)
    })
  }

  private source(): AudioSource {
    return this.opts.source?.() ?? new ToneSource(440, 0.25)
  }

  private iceHosts(): string[] {
    return this.opts.iceAdditionalHostAddresses ?? ['127.0.0.1']
  }
}
