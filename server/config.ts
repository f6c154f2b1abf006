import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import type { DispatcherOptions } from './webhooks/dispatcher'
import type { RoutingOptions } from './calls/routing'
import type { TtsMode } from './calls/prompts'
import { gatewaysFromEnv, type Gateway } from './switch/gateways'

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
  /** The routing engine: get_list_agents_url timeout, voicemail length, text to speech (TTS=off: the chime). */
  routing?: Partial<RoutingOptions> & { tts?: TtsMode }
  /** The repository root: dist/ and demo/ are served from here. */
  rootDir: string
  /** The SIP domain of the switch (phones' URIs and the digest realm). */
  sipDomain: string
  /** Run the simulated telephone network in this process (dev mode default). */
  simulator: boolean
  /** The PSTN trunk's SIP password (random per start unless set: a gateway in another process needs it). */
  trunkPassword: string
  /**
   * Whether the trunk may register and authenticate with trunkPassword (the simulated network does):
   * in development, or when TRUNK_PASSWORD is set. Otherwise the trunk is a configured gateway only.
   */
  trunkRegisters: boolean
  /** The trunks: configured gateways, trusted by address or TLS certificate (SIP_GATEWAYS). */
  gateways: Gateway[]
  /** TCP port where the switch takes SIP from its edges (SIP_TCP_PORT, default 5080; 0 = any free port). */
  sipTcpPort: number
  /** The edges the switch trusts, `ip[:port]` of each edge's listener for the switch (SIP_EDGES, default 127.0.0.1:5062). */
  sipEdges: string[]
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
    routing: { ...(env.TTS === 'off' ? { tts: 'off' as const } : {}), ...overrides.routing },
    rootDir: overrides.rootDir ?? ROOT_DIR,
    sipDomain: overrides.sipDomain ?? env.SIP_DOMAIN ?? 'cc.local',
    simulator: overrides.simulator ?? (env.SIMULATOR ? env.SIMULATOR !== '0' : mode === 'dev'),
    trunkPassword: overrides.trunkPassword ?? env.TRUNK_PASSWORD ?? randomBytes(16).toString('hex'),
    trunkRegisters: overrides.trunkRegisters ?? (mode === 'dev' || !!env.TRUNK_PASSWORD),
    gateways: overrides.gateways ?? gatewaysFromEnv(env.SIP_GATEWAYS),
    sipTcpPort: overrides.sipTcpPort ?? Number(env.SIP_TCP_PORT ?? 5080),
    sipEdges:
      overrides.sipEdges ??
      (env.SIP_EDGES ?? '127.0.0.1:5062')
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
    replayBufferEvents: overrides.replayBufferEvents ?? Number(env.REPLAY_BUFFER_EVENTS ?? 2000),
    logLevel: overrides.logLevel ?? ((env.LOG_LEVEL as ServerConfig['logLevel']) || 'warn'),
  }
}
