/** What a reconnect policy is told before each attempt. */
export interface ReconnectContext {
  /** Attempts already made since the connection was lost (0 before the first). */
  retryCount: number
  /** ms since the connection was lost. */
  elapsedMs: number
}

/** Decides how long to wait before the next attempt; null gives up for good. */
export interface ReconnectPolicy {
  nextRetryDelayMs(ctx: ReconnectContext): number | null
}

/** The first retry is immediate; later ones back off to 7 s. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [0, 300, 1200, 2700, 4800, 7000]
/** Give up after two minutes without a connection: the agent is then offline for the desktop. */
export const DEFAULT_MAX_RECONNECT_MS = 120_000
/** Up to this much random delay is added, so that a server restart is not met by every agent at once. */
export const DEFAULT_RECONNECT_JITTER_MS = 1000

export interface DefaultReconnectPolicyOptions {
  delaysMs?: readonly number[]
  maxElapsedMs?: number
  jitterMs?: number
  random?: () => number
}

export class DefaultReconnectPolicy implements ReconnectPolicy {
  private readonly delays: readonly number[]
  private readonly maxElapsedMs: number
  private readonly jitterMs: number
  private readonly random: () => number

  constructor(opts: DefaultReconnectPolicyOptions = {}) {
    this.delays = opts.delaysMs ?? DEFAULT_RETRY_DELAYS_MS
    this.maxElapsedMs = opts.maxElapsedMs ?? DEFAULT_MAX_RECONNECT_MS
    this.jitterMs = opts.jitterMs ?? DEFAULT_RECONNECT_JITTER_MS
    this.random = opts.random ?? Math.random
  }

  nextRetryDelayMs({ retryCount, elapsedMs }: ReconnectContext): number | null {
    const base = this.delays[Math.min(retryCount, this.delays.length - 1)] ?? 0
    // The immediate first retry stays immediate; jitter never exceeds the base delay itself.
    const delay = base === 0 ? 0 : base + Math.round(this.random() * Math.min(this.jitterMs, base))
    return elapsedMs + delay > this.maxElapsedMs ? null : delay
  }
}
