import { randomInt } from 'node:crypto'
import { RtpHeader, RtpPacket, type RTCRtpCodecParameters, type RTCRtpSender } from 'werift'
import { FRAME_MS, FRAME_SAMPLES } from './audio'
import { encodeAlaw, encodeUlaw } from './g711'

export const PCMU_PT = 0
export const PCMA_PT = 8
export const TELEPHONE_EVENT_PT = 101

const DTMF_EVENTS = '0123456789*#ABCD'
export function dtmfDigitToEvent(digit: string): number | undefined {
  const i = DTMF_EVENTS.indexOf(digit.toUpperCase())
  return i < 0 ? undefined : i
}
export function dtmfEventToDigit(event: number): string | undefined {
  return DTMF_EVENTS[event]
}

export interface DtmfEvent {
  digit: string
  /** Duration in ms as signalled by the sender's end packet. */
  durationMs: number
  /** RTP timestamp of the event (unique per event). */
  rtpTimestamp: number
}

/** Parses an RFC 4733 telephone-event payload. */
export function parseTelephoneEvent(payload: Uint8Array): { event: number; end: boolean; volume: number; duration: number } | undefined {
  if (payload.length < 4) return undefined
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  }
}

/**
 * RFC 4733 receiver: reports each event once, on its first end packet (end packets are sent
 * three times), keyed by the event's RTP timestamp. An event whose end packets were all lost is
 * reported when the next event (a new timestamp) starts.
 */
export class DtmfReceiver {
  private current: { ts: number; event: number; duration: number; reported: boolean } | undefined
  private readonly recent: number[] = []
  constructor(private readonly onDigit: (e: DtmfEvent) => void) {}

  handle(timestamp: number, payload: Uint8Array): void {
    const te = parseTelephoneEvent(payload)
    if (!te) return
    if (this.recent.includes(timestamp)) return // already reported (end retransmission)
    if (this.current && this.current.ts !== timestamp && !this.current.reported) this.report(this.current)
    if (!this.current || this.current.ts !== timestamp) {
      this.current = { ts: timestamp, event: te.event, duration: te.duration, reported: false }
    }
    this.current.duration = Math.max(this.current.duration, te.duration)
    if (te.end) this.report(this.current)
  }

  private report(c: { ts: number; event: number; duration: number; reported: boolean }): void {
    c.reported = true
    this.recent.push(c.ts)
    if (this.recent.length > 16) this.recent.shift()
    const digit = dtmfEventToDigit(c.event)
    if (digit !== undefined) this.onDigit({ digit, durationMs: Math.round(c.duration / 8), rtpTimestamp: c.ts })
  }
}

interface DtmfJob {
  digits: string[]
  durationTicks: number
  gapTicks: number
  resolve: () => void
  reject: (e: Error) => void
}

/**
 * Packetizes 20 ms PCM16 frames as PCMU or PCMA (the negotiated codec) and interleaves RFC 4733 events, owning the RTP sequence
 * number and timestamp space of one sender (audio and events share SSRC, sequence and clock, as
 * RFC 4733 requires).
 *
 * Trap: werift's RTCRtpSender.sendRtp() overwrites the payload type with `sender.codec` (the first
 * negotiated codec). To send telephone-event packets we set `sender.codec` to the event codec for
 * the synchronous part of sendRtp() and restore it right after.
 */
export class RtpAudioSender {
  private seq = randomInt(0, 0xffff)
  private ts = randomInt(0, 0x7fffffff)
  private marker = true
  private jobs: DtmfJob[] = []
  private active: { event: number; startTs: number; ticks: number; durationTicks: number; gapLeft: number; job: DtmfJob } | undefined
  private gapLeft = 0
  private closed = false
  private readonly payload = Buffer.alloc(FRAME_SAMPLES)
  packetsSent = 0
  eventPacketsSent = 0

