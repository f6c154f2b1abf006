import { SobotError, isErrorCode, toSobotError } from '../errors'
import type { CommandName, CommandParams, CommandSuccess } from '../protocol/commands'
import { commandPath, HEADER_PROTOCOL, HEADER_SESSION, PROTOCOL_VERSION } from '../protocol/wire'

/** A command that has had no answer by then fails with TIMEOUT. */
export const COMMAND_TIMEOUT_MS = 10_000
/** The spec: after EventTokenInvalid, commands wait this long for handleRefreshToken. */
export const TOKEN_WAIT_MS = 10_000
/** A command that could not reach the server is sent once more after this pause (same referenceID). */
export const NETWORK_RETRY_DELAY_MS = 500

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{
  status: number
  json(): Promise<unknown>
}>

export interface CommandOptions {
  /** Aborts the command: it fails with ABORTED (the server may already have acted on it). */
  signal?: AbortSignal
  timeoutMs?: number
}

interface SendOptions extends CommandOptions {
  /** false: a refused token fails the command at once instead of parking it (initAgent). */
  park?: boolean
}

export interface CommandClientOptions {
  server: string
  fetch: FetchLike
  token: string
  sessionId?: string
  timeoutMs?: number
  tokenWaitMs?: number
  /** Called when a command is refused for its token (and again when the wait for a new one ran out). */
  onTokenInvalid: (err: SobotError) => void
}

/** What went out on the wire: a command's success, whichever command it was. */
type AnySuccess = CommandSuccess<CommandName>

interface Parked {
  order: number
  name: CommandName
  body: Record<string, unknown>
  opts: CommandOptions
  resolve: (r: AnySuccess) => void
  reject: (e: SobotError) => void
  onAbort: () => void
}

