import { open, readFile, type FileHandle } from 'node:fs/promises'
import { FRAME_SAMPLES, SAMPLE_RATE } from './audio'
import type { FrameSink } from './mixer'

function wavHeader(channels: number, sampleRate: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44)
  h.write('RIFF', 0, 'ascii')
  h.writeUInt32LE(36 + dataBytes, 4)
  h.write('WAVE', 8, 'ascii')
  h.write('fmt ', 12, 'ascii')
  h.writeUInt32LE(16, 16) // PCM fmt chunk size
  h.writeUInt16LE(1, 20) // PCM
  h.writeUInt16LE(channels, 22)
  h.writeUInt32LE(sampleRate, 24)
  h.writeUInt32LE(sampleRate * channels * 2, 28)
  h.writeUInt16LE(channels * 2, 32)
  h.writeUInt16LE(16, 34)
  h.write('data', 36, 'ascii')
  h.writeUInt32LE(dataBytes, 40)
  return h
}

/**
 * Streams PCM16 8 kHz audio to a WAV file, one channel per call side. Writes are batched (about
 * one second) and serialised; close() flushes and patches the RIFF sizes.
 */
export class Recorder implements FrameSink {
  readonly path: string
  readonly channels: number
  private readonly fh: FileHandle
  private chunks: Buffer[] = []
  private pendingBytes = 0
  private dataBytes = 0
  private chain: Promise<unknown> = Promise.resolve()
  private closed = false
  private error: unknown

  private constructor(path: string, channels: number, fh: FileHandle) {
    this.path = path
    this.channels = channels
    this.fh = fh
  }

  static async open(path: string, channels: number): Promise<Recorder> {
    const fh = await open(path, 'w')
    await fh.write(wavHeader(channels, SAMPLE_RATE, 0), 0, 44, 0)
    return new Recorder(path, channels, fh)
  }

  get durationMs(): number {
    return ((this.dataBytes + this.pendingBytes) / (2 * this.channels) / SAMPLE_RATE) * 1000
  }

  /** One frame per channel (missing channels are written as silence). */
  write(frames: readonly Int16Array[]): void {
    if (this.closed) return
    const n = FRAME_SAMPLES
    const buf = Buffer.alloc(n * this.channels * 2)
    for (let c = 0; c < this.channels; c++) {
      const f = frames[c]
      if (!f) continue
      for (let i = 0; i < n; i++) buf.writeInt16LE(f[i] ?? 0, (i * this.channels + c) * 2)
    }
    this.chunks.push(buf)
    this.pendingBytes += buf.length
    if (this.pendingBytes >= SAMPLE_RATE * 2 * this.channels) this.flush()
  }

  private flush(): void {
    if (this.chunks.length === 0) return
    const data = Buffer.concat(this.chunks)
    this.chunks = []
    this.pendingBytes = 0
    const position = 44 + this.dataBytes
    this.dataBytes += data.length
    this.chain = this.chain
      .then(() => this.fh.write(data, 0, data.length, position))
      .catch((e: unknown) => {
        this.error ??= e
      })
  }

  async close(): Promise<{ path: string; durationMs: number }> {
    if (!this.closed) {
      this.closed = true
      this.flush()
      await this.chain
      await this.fh.write(wavHeader(this.channels, SAMPLE_RATE, this.dataBytes), 0, 44, 0)
      await this.fh.close()
    }
    if (this.error) throw this.error
    return { path: this.path, durationMs: this.durationMs }
  }
}

/** Reads a PCM16 WAV written by Recorder (or any canonical 44-byte-header PCM WAV). */
export async function readWav(path: string): Promise<{ channels: number; sampleRate: number; data: Int16Array[] }> {
  const buf = await readFile(path)
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file')
  const channels = buf.readUInt16LE(22)
  const sampleRate = buf.readUInt32LE(24)
  const bits = buf.readUInt16LE(34)
  if (bits !== 16) throw new Error(`unsupported bits per sample ${bits}`)
  const dataBytes = buf.readUInt32LE(40)
  const frames = dataBytes / (2 * channels)
  const data = Array.from({ length: channels }, () => new Int16Array(frames))
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) data[c]![i] = buf.readInt16LE(44 + (i * channels + c) * 2)
  }
  return { channels, sampleRate, data }
}
