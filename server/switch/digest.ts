import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

const md5 = (s: string): string => createHash('md5').update(s).digest('hex')

/** Parses `Digest k=v, k="v", ...` (RFC 2617 / 7616 credentials or challenge). */
export function parseDigest(header: string): Record<string, string> | undefined {
  const m = /^\s*Digest\s+(.*)$/is.exec(header)
  if (!m) return undefined
  const out: Record<string, string> = {}
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/g
  let p: RegExpExecArray | null
  while ((p = re.exec(m[1]!)) !== null) out[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '')
  return out
}

export type DigestResult =
  { ok: true; username: string } | { ok: false; reason: 'missing' | 'malformed' | 'realm' | 'stale' | 'nonce' | 'user' | 'response' }

/**
 * Server side of SIP digest authentication (MD5, qop=auth or none). Nonces are stateless:
 * `<issued-ms>.<hmac>` signed with a per-instance secret and valid for `nonceTtlMs`.
 */
export class DigestAuthenticator {
  private readonly secret = randomBytes(32)
  constructor(
    readonly realm: string,
    private readonly nonceTtlMs = 5 * 60_000,
  ) {}

  challenge(stale = false): string {
    const issued = Date.now().toString(36)
    const sig = createHmac('sha256', this.secret).update(issued).digest('base64url').slice(0, 22)
    const nonce = `${issued}.${sig}`
    return `Digest realm="${this.realm}", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=TRUE' : ''}`
  }

  async verify(
    authorization: string | undefined,
    method: string,
    lookupPassword: (username: string) => string | undefined | Promise<string | undefined>,
  ): Promise<DigestResult> {
    if (!authorization) return { ok: false, reason: 'missing' }
    const c = parseDigest(authorization)
    if (!c || !c['username'] || !c['nonce'] || !c['uri'] || !c['response']) return { ok: false, reason: 'malformed' }
    if (c['realm'] !== this.realm) return { ok: false, reason: 'realm' }
    const [issued, sig] = c['nonce'].split('.')
    if (!issued || !sig) return { ok: false, reason: 'nonce' }
    const expected = createHmac('sha256', this.secret).update(issued).digest('base64url').slice(0, 22)
    if (expected.length !== sig.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(sig))) {
      return { ok: false, reason: 'nonce' }
    }
    if (Date.now() - parseInt(issued, 36) > this.nonceTtlMs) return { ok: false, reason: 'stale' }
    const password = await lookupPassword(c['username'])
    if (password === undefined) return { ok: false, reason: 'user' }
    const ha1 = md5(`${c['username']}:${this.realm}:${password}`)
    const ha2 = md5(`${method}:${c['uri']}`)
    const qop = c['qop']
    const want =
      qop === 'auth' ? md5(`${ha1}:${c['nonce']}:${c['nc'] ?? ''}:${c['cnonce'] ?? ''}:auth:${ha2}`) : md5(`${ha1}:${c['nonce']}:${ha2}`)
    if (want.length !== c['response'].length || !timingSafeEqual(Buffer.from(want), Buffer.from(c['response'].toLowerCase()))) {
      return { ok: false, reason: 'response' }
    }
    return { ok: true, username: c['username'] }
  }
}
