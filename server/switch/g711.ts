/**
 * G.711 mu-law (PCMU) codec. Tables are built lazily on first use (nothing runs at import time).
 */
let decodeTable: Int16Array | undefined
let encodeTable: Uint8Array | undefined

function ulawDecodeSample(u: number): number {
  const v = ~u & 0xff
  const sign = v & 0x80
  const exponent = (v >> 4) & 0x07
  const mantissa = v & 0x0f
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
  return sign ? -magnitude : magnitude
}

function ulawEncodeSample(sample: number): number {
  const BIAS = 0x84
  const CLIP = 32635
  let pcm = sample
  const sign = pcm < 0 ? 0x80 : 0
  if (sign) pcm = -pcm
  if (pcm > CLIP) pcm = CLIP
  pcm += BIAS
  let exponent = 7
  for (let mask = 0x4000; (pcm & mask) === 0 && exponent > 0; mask >>= 1) exponent--
  const mantissa = (pcm >> (exponent + 3)) & 0x0f
  return ~(sign | (exponent << 4) | mantissa) & 0xff
}

function tables(): { dec: Int16Array; enc: Uint8Array } {
  if (!decodeTable || !encodeTable) {
    decodeTable = new Int16Array(256)
    for (let i = 0; i < 256; i++) decodeTable[i] = ulawDecodeSample(i)
    encodeTable = new Uint8Array(65536)
    for (let i = 0; i < 65536; i++) encodeTable[i] = ulawEncodeSample(i - 32768)
  }
  return { dec: decodeTable, enc: encodeTable }
}

/** Decodes mu-law bytes into PCM16 samples. */
export function decodeUlaw(payload: Uint8Array, out = new Int16Array(payload.length)): Int16Array {
  const { dec } = tables()
  for (let i = 0; i < payload.length; i++) out[i] = dec[payload[i]!]!
  return out
}

/** Encodes PCM16 samples into mu-law bytes. */
export function encodeUlaw(pcm: Int16Array, out: Uint8Array = Buffer.alloc(pcm.length)): Uint8Array {
  const { enc } = tables()
  for (let i = 0; i < pcm.length; i++) out[i] = enc[pcm[i]! + 32768]!
  return out
}

/** mu-law byte for digital silence. */
export const ULAW_SILENCE = 0xff

let alawDecodeTable: Int16Array | undefined
let alawEncodeTable: Uint8Array | undefined

function alawDecodeSample(a: number): number {
  const v = a ^ 0x55
  const sign = v & 0x80
  const exponent = (v >> 4) & 0x07
  const mantissa = v & 0x0f
  let magnitude = (mantissa << 4) + 8
  if (exponent > 0) magnitude = (magnitude + 0x100) << (exponent - 1)
  return sign ? magnitude : -magnitude
}

function alawEncodeSample(sample: number): number {
  let pcm = sample
  const sign = pcm >= 0 ? 0x80 : 0
  if (!sign) pcm = -pcm - 1
  if (pcm > 32767) pcm = 32767
  let exponent = 7
  for (let mask = 0x4000; (pcm & mask) === 0 && exponent > 0; mask >>= 1) exponent--
  const mantissa = exponent === 0 ? (pcm >> 4) & 0x0f : (pcm >> (exponent + 3)) & 0x0f
  return (sign | (exponent << 4) | mantissa) ^ 0x55
}

function alawTables(): { dec: Int16Array; enc: Uint8Array } {
  if (!alawDecodeTable || !alawEncodeTable) {
    alawDecodeTable = new Int16Array(256)
    for (let i = 0; i < 256; i++) alawDecodeTable[i] = alawDecodeSample(i)
    alawEncodeTable = new Uint8Array(65536)
    for (let i = 0; i < 65536; i++) alawEncodeTable[i] = alawEncodeSample(i - 32768)
  }
  return { dec: alawDecodeTable, enc: alawEncodeTable }
}

/** Decodes A-law (PCMA) bytes into PCM16 samples. */
export function decodeAlaw(payload: Uint8Array, out = new Int16Array(payload.length)): Int16Array {
  const { dec } = alawTables()
  for (let i = 0; i < payload.length; i++) out[i] = dec[payload[i]!]!
  return out
}

/** Encodes PCM16 samples into A-law (PCMA) bytes. */
export function encodeAlaw(pcm: Int16Array, out: Uint8Array = Buffer.alloc(pcm.length)): Uint8Array {
  const { enc } = alawTables()
  for (let i = 0; i < pcm.length; i++) out[i] = enc[pcm[i]! + 32768]!
  return out
}
