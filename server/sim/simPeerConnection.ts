import {
  MediaStreamTrack,
  RTCPeerConnection,
  type RTCRtpCodecParameters,
  type RTCRtpSender,
  type RTCRtpTransceiver,
  type RtpPacket,
} from 'werift'
import { FRAME_SAMPLES, LevelMeter, type AudioSource } from '../switch/audio'
import { MediaClock } from '../switch/clock'
import { decodeUlaw } from '../switch/g711'
import { pcmuCodecs } from '../switch/mediaLeg'
import { DtmfReceiver, RtpAudioSender, type DtmfEvent } from '../switch/rtp'
import { audioDirection, includesSend } from '../switch/sdp'

function codecsOf(t: RTCRtpTransceiver | undefined): { audio?: RTCRtpCodecParameters; event?: RTCRtpCodecParameters } {
  const codecs = t?.codecs ?? []
  const audio = codecs.find((c) => c.mimeType.toLowerCase() === 'audio/pcmu')
  const event = codecs.find((c) => c.mimeType.toLowerCase() === 'audio/telephone-event' && c.clockRate === 8000)
  return { ...(audio ? { audio } : {}), ...(event ? { event } : {}) }
}

/**
 * A local audio track whose samples come from an AudioSource (tone, speech-like, ...). Once the
 * peer connection binds it to a sender, it runs its own 20 ms clock and sends PCMU (and RFC 4733
 * DTMF) through that sender. stop() stops the clock.
 */
export class PcmSourceTrack extends MediaStreamTrack {
  source: AudioSource
  private clock: MediaClock | undefined
  private out: RtpAudioSender | undefined
  private canSend: () => boolean = () => true
  private readonly frame = new Int16Array(FRAME_SAMPLES)

  constructor(source: AudioSource) {
    super({ kind: 'audio' })
    this.source = source
    this.stop = () => {
      this.stopped = true
      this.clock?.stop()
      this.clock = undefined
      this.out?.close()
    }
  }

  /** @internal called by SimPeerConnection.addTrack */
  bindSender(sender: RTCRtpSender, transceiver: () => RTCRtpTransceiver | undefined, canSend: () => boolean): void {
    this.out?.close()
    this.out = new RtpAudioSender(sender, () => codecsOf(transceiver()))
    this.canSend = canSend
    this.clock?.stop()
    this.clock = new MediaClock(() => {
      this.source.read(this.frame)
      this.out?.tick(this.frame, this.canSend())
    })
    if (!this.stopped) this.clock.start()
  }

  insertDtmf(tones: string, durationMs: number, gapMs: number): Promise<void> {
    if (!this.out) return Promise.reject(new Error('track not bound to a sender'))
    return this.out.sendDtmf(tones, durationMs, gapMs)
  }
}

export interface SimPeerConnectionHooks {
  onAudio?: (frame: Int16Array) => void
  onDtmf?: (e: DtmfEvent) => void
  onFirstRtp?: () => void
}

/**
 * werift RTCPeerConnection adapted for JsSIP in Node: PCMU + telephone-event only, loopback ICE
 * defaults, a `sender.dtmf` (RTCDTMFSender-like) for JsSIP's RFC 2833 DTMF, and a receive-side
 * level meter (decoded PCMU) in place of an audio element.
 */
export class SimPeerConnection extends RTCPeerConnection {
  readonly meter = new LevelMeter()
  /** Recent received audio (decoded PCMU), for tone analysis: about the last 10 s. */
  readonly recent: { at: number; pcm: Int16Array }[] = []
  packetsReceived = 0
  firstRtpAt: number | undefined
  private readonly hooks: SimPeerConnectionHooks
  private readonly subs: (() => void)[] = []
  private readonly tracks = new Set<string>()
  private readonly dtmfIn: DtmfReceiver
  private ownTracks: PcmSourceTrack[] = []
  private localSdp = ''
  private localSends = true