let counter = 0
export function newReferenceID(): string {
  const c = globalThis.crypto
  if (c?.randomUUID) return c.randomUUID()
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${(counter++).toString(36)}`
}

/**
 * Sends commands as HTTPS POSTs with the bearer token. A command refused for its token is parked;
 * commands issued while parked wait too. handleRefreshToken() sends them, once each, in the order
 * they were issued; TOKEN_WAIT_MS after EventTokenInvalid they fail with TOKEN_REFRESH_TIMEOUT.
 */
export class CommandClient {
  private token: string
  private parked: Parked[] = []
  private parkTimer: ReturnType<typeof setTimeout> | undefined
  private flushing = false
  private order = 0
  sessionId: string | undefined

  constructor(private readonly opts: CommandClientOptions) {
    this.token = opts.token
    this.sessionId = opts.sessionId
  }

  get currentToken(): string {
    return this.token
  }

  get waitingForToken(): boolean {
    return this.parkTimer !== undefined
  }

  /** Sends a command with its parameters (already parsed by the contract's parser); resolves with its result. */
  send<K extends CommandName>(name: K, params: CommandParams<K>, opts: SendOptions = {}): Promise<CommandSuccess<K>> {
    return this.sendAny(name, { referenceID: newReferenceID(), ...params }, opts) as Promise<CommandSuccess<K>>
  }

  private sendAny(name: CommandName, body: Record<string, unknown>, opts: SendOptions): Promise<AnySuccess> {
    const order = ++this.order
    if (opts.signal?.aborted) return Promise.reject(new SobotError('ABORTED'))
    if (this.parkTimer !== undefined || this.flushing) return this.park(order, name, body, opts)
    return this.attempt(name, body, opts).catch((err: SobotError) => {
      if (err.errorCode !== 'TOKEN_INVALID' || opts.park === false) throw err
      return this.park(order, name, body, opts, err)
    })
  }

  /** A new token: parked commands go out in order, once each. */
  setToken(token: string): void {
    this.token = token
    if (this.parkTimer === undefined) return
    clearTimeout(this.parkTimer)
    this.parkTimer = undefined
    void this.flush()
  }

  /** A wait that dispose() or the command's signal cut short (rejecting), so nothing is sent after them. */
  private pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: SobotError): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.pauses.delete(cancel)
        if (err) reject(err)
        else resolve()
      }
      const onAbort = (): void => done(new SobotError('ABORTED'))
      const cancel = (err: SobotError): void => done(err)
      const timer = setTimeout(() => done(), ms)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.pauses.add(cancel)
    })
  }

  private readonly pauses = new Set<(err: SobotError) => void>()

  /** Fails everything parked or waiting to retry; nothing is left running. */
  dispose(err: SobotError): void {
    for (const cancel of [...this.pauses]) cancel(err)
    clearTimeout(this.parkTimer)
    this.parkTimer = undefined
    this.rejectParked(err)
  }

  private park(
    order: number,
    name: CommandName,
    body: Record<string, unknown>,
    opts: CommandOptions,
    refusal?: SobotError,
  ): Promise<AnySuccess> {
    return new Promise((resolve, reject) => {
      const p: Parked = {
        order,
        name,
        body,
        opts,
        resolve,
        reject,
        onAbort: () => {
          this.parked = this.parked.filter((x) => x !== p)
          reject(new SobotError('ABORTED'))
        },
      }
      opts.signal?.addEventListener('abort', p.onAbort, { once: true })
      this.parked.push(p)
      this.parked.sort((a, b) => a.order - b.order)
      if (refusal && this.parkTimer === undefined && !this.flushing) this.startWaiting(refusal)
    })
  }

  private startWaiting(refusal: SobotError): void {
    this.parkTimer = setTimeout(() => {
      this.parkTimer = undefined
      this.rejectParked(new SobotError('TOKEN_REFRESH_TIMEOUT'))
      this.opts.onTokenInvalid(new SobotError('TOKEN_REFRESH_TIMEOUT'))
    }, this.opts.tokenWaitMs ?? TOKEN_WAIT_MS)
    this.opts.onTokenInvalid(refusal)
  }

  private rejectParked(err: SobotError): void {
    const parked = this.parked
    this.parked = []
    for (const p of parked) {
      p.opts.signal?.removeEventListener('abort', p.onAbort)
      p.reject(err)
    }
  }

  private async flush(): Promise<void> {
    this.flushing = true
    try {
      while (this.parked.length && this.parkTimer === undefined) {
        const p = this.parked.shift()!
        p.opts.signal?.removeEventListener('abort', p.onAbort)
        try {
          p.resolve(await this.attempt(p.name, p.body, p.opts))
        } catch (e) {
          const err = toSobotError(e)
          if (err.errorCode === 'TOKEN_INVALID') {
            // Still refused: back to waiting, this command first.
            this.parked.unshift(p)
            p.opts.signal?.addEventListener('abort', p.onAbort, { once: true })
            this.startWaiting(err)
          } else {
            p.reject(err)
          }
        }
      }
    } finally {
      this.flushing = false
    }
  }

  private async attempt(name: CommandName, body: Record<string, unknown>, opts: CommandOptions): Promise<AnySuccess> {
    try {
      return await this.post(name, body, opts)
    } catch (e) {
      const err = toSobotError(e)
      if (err.errorCode !== 'NETWORK_ERROR' || opts.signal?.aborted) throw err
      // Same referenceID: the server answers a repeat from its cache instead of acting twice.
      await this.pause(NETWORK_RETRY_DELAY_MS, opts.signal)
      return this.post(name, body, opts)
    }
  }

  private async post(name: CommandName, body: Record<string, unknown>, opts: CommandOptions): Promise<AnySuccess> {
    const ctl = new AbortController()
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs ?? COMMAND_TIMEOUT_MS
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      ctl.abort()
    }, timeoutMs)
    const onAbort = (): void => ctl.abort()
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        authorization: `Bearer ${this.token}`,
        [HEADER_PROTOCOL]: String(PROTOCOL_VERSION),
      }
      if (this.sessionId) headers[HEADER_SESSION] = this.sessionId
      let res: Awaited<ReturnType<FetchLike>>
      try {
        res = await this.opts.fetch(`${this.opts.server}${commandPath(name)}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal: ctl.signal,
        })
      } catch (err) {
        if (timedOut) throw new SobotError('TIMEOUT', `${name}: no answer within ${timeoutMs} ms.`)
        if (opts.signal?.aborted) throw new SobotError('ABORTED')
        throw new SobotError('NETWORK_ERROR', undefined, { cause: err })
      }
      let data: unknown
      try {
        data = await res.json()
      } catch (err) {
        if (timedOut) throw new SobotError('TIMEOUT', `${name}: no answer within ${timeoutMs} ms.`)
        throw new SobotError('SERVER_ERROR', `${name}: the server answered HTTP ${res.status} without JSON.`, { cause: err })
      }
      const d = data as { status?: unknown; errorCode?: unknown; errorMessage?: unknown }
      // The server answers with the contract's result for the command.
      if (d && d.status === 'success' && res.status < 300) return d as AnySuccess
      if (d && isErrorCode(d.errorCode)) throw new SobotError(d.errorCode, typeof d.errorMessage === 'string' ? d.errorMessage : undefined)
      throw new SobotError(res.status === 404 ? 'NOT_FOUND' : 'SERVER_ERROR', `${name}: the server answered HTTP ${res.status}.`)
    } finally {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
    }
  }
}
