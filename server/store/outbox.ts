import type { Db } from './db'

export type OutboxStatus = 'pending' | 'delivered' | 'failed'

/** One call event waiting for (or done with) delivery to a company's event URL. */
export interface OutboxEntry {
  /** Increasing: the order events were enqueued in, which is the order they are delivered in per call. */
  id: number
  companyId: string
  callId: string
  callStatus: string
  url: string
  /** The exact JSON text that is POSTed and signed. */
  body: string
  status: OutboxStatus
  /** Attempts started so far. */
  attempts: number
  nextAttemptAt: number
  leaseUntil: number | null
  lastError: string | null
  lastHttpStatus: number | null
  createdAt: number
  deliveredAt: number | null
}

/**
 * The webhook outbox: an event is written here before anyone tries to send it, so a crash or a
 * restart never loses one (at least once). Delivery claims entries with a lease, which lets several
 * server processes share one PostgreSQL outbox, and only ever claims the oldest pending entry of a
 * call, which keeps each call's events in order.
 */
export class WebhookOutbox {
  constructor(private readonly db: Db) {}

  async add(e: { companyId: string; callId: string; callStatus: string; url: string; body: string; now: number }): Promise<OutboxEntry> {
    const rows = await this.db.query<Row>(
      `insert into webhook_outbox (company_id, call_id, call_status, url, body, next_attempt_at, created_at)
       values ($1, $2, $3, $4, $5, $6, $6) returning *`,
      [e.companyId, e.callId, e.callStatus, e.url, e.body, e.now],
    )
    return fromRow(rows[0]!)
  }

  /**
   * Leases up to `limit` entries that are due: each the oldest pending entry of its call, not leased
   * by anyone (or with an expired lease). Counts the attempt.
   */
  async claim(now: number, leaseMs: number, limit: number): Promise<OutboxEntry[]> {
    const rows = await this.db.query<Row>(
      `update webhook_outbox set lease_until = $2, attempts = attempts + 1
       where id in (
         select o.id from webhook_outbox o
         where o.status = 'pending' and o.next_attempt_at <= $1 and (o.lease_until is null or o.lease_until < $1)
           and not exists (
             select 1 from webhook_outbox p
             where p.company_id = o.company_id and p.call_id = o.call_id and p.status = 'pending' and p.id < o.id)
         order by o.id
         limit $3
         for update skip locked)
       returning *`,
      [now, now + leaseMs, limit],
    )
    return rows.map(fromRow).sort((a, b) => a.id - b.id)
  }

  async delivered(id: number, httpStatus: number, now: number): Promise<void> {
    await this.db.query(
      `update webhook_outbox set status = 'delivered', delivered_at = $3, last_http_status = $2, last_error = null, lease_until = null where id = $1`,
      [id, httpStatus, now],
    )
  }

  /** A failed attempt: retry at `retryAt`, or give up (status failed) when it is null. */
  async attemptFailed(id: number, error: string, httpStatus: number | null, retryAt: number | null): Promise<void> {
    if (retryAt === null) {
      await this.db.query(
        `update webhook_outbox set status = 'failed', last_error = $2, last_http_status = $3, lease_until = null where id = $1`,
        [id, error, httpStatus],
      )
    } else {
      await this.db.query(
        `update webhook_outbox set next_attempt_at = $4, last_error = $2, last_http_status = $3, lease_until = null where id = $1`,
        [id, error, httpStatus, retryAt],
      )
    }
  }

  /**
   * When the next claimable entry becomes due (a leased one counts from its lease's end); null when
   * none. Only the head of each call counts: the entries behind it wait for its delivery, not a time.
   */
  async nextDueAt(): Promise<number | null> {
    const rows = await this.db.query<{ t: number | null }>(
      `select min(greatest(o.next_attempt_at, coalesce(o.lease_until, 0))) as t from webhook_outbox o
       where o.status = 'pending'
         and not exists (
           select 1 from webhook_outbox p
           where p.company_id = o.company_id and p.call_id = o.call_id and p.status = 'pending' and p.id < o.id)`,
    )
    const t = rows[0]?.t
    return t === null || t === undefined ? null : Number(t)
  }

  async list(
    companyId: string,
    opts: { status?: OutboxStatus; callId?: string; limit?: number; offset?: number } = {},
  ): Promise<{ total: number; rows: OutboxEntry[] }> {
    const where = ['company_id = $1']
    const params: unknown[] = [companyId]
    if (opts.status) {
      params.push(opts.status)
      where.push(`status = $${params.length}`)
    }
    if (opts.callId) {
      params.push(opts.callId)
      where.push(`call_id = $${params.length}`)
    }
    const w = where.join(' and ')
    const [{ n }] = (await this.db.query<{ n: number }>(`select count(*) as n from webhook_outbox where ${w}`, params)) as [{ n: number }]
    const rows = await this.db.query<Row>(
      `select * from webhook_outbox where ${w} order by id limit $${params.length + 1} offset $${params.length + 2}`,
      [...params, opts.limit ?? 100, opts.offset ?? 0],
    )
    return { total: Number(n), rows: rows.map(fromRow) }
  }
}

type Row = Record<string, unknown>

function fromRow(r: Row): OutboxEntry {
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
  return {
    id: Number(r.id),
    companyId: r.company_id as string,
    callId: r.call_id as string,
    callStatus: r.call_status as string,
    url: r.url as string,
    body: r.body as string,
    status: r.status as OutboxStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    leaseUntil: num(r.lease_until),
    lastError: (r.last_error as string | null) ?? null,
    lastHttpStatus: num(r.last_http_status),
    createdAt: Number(r.created_at),
    deliveredAt: num(r.delivered_at),
  }
}
