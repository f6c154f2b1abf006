import type { Company, Directory } from '../acd/directory'
import type { OutboxEntry, WebhookOutbox } from '../store/outbox'
import { signatureHeader } from './signature'

/** The call statuses of stringee-call-events.txt. */
export const CALL_STATUSES = ['created', 'started', 'ringing', 'answered', 'ended', 'agentEnded'] as const
export type CallStatus = (typeof CALL_STATUSES)[number]
export const CALL_CREATED_REASONS = [
  'CLIENT_MAKE_CALL',
  'EXTERNAL_CALL_IN',
  'SERVER_CALL_OUT_BY_MAKE_CALL_TO_APP_BEFORE',
  'SERVER_CALL_OUT_BY_MAKE_CALL_TO_EXTERNAL_BEFORE',
] as const
export type CallCreatedReason = (typeof CALL_CREATED_REASONS)[number]

export interface CallParty {
  number: string
  alias: string
  is_online: boolean
  type: 'internal' | 'external'
}

/**
 * What the call control passes to enqueue(): the event's own fields. The dispatcher adds the
 * company's (project_id, account_sid), `type` and, unless given, `timestamp_ms`.
 */
export interface CallEventInput {
  call_status: CallStatus
  call_id: string
  from: CallParty
  to: CallParty
  /** The user (agent) the call was requested by, '' for inbound calls. */
  request_from_user_id?: string
  /** makeCall()'s custom data, '' when none. */
  clientCustomData?: string
  timestamp_ms?: number
  /** The end fields: required for `ended`, allowed for `agentEnded`. */
  callCreatedReason?: CallCreatedReason
  /** USER_END_CALL, CAN_NOT_MAKE_CALL, MAX_CONNECT_TIME or a SIP status such as "486 Busy Here" */
  endCallCause?: string
  endedBy?: 'EXTERNAL' | 'INTERNAL'
  callType?: 'IVR' | 'CALL' | 'CONFERENCE'
  /** seconds */
  duration?: number
  /** seconds */
  answerDuration?: number
  /** `ended` only: the key the customer pressed in the satisfaction survey (sendSatisfy). */
  satisfaction?: string
}

/** The body POSTed to the event URL, every field of stringee-call-events.txt. */
export interface CallEventBody {
  call_status: CallStatus
  project_id: number
  request_from_user_id: string
  account_sid: string
  timestamp_ms: number
  from: CallParty
  to: CallParty
  clientCustomData: string
  type: 'stringee_call'
  call_id: string
  callCreatedReason?: CallCreatedReason
  endCallCause?: string
  endedBy?: 'EXTERNAL' | 'INTERNAL'
  callType?: 'IVR' | 'CALL' | 'CONFERENCE'
  duration?: number
  answerDuration?: number
  /** This server's addition: the satisfaction survey's key, on `ended` when the customer pressed one. */
  satisfaction?: string
}

export interface DispatcherOptions {
  /** A request that has not answered within this is abandoned and retried. */
  timeoutMs: number
  /** First retry after about this long; each further retry waits twice as long ... */
  baseDelayMs: number
  /** ... up to this. */
  maxDelayMs: number
  /** After this many attempts an event is given up (status failed) and the call's next events go on. */
  maxAttempts: number
  /** How often the outbox is checked for retries that became due (and for other processes' work). */
  pollMs: number
  /** Calls whose events are delivered in parallel (one request at a time per call). */
  concurrency: number
}

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = {
  timeoutMs: 10_000,
  baseDelayMs: 1_000,
  maxDelayMs: 10 * 60_000,
  maxAttempts: 20,
  pollMs: 1_000,
  concurrency: 8,
}

/**
 * The wait before retry number `attempt` (1 after the first failure): exponential, capped, with
 * "equal jitter" (between half and all of the exponential delay), so that events that failed together
 * do not all come back at the same instant.
 */
export function retryDelayMs(
  attempt: number,
  opts: Pick<DispatcherOptions, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(exp / 2 + random() * (exp / 2))
}

export interface DispatcherDeps {
  outbox: WebhookOutbox
  dir: Directory
  options?: Partial<DispatcherOptions>
  fetch?: typeof fetch
  now?: () => number
  random?: () => number
  /** Where delivery failures are reported (never with secrets or signatures). */
  log?: { warn(obj: object, msg: string): void }
}

export const USER_AGENT = 'sobot-contact-center-webhooks/1'
const MIN_WAIT_MS = 10

/**
 * Delivers call events to each company's event URL, at least once: enqueue() writes the event to the
 * outbox before anything is sent; delivery retries with backoff and jitter on a network error, a
 * timeout or a non-2xx answer, survives restarts (the outbox is in the database), and keeps each
 * call's events in order (the next event of a call waits until the one before it is delivered or
 * given up). Each request is signed (signature.ts) and carries X-Sobot-Event-Id, the same on every
 * attempt, so receivers can drop duplicates.
 */
