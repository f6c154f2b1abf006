import * as JsSIP from 'jssip'
import type { RTCSession } from 'jssip/lib/RTCSession'
import type { IncomingRequest } from 'jssip/lib/SIPMessage'
import { SobotError } from '../errors'
import { SIP_AUTO_ANSWER_HEADER, SIP_CALL_ID_HEADER } from '../protocol/wire'
import { mos, quality } from './quality'
import type { AudioDevice, PhoneConfig, PhoneOptions, PhoneStats, PhoneStatus, WebPhoneLike } from './types'

/**
 * The web phone: JsSIP registered over the contact center's SIP websocket. Only this chunk touches
 * JsSIP, RTCPeerConnection, getUserMedia and audio elements; the SDK loads it when an agent logs
 * in with phoneType webrtc, so a CTI-only integration never downloads it.
 */

/** How often EventJanusLatency is reported during a call. */
export const STATS_INTERVAL_MS = 5_000
export const REGISTER_TIMEOUT_MS = 10_000

function mediaError(err: unknown): SobotError {
  const name = (err as { name?: string } | null)?.name
  if (name === 'NotAllowedError' || name === 'SecurityError') return new SobotError('MEDIA_PERMISSION_DENIED', undefined, { cause: err })
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') {
    return new SobotError(
      'MEDIA_DEVICE_NOT_FOUND',
      name === 'NotReadableError' ? 'The microphone is in use by another program or cannot be read.' : undefined,
      { cause: err },
    )
  }
  return new SobotError('PHONE_FAILED', `The microphone could not be opened (${String((err as Error)?.message ?? err)}).`, { cause: err })
}

function audioConstraint(deviceId: string | undefined, extra: MediaTrackConstraints | undefined): MediaTrackConstraints | boolean {
  const c: MediaTrackConstraints = { ...extra, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) }
  return Object.keys(c).length ? c : true
}

async function microphone(deviceId: string | undefined, extra?: MediaTrackConstraints): Promise<MediaStream> {
  if (!globalThis.isSecureContext) throw new SobotError('INSECURE_CONTEXT')
  if (typeof RTCPeerConnection === 'undefined' || !navigator.mediaDevices?.getUserMedia) throw new SobotError('WEBRTC_UNSUPPORTED')
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: audioConstraint(deviceId, extra), video: false })
  } catch (err) {
    throw mediaError(err)
  }
}

/** Checks, before login, that this page can be a phone: secure context, WebRTC, a microphone it may use. */
export async function preflight(inputDeviceId?: string, constraints?: MediaTrackConstraints): Promise<void> {
  const stream = await microphone(inputDeviceId, constraints)
  for (const t of stream.getTracks()) t.stop()
}

export async function listAudioDevices(): Promise<AudioDevice[]> {
  const all = await navigator.mediaDevices.enumerateDevices()
  return all
    .filter((d): d is MediaDeviceInfo & { kind: 'audioinput' | 'audiooutput' } => d.kind === 'audioinput' || d.kind === 'audiooutput')
    .map((d) => ({ deviceId: d.deviceId, label: d.label, kind: d.kind }))
}

/** A two-tone ring (440 + 480 Hz, 2 s on, 4 s off) made with WebAudio: no file to download. */
class Ringtone {
  private ctx: AudioContext | undefined
  private gain: GainNode | undefined
  private timer: ReturnType<typeof setInterval> | undefined

  start(): void {
    if (this.timer || typeof AudioContext === 'undefined') return
    try {
      const ctx = (this.ctx ??= new AudioContext())
      void ctx.resume().catch(() => {})
      const gain = (this.gain = ctx.createGain())
      gain.gain.value = 0
      gain.connect(ctx.destination)
      for (const hz of [440, 480]) {
        const o = ctx.createOscillator()
        o.frequency.value = hz
        o.connect(gain)
        o.start()
      }
      const cycle = (): void => {
        const t = ctx.currentTime
        gain.gain.setValueAtTime(0.12, t)
        gain.gain.setValueAtTime(0, t + 2)
      }
      cycle()
      this.timer = setInterval(cycle, 6000)
    } catch {
      /* no audio output: the desktop still shows the call */
    }
  }

  get playing(): boolean {
    return this.timer !== undefined
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.gain?.disconnect()
    this.gain = undefined
  }

  close(): void {
    this.stop()
    void this.ctx?.close().catch(() => {})
    this.ctx = undefined
  }
}

export class WebPhone implements WebPhoneLike {
  private readonly ua: JsSIP.UA
  private session: RTCSession | undefined
  private stream: MediaStream | undefined
  private readonly audio: HTMLAudioElement
  private readonly ring = new Ringtone()
  private statsTimer: ReturnType<typeof setInterval> | undefined
  private lastCounts = { lost: 0, received: 0 }
  private registered = false
  private closed = false
  private inputDeviceId: string | undefined
  /** The CTI call of the ringing or active session. */
  callID: string | undefined

