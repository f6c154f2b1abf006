import { randomUUID } from 'node:crypto'
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose'
import type { Company, Directory } from '../acd/directory'
import { ApiError } from './result'

export const REST_AUTH_HEADER = 'x-stringee-auth'
export const DEFAULT_REST_TOKEN_TTL_S = 3600

/**
 * REST tokens, as in Stringee's REST authentication: an HS256 JWT in the X-STRINGEE-AUTH header with
 * `jti` (unique id), `iss` (the company's API key SID), `exp`, and `rest_api: true`. They are signed
 * with the server's JWT_SECRET (the same key as agent tokens; production backends mint both), and
 * verified on every request. An agent token is refused here (no rest_api claim, another issuer), and
 * a REST token is refused by the CTI (no agent audience).
 */
export class RestTokens {
  private readonly key: Uint8Array

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret)
  }

  async sign(company: Company, ttlSeconds = DEFAULT_REST_TOKEN_TTL_S): Promise<string> {
    if (!company.apiKeySid) throw new Error(`company ${company.id} has no API key SID`)
    return new SignJWT({ rest_api: true })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', cty: 'stringee-api;v=1' })
      .setJti(`${company.apiKeySid}-${randomUUID()}`)
      .setIssuer(company.apiKeySid)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.key)
  }

  /** The company the token belongs to; AUTH_FAILED (r = 1) for anything else. */
  async verify(token: string | string[] | undefined, dir: Directory): Promise<Company> {
    if (typeof token !== 'string' || !token.trim()) throw new ApiError('AUTH_FAILED', 'The X-STRINGEE-AUTH header is missing.')
    let payload: Record<string, unknown>
    try {
      ;({ payload } = await jwtVerify(token.trim(), this.key, { algorithms: ['HS256'], requiredClaims: ['jti', 'iss', 'exp'] }))
    } catch (err) {
      const expired = err instanceof joseErrors.JWTExpired
      throw new ApiError(
        'AUTH_FAILED',
        expired ? 'The X-STRINGEE-AUTH token has expired.' : 'The X-STRINGEE-AUTH token is not valid for this server.',
      )
    }
    if (payload.rest_api !== true) throw new ApiError('AUTH_FAILED', 'The token is not a REST token (rest_api: true is missing).')
    for (const c of dir.companies.values()) if (c.apiKeySid && c.apiKeySid === payload.iss) return c
    throw new ApiError('AUTH_FAILED', 'The token names an API key this server does not know.')
  }
}
