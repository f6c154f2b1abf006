import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** Digest algorithms offered (RFC 8760: SHA-256 beside MD5). */
export type DigestAlgorithm = 'MD5' | 'SHA-256'
const HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' }
const digestOf = (algorithm: DigestAlgorithm, s: string): string => createHash(HASH[algorithm]).update(s).digest('hex')

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

/** The response a client computes (qop=auth), for tests and for checking. */
export function digestResponse(p: {
  algorithm: DigestAlgorithm
  username: string
  realm: string
  password: string
  method: string
  uri: string
  nonce: string
  nc: string
  cnonce: string
}): string {
  const ha1 = digestOf(p.algorithm, `${p.username}:${p.realm}:${p.password}`)
  const ha2 = digestOf(p.algorithm, `${p.method}:${p.uri}`)
  return digestOf(p.algorithm, `${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`)
}

export type DigestResult =
  | { ok: true; username: string }
  | {
      ok: false
      reason: 'missing' | 'malformed' | 'realm' | 'stale' | 'nonce' | 'user' | 'response' | 'qop' | 'uri' | 'replay' | 'algorithm'
    }

/** Nonce counts remembered at most (a nonce lives nonceTtlMs; beyond this many the oldest go). */
const MAX_TRACKED_NONCES = 50_000

/**
 * Server side of SIP digest authentication (RFC 7616 with qop=auth, MD5 and SHA-256 per RFC 8760).
 * Nonces are `<issued-ms>.<hmac>` signed with a per-instance secret and valid for `nonceTtlMs`;
 * each nonce's count must grow with every use, so a captured Authorization cannot be replayed. The
 * digest's uri must be the request's Request-URI, so it cannot be carried over to another request.
 */
export class DigestAuthenticator {
  private readonly secret = randomBytes(32)
  /** nonce -> the highest nonce-count accepted with it. */
  private readonly counts = new Map<string, number>()
  constructor(
    readonly realm: string,
    private readonly nonceTtlMs = 5 * 60_000,
  ) {}

  /**
   * The WWW-Authenticate headers of a 401, one per algorithm in the order given, most preferred
   * first (RFC 8760 §2.4), sharing one nonce.
   */
  challenges(stale: boolean, algorithms: readonly DigestAlgorithm[]): string[] {
    const issued = Date.now().toString(36)
    const nonce = `${issued}.${this.sign(issued)}`
    return algorithms.map(
      (algorithm) =>
        `WWW-Authenticate: Digest realm="${this.realm}", nonce="${nonce}", algorithm=${algorithm}, qop="auth"${stale ? ', stale=TRUE' : ''}`,
    )
  }

  async verify(
    authorization: string | undefined,
    method: string,
    requestUri: string,
    lookupPassword: (username: string) => string | undefined | Promise<string | undefined>,
  ): Promise<DigestResult> {
    if (!authorization) return { ok: false, reason: 'missing' }
    const c = parseDigest(authorization)
    if (!c || !c['username'] || !c['nonce'] || !c['uri'] || !c['response']) return { ok: false, reason: 'malformed' }
    if (c['realm'] !== this.realm) return { ok: false, reason: 'realm' }
    const algorithm = (c['algorithm'] ?? 'MD5').toUpperCase()
    if (algorithm !== 'MD5' && algorithm !== 'SHA-256') return { ok: false, reason: 'algorithm' }
    // We offer qop=auth only; RFC 7616 §3.4 makes the client use it (no RFC 2069 digests).
    if (c['qop'] !== 'auth' || !c['cnonce'] || !/^[0-9a-f]{8}$/i.test(c['nc'] ?? '')) return { ok: false, reason: 'qop' }
    if (!sameUri(c['uri'], requestUri)) return { ok: false, reason: 'uri' }
    const [issued, sig] = c['nonce'].split('.')
    if (!issued || !sig) return { ok: false, reason: 'nonce' }
    const expected = this.sign(issued)
    if (expected.length !== sig.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(sig))) return { ok: false, reason: 'nonce' }
    if (Date.now() - parseInt(issued, 36) > this.nonceTtlMs) return { ok: false, reason: 'stale' }
    const password = await lookupPassword(c['username'])
    if (password === undefined) return { ok: false, reason: 'user' }
    const want = digestResponse({
      algorithm,
      username: c['username'],
      realm: this.realm,
      password,
      method,
      uri: c['uri'],
      nonce: c['nonce'],
      nc: c['nc']!,
      cnonce: c['cnonce'],
    })
    const got = c['response'].toLowerCase()
    if (want.length !== got.length || !timingSafeEqual(Buffer.from(want), Buffer.from(got))) return { ok: false, reason: 'response' }
    // Checked after the response, so that only the real client moves the count on.
    const nc = parseInt(c['nc']!, 16)
    if (nc <= (this.counts.get(c['nonce']) ?? 0)) return { ok: false, reason: 'replay' }
    this.remember(c['nonce'], nc)
    return { ok: true, username: c['username'] }
  }

  private sign(issued: string): string {
    return createHmac('sha256', this.secret).update(issued).digest('base64url').slice(0, 22)
  }

  private remember(nonce: string, nc: number): void {
    this.counts.delete(nonce)
    this.counts.set(nonce, nc)
    const cutoff = Date.now() - this.nonceTtlMs
    for (const key of this.counts.keys()) {
      if (this.counts.size <= MAX_TRACKED_NONCES && parseInt(key.split('.')[0]!, 36) >= cutoff) break
      this.counts.delete(key)
    }
  }
}

/** Whether a digest's uri names the Request-URI (the same text, or the same scheme, user, host and port). */
function sameUri(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true
  const parse = (u: string): string | undefined => {
    const m = /^(sips?):(?:([^@]*)@)?([^;?:]+|\[[^\]]+\])(?::(\d+))?/i.exec(u.trim())
    return m ? `${m[1]!.toLowerCase()}:${m[2] ?? ''}@${m[3]!.toLowerCase()}:${m[4] ?? ''}` : undefined
  }
  const a = parse(digestUri)
  return a !== undefined && a === parse(requestUri)
}
