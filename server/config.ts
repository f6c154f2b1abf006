import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import type { DispatcherOptions } from './webhooks/dispatcher'

export interface ServerConfig {
  /** 0 picks a free port (tests). */
  port: number
  host: string
  /** dev: /dev/* helpers on, a fixed development JWT secret allowed. production: neither. */
  mode: 'dev' | 'production'
  jwtSecret: string
  /** Where the embedded database, recordings and greetings live. */
  dataDir: string
  /** postgres://… : keep the data in that PostgreSQL instead of the embedded database. */
  databaseUrl?: string
  /** Webhook delivery timings (tests shorten them). */
  webhooks?: Partial<DispatcherOptions>
  /** The repository root: dist/ and demo/ are served from here. */
  rootDir: string
  /** The SIP domain of the switch (phones' URIs and the digest realm). */
  sipDomain: string
  /** Run the simulated telephone network in this process (dev mode default). */
  simulator: boolean
  /** The PSTN trunk's SIP password (random per start unless set: a gateway in another process needs it). */
  trunkPassword: string
  /** Events kept per session for replay after a reconnect. */
  replayBufferEvents: number
  /** Log requests (never tokens). */
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug'
}

export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export function configFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const mode = overrides.mode ?? (env.NODE_ENV === 'production' || env.SOBOT_MODE === 'production' ? 'production' : 'dev')
  let jwtSecret = overrides.jwtSecret ?? env.JWT_SECRET
  if (!jwtSecret) {
    if (mode === 'production') throw new Error('JWT_SECRET is required in production mode.')
    // A random secret per process: dev tokens do not outlive the server, and none is checked in.
    jwtSecret = randomBytes(32).toString('hex')
  }
  return {
    port: overrides.port ?? Number(env.PORT ?? 8080),
    host: overrides.host ?? env.HOST ?? '127.0.0.1',
    mode,
    jwtSecret,
    dataDir: overrides.dataDir ?? env.DATA_DIR ?? path.join(ROOT_DIR, '.data'),
    databaseUrl: overrides.databaseUrl ?? (env.DATABASE_URL || undefined),
    webhooks: overrides.webhooks,
    rootDir: overrides.rootDir ?? ROOT_DIR,
    sipDomain: overrides.sipDomain ?? env.SIP_DOMAIN ?? 'cc.local',
    simulator: overrides.simulator ?? (env.SIMULATOR ? env.SIMULATOR !== '0' : mode === 'dev'),
    trunkPassword: overrides.trunkPassword ?? env.TRUNK_PASSWORD ?? randomBytes(16).toString('hex'),
    replayBufferEvents: overrides.replayBufferEvents ?? Number(env.REPLAY_BUFFER_EVENTS ?? 2000),
    logLevel: overrides.logLevel ?? ((env.LOG_LEVEL as ServerConfig['logLevel']) || 'warn'),
  }
}
