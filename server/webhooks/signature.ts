import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Signing of webhook requests. Every request carries
 *
 *     X-Sobot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
 *
 * where the HMAC key is the company's webhook secret (the whole string, `whsec_…`, as UTF-8) and the
 * signed message is `<t>.<raw request body>`. A receiver recomputes it over the body bytes exactly as
 * received (before any JSON parsing), compares in constant time, and rejects timestamps too far from
 * its clock (replays). This file depends on node:crypto only, so receivers may copy it.
 */
export const SIGNATURE_HEADER = 'x-sobot-signature'
export const SIGNATURE_TOLERANCE_S = 300

export function computeSignature(secret: string, timestampSec: number, body: string | Uint8Array): string {
  const h = createHmac('sha256', secret)
  h.update(`${timestampSec}.`)
  h.update(body)
  return h.digest('hex')
}

export function signatureHeader(secret: string, body: string | Uint8Array, timestampSec = Math.floor(Date.now() / 1000)): string {
  return `t=${timestampSec},v1=${computeSignature(secret, timestampSec, body)}`
}

export interface VerifyOptions {
  secret: string
  /** The X-Sobot-Signature header's value. */
  header: string | string[] | undefined
  /** The raw body, exactly as received. */
  body: string | Uint8Array
  /** How far the signed time may be from now, in seconds (default 300). */
  toleranceSec?: number
  nowSec?: number
}

/** True when the header is a valid signature of this body by this secret, made within the tolerance. */
export function verifyWebhookSignature(opts: VerifyOptions): boolean {
  const header = Array.isArray(opts.header) ? opts.header[0] : opts.header
  if (typeof header !== 'string') return false
  let t: number | undefined
  const candidates: string[] = []
  for (const part of header.split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const k = part.slice(0, eq).trim()
    const v = part.slice(eq + 1).trim()
    if (k === 't' && /^\d{1,12}$/.test(v)) t = Number(v)
    else if (k === 'v1' && /^[0-9a-f]{64}$/.test(v)) candidates.push(v)
  }
  if (t === undefined || candidates.length === 0) return false
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - t) > (opts.toleranceSec ?? SIGNATURE_TOLERANCE_S)) return false
  const expected = Buffer.from(computeSignature(opts.secret, t, opts.body), 'hex')
  return candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected))
}
