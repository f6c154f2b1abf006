import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { CallRecords, CallRecordPatch } from '../store/calls'
import type { RecordingStore } from '../store/media'
import type { CallCreatedReason, CallEventInput, CallParty, WebhookDispatcher } from '../webhooks/dispatcher'

/**
 * Writes what happens to calls where it is kept: the call history (server/store) and the call-event
 * webhooks (server/webhooks), in the Stringee documents' terms. Call control reports the moments of a
 * call; nothing here decides anything.
 */
export interface LoggedCall {
  id: string
  companyId: string
  direction: 'inbound' | 'outbound'
  /** The customer's number. */
  customerNumber: string
  /** The contact center's side: the number or skill group dialled (inbound), the calling line (outbound). */
  ourNumber: string
  /** The agent a makeCall came from. */
  requestedBy?: string
  createdReason: CallCreatedReason
  attachedData: Record<string, unknown>
  queueId?: string
}

export interface LoggedAgent {
  uuid: string
  name: string
  ext: string
}

export interface CallEnd {
  /** USER_END_CALL, CAN_NOT_MAKE_CALL, or a SIP status such as "486 Busy Here". */
  endCallCause: string
  endedBy: 'EXTERNAL' | 'INTERNAL'
  callType: 'IVR' | 'CALL' | 'CONFERENCE'
  /** The history's end_call_reason. */
  endCallReason: string
  startTime: number
  endTime: number
  answerTime: number
  enqueueSeconds: number
  holdSeconds: number
  talkSeconds: number
  ivrSeconds: number
  status: 1 | 2 | 3 | 4
  agent?: LoggedAgent
  participants: string[]
  voicemail?: boolean
  /** The key the customer pressed in the satisfaction survey. */
  satisfaction?: string
}

export interface CallLogDeps {
  calls: CallRecords
  recordings: RecordingStore
  webhooks: WebhookDispatcher | undefined
  log: (msg: string, err: unknown) => void
}

export class CallLog {
  /** Writes under way (idle() waits for them before the store closes). */
  private readonly pending = new Set<Promise<unknown>>()

  constructor(private readonly d: CallLogDeps) {}

  /** Resolves when every write issued so far has finished (a shutdown waits for the last calls' records). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending])
  }

  private party(number: string, internal: boolean): CallParty {
    return { number, alias: number, is_online: internal, type: internal ? 'internal' : 'external' }
  }

  private ends(c: LoggedCall): { from: CallParty; to: CallParty } {
    return c.direction === 'inbound'
      ? { from: this.party(c.customerNumber, false), to: this.party(c.ourNumber, true) }
      : { from: this.party(c.ourNumber, true), to: this.party(c.customerNumber, false) }
  }

  private hook(c: LoggedCall, input: Omit<CallEventInput, 'call_id' | 'from' | 'to'> & { from?: CallParty; to?: CallParty }): void {
    if (!this.d.webhooks) return
    const body: CallEventInput = {
      call_id: c.id,
      ...this.ends(c),
      request_from_user_id: c.requestedBy ?? '',
      clientCustomData: Object.keys(c.attachedData).length ? JSON.stringify(c.attachedData) : '',
      ...input,
    }
    this.write(this.d.webhooks.enqueue(c.companyId, body), `webhook ${input.call_status} of ${c.id}`)
  }

  private write(p: Promise<unknown>, what: string): void {
    const tracked = p.catch((e: unknown) => this.d.log(what, e))
    this.pending.add(tracked)
    void tracked.finally(() => this.pending.delete(tracked))
  }

  created(c: LoggedCall, startTime: number): void {
    this.write(
      this.d.calls.create({
        id: c.id,
        companyId: c.companyId,
        direction: c.direction === 'inbound' ? 1 : 0,
        startTime,
        customerNumber: c.customerNumber,
        stringeeNumber: c.ourNumber,
        queueId: c.queueId ?? null,
        attachedData: c.attachedData,
        fromUserId: c.requestedBy ?? null,
      }),
      `call record ${c.id}`,
    )
    this.hook(c, { call_status: 'created' })
  }

  started(c: LoggedCall): void {
    this.hook(c, { call_status: 'started' })
  }

  /** A phone rings: an agent's (inbound) or the customer's (outbound). */
  ringing(c: LoggedCall, agent?: LoggedAgent): void {
    this.hook(c, { call_status: 'ringing', ...(agent && c.direction === 'inbound' ? { to: this.party(agent.ext, true) } : {}) })
  }

