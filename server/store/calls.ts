import type { Db } from './db'
import { PG_UNIQUE_VIOLATION, pgErrorCode } from './db'

/** 0 callout, 1 callin, 2 internal */
export type CallDirection = 0 | 1 | 2
/** 1 met an agent, 2 missed, 3 stopped at the IVR, 4 stopped at the survey IVR */
export type CallHistoryStatus = 1 | 2 | 3 | 4

/**
 * One row of the call history: every field of the Stringee call history rows
 * (stringee-call-management-api.txt), plus what the contact center adds: the queue, the data attached
 * to the call (makeCall's userData), the end cause, the recording's file and the satisfaction key.
 * Times are epoch milliseconds (0 when it did not happen); durations are whole seconds.
 */
export interface CallRecord {
  id: string
  companyId: string
  customerNumber: string
  stringeeNumber: string
  direction: CallDirection
  startTime: number
  endTime: number
  /** When the call was answered (ms; 0 if never). See docs/REST_API.md on this field. */
  answerTime: number
  /** When an agent first answered (ms), null if nobody did. */
  firstAnswerTime: number | null
  /** Seconds the customer waited in the queue. */
  enqueueTime: number
  duration: number
  ivrDuration: number
  holdDuration: number
  talkDuration: number
  acwDuration: number
  answerDuration: number
  portal: string | null
  /** The agent (Directory uuid) who handled the call: the history's `account`. */
  agentId: string | null
  accountName: string | null
  accountEmail: string | null
  fromUserId: string | null
  recorded: boolean
  haveVoiceMail: boolean
  /** The history's end_call_reason, e.g. USER_END_CALL, TIMEOUT_ANSWER. */
  endCallReason: string | null
  /** The technical end cause (the webhook's endCallCause, e.g. "486 Busy Here"). */
  endCause: string | null
  routeToAgent: boolean
  status: CallHistoryStatus | null
  campaignName: string | null
  contactName: string | null
  contactCompanyId: string | null
  contactCompanyName: string | null
  participants: unknown
  callee: string | null
  videoCall: boolean | null
  queueId: string | null
  /** makeCall's userData, or what the IVR collected. */
  attachedData: Record<string, unknown>
  /** The recording's file, relative to the data folder (see RecordingStore). */
  recordingPath: string | null
  /** The key the customer pressed in the satisfaction survey. */
  satisfactionKey: string | null
  createdAt: number
  updatedAt: number
}

export type NewCallRecord = Pick<CallRecord, 'id' | 'companyId' | 'direction' | 'startTime'> &
  Partial<Omit<CallRecord, 'createdAt' | 'updatedAt'>>
export type CallRecordPatch = Partial<Omit<CallRecord, 'id' | 'companyId' | 'createdAt' | 'updatedAt'>>

const COLUMNS: Record<Exclude<keyof CallRecord, 'createdAt' | 'updatedAt'>, string> = {
  id: 'id',
  companyId: 'company_id',
  customerNumber: 'customer_number',
  stringeeNumber: 'stringee_number',
  direction: 'direction',
  startTime: 'start_time',
  endTime: 'end_time',
  answerTime: 'answer_time',
  firstAnswerTime: 'first_answer_time',
  enqueueTime: 'enqueue_time',
  duration: 'duration',
  ivrDuration: 'ivr_duration',
  holdDuration: 'hold_duration',
  talkDuration: 'talk_duration',
  acwDuration: 'acw_duration',
  answerDuration: 'answer_duration',
  portal: 'portal',
  agentId: 'agent_id',
  accountName: 'account_name',
  accountEmail: 'account_email',
  fromUserId: 'from_user_id',
  recorded: 'recorded',
  haveVoiceMail: 'have_voice_mail',
  endCallReason: 'end_call_reason',
  endCause: 'end_cause',
  routeToAgent: 'route_to_agent',
  status: 'status',
  campaignName: 'campaign_name',
  contactName: 'contact_name',
  contactCompanyId: 'contact_company_id',
  contactCompanyName: 'contact_company_name',
  participants: 'participants',
  callee: 'callee',
  videoCall: 'video_call',
  queueId: 'queue_id',
  attachedData: 'attached_data',
  recordingPath: 'recording_path',
  satisfactionKey: 'satisfaction_key',
}
const JSON_FIELDS = new Set(['participants', 'attachedData'])
const FIELDS = Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]

