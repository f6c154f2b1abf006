import { randomUUID } from 'node:crypto'
import { RTCPeerConnection, RTCRtpCodecParameters, type MediaStreamTrack, type RTCRtpTransceiver, type RtpPacket } from 'werift'
import { FRAME_SAMPLES } from './audio'
import { decodeAlaw, decodeUlaw } from './g711'
import { DtmfReceiver, RtpAudioSender, PCMA_PT, PCMU_PT, TELEPHONE_EVENT_PT, type DtmfEvent } from './rtp'
import { audioDirection, includesSend, normaliseSdp, offeredAudioCodecs, setDirection, type Direction } from './sdp'
import { TypedEmitter } from '../util/emitter'
import { silentLogger, type Logger } from '../util/logger'
import { withTimeout } from '../util/async'

export interface MediaLegOptions {
  id?: string
  /** Extra host candidates; on a loopback-only host werift needs ['127.0.0.1'] (default). */
  iceAdditionalHostAddresses?: string[]
  /** Default [] (no STUN: an unreachable STUN server stalls gathering). */
  iceServers?: { urls: string }[]
  icePortRange?: [number, number]
  /** Max frames buffered from the network before the oldest is dropped (default 6 = 120 ms). */
  maxBufferedFrames?: number
  iceGatheringTimeoutMs?: number
  logger?: Logger
}

export interface MediaLegEvents {
  /** A decoded 20 ms PCM16 frame arrived (also buffered for readFrame()). */
  audio: [Int16Array]
  dtmf: [DtmfEvent]
  connected: []
  /** The remote changed direction in a re-offer (e.g. sendonly = remote put us on hold). */
  direction: [{ local: Direction; remote: Direction }]
  failed: [Error]
  closed: []
}

export interface MediaLegStats {
  packetsReceived: number
  packetsSent: number
  eventPacketsSent: number
  bytesReceived: number
  firstRtpAt: number | undefined
  lastRtpAt: number | undefined
  connectedAt: number | undefined
  createdAt: number
}

/** werift codec set: PCMU (0) and telephone-event/8000 (101) only. */
export function pcmuCodecs(): RTCRtpCodecParameters[] {
  return [
    new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: PCMU_PT }),
    new RTCRtpCodecParameters({
      mimeType: 'audio/telephone-event',
      clockRate: 8000,
      channels: 1,
      payloadType: TELEPHONE_EVENT_PT,
      parameters: '0-16',
    }),
  ]
}

/** The switch's codecs: PCMU and PCMA (G.711, which the mixer's 8 kHz linear PCM carries), and RFC 4733 events. */
export function switchCodecs(): RTCRtpCodecParameters[] {
  const [pcmu, event] = pcmuCodecs()
  return [pcmu!, new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: PCMA_PT }), event!]
}

const SUPPORTED_CODECS = ['PCMU', 'PCMA']

/** An offer the switch cannot take (no common codec): answered 488 Not Acceptable Here. */
export class MediaNegotiationError extends Error {
  readonly status = 488
}

/**
 * One call leg's media: a werift RTCPeerConnection with one audio transceiver, PCMU or PCMA + RFC 4733.
 * Frames in: `readFrame()` (pull, for the mixer) or the `audio` event. Frames out: `sendFrame()`
 * once per 20 ms tick (the mixer's clock drives the RTP clock, so timestamps are exact).
 */
export class MediaLeg extends TypedEmitter<MediaLegEvents> {
  readonly id: string
  private readonly pc: RTCPeerConnection
  private readonly transceiver: RTCRtpTransceiver
  private readonly log: Logger
  private readonly out: RtpAudioSender
  private readonly dtmfIn: DtmfReceiver
  private readonly frames: Int16Array[] = []
  private readonly maxFrames: number
  private readonly gatherTimeoutMs: number
  private readonly unsubs: (() => void)[] = []
  private readonly tracks = new Set<string>()
  private pending: Int16Array | undefined
  private localDir: Direction = 'sendrecv'
  private remoteDir: Direction = 'sendrecv'
  private munged: Direction | undefined
  private isClosed = false
  readonly stats: MediaLegStats = {
    packetsReceived: 0,
    packetsSent: 0,
    eventPacketsSent: 0,
    bytesReceived: 0,
    firstRtpAt: undefined,
    lastRtpAt: undefined,
    connectedAt: undefined,
    createdAt: Date.now(),
  }

