import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

/**
 * Encrypted customer numbers (makeCall's privacyNumber): AES-256-GCM under a key derived from the
 * server's secret and the company, so a desktop can dial a customer whose number it never sees.
 * The token is base64url(iv | tag | ciphertext).
 */
export class PrivacyNumbers {
  constructor(private readonly secret: string) {}

  private key(companyId: string): Buffer {
    return createHash('sha256').update(`privacy-number:${companyId}:${this.secret}`).digest()
  }

  encrypt(companyId: string, number: string): string {
    const iv = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', this.key(companyId), iv)
    const body = Buffer.concat([c.update(number, 'utf8'), c.final()])
    return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url')
  }

  /** The number, or undefined for a token that is not one of this company's. */
  resolve(companyId: string, token: string): string | undefined {
    try {
      const raw = Buffer.from(token, 'base64url')
      if (raw.length < 29) return undefined
      const d = createDecipheriv('aes-256-gcm', this.key(companyId), raw.subarray(0, 12))
      d.setAuthTag(raw.subarray(12, 28))
      const n = Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8')
      return /^\+?[0-9]{2,32}$/.test(n) ? n : undefined
    } catch {
      return undefined
    }
  }
}
