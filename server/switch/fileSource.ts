import { readFile } from 'node:fs/promises'
import { FRAME_SAMPLES, SAMPLE_RATE, type AudioSource } from './audio'

/**
 * Audio from files: the greetings the REST API stores (8 kHz mono PCM16 WAV, server/api/wav.ts) and
 * the prompts the server renders itself, played into a call 20 ms at a time by the mixer.
 */

/** Parses a PCM16 8 kHz mono WAV (any chunk layout); throws on anything else. */
export function parsePcmWav(buf: Uint8Array): Int16Array {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const tag = (at: number): string => String.fromCharCode(buf[at]!, buf[at + 1]!, buf[at + 2]!, buf[at + 3]!)
  if (buf.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file')
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined
  let at = 12
  while (at + 8 <= buf.byteLength) {
    const id = tag(at)
    const size = dv.getUint32(at + 4, true)
    const body = at + 8
    if (id === 'fmt ' && body + 16 <= buf.byteLength) {
      fmt = {
        format: dv.getUint16(body, true),
        channels: dv.getUint16(body + 2, true),
        rate: dv.getUint32(body + 4, true),
        bits: dv.getUint16(body + 14, true),
      }
    } else if (id === 'data') {
      if (!fmt) throw new Error('the data chunk comes before the fmt chunk')
      if (fmt.format !== 1 || fmt.bits !== 16 || fmt.channels !== 1 || fmt.rate !== SAMPLE_RATE) {
        throw new Error(`not 8 kHz mono PCM16 (format ${fmt.format}, ${fmt.bits} bits, ${fmt.channels} channels, ${fmt.rate} Hz)`)
      }
      const bytes = Math.min(size, buf.byteLength - body)
      const out = new Int16Array(Math.floor(bytes / 2))
      for (let i = 0; i < out.length; i++) out[i] = dv.getInt16(body + i * 2, true)
      return out
    }
    at = body + size + (size % 2)
  }
  throw new Error(fmt ? 'no data chunk' : 'no fmt chunk')
}

export async function readPcmWav(file: string): Promise<Int16Array> {
  return parsePcmWav(await readFile(file))
}

export interface PcmSourceOptions {
  /** Start again at the end (waiting music); otherwise silence after the end. */
  loop?: boolean
  /** Silence before the first sample, in ms (an IVR node's `sched`). */
  leadInMs?: number
}

/**
 * Plays samples (8 kHz PCM16) once or in a loop. `ended` resolves when a one-shot source has played
 * its last sample (never for a loop); stop() ends it early (silence from then on).
 */
export class PcmSource implements AudioSource {
  readonly ended: Promise<void>
  private readonly leadIn: number
  private pos: number
  private finished = false
  private resolve!: () => void

  constructor(
    private readonly samples: Int16Array,
    private readonly opts: PcmSourceOptions = {},
  ) {
    this.leadIn = Math.max(0, Math.round(((opts.leadInMs ?? 0) * SAMPLE_RATE) / 1000))
    this.pos = -this.leadIn
    this.ended = new Promise((r) => (this.resolve = r))
    if (samples.length === 0 && !opts.loop && this.pos >= 0) this.stop()
  }

  get done(): boolean {
    return this.finished
  }

  /** How long it plays once, in ms (lead-in included). */
  get durationMs(): number {
    return Math.round(((this.samples.length + this.leadIn) / SAMPLE_RATE) * 1000)
  }

  read(frame: Int16Array): void {
    const n = frame.length || FRAME_SAMPLES
    for (let i = 0; i < n; i++) {
      if (this.finished || this.pos < 0) {
        frame[i] = 0
        if (!this.finished) this.pos++
        continue
      }
      if (this.pos >= this.samples.length) {
        if (this.opts.loop && this.samples.length > 0) this.pos = 0
        else {
          this.stop()
          frame[i] = 0
          continue
        }
      }
      frame[i] = this.samples[this.pos++]!
    }
  }

  stop(): void {
    if (this.finished) return
    this.finished = true
    this.resolve()
  }
}
