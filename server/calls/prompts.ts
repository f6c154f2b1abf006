import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { decodeWav, resample } from '../api/wav'
import { SAMPLE_RATE } from '../switch/audio'
import { readPcmWav } from '../switch/fileSource'
import type { GreetingStore } from '../store/media'

/**
 * What the server says to callers: uploaded greetings (IVR nodes in "play" mode, a queue's
 * wait_greeting and hold_greeting), text to speech (IVR nodes in "talk" mode, the closed message),
 * and the voicemail beep. All as 8 kHz PCM16 samples for PcmSource.
 *
 * Text to speech runs `espeak-ng` when it is installed (scripts/ensure-system-deps.sh installs it for
 * the tests; `npm start` works without it): the text is rendered once to a WAV, resampled to 8 kHz and
 * kept in memory by text, voice and speed. Without espeak-ng (or with `tts: 'off'`) every spoken
 * prompt is a short generated chime instead (ANNOUNCEMENT_TONE_HZ), so that callers still hear that
 * the menu is waiting for them.
 */

/** The notes of the chime that stands in for speech without espeak-ng. */
export const ANNOUNCEMENT_TONE_HZ = [660, 880, 1100] as const
/** The voicemail beep. */
export const BEEP_HZ = 1000
export const BEEP_MS = 400
/** espeak-ng is given this long to render one prompt. */
export const TTS_TIMEOUT_MS = 10_000
/** Memory for rendered prompts and decoded greetings, each (PCM16 at 8 kHz: 16 KB a second). */
export const PROMPT_CACHE_BYTES = 32 * 1024 * 1024
/** espeak-ng's voice when the node's voice is not one of its own (Stringee's voice names are not). */
export const DEFAULT_TTS_VOICE = 'en'

export type TtsMode = 'auto' | 'off'

export interface PromptsOptions {
  greetings: Pick<GreetingStore, 'fileOf'>
  /** 'auto' (default): espeak-ng when it is on the PATH; 'off': always the chime. */
  tts?: TtsMode
  /** The espeak-ng executable (default: `espeak-ng` on the PATH). */
  espeakCommand?: string
  log?: (msg: string) => void
}

function tone(freqs: readonly number[], noteMs: number, amplitude = 0.3): Int16Array {
  const per = Math.round((SAMPLE_RATE * noteMs) / 1000)
  const out = new Int16Array(per * freqs.length)
  freqs.forEach((f, n) => {
    for (let i = 0; i < per; i++) {
      // A short fade in and out keeps the notes from clicking.
      const edge = Math.min(1, i / 80, (per - i) / 80)
      out[n * per + i] = Math.round(Math.sin((2 * Math.PI * f * i) / SAMPLE_RATE) * amplitude * edge * 32767)
    }
  })
  return out
}

/** Samples of `ms` of silence. */
export function silence(ms: number): Int16Array {
  return new Int16Array(Math.round((SAMPLE_RATE * ms) / 1000))
}

export class Prompts {
  readonly beep = tone([BEEP_HZ], BEEP_MS, 0.35)
  readonly chime = tone(ANNOUNCEMENT_TONE_HZ, 180)
  private readonly speechCache = new SampleCache<Int16Array | undefined>()
  private readonly greetingCache = new SampleCache<Int16Array | undefined>()
  private engine: Promise<boolean> | undefined

  constructor(private readonly o: PromptsOptions) {}

  /** Whether spoken prompts are real speech (espeak-ng) or the chime. */
  async ttsEngine(): Promise<'espeak-ng' | 'chime'> {
    return (await this.hasEspeak()) ? 'espeak-ng' : 'chime'
  }

  private hasEspeak(): Promise<boolean> {
    if (this.o.tts === 'off') return Promise.resolve(false)
    this.engine ??= new Promise((resolve) => {
      const p = spawn(this.o.espeakCommand ?? 'espeak-ng', ['--version'], { stdio: 'ignore' })
      p.on('error', () => resolve(false))
      p.on('exit', (code) => resolve(code === 0))
    })
    return this.engine
  }

