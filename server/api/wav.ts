import { ApiError } from './result'

/**
 * WAV reading and writing for greeting uploads. Accepted: RIFF/WAVE with PCM 16-bit (format 1) or
 * G.711 mu-law (format 7), in WAVE_FORMAT_EXTENSIBLE too, any number of channels and any sample rate
 * from 4 to 192 kHz. Everything is stored as what the media plane plays: 8 kHz mono PCM16.
 */
export const GREETING_RATE = 8000

export interface DecodedWav {
  encoding: 'pcm16' | 'mulaw'
  channels: number
  sampleRate: number
  /** mono, after mixing the channels down */
  samples: Int16Array
}

const unsupported = (why: string): ApiError =>
  new ApiError('UNSUPPORTED_FILE', `Not a supported WAV file: ${why}. Upload PCM 16-bit or mu-law WAV.`)

export function decodeWav(buf: Uint8Array): DecodedWav {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const tag = (at: number): string => String.fromCharCode(buf[at]!, buf[at + 1]!, buf[at + 2]!, buf[at + 3]!)
  if (buf.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw unsupported('no RIFF/WAVE header')
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined
  let data: { at: number; size: number } | undefined
  let at = 12
  while (at + 8 <= buf.byteLength) {
    const id = tag(at)
    const size = dv.getUint32(at + 4, true)
    const body = at + 8
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.byteLength) throw unsupported('a short fmt chunk')
      let format = dv.getUint16(body, true)
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (format === 0xfffe && size >= 40 && body + 26 <= buf.byteLength) format = dv.getUint16(body + 24, true)
      fmt = { format, channels: dv.getUint16(body + 2, true), rate: dv.getUint32(body + 4, true), bits: dv.getUint16(body + 14, true) }
    } else if (id === 'data') {
      // A streamed file may give a size past the end (or 0xFFFFFFFF): take what is there.
      data = { at: body, size: Math.min(size, buf.byteLength - body) }
      if (fmt) break
    }
    at = body + size + (size % 2)
  }
  if (!fmt) throw unsupported('no fmt chunk')
  if (!data) throw unsupported('no data chunk')
  const { format, channels, rate, bits } = fmt
  if (channels < 1 || channels > 8) throw unsupported(`${channels} channels`)
  if (rate < 4000 || rate > 192_000) throw unsupported(`a sample rate of ${rate} Hz`)
  let encoding: DecodedWav['encoding']
  let bytesPerSample: number
  if (format === 1 && bits === 16) {
    encoding = 'pcm16'
    bytesPerSample = 2
  } else if (format === 7 && bits === 8) {
    encoding = 'mulaw'
    bytesPerSample = 1
  } else {
    throw unsupported(format === 1 ? `PCM with ${bits}-bit samples` : `audio format ${format}`)
  }
  const frames = Math.floor(data.size / (bytesPerSample * channels))
  if (frames === 0) throw unsupported('no audio in the data chunk')
  const samples = new Int16Array(frames)
  for (let i = 0; i < frames; i++) {
    let sum = 0
    for (let ch = 0; ch < channels; ch++) {
      const p = data.at + (i * channels + ch) * bytesPerSample
      sum += encoding === 'pcm16' ? dv.getInt16(p, true) : MULAW_TO_LINEAR[buf[p]!]!
    }
    samples[i] = Math.round(sum / channels)
  }
  return { encoding, channels, sampleRate: rate, samples }
}

/** To 8 kHz: an average over each output sample's span when going down (a simple anti-alias), linear interpolation when going up. */
export function resample(samples: Int16Array, from: number, to = GREETING_RATE): Int16Array {
  if (from === to) return samples
  const ratio = from / to
  const n = Math.max(1, Math.floor(samples.length / ratio))
  const out = new Int16Array(n)
  for (let i = 0; i < n; i++) {
    if (ratio > 1) {
      const start = Math.floor(i * ratio)
      const end = Math.min(samples.length, Math.max(start + 1, Math.floor((i + 1) * ratio)))
      let sum = 0
      for (let j = start; j < end; j++) sum += samples[j]!
      out[i] = Math.round(sum / (end - start))
    } else {
      const pos = i * ratio
      const j = Math.floor(pos)
      const frac = pos - j
      const a = samples[j]!
      const b = samples[Math.min(j + 1, samples.length - 1)]!
      out[i] = Math.round(a + (b - a) * frac)
    }
  }
  return out
}

/** A canonical 44-byte-header WAV. */
export function encodeWav(
  samples: Int16Array | Uint8Array,
  sampleRate: number,
  opts: { channels?: number; encoding?: 'pcm16' | 'mulaw' } = {},
): Buffer {
  const channels = opts.channels ?? 1
  const mulaw = opts.encoding === 'mulaw'
  const bytesPerSample = mulaw ? 1 : 2
  const dataBytes = samples.length * bytesPerSample
  const b = Buffer.alloc(44 + dataBytes)
  b.write('RIFF', 0, 'ascii')
  b.writeUInt32LE(36 + dataBytes, 4)
  b.write('WAVE', 8, 'ascii')
  b.write('fmt ', 12, 'ascii')
  b.writeUInt32LE(16, 16)
  b.writeUInt16LE(mulaw ? 7 : 1, 20)
  b.writeUInt16LE(channels, 22)
  b.writeUInt32LE(sampleRate, 24)
  b.writeUInt32LE(sampleRate * channels * bytesPerSample, 28)
  b.writeUInt16LE(channels * bytesPerSample, 32)
  b.writeUInt16LE(bytesPerSample * 8, 34)
  b.write('data', 36, 'ascii')
  b.writeUInt32LE(dataBytes, 40)
  for (let i = 0; i < samples.length; i++) {
    if (mulaw) b[44 + i] = samples[i]!
    else b.writeInt16LE(samples[i]!, 44 + i * 2)
  }
  return b
}

/** An upload, as stored: 8 kHz mono PCM16, and how long it plays. */
export function toGreetingWav(upload: Uint8Array): { wav: Buffer; durationMs: number; source: DecodedWav } {
  const source = decodeWav(upload)
  const mono8k = resample(source.samples, source.sampleRate)
  return { wav: encodeWav(mono8k, GREETING_RATE), durationMs: Math.round((mono8k.length / GREETING_RATE) * 1000), source }
}

// G.711 mu-law.
const MULAW_TO_LINEAR = new Int16Array(256)
for (let i = 0; i < 256; i++) {
  const u = ~i & 0xff
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)
  MULAW_TO_LINEAR[i] = u & 0x80 ? 0x84 - t : t - 0x84
}

export function linearToMulaw(sample: number): number {
  const BIAS = 0x84
  const CLIP = 32635
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)))
  const sign = s < 0 ? 0x80 : 0
  if (sign) s = -s
  if (s > CLIP) s = CLIP
  s += BIAS
  let exponent = 7
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--
  const mantissa = (s >> (exponent + 3)) & 0x0f
  return ~(sign | (exponent << 4) | mantissa) & 0xff
}

export function mulawToLinear(byte: number): number {
  return MULAW_TO_LINEAR[byte & 0xff]!
}