/** The history's sort_by values and their columns: a whitelist, so no request text ever reaches SQL. */
export const CALL_SORT_COLUMNS = {
  start_time: 'start_time',
  end_time: 'end_time',
  answer_time: 'answer_time',
  first_answer_time: 'first_answer_time',
  duration: 'duration',
  answer_duration: 'answer_duration',
  enqueue_time: 'enqueue_time',
  queue_duration: 'enqueue_time',
  ivr_duration: 'ivr_duration',
  talk_duration: 'talk_duration',
  hold_duration: 'hold_duration',
  acw_duration: 'acw_duration',
  direction: 'direction',
  status: 'status',
  customer_number: 'customer_number',
  stringee_number: 'stringee_number',
  id: 'id',
} as const
export type CallSortBy = keyof typeof CALL_SORT_COLUMNS

export interface CallFilter {
  callId?: string
  /** start_time from (inclusive, ms) */
  timeFrom?: number
  /** start_time to (inclusive, ms) */
  timeTo?: number
  /** answer_duration at least (s) */
  minAnswerDuration?: number
  /** enqueue_time at least (s) */
  minQueueDuration?: number
  direction?: CallDirection
  agentId?: string
  status?: CallHistoryStatus
  /** substring of stringee_number */
  stringeeNumber?: string
  /** substring of customer_number */
  customerNumber?: string
  hasVoicemail?: boolean
  page: number
  limit: number
  sortBy: CallSortBy
  sortOrder: 'asc' | 'desc'
}

export class CallRecordConflictError extends Error {
  constructor(readonly callId: string) {
    super(`A call record ${callId} already exists.`)
    this.name = 'CallRecordConflictError'
  }
}

/**
 * The call history. The call control writes it: `create()` when a call starts, `update()` as it
 * moves (queued, answered, held...), `finish()` when it ends. The REST API reads it with `search()`.
 */
export class CallRecords {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Inserts the record of a new call; unspecified fields take their zero values. */
  async create(rec: NewCallRecord): Promise<CallRecord> {
    const full = { ...EMPTY, ...rec } as Omit<CallRecord, 'createdAt' | 'updatedAt'>
    const now = this.now()
    const cols = FIELDS.map((f) => COLUMNS[f])
    const values = FIELDS.map((f) => toDb(f, full[f]))
    const params = [...values, now, now]
    const ph = FIELDS.map((f, i) => (JSON_FIELDS.has(f) ? `$${i + 1}::jsonb` : `$${i + 1}`))
    try {
      const rows = await this.db.query<Row>(
        `insert into call_records (${cols.join(', ')}, created_at, updated_at) values (${ph.join(', ')}, $${params.length - 1}, $${params.length}) returning *`,
        params,
      )
      return fromRow(rows[0]!)
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw new CallRecordConflictError(rec.id)
      throw err
    }
  }

  /** Changes the given fields; undefined when there is no such call in the company. */
  async update(companyId: string, id: string, patch: CallRecordPatch): Promise<CallRecord | undefined> {
    const fields = (Object.keys(patch) as (keyof CallRecordPatch)[]).filter(
      (f) => f in COLUMNS && patch[f] !== undefined && f !== ('id' as string) && f !== ('companyId' as string),
    )
    const sets = fields.map((f, i) => `${COLUMNS[f]} = $${i + 3}${JSON_FIELDS.has(f) ? '::jsonb' : ''}`)
    const params: unknown[] = [companyId, id, ...fields.map((f) => toDb(f, patch[f]))]
    params.push(this.now())
    sets.push(`updated_at = $${params.length}`)
    const rows = await this.db.query<Row>(
      `update call_records set ${sets.join(', ')} where company_id = $1 and id = $2 returning *`,
      params,
    )
    return rows[0] ? fromRow(rows[0]) : undefined
  }

  /**
   * Ends the call: sets endTime and whatever else is given, and derives what is not given from the
   * times: duration (start to end), answerDuration and talkDuration (answer to end, less the hold).
   */
  async finish(companyId: string, id: string, end: CallRecordPatch & { endTime: number }): Promise<CallRecord | undefined> {
    const cur = await this.get(companyId, id)
    if (!cur) return undefined
    const seconds = (ms: number): number => Math.max(0, Math.round(ms / 1000))
    const answerTime = end.answerTime ?? cur.answerTime
    const holdDuration = end.holdDuration ?? cur.holdDuration
    const answerDuration = end.answerDuration ?? (answerTime > 0 ? seconds(end.endTime - answerTime) : 0)
    return this.update(companyId, id, {
      ...end,
      duration: end.duration ?? seconds(end.endTime - cur.startTime),
      answerDuration,
      talkDuration: end.talkDuration ?? Math.max(0, answerDuration - holdDuration),
    })
  }