  constructor(opts: MediaLegOptions = {}) {
    super()
    this.id = opts.id ?? randomUUID().slice(0, 8)
    this.log = opts.logger ?? silentLogger
    this.maxFrames = opts.maxBufferedFrames ?? 6
    this.gatherTimeoutMs = opts.iceGatheringTimeoutMs ?? 5000
    this.pc = new RTCPeerConnection({
      codecs: { audio: switchCodecs(), video: [] },
      headerExtensions: { audio: [], video: [] },
      iceServers: opts.iceServers ?? [],
      iceAdditionalHostAddresses: opts.iceAdditionalHostAddresses ?? ['127.0.0.1'],
      iceUseIpv6: false,
      ...(opts.icePortRange ? { icePortRange: opts.icePortRange } : {}),
    })
    // Trap: a werift answerer answers recvonly unless a sendrecv transceiver exists before
    // setRemoteDescription (it is then matched to the remote m-line).
    this.transceiver = this.pc.addTransceiver('audio', { direction: 'sendrecv' })
    this.out = new RtpAudioSender(
      this.transceiver.sender,
      () => this.codecs(),
      (e) => this.log.debug(`${this.id} sendRtp failed: ${String(e)}`),
    )
    this.dtmfIn = new DtmfReceiver((e) => this.emit('dtmf', e))

    const onTrack = this.pc.onTrack.subscribe((track) => this.attachTrack(track))
    this.unsubs.push(onTrack.unSubscribe)
    const onState = this.pc.connectionStateChange.subscribe((state) => {
      this.log.debug(`${this.id} connectionState ${state}`)
      if (state === 'connected' && this.stats.connectedAt === undefined) {
        this.stats.connectedAt = Date.now()
        this.emit('connected')
      } else if (state === 'failed') {
        this.emit('failed', new Error(`media leg ${this.id}: ICE/DTLS failed`))
      }
    })
    this.unsubs.push(onState.unSubscribe)
  }

  get localDirection(): Direction {
    return this.localDir
  }
  get remoteDirection(): Direction {
    return this.remoteDir
  }
  get connectionState(): string {
    return this.pc.connectionState
  }
  get closed(): boolean {
    return this.isClosed
  }

