import { randomBytes, randomInt } from 'node:crypto'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

/** A Stringee-style id: a prefix and 16 random upper-case letters and digits (QU_5CAI08V9BBU6S0EH). */
export function newId(prefix: string, length = 16): string {
  let s = ''
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)]
  return prefix ? `${prefix}_${s}` : s
}

/** A company's webhook signing secret: 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}