  constructor(
    private readonly sender: RTCRtpSender,
    private readonly codecs: () => { audio?: RTCRtpCodecParameters; event?: RTCRtpCodecParameters },
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  /**
   * Called once per 20 ms tick. Sends `frame` as PCMU, unless a DTMF event is in progress, in which
   * case the event packet for this tick is sent instead. `send=false` advances the clock only.
   */
  tick(frame: Int16Array, send = true): void {
    if (this.closed) return
    const startTs = this.ts
    this.ts = (this.ts + FRAME_SAMPLES) >>> 0
    if (this.active || (this.gapLeft === 0 && this.jobs.length > 0)) {
      if (this.dtmfTick(startTs, send)) return
    }
    if (this.gapLeft > 0) this.gapLeft--
    if (!send) {
      this.marker = true
      return
    }
    const { audio } = this.codecs()
    if (!audio) return
    if (/pcma$/i.test(audio.mimeType)) encodeAlaw(frame, this.payload)
    else encodeUlaw(frame, this.payload)
    this.send(audio, this.payload, startTs, this.marker)
    this.marker = false
  }

  /** Queues RFC 4733 digits; resolves when the last end packet went out. */
  sendDtmf(digits: string, durationMs = 100, gapMs = 70): Promise<void> {
    const list = [...digits].filter((d) => d !== ',' && dtmfDigitToEvent(d) !== undefined)
    if (list.length === 0) return Promise.resolve()
    if (!this.codecs().event) return Promise.reject(new Error('telephone-event was not negotiated'))
    return new Promise<void>((resolve, reject) => {
      this.jobs.push({
        digits: list,
        durationTicks: Math.max(2, Math.round(durationMs / FRAME_MS)),
        gapTicks: Math.max(2, Math.round(gapMs / FRAME_MS)),
        resolve,
        reject,
      })
    })
  }

  close(): void {
    this.closed = true
    const err = new Error('sender closed')
    if (this.active) this.active.job.reject(err)
    for (const j of this.jobs) if (j !== this.active?.job) j.reject(err)
    this.jobs = []
    this.active = undefined
  }

  /** Returns true when this tick was used for an event packet. */
  private dtmfTick(tickTs: number, send: boolean): boolean {
    const { event: codec } = this.codecs()
    if (!codec) return false
    if (!this.active) {
      const job = this.jobs[0]
      if (!job) return false
      const digit = job.digits.shift()!
      this.active = {
        event: dtmfDigitToEvent(digit)!,
        startTs: tickTs,
        ticks: 0,
        durationTicks: job.durationTicks,
        gapLeft: job.gapTicks,
        job,
      }
    }
    const a = this.active
    a.ticks++
    const end = a.ticks >= a.durationTicks
    const duration = Math.min(0xffff, a.ticks * FRAME_SAMPLES)
    const payload = Buffer.from([a.event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff])
    if (send) {
      // RFC 4733 2.5.1.4: the end packet is retransmitted (three times in total).
      for (let i = 0; i < (end ? 3 : 1); i++) this.send(codec, payload, a.startTs, a.ticks === 1, true)
    }
    if (end) {
      this.active = undefined
      this.gapLeft = a.gapLeft
      this.marker = true
      if (a.job.digits.length === 0) {
        this.jobs.shift()
        a.job.resolve()
      }
    }
    return true
  }

  private send(codec: RTCRtpCodecParameters, payload: Buffer, timestamp: number, marker: boolean, isEvent = false): void {
    const header = new RtpHeader({
      payloadType: codec.payloadType,
      sequenceNumber: this.seq,
      timestamp,
      marker,
    })
    this.seq = (this.seq + 1) & 0xffff
    const packet = new RtpPacket(header, Buffer.from(payload))
    const previous = this.sender.codec
    this.sender.codec = codec // see class comment: sendRtp rewrites the PT from sender.codec synchronously
    try {
      this.sender.sendRtp(packet).catch(this.onError)
    } finally {
      this.sender.codec = previous
    }
    if (isEvent) this.eventPacketsSent++
    else this.packetsSent++
  }
}
