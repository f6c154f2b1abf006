import { randomUUID } from 'node:crypto'
import { FRAME_SAMPLES, rms, type AudioSource } from './audio'
import { MediaClock } from './clock'
import type { Logger } from '../util/logger'
import { silentLogger } from '../util/logger'

/** Anything the mixer can pull received audio from and push audio to (MediaLeg implements it). */
export interface AudioPort {
  readFrame(): Int16Array | undefined
  sendFrame(frame: Int16Array): void
}

/** A sink receiving, every tick, one frame per channel (e.g. a Recorder). */
export interface FrameSink {
  write(frames: readonly Int16Array[]): void
}

export interface ParticipantOptions {
  label?: string
  /** What this participant sends is not heard by the others. */
  muted?: boolean
  /** Replace what this participant hears (e.g. music on hold). */
  source?: AudioSource
}

export class Participant {
  readonly id = randomUUID().slice(0, 8)
  label: string
  muted: boolean
  source: AudioSource | undefined
  /** Last frame received from this participant (zeros when none arrived this tick). */
  readonly input = new Int16Array(FRAME_SAMPLES)
  /** Last frame sent to this participant. */
  readonly output = new Int16Array(FRAME_SAMPLES)
  inputRms = 0
  outputRms = 0
  /** Ticks on which no frame was available from the network. */
  underruns = 0
  constructor(
    readonly port: AudioPort,
    opts: ParticipantOptions,
  ) {
    this.label = opts.label ?? this.id
    this.muted = opts.muted ?? false
    this.source = opts.source
  }
}

export interface MixerOptions {
  logger?: Logger
  /** Called after every tick (for metrics/tests). */
  onTick?: (tick: number) => void
}

/**
 * A 20 ms mixing clock over N participants. Each tick it pulls one decoded frame per participant,
 * and sends each participant the sum of all the others (N-1 mix), or its override source, then
 * feeds attached sinks (recorders) with the per-participant inputs. Two participants = a bridge,
 * three or more = a conference; hold, mute, music on hold and recording are the same mechanism.
 * Owns one MediaClock; close() stops it and detaches everything.
 */
export class Mixer {
  private readonly members: Participant[] = []
  /** Each sink's channels: the participants whose inputs are summed into each channel. */
  private readonly sinks = new Map<FrameSink, Participant[][]>()
  private readonly clock: MediaClock
  private readonly sum = new Int32Array(FRAME_SAMPLES)
  private readonly silence = new Int16Array(FRAME_SAMPLES)
  private readonly chanSum = new Int32Array(FRAME_SAMPLES)
  private readonly log: Logger
  private readonly onTick: ((tick: number) => void) | undefined
  private closed = false
  ticks = 0

  constructor(opts: MixerOptions = {}) {
    this.log = opts.logger ?? silentLogger
    this.onTick = opts.onTick
    this.clock = new MediaClock((t) => this.tick(t))
  }

  get participants(): readonly Participant[] {
    return this.members
  }

  get clockSkippedTicks(): number {
    return this.clock.skipped
  }

  add(port: AudioPort, opts: ParticipantOptions = {}): Participant {
    if (this.closed) throw new Error('mixer closed')
    const p = new Participant(port, opts)
    this.members.push(p)
    this.log.debug(`mixer: + ${p.label} (${this.members.length})`)
    if (!this.clock.running) this.clock.start()
    return p
  }

  remove(p: Participant): void {
    const i = this.members.indexOf(p)
    if (i >= 0) this.members.splice(i, 1)
    for (const chans of this.sinks.values()) {
      // The channel layout stays; a channel nobody is left in records silence.
      for (const ch of chans) {
        const j = ch.indexOf(p)
        if (j >= 0) ch.splice(j, 1)
      }
    }
    if (this.members.length === 0) this.clock.stop()
  }

  setMuted(p: Participant, muted: boolean): void {
    p.muted = muted
  }

  /** Replace what `p` hears with `source` (undefined restores the mix). */
  setSource(p: Participant, source: AudioSource | undefined): void {
    p.source = source
  }

  /**
   * Feeds `sink` every tick with one frame per channel, in `channels` order: a participant's input,
   * or the sum of a group's inputs (e.g. every agent-side leg of a call in one channel).
   */
  attach(sink: FrameSink, channels: readonly (Participant | readonly Participant[])[]): () => void {
    this.sinks.set(
      sink,
      channels.map((c) => (Array.isArray(c) ? [...(c as readonly Participant[])] : [c as Participant])),
    )
    return () => this.sinks.delete(sink)
  }

  /** Adds `p` to channel `channel` of an attached sink (a leg that joined a recorded call). */
  joinChannel(sink: FrameSink, channel: number, p: Participant): void {
    const ch = this.sinks.get(sink)?.[channel]
    if (ch && !ch.includes(p)) ch.push(p)
  }

  close(): void {
    this.closed = true
    this.clock.stop()
    this.members.length = 0
    this.sinks.clear()
  }

  private tick(tick: number): void {
    const ps = this.members
    const sum = this.sum
    sum.fill(0)
    for (const p of ps) {
      const f = p.port.readFrame()
      if (f) p.input.set(f.length === FRAME_SAMPLES ? f : f.subarray(0, FRAME_SAMPLES))
      else {
        p.input.fill(0)
        p.underruns++
      }
      if (p.muted) p.input.fill(0)
      p.inputRms = rms(p.input)
      if (!p.muted) for (let i = 0; i < FRAME_SAMPLES; i++) sum[i]! += p.input[i]!
    }
    for (const p of ps) {
      const out = p.output
      if (p.source) p.source.read(out)
      else {
        for (let i = 0; i < FRAME_SAMPLES; i++) {
          const v = sum[i]! - p.input[i]!
          out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v
        }
      }
      p.outputRms = rms(out)
      try {
        p.port.sendFrame(out)
      } catch (e) {
        this.log.warn(`mixer: send to ${p.label} failed: ${String(e)}`)
      }
    }
    for (const [sink, chans] of this.sinks) {
      sink.write(chans.map((ch) => this.channelFrame(ch)))
    }
    this.ticks++
    this.onTick?.(tick)
  }

  private channelFrame(ch: readonly Participant[]): Int16Array {
    if (ch.length === 0) return this.silence
    if (ch.length === 1) return ch[0]!.input
    const sum = this.chanSum
    sum.fill(0)
    for (const p of ch) for (let i = 0; i < FRAME_SAMPLES; i++) sum[i]! += p.input[i]!
    const out = new Int16Array(FRAME_SAMPLES)
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = sum[i]!
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v
    }
    return out
  }
}
