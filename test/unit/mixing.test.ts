import { describe, expect, it } from 'vitest'
import { SURVEY_PROMPT_HZ, SurveyPromptSource, SurveyThanksSource } from '../../server/calls/survey'
import { FRAME_SAMPLES, MusicOnHoldSource, ToneSource, toneAmplitude } from '../../server/switch/audio'
import { Mixer, type AudioPort, type FrameSink } from '../../server/switch/mixer'

/** A party of a call: says one tone, keeps what it hears. */
class Port implements AudioPort {
  readonly src: ToneSource
  readonly heard: Int16Array[] = []
  constructor(readonly hz: number) {
    this.src = new ToneSource(hz, 0.2)
  }
  readFrame(): Int16Array {
    const f = new Int16Array(FRAME_SAMPLES)
    this.src.read(f)
    return f
  }
  sendFrame(frame: Int16Array): void {
    this.heard.push(frame.slice())
  }
  /** Tone levels in the last ten frames heard. */
  level(hz: number): number {
    const last = this.heard.slice(-10)
    const all = new Int16Array(last.length * FRAME_SAMPLES)
    last.forEach((f, i) => all.set(f, i * FRAME_SAMPLES))
    return toneAmplitude(all, hz)
  }
}

class Sink implements FrameSink {
  readonly frames: (readonly Int16Array[])[] = []
  write(frames: readonly Int16Array[]): void {
    this.frames.push(frames.map((f) => f.slice()))
  }
}

/** Resolves after the mixer's clock ticked `n` times (20 ms each); fails after 3 s. */
const ticks = (mixer: Mixer, n: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const start = mixer.ticks
    const deadline = Date.now() + 3000
    const t = setInterval(() => {
      if (mixer.ticks - start >= n || Date.now() > deadline) {
        clearInterval(t)
        if (mixer.ticks - start >= n) resolve()
        else reject(new Error(`the mixer ticked ${mixer.ticks - start} times, not ${n}`))
      }
    }, 5)
  })

// Every multi-party configuration of server/calls/multiparty.ts is N-1 mixing plus mute plus a
// replaced source: who hears whom, checked by tone on each port.
describe('the mixer in multi-party calls', () => {
  const HEARD = 0.05
  const SILENT = 0.005

  function call(): { mixer: Mixer; cust: Port; a: Port; b: Port; s: Port; parts: ReturnType<Mixer['add']>[] } {
    const mixer = new Mixer()
    const cust = new Port(440)
    const a = new Port(620)
    const b = new Port(740)
    const s = new Port(300)
    const parts = [cust, a, b, s].map((p) => mixer.add(p, { label: String(p.hz) }))
    return { mixer, cust, a, b, s, parts }
  }

  it('consult with an observer: the held customer hears music only and is heard by nobody; A and B hear each other; the muted supervisor hears them, heard by none', async () => {
    const { mixer, cust, a, b, s, parts } = call()
    const [pc, , , ps] = parts
    mixer.setMuted(pc!, true)
    mixer.setSource(pc!, new MusicOnHoldSource())
    mixer.setMuted(ps!, true)
    await ticks(mixer, 12)
    mixer.close()
    for (const hz of [620, 740, 300]) expect(cust.level(hz), `customer hears ${hz}`).toBeLessThan(SILENT)
    expect(a.level(740)).toBeGreaterThan(HEARD)
    expect(b.level(620)).toBeGreaterThan(HEARD)
    for (const p of [a, b, s]) expect(p.level(440), `${p.hz} hears the customer`).toBeLessThan(SILENT)
    for (const p of [a, b, cust]) expect(p.level(300), `${p.hz} hears the supervisor`).toBeLessThan(SILENT)
    expect(s.level(620)).toBeGreaterThan(HEARD)
    expect(s.level(740)).toBeGreaterThan(HEARD)
  })

  it('conference (and a barged-in supervisor): each hears every other, never itself', async () => {
    const { mixer, cust, a, b, s } = call()
    await ticks(mixer, 12)
    mixer.close()
    for (const p of [cust, a, b, s]) {
      for (const q of [cust, a, b, s]) {
        if (p === q) expect(p.level(q.hz), `${p.hz} hears itself`).toBeLessThan(SILENT)
        else expect(p.level(q.hz), `${p.hz} hears ${q.hz}`).toBeGreaterThan(HEARD)
      }
    }
  })

  it('records the customer on one channel and every other leg, joining later too, on the other', async () => {
    const mixer = new Mixer()
    const cust = mixer.add(new Port(440))
    const a = mixer.add(new Port(620))
    const sink = new Sink()
    mixer.attach(sink, [[cust], [a]])
    await ticks(mixer, 3)
    const b = mixer.add(new Port(740))
    mixer.joinChannel(sink, 1, b)
    mixer.remove(a)
    const n = sink.frames.length
    await ticks(mixer, 12)
    mixer.close()
    const channel = (c: number): Int16Array => {
      const frames = sink.frames.slice(n + 1).map((f) => f[c]!)
      const all = new Int16Array(frames.length * FRAME_SAMPLES)
      frames.forEach((f, i) => all.set(f, i * FRAME_SAMPLES))
      return all
    }
    expect(toneAmplitude(channel(0), 440)).toBeGreaterThan(HEARD)
    expect(toneAmplitude(channel(1), 740)).toBeGreaterThan(HEARD)
    expect(toneAmplitude(channel(1), 620)).toBeLessThan(SILENT) // left: silence on its channel
    expect(toneAmplitude(channel(1), 440)).toBeLessThan(SILENT)
    expect(sink.frames.every((f) => f.length === 2)).toBe(true)
  })
})

describe('the satisfaction survey prompt', () => {
  const render = (src: { read(f: Int16Array): void }, seconds: number): Int16Array => {
    const out = new Int16Array(Math.round((seconds * 8000) / FRAME_SAMPLES) * FRAME_SAMPLES)
    for (let i = 0; i < out.length; i += FRAME_SAMPLES) src.read(out.subarray(i, i + FRAME_SAMPLES))
    return out
  }
  it('chimes its two notes, then pauses, and repeats', () => {
    const audio = render(new SurveyPromptSource(), 6.2)
    const sec = (from: number, to: number) => audio.subarray(from * 8000, to * 8000)
    expect(toneAmplitude(sec(0, 0.25), SURVEY_PROMPT_HZ[0])).toBeGreaterThan(0.1)
    expect(toneAmplitude(sec(0.25, 0.5), SURVEY_PROMPT_HZ[1])).toBeGreaterThan(0.1)
    expect(toneAmplitude(sec(0, 0.25), SURVEY_PROMPT_HZ[1])).toBeLessThan(0.01)
    expect(Math.max(...sec(1.3, 2.6).map(Math.abs))).toBe(0) // the pause
    expect(toneAmplitude(sec(2.8, 3.05), SURVEY_PROMPT_HZ[0])).toBeGreaterThan(0.1) // again
  })
  it('says thank you in three falling notes, then nothing', () => {
    const audio = render(new SurveyThanksSource(), 1)
    expect(toneAmplitude(audio.subarray(0, 1600), SURVEY_PROMPT_HZ[1])).toBeGreaterThan(0.1)
    expect(Math.max(...audio.subarray(4800).map(Math.abs))).toBe(0)
  })
})