export class WebhookDispatcher {
  readonly options: DispatcherOptions
  private readonly outbox: WebhookOutbox
  private readonly dir: Directory
  private readonly fetchFn: typeof fetch
  private readonly now: () => number
  private readonly random: () => number
  private readonly log?: DispatcherDeps['log']
  private readonly inFlight = new Map<number, { abort: AbortController; done: Promise<void> }>()
  private enqueueTail: Promise<unknown> = Promise.resolve()
  private timer: NodeJS.Timeout | undefined
  private pumping: Promise<void> | undefined
  private again = false
  private running = false

  constructor(deps: DispatcherDeps) {
    this.options = { ...DEFAULT_DISPATCHER_OPTIONS, ...deps.options }
    this.outbox = deps.outbox
    this.dir = deps.dir
    this.fetchFn = deps.fetch ?? fetch
    this.now = deps.now ?? Date.now
    this.random = deps.random ?? Math.random
    this.log = deps.log
  }

  /** Starts delivering, including whatever the outbox kept from before a restart. */
  start(): void {
    if (this.running) return
    this.running = true
    this.kick()
  }

  /**
   * Persists the event for the company's event URL and wakes the delivery. Resolves with the outbox
   * entry once it is stored, or null when the company has no event URL (nothing to deliver). Events
   * are stored in call order: call this in the order they happen (awaiting is not needed for order).
   * Throws on a malformed event or an unknown company.
   */
  enqueue(companyId: string, input: CallEventInput): Promise<OutboxEntry | null> {
    const company = this.dir.companies.get(companyId)
    if (!company) return Promise.reject(new Error(`enqueue: no company ${companyId}.`))
    let body: CallEventBody
    try {
      body = buildCallEventBody(company, input, this.now())
    } catch (err) {
      return Promise.reject(err)
    }
    const url = company.eventUrl
    if (!url) return Promise.resolve(null)
    const text = JSON.stringify(body)
    const run = this.enqueueTail.then(() =>
      this.outbox.add({ companyId, callId: body.call_id, callStatus: body.call_status, url, body: text, now: this.now() }),
    )
    this.enqueueTail = run.catch(() => {})
    return run.then((entry) => {
      this.kick()
      return entry
    })
  }

  /** Stops: no new attempts; requests under way are aborted and will be retried after the next start. */
  async close(): Promise<void> {
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.enqueueTail
    for (const f of this.inFlight.values()) f.abort.abort(new Error('the server is stopping'))
    await Promise.all([...this.inFlight.values()].map((f) => f.done))
    await this.pumping
  }

  // --- delivery --------------------------------------------------------------------------------------

  private kick(): void {
    if (!this.running) return
    if (this.pumping) {
      this.again = true
      return
    }
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined
      if (this.again) this.kick()
    })
  }

  private async pump(): Promise<void> {
    let nextDue: number | null = null
    try {
      do {
        this.again = false
        const free = this.options.concurrency - this.inFlight.size
        if (free > 0) {
          // The lease outlives the request's timeout, so no one else takes an entry still in flight.
          const claimed = await this.outbox.claim(this.now(), this.options.timeoutMs + 5_000, free)
          for (const e of claimed) this.begin(e)
        }
      } while (this.again && this.running)
      nextDue = await this.outbox.nextDueAt()
    } catch (err) {
      if (this.running) this.log?.warn({ err: (err as Error).message }, 'webhook outbox unavailable')
    }
    if (!this.running) return
    // With every slot busy, a finishing delivery wakes the pump; otherwise sleep until the next entry is due
    // (never less than MIN_WAIT_MS, so that nothing can spin), and look again at least every pollMs.
    const saturated = this.inFlight.size >= this.options.concurrency
    const wait =
      saturated || nextDue === null ? this.options.pollMs : Math.max(MIN_WAIT_MS, Math.min(this.options.pollMs, nextDue - this.now()))
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.kick()
    }, wait)
    this.timer.unref?.()
  }

  private begin(e: OutboxEntry): void {
    const abort = new AbortController()
    const done = this.attempt(e, abort).finally(() => {
      this.inFlight.delete(e.id)
      this.kick()
    })
    this.inFlight.set(e.id, { abort, done })
  }

  private async attempt(e: OutboxEntry, abort: AbortController): Promise<void> {
    const company = this.dir.companies.get(e.companyId)
    let timedOut = false
    let stopped = false
    const timer = setTimeout(() => {
      timedOut = true
      abort.abort(new Error('timeout'))
    }, this.options.timeoutMs)
    let status: number | null = null
    let error: string | null = null
    try {
      const res = await this.fetchFn(e.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'x-sobot-event-id': String(e.id),
          'x-sobot-delivery-attempt': String(e.attempts),
          'x-sobot-signature': signatureHeader(company?.webhookSecret ?? '', e.body, Math.floor(this.now() / 1000)),
        },
        body: e.body,
        signal: abort.signal,
        redirect: 'manual',
      })
      status = res.status
      await res.body?.cancel().catch(() => {})
      if (status < 200 || status > 299) error = `HTTP ${status}`
    } catch (err) {
      stopped = abort.signal.aborted && !timedOut
      error = timedOut
        ? `timeout: no answer within ${this.options.timeoutMs} ms`
        : stopped
          ? 'aborted: the server stopped'
          : describeNetworkError(err)
    } finally {
      clearTimeout(timer)
    }
    try {
      if (error === null) {
        await this.outbox.delivered(e.id, status!, this.now())
        return
      }
      // An attempt cut short by a stop says nothing about the receiver: it is retried as soon as we run again.
      const giveUp = !stopped && e.attempts >= this.options.maxAttempts
      const retryAt = giveUp ? null : stopped ? this.now() : this.now() + retryDelayMs(e.attempts, this.options, this.random)
      await this.outbox.attemptFailed(e.id, error, status, retryAt)
      this.log?.warn({ webhook: e.id, callId: e.callId, attempt: e.attempts, error, gaveUp: giveUp }, 'webhook delivery failed')
    } catch (err) {
      // The outbox could not record the outcome (stopping); the lease expires and the entry is retried.
      this.log?.warn({ webhook: e.id, err: (err as Error).message }, 'webhook outcome not recorded')
    }
  }
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  return `network: ${cause?.code ?? cause?.message ?? (err as Error).message}`
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0