  answered(c: LoggedCall, agent: LoggedAgent, at: number): void {
    this.write(
      this.d.calls.update(c.companyId, c.id, {
        agentId: agent.uuid,
        accountName: agent.name,
        answerTime: at,
        firstAnswerTime: at,
        routeToAgent: true,
      }),
      `call record ${c.id}`,
    )
    this.hook(c, { call_status: 'answered', ...(c.direction === 'inbound' ? { to: this.party(agent.ext, true) } : {}) })
  }

  /** An agent's leg of a call ended (a ring not answered, a transfer, or the agent hanging up). */
  agentEnded(c: LoggedCall, agent: LoggedAgent, cause: string, seconds: { duration: number; answerDuration: number }): void {
    this.hook(c, {
      call_status: 'agentEnded',
      ...(c.direction === 'inbound' ? { to: this.party(agent.ext, true) } : { from: this.party(agent.ext, true) }),
      callCreatedReason: c.createdReason,
      endCallCause: cause,
      endedBy: 'INTERNAL',
      callType: 'CALL',
      duration: seconds.duration,
      answerDuration: seconds.answerDuration,
    })
  }

  ended(c: LoggedCall, e: CallEnd): void {
    const patch: CallRecordPatch & { endTime: number } = {
      endTime: e.endTime,
      answerTime: e.answerTime,
      enqueueTime: e.enqueueSeconds,
      holdDuration: e.holdSeconds,
      talkDuration: e.talkSeconds,
      answerDuration: e.talkSeconds,
      ivrDuration: e.ivrSeconds,
      endCallReason: e.endCallReason,
      endCause: e.endCallCause,
      status: e.status,
      participants: e.participants,
      haveVoiceMail: e.voicemail ?? false,
      routeToAgent: !!e.agent,
      ...(e.agent ? { agentId: e.agent.uuid, accountName: e.agent.name } : {}),
      ...(e.satisfaction ? { satisfactionKey: e.satisfaction } : {}),
      // The skill group the call ended in (a transfer may have moved it).
      ...(c.queueId ? { queueId: c.queueId } : {}),
    }
    this.write(this.d.calls.finish(c.companyId, c.id, patch), `call record ${c.id}`)
    this.hook(c, {
      call_status: 'ended',
      callCreatedReason: c.createdReason,
      endCallCause: e.endCallCause,
      endedBy: e.endedBy,
      callType: e.callType,
      duration: Math.round((e.endTime - e.startTime) / 1000),
      answerDuration: e.talkSeconds,
      ...(e.satisfaction ? { satisfaction: e.satisfaction } : {}),
    })
  }

  acw(c: Pick<LoggedCall, 'id' | 'companyId'>, seconds: number): void {
    this.write(this.d.calls.update(c.companyId, c.id, { acwDuration: seconds }), `call record ${c.id}`)
  }

  satisfaction(c: Pick<LoggedCall, 'id' | 'companyId'>, key: string): void {
    this.write(this.d.calls.update(c.companyId, c.id, { satisfactionKey: key }), `call record ${c.id}`)
  }

  /** Where the recording of a call is written (the switch writes it; recorded() registers it). */
  recordingFile(c: Pick<LoggedCall, 'id' | 'companyId'>): string {
    const file = this.d.recordings.pathFor(c.companyId, c.id).file
    mkdirSync(path.dirname(file), { recursive: true })
    return file
  }

  recorded(c: Pick<LoggedCall, 'id' | 'companyId'>, durationMs: number): void {
    this.write(this.d.recordings.register(c.companyId, c.id, { durationMs }), `recording of ${c.id}`)
  }

  /** Routing's changes to a live call's record: the queue it entered, what the IVR collected, whom it was forwarded to. */
  routed(c: LoggedCall, patch: Pick<CallRecordPatch, 'queueId' | 'attachedData' | 'callee' | 'ivrDuration'>): void {
    this.write(this.d.calls.update(c.companyId, c.id, patch), `call record ${c.id}`)
  }
}
