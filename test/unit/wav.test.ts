import { describe, expect, it } from 'vitest'
import { decodeWav, encodeWav, linearToMulaw, mulawToLinear, resample, toGreetingWav } from '../../server/api/wav'
import { ApiError } from '../../server/api/result'

const tone = (rate: number, seconds: number, hz = 440, amp = 10_000): Int16Array =>
  Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate)))

describe('WAV greetings', () => {
  it('round-trips PCM16', () => {
    const s = tone(8000, 0.1)
    const d = decodeWav(encodeWav(s, 8000))
    expect(d).toMatchObject({ encoding: 'pcm16', channels: 1, sampleRate: 8000 })
    expect([...d.samples]).toEqual([...s])
  })

  it("mu-law encodes and decodes within the codec's step size", () => {
    for (const v of [-32768, -20000, -1000, -100, -1, 0, 1, 100, 1000, 20000, 32767]) {
      const back = mulawToLinear(linearToMulaw(v))
      expect(Math.abs(back - v)).toBeLessThanOrEqual(Math.max(8, Math.abs(v) * 0.07))
    }
    // The standard's fixed points: 0xFF is +0, 0x7F is -0, 0x80 is the largest positive value.
    expect(mulawToLinear(0xff)).toBe(0)
    expect(mulawToLinear(0x80)).toBe(32124)
    expect(mulawToLinear(0x00)).toBe(-32124)
  })

  it('mixes channels down and resamples to 8 kHz', () => {
    const left = tone(16_000, 0.5, 200)
    const stereo = new Int16Array(left.length * 2)
    left.forEach((v, i) => {
      stereo[2 * i] = v
      stereo[2 * i + 1] = -v // opposite phases cancel out in the mix
    })
    const out = toGreetingWav(encodeWav(stereo, 16_000, { channels: 2 }))
    expect(out.durationMs).toBe(500)
    const d = decodeWav(out.wav)
    expect(d).toMatchObject({ sampleRate: 8000, channels: 1 })
    expect(d.samples.length).toBe(4000)
    expect(Math.max(...d.samples.map(Math.abs))).toBe(0)
  })

  it('upsamples by interpolation', () => {
    const up = resample(Int16Array.from([0, 100, 200]), 4000, 8000)
    expect([...up]).toEqual([0, 50, 100, 150, 200, 200])
  })

  it('reads WAVE_FORMAT_EXTENSIBLE and skips unknown chunks', () => {
    const plain = encodeWav(tone(8000, 0.01), 8000)
    // fmt chunk of 40 bytes with format 0xFFFE and the PCM sub-format, and a LIST chunk before data.
    const fmt = Buffer.alloc(8 + 40)
    fmt.write('fmt ', 0, 'ascii')
    fmt.writeUInt32LE(40, 4)
    plain.copy(fmt, 8, 20, 36)
    fmt.writeUInt16LE(0xfffe, 8)
    fmt.writeUInt16LE(22, 24)
    fmt.writeUInt16LE(1, 32) // sub-format: PCM
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')])
    const data = plain.subarray(36)
    const body = Buffer.concat([Buffer.from('WAVE'), fmt, list, data])
    const riff = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), body])
    riff.writeUInt32LE(body.length, 4)
    expect([...decodeWav(riff).samples]).toEqual([...decodeWav(plain).samples])
  })

  it('refuses what it cannot play, naming why', () => {
    const bad = (b: Uint8Array) => {
      try {
        decodeWav(b)
      } catch (e) {
        expect(e).toBeInstanceOf(ApiError)
        expect((e as ApiError).result).toBe('UNSUPPORTED_FILE')
        return (e as ApiError).message
      }
      throw new Error('accepted')
    }
    expect(bad(Buffer.from('hello world, not audio'))).toMatch(/RIFF/)
    const pcm24 = encodeWav(tone(8000, 0.01), 8000)
    pcm24.writeUInt16LE(24, 34)
    expect(bad(pcm24)).toMatch(/24-bit/)
    const alaw = encodeWav(tone(8000, 0.01), 8000)
    alaw.writeUInt16LE(6, 20)
    expect(bad(alaw)).toMatch(/format 6/)
    expect(bad(encodeWav(new Int16Array(0), 8000))).toMatch(/no audio/)
    const tooFast = encodeWav(tone(8000, 0.01), 8000)
    tooFast.writeUInt32LE(384_000, 24)
    expect(bad(tooFast)).toMatch(/sample rate/)
  })
})
