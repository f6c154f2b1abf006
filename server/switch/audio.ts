/** Audio constants, sources and level helpers shared by the switch and the simulator. */
export const SAMPLE_RATE = 8000
export const FRAME_MS = 20
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000 // 160

/** A pull source of PCM16 8 kHz audio, one 20 ms frame at a time. */
export interface AudioSource {
  /** Fills `frame` (FRAME_SAMPLES samples) with the next 20 ms of audio. */
  read(frame: Int16Array): void
}

export class SilenceSource implements AudioSource {
  read(frame: Int16Array): void {
    frame.fill(0)
  }
}

/** A continuous sine tone (phase-continuous across frames). */
export class ToneSource implements AudioSource {
  private phase = 0
  private readonly step: number
  private readonly amp: number
  constructor(frequency: number, amplitude = 0.25) {
    this.step = (2 * Math.PI * frequency) / SAMPLE_RATE
    this.amp = amplitude * 32767
  }
  read(frame: Int16Array): void {
    for (let i = 0; i < frame.length; i++) {
      frame[i] = Math.round(Math.sin(this.phase) * this.amp)
      this.phase += this.step
    }
    this.phase %= 2 * Math.PI
  }
}

/**
 * A speech-like signal: a few harmonics of a gliding fundamental, amplitude-modulated at a
 * syllable rate (~4 Hz) with short pauses. Good enough to exercise codecs and level meters.
 */
export class SpeechLikeSource implements AudioSource {
  private n = 0
  private phase = 0
  read(frame: Int16Array): void {
    for (let i = 0; i < frame.length; i++, this.n++) {
      const t = this.n / SAMPLE_RATE
      const f0 = 140 + 30 * Math.sin(2 * Math.PI * 0.7 * t)
      this.phase += (2 * Math.PI * f0) / SAMPLE_RATE
      const syllable = Math.max(0, Math.sin(2 * Math.PI * 4 * t)) ** 0.6
      const phrase = t % 3 < 2.4 ? 1 : 0.05
      const s =
        0.6 * Math.sin(this.phase) + 0.3 * Math.sin(2 * this.phase) + 0.2 * Math.sin(3 * this.phase) + 0.1 * Math.sin(5 * this.phase)
      frame[i] = Math.round(s * syllable * phrase * 0.3 * 32767)
    }
    this.phase %= 2 * Math.PI
  }
}

const NOTE = (semitonesFromA4: number): number => 440 * 2 ** (semitonesFromA4 / 12)

/**
 * Music on hold generated in code: a slow arpeggio over a I-vi-IV-V progression, each note a soft
 * sine with its octave and a bell-like envelope. Loops forever; no audio files.
 */
export class MusicOnHoldSource implements AudioSource {
  static readonly NOTE_SAMPLES = SAMPLE_RATE * 0.3
  static readonly SEQUENCE: readonly number[] = [
    // C major (C E G E), A minor (A C E C), F major (F A C A), G major (G B D B)
    -9, -5, -2, -5, 0, 3, 7, 3, -4, 0, 3, 0, -2, 2, 5, 2,
  ].map((s) => NOTE(s))
  private n = 0
  private phase = 0
  private phase2 = 0
  private readonly amp: number
  constructor(amplitude = 0.2) {
    this.amp = amplitude * 32767
  }
  read(frame: Int16Array): void {
    const seq = MusicOnHoldSource.SEQUENCE
    const len = MusicOnHoldSource.NOTE_SAMPLES
    for (let i = 0; i < frame.length; i++, this.n++) {
      const noteIndex = Math.floor(this.n / len) % seq.length
      const within = (this.n % len) / len
      const f = seq[noteIndex]!
      this.phase += (2 * Math.PI * f) / SAMPLE_RATE
      this.phase2 += (2 * Math.PI * f * 2) / SAMPLE_RATE
      const attack = Math.min(1, within * 20)
      const env = attack * Math.exp(-3 * within)
      frame[i] = Math.round((0.8 * Math.sin(this.phase) + 0.2 * Math.sin(this.phase2)) * env * this.amp)
    }
    this.phase %= 2 * Math.PI
    this.phase2 %= 2 * Math.PI
  }
}

/** Ringback tone (425 Hz, 1 s on / 4 s off, ETSI-ish) for a caller waiting on the other leg. */
export class RingbackSource implements AudioSource {
  private n = 0
  private readonly tone = new ToneSource(425, 0.15)
  private readonly buf = new Int16Array(FRAME_SAMPLES)
  read(frame: Int16Array): void {
    const on = this.n % (SAMPLE_RATE * 5) < SAMPLE_RATE
    this.n += frame.length
    if (on) {
      this.tone.read(this.buf)
      frame.set(this.buf.subarray(0, frame.length))
    } else frame.fill(0)
  }
}

/** RMS of a PCM16 frame, normalised to 0..1 full scale. */
export function rms(frame: Int16Array): number {
  if (frame.length === 0) return 0
  let sum = 0
  for (let i = 0; i < frame.length; i++) {
    const s = frame[i]! / 32768
    sum += s * s
  }
  return Math.sqrt(sum / frame.length)
}

/** Goertzel power of `freq` in `samples` (normalised amplitude estimate 0..1). */
export function toneAmplitude(samples: Int16Array, freq: number): number {
  const w = (2 * Math.PI * freq) / SAMPLE_RATE
  const coeff = 2 * Math.cos(w)
  let s1 = 0
  let s2 = 0
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i]! / 32768 + coeff * s1 - s2
    s2 = s1
    s1 = s0
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2
  return (2 * Math.sqrt(Math.max(0, power))) / samples.length
}

/** Keeps a rolling history of per-frame RMS values with timestamps. */
export class LevelMeter {
  private readonly history: { at: number; rms: number }[] = []
  private readonly maxEntries: number
  constructor(maxSeconds = 120) {
    this.maxEntries = Math.ceil((maxSeconds * 1000) / FRAME_MS)
  }
  push(frame: Int16Array, at = Date.now()): void {
    this.history.push({ at, rms: rms(frame) })
    if (this.history.length > this.maxEntries) this.history.splice(0, this.history.length - this.maxEntries)
  }
  /** RMS over frames received in [from, to] (power average); 0 when no frames. */
  rmsBetween(from: number, to = Date.now()): number {
    let sum = 0
    let n = 0
    for (const h of this.history) {
      if (h.at >= from && h.at <= to) {
        sum += h.rms * h.rms
        n++
      }
    }
    return n === 0 ? 0 : Math.sqrt(sum / n)
  }
  framesBetween(from: number, to = Date.now()): number {
    return this.history.filter((h) => h.at >= from && h.at <= to).length
  }
  /** Per-second summary (for reports): [{ second, rms, frames }]. */
  timeline(from: number, to = Date.now()): { second: number; rms: number; frames: number }[] {
    const out: { second: number; rms: number; frames: number }[] = []
    for (let t = from; t < to; t += 1000) {
      out.push({ second: (t - from) / 1000, rms: this.rmsBetween(t, t + 1000), frames: this.framesBetween(t, t + 1000) })
    }
    return out
  }
}