function checkParty(name: string, p: unknown): CallParty {
  const o = p as Partial<CallParty> | null
  if (!o || typeof o !== 'object' || typeof o.number !== 'string') throw new TypeError(`call event: ${name}.number must be a string.`)
  if (o.type !== 'internal' && o.type !== 'external') throw new TypeError(`call event: ${name}.type must be "internal" or "external".`)
  return { number: o.number, alias: typeof o.alias === 'string' ? o.alias : o.number, is_online: o.is_online === true, type: o.type }
}

/** The documented body, in the documents' field order; throws TypeError on a malformed event. */
export function buildCallEventBody(company: Company, input: CallEventInput, now: number): CallEventBody {
  if (!CALL_STATUSES.includes(input.call_status)) throw new TypeError(`call event: call_status must be one of ${CALL_STATUSES.join(', ')}.`)
  if (typeof input.call_id !== 'string' || !input.call_id) throw new TypeError('call event: call_id is required.')
  const from = checkParty('from', input.from)
  const to = checkParty('to', input.to)
  const head = {
    call_status: input.call_status,
    project_id: company.projectId,
    request_from_user_id: input.request_from_user_id ?? '',
    account_sid: company.accountSid ?? '',
    timestamp_ms: input.timestamp_ms ?? now,
  }
  const isEnd = input.call_status === 'ended' || input.call_status === 'agentEnded'
  const hasEnd = input.callCreatedReason !== undefined || input.endCallCause !== undefined
  if (!isEnd || (!hasEnd && input.call_status === 'agentEnded')) {
    return { ...head, from, to, clientCustomData: input.clientCustomData ?? '', type: 'stringee_call', call_id: input.call_id }
  }
  if (!CALL_CREATED_REASONS.includes(input.callCreatedReason as CallCreatedReason)) {
    throw new TypeError(`call event: callCreatedReason must be one of ${CALL_CREATED_REASONS.join(', ')}.`)
  }
  if (typeof input.endCallCause !== 'string' || !input.endCallCause)
    throw new TypeError('call event: endCallCause is required when a call ends.')
  if (input.endedBy !== 'EXTERNAL' && input.endedBy !== 'INTERNAL') throw new TypeError('call event: endedBy must be EXTERNAL or INTERNAL.')
  if (input.callType !== 'IVR' && input.callType !== 'CALL' && input.callType !== 'CONFERENCE')
    throw new TypeError('call event: callType must be IVR, CALL or CONFERENCE.')
  if (!isInt(input.duration) || !isInt(input.answerDuration))
    throw new TypeError('call event: duration and answerDuration must be whole seconds.')
  if (
    input.satisfaction !== undefined &&
    (input.call_status !== 'ended' || typeof input.satisfaction !== 'string' || !/^[0-9*#]$/.test(input.satisfaction))
  ) {
    throw new TypeError('call event: satisfaction is one key (0-9, *, #), on ended only.')
  }
  return {
    ...head,
    type: 'stringee_call',
    call_id: input.call_id,
    clientCustomData: input.clientCustomData ?? '',
    callCreatedReason: input.callCreatedReason!,
    endCallCause: input.endCallCause,
    endedBy: input.endedBy,
    callType: input.callType,
    duration: input.duration,
    answerDuration: input.answerDuration,
    from,
    to,
    ...(input.satisfaction !== undefined ? { satisfaction: input.satisfaction } : {}),
  }
}