  /** An uploaded greeting's samples; undefined when the company has no such file (or it cannot be read). */
  greeting(companyId: string, filename: string): Promise<Int16Array | undefined> {
    const file = this.o.greetings.fileOf({ companyId, filename })
    return this.greetingCache.get(file, () =>
      readPcmWav(file).catch((e: unknown) => {
        this.o.log?.(`greeting ${filename} of ${companyId} cannot be played: ${String(e)}`)
        return undefined
      }),
    )
  }

  /** Text to speech (or the chime). Never rejects. */
  speech(text: string, opts: { voice?: string; speed?: number } = {}): Promise<Int16Array> {
    const voice = opts.voice && /^[a-z]{2,3}(-[a-z0-9]{1,8}){0,3}$/i.test(opts.voice) ? opts.voice : DEFAULT_TTS_VOICE
    const speed = Math.max(-3, Math.min(3, Math.round(opts.speed ?? 0)))
    const key = `${voice}\u0000${speed}\u0000${text}`
    return this.speechCache
      .get(key, () =>
        this.render(text, voice, speed).catch((e: unknown) => {
          this.o.log?.(`text to speech failed, playing the chime: ${String(e)}`)
          return undefined
        }),
      )
      .then((s) => s ?? this.chime)
  }

  private async render(text: string, voice: string, speed: number): Promise<Int16Array> {
    if (!text.trim() || !(await this.hasEspeak())) return this.chime
    const dir = await mkdtemp(path.join(tmpdir(), 'sobot-tts-'))
    const out = path.join(dir, 'prompt.wav')
    try {
      await new Promise<void>((resolve, reject) => {
        // The text goes through stdin: it never becomes an argument (nor an option, when it starts with -).
        const p = spawn(this.o.espeakCommand ?? 'espeak-ng', ['-v', voice, '-s', String(175 + 25 * speed), '-w', out, '--stdin'], {
          stdio: ['pipe', 'ignore', 'pipe'],
        })
        let err = ''
        const timer = setTimeout(() => p.kill('SIGKILL'), TTS_TIMEOUT_MS)
        p.stderr.on('data', (d: Buffer) => {
          if (err.length < 2000) err += d.toString()
        })
        p.on('error', (e) => {
          clearTimeout(timer)
          reject(e)
        })
        p.on('exit', (code, signal) => {
          clearTimeout(timer)
          if (code === 0) resolve()
          else reject(new Error(`espeak-ng exited with ${signal ?? code}: ${err.trim()}`))
        })
        p.stdin.on('error', () => {}) // an early exit is reported by 'exit'
        p.stdin.end(text)
      })
      const wav = decodeWav(await readFile(out))
      return resample(wav.samples, wav.sampleRate, SAMPLE_RATE)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/**
 * Samples by key, loaded once: an entry whose load gives undefined is not kept (the next use tries
 * again); the oldest entries go when the samples kept pass `maxBytes`.
 */
class SampleCache<V extends Int16Array | undefined> {
  private readonly entries = new Map<string, { p: Promise<V>; bytes: number }>()
  private bytes = 0

  constructor(private readonly maxBytes = PROMPT_CACHE_BYTES) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key)
    if (hit) {
      // Most recently used last.
      this.entries.delete(key)
      this.entries.set(key, hit)
      return hit.p
    }
    const entry = { p: load(), bytes: 0 }
    this.entries.set(key, entry)
    void entry.p.then((v) => {
      if (this.entries.get(key) !== entry) return
      if (v === undefined) {
        this.entries.delete(key)
        return
      }
      entry.bytes = v.byteLength
      this.bytes += entry.bytes
      for (const [k, e] of this.entries) {
        if (this.bytes <= this.maxBytes || k === key) break
        this.entries.delete(k)
        this.bytes -= e.bytes
      }
    })
    return entry.p
  }
}
