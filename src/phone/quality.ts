/**
 * Voice quality from a call's statistics: an E-model estimate (ITU-T G.107, simplified for G.711
 * with packet-loss concealment) mapped to the spec's a (worst) .. e (best).
 */
export type Quality = 'a' | 'b' | 'c' | 'd' | 'e'

/** G.711 with PLC: the packet-loss robustness factor of G.113 Appendix I. */
const BPL = 25.1
/** Delay the network does not see: packetisation and the jitter buffer, ms. */
const CODEC_DELAY_MS = 20

export function mos(rttMs: number, jitterMs: number, lossFraction: number): number {
  const d = Math.max(0, rttMs / 2 + 2 * jitterMs + CODEC_DELAY_MS)
  const id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0)
  const ppl = Math.min(100, Math.max(0, lossFraction * 100))
  const ieEff = (95 * ppl) / (ppl + BPL)
  const r = 93.2 - id - ieEff
  if (r <= 0) return 1
  if (r >= 100) return 4.5
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6
}

export function quality(m: number): Quality {
  return m >= 4.0 ? 'e' : m >= 3.6 ? 'd' : m >= 3.1 ? 'c' : m >= 2.6 ? 'b' : 'a'
}
