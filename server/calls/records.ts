/**
 * A call's detail record, with the fields of the Stringee call history (stringee-call-management-
 * api.txt) and what the SDK adds: the attached data (makeCall's userData), the queue, the end cause,
 * the recording and the satisfaction key.
 */
export interface CallRecord {
  id: string
  company_id: string
  project_id: number
  customer_number: string
  /** The contact center's number (or skill group) the call used. */
  stringee_number: string
  /** 0 callout, 1 callin, 2 internal. */
  direction: 0 | 1 | 2
  start_time: number
  end_time: number
  /** Milliseconds since the epoch when an agent answered (0: never). */
  first_answer_time: number
  /** Seconds the customer waited in a queue. */
  enqueue_time: number
  /** Seconds from start to end. */
  duration: number
  ivr_duration: number
  /** The agent who took the call (id), and its name. */
  account: string
  account_name: string
  hold_duration: number
  talk_duration: number
  acw_duration: number
  recorded: boolean
  record_path: string | null
  end_call_reason: string
  route_to_agent: boolean
  /** 1 met, 2 missed, 3 stopped in the IVR, 4 stopped in the survey. */
  status: 1 | 2 | 3 | 4
  has_voicemail: boolean
  queue_id: string | null
  attached_data: Record<string, unknown>
  satisfaction: string | null
  participants: string[]
}

/** Where finished (and updated) call records go: memory here, the database once the store is wired. */
export interface CallRecordSink {
  save(record: CallRecord): void | Promise<void>
}

export class MemoryCallRecords implements CallRecordSink {
  readonly records = new Map<string, CallRecord>()

  save(record: CallRecord): void {
    this.records.set(record.id, { ...record })
  }

  get(id: string): CallRecord | undefined {
    return this.records.get(id)
  }

  list(): CallRecord[] {
    return [...this.records.values()]
  }
}