  /** Answers an initial offer or a re-offer; returns the complete answer SDP (ICE gathered). */
  async answer(offerSdp: string): Promise<string> {
    this.assertOpen()
    const codecs = offeredAudioCodecs(offerSdp)
    if (!codecs.some((c) => SUPPORTED_CODECS.includes(c))) {
      throw new MediaNegotiationError(
        `no common codec: offered ${codecs.join(', ') || 'no audio'}, the switch takes ${SUPPORTED_CODECS.join(', ')}`,
      )
    }
    let offer = normaliseSdp(offerSdp)
    this.munged = undefined
    // Trap: werift turns an `inactive` offer into a rejected m-line (port 0). Feed it sendonly,
    // and turn our recvonly answer back into inactive on the wire.
    if (audioDirection(offerSdp) === 'inactive') {
      offer = setDirection(offer, 'sendonly')
      this.munged = 'inactive'
    }
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer })
    const answer = await this.pc.createAnswer()
    await this.pc.setLocalDescription(answer)
    await this.gathered()
    let sdp = this.pc.localDescription?.sdp ?? ''
    if (this.munged) sdp = setDirection(sdp, 'inactive')
    this.setDirections(audioDirection(sdp), audioDirection(offerSdp))
    return sdp
  }

  /**
   * Creates an offer (initial or re-offer). `direction` is what we ask for: 'sendonly' puts the
   * remote on hold (we keep sending, e.g. music on hold), 'recvonly' is us being on hold.
   */
  async createOffer(direction: Direction = 'sendrecv'): Promise<string> {
    this.assertOpen()
    if (direction === 'inactive') throw new Error('werift cannot negotiate inactive; use sendonly/recvonly')
    this.transceiver.setDirection(direction)
    const offer = await this.pc.createOffer()
    await this.pc.setLocalDescription(offer)
    await this.gathered()
    return this.pc.localDescription?.sdp ?? ''
  }

  /** Applies the remote answer to our last offer. */
  async acceptAnswer(answerSdp: string): Promise<void> {
    this.assertOpen()
    await this.pc.setRemoteDescription({ type: 'answer', sdp: normaliseSdp(answerSdp) })
    const remote = audioDirection(answerSdp)
    const local = audioDirection(this.pc.localDescription?.sdp ?? '')
    this.setDirections(andDirection(local, flip(remote)), remote)
  }

  /** Rolls back a local offer that the remote rejected (e.g. 488 to a re-INVITE). */
  async rollback(): Promise<void> {
    if (this.pc.signalingState === 'have-local-offer') {
      await this.pc.setLocalDescription({ type: 'rollback', sdp: '' } as never).catch(() => undefined)
    }
  }

  /** Resolves once ICE+DTLS are connected. */
  async waitConnected(timeoutMs: number): Promise<void> {
    if (this.stats.connectedAt !== undefined) return
    await this.waitFor('connected', timeoutMs, `media leg ${this.id} connected`)
  }

  /** Next buffered 20 ms frame received from the network, if any. */
  readFrame(): Int16Array | undefined {
    return this.frames.shift()
  }

  get bufferedFrames(): number {
    return this.frames.length
  }

  /** Sends one 20 ms frame (call exactly once per tick; silently paced when not sending). */
  sendFrame(frame: Int16Array): void {
    if (this.isClosed) return
    this.out.tick(frame, includesSend(this.localDir) && this.munged === undefined)
    this.stats.packetsSent = this.out.packetsSent
    this.stats.eventPacketsSent = this.out.eventPacketsSent
  }

  /** Sends RFC 4733 digits in-band, interleaved with the audio ticks. */
  sendDtmf(digits: string, opts: { durationMs?: number; gapMs?: number } = {}): Promise<void> {
    return this.out.sendDtmf(digits, opts.durationMs, opts.gapMs)
  }

  async close(): Promise<void> {
    if (this.isClosed) return
    this.isClosed = true
    this.out.close()
    for (const u of this.unsubs.splice(0)) u()
    this.frames.length = 0
    try {
      await withTimeout(this.pc.close(), 3000, `close pc ${this.id}`)
    } catch (e) {
      this.log.warn(`${this.id} close: ${String(e)}`)
    }
    this.emit('closed')
    this.removeAllListeners()
  }

  private assertOpen(): void {
    if (this.isClosed) throw new Error(`media leg ${this.id} is closed`)
  }

  private setDirections(local: Direction, remote: Direction): void {
    const changed = local !== this.localDir || remote !== this.remoteDir
    this.localDir = local
    this.remoteDir = remote
    if (changed) this.emit('direction', { local, remote })
  }

  private codecs(): { audio?: RTCRtpCodecParameters; event?: RTCRtpCodecParameters } {
    const codecs = this.transceiver.codecs
    const audio = codecs.find((c) => /^audio\/pcm[ua]$/i.test(c.mimeType))
    const event = codecs.find((c) => c.mimeType.toLowerCase() === 'audio/telephone-event' && c.clockRate === 8000)
    return { ...(audio ? { audio } : {}), ...(event ? { event } : {}) }
  }

  private async gathered(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return
    await withTimeout(
      this.pc.iceGatheringStateChange.watch((s) => s === 'complete'),
      this.gatherTimeoutMs,
      `ICE gathering of leg ${this.id}`,
    )
  }

  private attachTrack(track: MediaStreamTrack): void {
    if (this.tracks.has(track.uuid)) return
    this.tracks.add(track.uuid)
    const sub = track.onReceiveRtp.subscribe((rtp) => this.onRtp(rtp))
    this.unsubs.push(sub.unSubscribe)
  }

  private onRtp(rtp: RtpPacket): void {
    if (this.isClosed) return
    const now = Date.now()
    this.stats.packetsReceived++
    this.stats.bytesReceived += rtp.payload.length
    this.stats.firstRtpAt ??= now
    this.stats.lastRtpAt = now
    const { event } = this.codecs()
    const pt = rtp.header.payloadType
    if (event && pt === event.payloadType) {
      this.dtmfIn.handle(rtp.header.timestamp, rtp.payload)
      return
    }
    // The peer may send any codec of the answer, whichever we send.
    const codec = this.transceiver.codecs.find((c) => c.payloadType === pt && /^audio\/pcm[ua]$/i.test(c.mimeType))
    if (!codec) return
    const pcm = /pcma$/i.test(codec.mimeType) ? decodeAlaw(rtp.payload) : decodeUlaw(rtp.payload)
    this.pushSamples(pcm)
  }

  private pushSamples(pcm: Int16Array): void {
    let samples = pcm
    if (this.pending) {
      const joined = new Int16Array(this.pending.length + samples.length)
      joined.set(this.pending)
      joined.set(samples, this.pending.length)
      samples = joined
      this.pending = undefined
    }
    let off = 0
    while (samples.length - off >= FRAME_SAMPLES) {
      const frame = samples.slice(off, off + FRAME_SAMPLES)
      off += FRAME_SAMPLES
      this.frames.push(frame)
      if (this.frames.length > this.maxFrames) this.frames.shift()
      this.emit('audio', frame)
    }
    if (off < samples.length) this.pending = samples.slice(off)
  }
}

function flip(d: Direction): Direction {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d
}
function andDirection(a: Direction, b: Direction): Direction {
  const send = (a === 'sendrecv' || a === 'sendonly') && (b === 'sendrecv' || b === 'sendonly')
  const recv = (a === 'sendrecv' || a === 'recvonly') && (b === 'sendrecv' || b === 'recvonly')
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive'
}
