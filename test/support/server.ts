import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import { startContactCenter, type ContactCenter } from '../../server/app'
import type { ServerConfig } from '../../server/config'
import { Agent, type AgentOptions } from '../../src/agent/Agent'
import type { AnySobotEvent, ListenerMap, SobotEventMap, SobotEventName } from '../../src/events'
import type { WebSocketCtor } from '../../src/cti/CtiSocket'

/**
 * The real contact center in this process, on a free port of 127.0.0.1. Without a dataDir it gets a
 * fresh temporary one (its own embedded database), removed by close(); pass a dataDir to keep the data
 * across a restart. It uses PostgreSQL only when given a databaseUrl (never DATABASE_URL from the
 * environment, which would make parallel test files share one database).
 */
export async function startServer(overrides: Partial<ServerConfig> = {}): Promise<ContactCenter> {
  const temp = overrides.dataDir ? undefined : mkdtempSync(path.join(tmpdir(), 'sobot-cc-'))
  const cleanup = (): void => {
    if (temp) rmSync(temp, { recursive: true, force: true })
  }
  let cc: ContactCenter
  try {
    cc = await startContactCenter({
      port: 0,
      sipTcpPort: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      ...overrides,
      databaseUrl: overrides.databaseUrl ?? '',
      dataDir: overrides.dataDir ?? temp!,
    })
  } catch (err) {
    cleanup()
    throw err
  }
  if (!temp) return cc
  return {
    ...cc,
    async close() {
      await cc.close()
      cleanup()
    },
  }
}

/** A REST API token (X-STRINGEE-AUTH) of a company, from the development route. */
export async function restToken(cc: { url: string }, companyId = 'demo', extra: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${cc.url}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ companyId, rest: true, ...extra }),
  })
  const body = (await res.json()) as { token?: string }
  if (!body.token) throw new Error(`no REST token for ${companyId}: ${JSON.stringify(body)}`)
  return body.token
}

export async function devToken(cc: { url: string }, agent: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${cc.url}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ companyId: 'demo', agent, ...extra }),
  })
  const body = (await res.json()) as { token?: string }
  if (!body.token) throw new Error(`no token for ${agent}: ${JSON.stringify(body)}`)
  return body.token
}

/** Every event an agent receives, in order, with a bounded wait for the next one that matches. */
export class EventLog {
  readonly events: AnySobotEvent[] = []
  private waiters: { pred: (e: AnySobotEvent) => boolean; resolve: (e: AnySobotEvent) => void }[] = []

  constructor(agent: Agent) {
    agent.on('EventAgentAll', (e) => {
      this.events.push(e)
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(e)) return true
        w.resolve(e)
        return false
      })
    })
  }

  names(): string[] {
    return this.events.map((e) => e.messageID)
  }

  /** Resolves with the first event (already received after `from`, or to come) that matches. */
  waitFor<K extends SobotEventName>(
    name: K,
    pred: (e: SobotEventMap[K]) => boolean = () => true,
    timeoutMs = 5000,
    from = 0,
  ): Promise<SobotEventMap[K]> {
    const match = (e: AnySobotEvent): boolean => e.messageID === name && pred(e as SobotEventMap[K])
    const seen = this.events.slice(from).find(match)
    if (seen) return Promise.resolve(seen as SobotEventMap[K])
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${name}; got ${this.names().join(', ')}`)),
        timeoutMs,
      )
      this.waiters.push({
        pred: match,
        resolve: (e) => {
          clearTimeout(timer)
          resolve(e as SobotEventMap[K])
        },
      })
    })
  }

  /** Waits for the next matching event after now. */
  next<K extends SobotEventName>(name: K, pred?: (e: SobotEventMap[K]) => boolean, timeoutMs?: number): Promise<SobotEventMap[K]> {
    return this.waitFor(name, pred, timeoutMs, this.events.length)
  }
}

export interface Connected {
  agent: Agent
  log: EventLog
  token: string
}

export function newAgent(cc: { url: string }, opts: AgentOptions = {}): Agent {
  return new Agent({ server: cc.url, WebSocket: WebSocket as unknown as WebSocketCtor, ...opts })
}

/** An agent of the seeded company, initialised over real sockets. */
export async function connectAgent(cc: { url: string }, agentID: string, opts: AgentOptions = {}): Promise<Connected> {
  const token = await devToken(cc, agentID)
  const agent = newAgent(cc, opts)
  const log = new EventLog(agent)
  await agent.initAgent({ token, companyId: 'demo', agent: agentID })
  return { agent, log, token }
}

export type { ListenerMap }