  constructor(config: Record<string, unknown>, hooks: SimPeerConnectionHooks = {}) {
    const iceServers = Array.isArray(config['iceServers']) ? (config['iceServers'] as { urls: string }[]) : []
    super({
      codecs: { audio: pcmuCodecs(), video: [] },
      headerExtensions: { audio: [], video: [] },
      iceServers,
      iceAdditionalHostAddresses: (config['iceAdditionalHostAddresses'] as string[] | undefined) ?? ['127.0.0.1'],
      iceUseIpv6: false,
    })
    this.hooks = hooks
    this.dtmfIn = new DtmfReceiver((e) => this.hooks.onDtmf?.(e))
    this.subs.push(this.onTrack.subscribe((t) => this.attach(t)).unSubscribe)
  }

  override addTrack(track: MediaStreamTrack, ...streams: Parameters<RTCPeerConnection['addTrack']>[1][]): RTCRtpSender {
    const sender = super.addTrack(track, ...streams)
    if (track instanceof PcmSourceTrack) {
      this.ownTracks.push(track)
      track.bindSender(
        sender,
        () => this.getTransceivers().find((t) => t.sender === sender),
        () => this.canSend(),
      )
      const dtmf = {
        toneBuffer: '',
        ontonechange: null as unknown,
        insertDTMF: (tones: string, duration = 100, gap = 70): void => {
          track.insertDtmf(tones, duration, gap).catch(() => undefined)
        },
      }
      Object.defineProperty(sender, 'dtmf', { value: dtmf, configurable: true })
    }
    return sender
  }

  /** Trap: JsSIP passes `null` offer constraints; werift destructures `{ iceRestart }` from them. */
  override createOffer(options?: { iceRestart?: boolean } | null): ReturnType<RTCPeerConnection['createOffer']> {
    return super.createOffer(options ?? {})
  }

  /** Received audio between `from` and `to` (ms epoch), concatenated. */
  receivedAudio(from: number, to = Date.now()): Int16Array {
    const frames = this.recent.filter((f) => f.at >= from && f.at <= to)
    const out = new Int16Array(frames.reduce((n, f) => n + f.pcm.length, 0))
    let off = 0
    for (const f of frames) {
      out.set(f.pcm, off)
      off += f.pcm.length
    }
    return out
  }

  override async close(): Promise<void> {
    for (const u of this.subs.splice(0)) u()
    for (const t of this.ownTracks) t.stop()
    this.ownTracks = []
    await super.close()
  }

  private canSend(): boolean {
    const sdp = this.localDescription?.sdp ?? ''
    if (sdp !== this.localSdp) {
      this.localSdp = sdp
      this.localSends = sdp === '' || includesSend(audioDirection(sdp))
    }
    return this.localSends
  }

  private attach(track: MediaStreamTrack): void {
    if (this.tracks.has(track.uuid)) return
    this.tracks.add(track.uuid)
    this.subs.push(track.onReceiveRtp.subscribe((rtp) => this.onRtp(rtp)).unSubscribe)
  }

  private onRtp(rtp: RtpPacket): void {
    this.packetsReceived++
    if (this.firstRtpAt === undefined) {
      this.firstRtpAt = Date.now()
      this.hooks.onFirstRtp?.()
    }
    const t = this.getTransceivers()[0]
    const { audio, event } = codecsOf(t)
    if (event && rtp.header.payloadType === event.payloadType) {
      this.dtmfIn.handle(rtp.header.timestamp, rtp.payload)
      return
    }
    if (audio && rtp.header.payloadType === audio.payloadType) {
      const pcm = decodeUlaw(rtp.payload)
      const now = Date.now()
      this.meter.push(pcm, now)
      this.recent.push({ at: now, pcm })
      if (this.recent.length > 500) this.recent.shift()
      this.hooks.onAudio?.(pcm)
    }
  }
}