  constructor(
    private readonly cfg: PhoneConfig,
    private readonly opts: PhoneOptions,
  ) {
    this.inputDeviceId = opts.inputDeviceId
    this.audio = document.createElement('audio')
    this.audio.autoplay = true
    this.audio.hidden = true
    document.body.appendChild(this.audio)
    if (opts.outputDeviceId) void this.setOutputDevice(opts.outputDeviceId).catch(() => {})
    JsSIP.debug.disable()
    this.ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(opts.wsUrl)],
      uri: cfg.uri,
      authorization_user: cfg.authorizationUser,
      password: cfg.password,
      display_name: cfg.displayName,
      register: true,
      register_expires: 300,
      session_timers: false,
      user_agent: 'sobot-call-sdk',
    })
    this.ua.on('newRTCSession', (e: { originator: string; session: RTCSession; request: IncomingRequest }) => {
      if (e.originator === 'remote') this.onIncoming(e.session, e.request)
      else this.adopt(e.session)
    })
    this.ua.on('unregistered', () => this.lost('unregistered'))
    this.ua.on('registrationFailed', (e: { cause?: string }) => this.lost(e.cause ?? 'registration failed'))
  }

  get ringing(): boolean {
    return !!this.session && this.session.isInProgress() && this.session.direction === 'incoming'
  }

  /** Starts the UA; resolves once registered. */
  register(timeoutMs = REGISTER_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false
      const settle = (err?: SobotError): void => {
        if (settled) return
        settled = true
        clearTimeout(t)
        if (err) reject(err)
        else {
          this.registered = true
          resolve()
        }
      }
      const t = setTimeout(
        () => settle(new SobotError('PHONE_FAILED', `The web phone could not register within ${timeoutMs} ms.`)),
        timeoutMs,
      )
      this.ua.on('registered', () => settle())
      this.ua.on('registrationFailed', (e: { cause?: string }) =>
        settle(new SobotError('PHONE_FAILED', `The web phone could not register (${e.cause ?? 'refused'}).`)),
      )
      this.ua.start()
    })
  }

  private lost(reason: string): void {
    if (this.closed || !this.registered) return
    this.registered = false
    this.opts.onUnregistered?.(reason)
  }

  private onIncoming(session: RTCSession, request: IncomingRequest): void {
    if (this.session && !this.session.isEnded()) {
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' })
      return
    }
    this.callID = request.getHeader(SIP_CALL_ID_HEADER) || undefined
    this.adopt(session)
    if (request.getHeader(SIP_AUTO_ANSWER_HEADER) === 'true') void this.answer().catch(() => session.terminate({ status_code: 480 }))
    else if (this.opts.ringtone !== false) this.ring.start()
  }

  private adopt(session: RTCSession): void {
    this.session = session
    session.on('peerconnection', (e: { peerconnection: RTCPeerConnection }) => this.watch(e.peerconnection))
    if (session.connection) this.watch(session.connection)
    session.on('accepted', () => this.ring.stop())
    session.on('confirmed', () => this.startStats())
    const end = (): void => {
      if (this.session !== session) return
      this.ring.stop()
      this.stopStats()
      this.session = undefined
      this.callID = undefined
      for (const t of this.stream?.getTracks() ?? []) t.stop()
      this.stream = undefined
      this.audio.srcObject = null
    }
    session.on('ended', end)
    session.on('failed', end)
  }

  private watch(pc: RTCPeerConnection): void {
    pc.addEventListener('track', (ev: RTCTrackEvent) => {
      this.audio.srcObject = ev.streams[0] ?? new MediaStream([ev.track])
      void this.audio.play().catch(() => {})
    })
  }

  /** Answers the ringing call with the chosen microphone. */
  async answer(): Promise<void> {
    const session = this.session
    if (!session || !session.isInProgress() || session.direction !== 'incoming')
      throw new SobotError('NO_ACTIVE_CALL', 'The web phone is not ringing.')
    const stream = await microphone(this.inputDeviceId, this.opts.audioConstraints)
    if (this.session !== session || !session.isInProgress()) {
      for (const t of stream.getTracks()) t.stop()
      throw new SobotError('NO_ACTIVE_CALL', 'The call ended before it was answered.')
    }
    this.stream = stream
    this.ring.stop()
    session.answer({ mediaStream: stream, pcConfig: { iceServers: this.cfg.iceServers ?? [] } })
  }

  /** Places a call (the customer phone page uses this; agents call through makeCall). */
  async call(target: string, fromUserName?: string): Promise<void> {
    if (this.session && !this.session.isEnded()) throw new SobotError('CALL_STATE_FORBIDS', 'A call is already in progress.')
    const stream = await microphone(this.inputDeviceId, this.opts.audioConstraints)
    this.stream = stream
    this.ua.call(target, {
      mediaStream: stream,
      pcConfig: { iceServers: this.cfg.iceServers ?? [] },
      ...(fromUserName ? { fromUserName } : {}),
    } as never)
  }

  sendDtmf(digits: string): void {
    this.session?.sendDTMF(digits, { transportType: 'RFC2833', duration: 120, interToneGap: 80 } as never)
  }

  hangup(): void {
    if (this.session && !this.session.isEnded()) this.session.terminate()
  }

  /** Switches the microphone, during a call too. */
  async setInputDevice(deviceId: string | undefined): Promise<void> {
    const pc = this.session?.connection
    if (!pc || !this.stream) {
      // No call: check the device now rather than at the next answer.
      for (const t of (await microphone(deviceId, this.opts.audioConstraints)).getTracks()) t.stop()
      this.inputDeviceId = deviceId
      return
    }
    const next = await microphone(deviceId, this.opts.audioConstraints)
    this.inputDeviceId = deviceId
    const track = next.getAudioTracks()[0]!
    const sender = pc.getSenders().find((s) => s.track?.kind === 'audio')
    await sender?.replaceTrack(track)
    for (const t of this.stream.getTracks()) t.stop()
    this.stream = next
  }

  /** Switches the speaker (where the browser supports choosing one). */
  async setOutputDevice(deviceId: string | undefined): Promise<void> {
    const a = this.audio as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }
    if (!a.setSinkId) throw new SobotError('WEBRTC_UNSUPPORTED', 'This browser cannot choose the speaker.')
    try {
      await a.setSinkId(deviceId ?? '')
    } catch (err) {
      throw mediaError(err)
    }
  }

  private startStats(): void {
    this.stopStats()
    this.lastCounts = { lost: 0, received: 0 }
    this.statsTimer = setInterval(() => void this.report(), STATS_INTERVAL_MS)
  }

  private stopStats(): void {
    clearInterval(this.statsTimer)
    this.statsTimer = undefined
  }

  async status(): Promise<PhoneStatus> {
    const s = this.session
    return {
      registered: this.registered,
      ringing: this.ringing,
      ringtonePlaying: this.ring.playing,
      inCall: !!s && s.isEstablished(),
      ...(this.callID ? { callID: this.callID } : {}),
      ...(s?.isEstablished() ? { stats: await this.stats(false) } : {}),
    }
  }

  /** Reads the peer connection's statistics: the round trip, jitter and loss since the last report. */
  async stats(
    advance = true,
  ): Promise<(PhoneStats & { packetsReceived: number; packetsSent: number; audioLevel: number; totalAudioEnergy: number }) | undefined> {
    const pc = this.session?.connection
    if (!pc) return undefined
    const report = await pc.getStats()
    let rtt: number | undefined
    let jitter = 0
    let lost = 0
    let received = 0
    let sent = 0
    let audioLevel = 0
    let totalAudioEnergy = 0
    report.forEach((r: Record<string, unknown>) => {
      if (r.type === 'candidate-pair' && r.nominated && typeof r.currentRoundTripTime === 'number') rtt = r.currentRoundTripTime * 1000
      if (r.type === 'remote-inbound-rtp' && rtt === undefined && typeof r.roundTripTime === 'number') rtt = r.roundTripTime * 1000
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        jitter = Number(r.jitter ?? 0) * 1000
        lost = Number(r.packetsLost ?? 0)
        received = Number(r.packetsReceived ?? 0)
        audioLevel = Number(r.audioLevel ?? 0)
        totalAudioEnergy = Number(r.totalAudioEnergy ?? 0)
      }
      if (r.type === 'outbound-rtp' && r.kind === 'audio') sent = Number(r.packetsSent ?? 0)
    })
    const dLost = Math.max(0, lost - this.lastCounts.lost)
    const dRecv = Math.max(0, received - this.lastCounts.received)
    if (advance) this.lastCounts = { lost, received }
    const lossFraction = dLost + dRecv > 0 ? dLost / (dLost + dRecv) : 0
    const ping = Math.round(rtt ?? 0)
    return {
      ping,
      jitter: Math.round(jitter * 10) / 10,
      lossFraction,
      quality: quality(mos(ping, jitter, lossFraction)),
      packetsReceived: received,
      packetsSent: sent,
      audioLevel,
      totalAudioEnergy,
    }
  }

  private async report(): Promise<void> {
    try {
      const s = await this.stats()
      if (s) this.opts.onStats?.(s)
    } catch {
      /* the call ended while reading */
    }
  }

  /** Unregisters, hangs up, and releases the microphone, the speaker element and the ringtone. Safe twice. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.stopStats()
    this.ring.close()
    try {
      this.session?.terminate()
    } catch {
      /* already ended */
    }
    for (const t of this.stream?.getTracks() ?? []) t.stop()
    this.ua.stop()
    this.audio.srcObject = null
    this.audio.remove()
  }
}