  async get(companyId: string, id: string): Promise<CallRecord | undefined> {
    const rows = await this.db.query<Row>('select * from call_records where company_id = $1 and id = $2', [companyId, id])
    return rows[0] ? fromRow(rows[0]) : undefined
  }

  async search(companyId: string, f: CallFilter): Promise<{ total: number; rows: CallRecord[] }> {
    const where: string[] = ['company_id = $1']
    const params: unknown[] = [companyId]
    const add = (sql: string, value: unknown): void => {
      params.push(value)
      where.push(sql.replace('?', `$${params.length}`))
    }
    if (f.callId !== undefined) add('id = ?', f.callId)
    if (f.timeFrom !== undefined) add('start_time >= ?', f.timeFrom)
    if (f.timeTo !== undefined) add('start_time <= ?', f.timeTo)
    if (f.minAnswerDuration !== undefined) add('answer_duration >= ?', f.minAnswerDuration)
    if (f.minQueueDuration !== undefined) add('enqueue_time >= ?', f.minQueueDuration)
    if (f.direction !== undefined) add('direction = ?', f.direction)
    if (f.agentId !== undefined) add('agent_id = ?', f.agentId)
    if (f.status !== undefined) add('status = ?', f.status)
    if (f.stringeeNumber !== undefined) add('position(? in stringee_number) > 0', f.stringeeNumber)
    if (f.customerNumber !== undefined) add('position(? in customer_number) > 0', f.customerNumber)
    if (f.hasVoicemail !== undefined) add('have_voice_mail = ?', f.hasVoicemail)
    const whereSql = where.join(' and ')
    const [{ n }] = (await this.db.query<{ n: number }>(`select count(*) as n from call_records where ${whereSql}`, params)) as [
      { n: number },
    ]
    const col = CALL_SORT_COLUMNS[f.sortBy]
    const dir = f.sortOrder === 'asc' ? 'asc' : 'desc'
    const nulls = dir === 'asc' ? 'nulls first' : 'nulls last'
    const rows = await this.db.query<Row>(
      `select * from call_records where ${whereSql} order by ${col} ${dir} ${nulls}, id ${dir} limit $${params.length + 1} offset $${params.length + 2}`,
      [...params, f.limit, (f.page - 1) * f.limit],
    )
    return { total: Number(n), rows: rows.map(fromRow) }
  }
}

type Row = Record<string, unknown>

const EMPTY: Omit<CallRecord, 'id' | 'companyId' | 'direction' | 'startTime' | 'createdAt' | 'updatedAt'> = {
  customerNumber: '',
  stringeeNumber: '',
  endTime: 0,
  answerTime: 0,
  firstAnswerTime: null,
  enqueueTime: 0,
  duration: 0,
  ivrDuration: 0,
  holdDuration: 0,
  talkDuration: 0,
  acwDuration: 0,
  answerDuration: 0,
  portal: null,
  agentId: null,
  accountName: null,
  accountEmail: null,
  fromUserId: null,
  recorded: false,
  haveVoiceMail: false,
  endCallReason: null,
  endCause: null,
  routeToAgent: false,
  status: null,
  campaignName: null,
  contactName: null,
  contactCompanyId: null,
  contactCompanyName: null,
  participants: null,
  callee: null,
  videoCall: null,
  queueId: null,
  attachedData: {},
  recordingPath: null,
  satisfactionKey: null,
}

function toDb(field: string, v: unknown): unknown {
  if (JSON_FIELDS.has(field)) return v === null || v === undefined ? (field === 'attachedData' ? '{}' : null) : JSON.stringify(v)
  return v
}

function fromRow(r: Row): CallRecord {
  const out: Record<string, unknown> = {}
  for (const f of FIELDS) out[f] = r[COLUMNS[f]]
  out.createdAt = r.created_at
  out.updatedAt = r.updated_at
  if (!out.attachedData || typeof out.attachedData !== 'object') out.attachedData = {}
  return out as unknown as CallRecord
}
