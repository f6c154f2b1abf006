import { SignJWT, jwtVerify, errors as joseErrors } from 'jose'
import { SobotError } from 'sobot-call-sdk/protocol'

/**
 * Agent tokens are HS256 JWTs carrying the company and the agent's id. They are verified on every
 * command and on every event socket's hello; the server never logs them.
 */
export interface AgentClaims {
  companyId: string
  agentUUID: string
}

const ISSUER = 'sobot-contact-center'
const AGENT_AUDIENCE = 'cti'
export const DEFAULT_TOKEN_TTL_S = 8 * 3600

export class TokenService {
  private readonly key: Uint8Array

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret)
  }

  async signAgent(claims: AgentClaims, ttlSeconds = DEFAULT_TOKEN_TTL_S): Promise<string> {
    return new SignJWT({ cid: claims.companyId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.agentUUID)
      .setIssuer(ISSUER)
      .setAudience(AGENT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.key)
  }

  /** Throws TOKEN_INVALID for anything but a valid, unexpired agent token of this server. */
  async verifyAgent(token: string | undefined): Promise<AgentClaims> {
    if (!token) throw new SobotError('TOKEN_INVALID', 'No token was presented.')
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AGENT_AUDIENCE, algorithms: ['HS256'] })
      if (typeof payload.sub !== 'string' || typeof payload.cid !== 'string') throw new Error('claims')
      return { companyId: payload.cid, agentUUID: payload.sub }
    } catch (err) {
      const expired = err instanceof joseErrors.JWTExpired
      throw new SobotError(
        'TOKEN_INVALID',
        expired ? 'The token has expired; obtain a new one.' : 'The token is not valid for this contact center.',
      )
    }
  }
}

export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '')
  return m?.[1]
}
