import { SobotError, toSobotError } from '../errors'
import type { AnySobotEvent } from '../events'
import type { AgentSnapshot } from '../model/agentModel'
import type { CommandName, CommandParams, CommandSuccess, NoParams } from '../protocol/commands'

/**
 * Several tabs of one agent (initAgent's allowStorageListen): the tab holding a Web Lock owns the
 * connections (and the web phone); the others send their commands to it over a BroadcastChannel and
 * receive its events. When the owner closes, the lock passes to a waiting tab, which takes over.
 */

export interface SharedState {
  snapshot: AgentSnapshot
  isSupervisor: boolean
  agentType: '0' | '1'
  companyId: string
}

/** What another tab asks the owner for: a command of the contract, or answering the owner's web phone. */
export type TabRequestName = CommandName | 'answer'
type TabParams<K extends TabRequestName> = K extends CommandName ? CommandParams<K> : NoParams
export type TabRequest<K extends TabRequestName = TabRequestName> = { [N in K]: { name: N; params: TabParams<N> } }[K]

type CmdMsg<K extends TabRequestName = TabRequestName> = { k: 'cmd'; from: string; id: number; req: TabRequest<K>; timeoutMs?: number }

type Msg =
  | { k: 'join'; from: string }
  | { k: 'hello'; to: string; state: SharedState }
  | { k: 'ev'; ev: AnySobotEvent }
  | CmdMsg
  | { k: 'res'; to: string; id: number; ok: boolean; value: unknown }
  | { k: 'token'; token: string }

/** How long a new tab waits for the owner's hello before it gives up. */
export const TAB_JOIN_TIMEOUT_MS = 5_000
export const TAB_COMMAND_TIMEOUT_MS = 15_000

interface LockManagerLike {
  request(
    name: string,
    opts: { ifAvailable?: boolean; signal?: AbortSignal },
    cb: (lock: unknown) => Promise<unknown> | unknown,
  ): Promise<unknown>
}

function platform(): { locks: LockManagerLike; BC: typeof BroadcastChannel } | undefined {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks
  const BC = globalThis.BroadcastChannel
  return locks && BC ? { locks, BC } : undefined
}

export function tabsSupported(): boolean {
  return platform() !== undefined
}

/**
 * Tries to become the owner. Resolves with an owner handle (holding the lock until released) or
 * with undefined when another tab owns the agent; `onPromoted` then runs if this tab later takes over.
 */
export async function claimOwnership(key: string, onPromoted: (release: () => void) => void): Promise<(() => void) | undefined> {
  const p = platform()!
  const name = `sobot-call-sdk:${key}`
  let release!: () => void
  const held = new Promise<void>((r) => (release = r))
  const got = await new Promise<boolean>((resolve) => {
    void p.locks.request(name, { ifAvailable: true }, (lock) => {
      resolve(lock !== null)
      return lock === null ? undefined : held
    })
  })
  if (got) return release
  // Queue for the lock: granted when the owner's tab goes away (or it calls destroy()).
  const abort = new AbortController()
  void p.locks
    .request(name, { signal: abort.signal }, () => {
      onPromoted(release)
      return held
    })
    .catch(() => {})
  const waiting = release
  release = () => {
    abort.abort()
    waiting()
  }
  return undefined
}

/** The owner's side: answers the other tabs' commands and forwards every event to them. */
export class TabOwner {
  private readonly ch: BroadcastChannel

  constructor(
    key: string,
    private readonly state: () => SharedState,
    private readonly run: (req: TabRequest, timeoutMs?: number) => Promise<unknown>,
    private readonly onToken: (token: string) => void,
  ) {
    this.ch = new (platform()!.BC)(`sobot-call-sdk:${key}`)
    this.ch.onmessage = (e: MessageEvent<Msg>) => this.onMessage(e.data)
  }

  broadcast(ev: AnySobotEvent): void {
    this.post({ k: 'ev', ev })
  }

  close(): void {
    this.ch.close()
  }

  private onMessage(m: Msg): void {
    if (m.k === 'join') this.post({ k: 'hello', to: m.from, state: this.state() })
    else if (m.k === 'token') this.onToken(m.token)
    else if (m.k === 'cmd') {
      this.run(m.req, m.timeoutMs).then(
        (value) => this.post({ k: 'res', to: m.from, id: m.id, ok: true, value }),
        (e: unknown) => this.post({ k: 'res', to: m.from, id: m.id, ok: false, value: toSobotError(e).toJSON() }),
      )
    }
  }

  private post(m: Msg): void {
    try {
      this.ch.postMessage(m)
    } catch {
      /* the channel is closed */
    }
  }
}

/** Another tab's side: commands go to the owner; events come from it. */
export class TabMember {
  private readonly ch: BroadcastChannel
  private readonly id = Math.random().toString(36).slice(2)
  private seq = 0
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: SobotError) => void; timer: ReturnType<typeof setTimeout> }
  >()
  private joined?: (s: SharedState) => void

  constructor(
    key: string,
    private readonly onEvent: (ev: AnySobotEvent) => void,
  ) {
    this.ch = new (platform()!.BC)(`sobot-call-sdk:${key}`)
    this.ch.onmessage = (e: MessageEvent<Msg>) => this.onMessage(e.data)
  }

  join(): Promise<SharedState> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.joined = undefined
        reject(new SobotError('NETWORK_ERROR', "The tab that owns this agent's session did not answer."))
      }, TAB_JOIN_TIMEOUT_MS)
      this.joined = (s) => {
        clearTimeout(timer)
        this.joined = undefined
        resolve(s)
      }
      this.ch.postMessage({ k: 'join', from: this.id } satisfies Msg)
    })
  }

  /** A command, sent by the owner tab; resolves with the command's result. */
  send<K extends CommandName>(name: K, params: CommandParams<K>, timeoutMs?: number): Promise<CommandSuccess<K>> {
    // The owner answers with what its command client resolved with: this command's result.
    return this.request<K>({ name, params } as TabRequest<K>, timeoutMs) as Promise<CommandSuccess<K>>
  }

  /** Answers the ringing call on the owner tab's web phone. */
  async answer(timeoutMs?: number): Promise<void> {
    await this.request<'answer'>({ name: 'answer', params: {} }, timeoutMs)
  }

  private request<K extends TabRequestName>(req: TabRequest<K>, timeoutMs: number | undefined): Promise<unknown> {
    const id = ++this.seq
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.pending.delete(id)
          reject(new SobotError('TIMEOUT', `${req.name}: the owner tab did not answer.`))
        },
        (timeoutMs ?? TAB_COMMAND_TIMEOUT_MS) + 1000,
      )
      this.pending.set(id, { resolve, reject, timer })
      const msg: CmdMsg<K> = { k: 'cmd', from: this.id, id, req, timeoutMs }
      this.ch.postMessage(msg)
    })
  }

  setToken(token: string): void {
    this.ch.postMessage({ k: 'token', token } satisfies Msg)
  }

  close(err: SobotError): void {
    this.ch.close()
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    this.pending.clear()
  }

  private onMessage(m: Msg): void {
    if (m.k === 'hello' && m.to === this.id) this.joined?.(m.state)
    else if (m.k === 'ev' && !this.joined) this.onEvent(m.ev)
    else if (m.k === 'res' && m.to === this.id) {
      const p = this.pending.get(m.id)
      if (!p) return
      this.pending.delete(m.id)
      clearTimeout(p.timer)
      if (m.ok) p.resolve(m.value)
      else p.reject(toSobotError(m.value))
    }
  }
}
