import { randomUUID } from 'node:crypto'
import {
  checkCallCommand,
  SIP_AUTO_ANSWER_HEADER,
  SIP_CALL_ID_HEADER,
  SobotError,
  type AnySobotEvent,
  type CallEvent,
  type CommandParams,
  type CommandResult,
  type DNRole,
  type SobotEventName,
  type WorkStatusInfo,
} from 'sobot-call-sdk/protocol'
import type { AgentCore, Caller } from '../acd/agents'
import {
  DEFAULT_QUEUE_SETTINGS,
  queueSettings,
  type AgentRecord,
  type Directory,
  type QueueSettings,
  type SkillGroup,
} from '../acd/directory'
import type { AudioSource } from '../switch/audio'
import type { B2bua, Call, CallLeg, DtmfLogEntry, EndCause } from '../switch/b2bua'
import { SipError } from '../switch/sipLeg'
import type { Logger } from '../util/logger'
import { TRUNK_USER, type PhoneBook } from './phones'
import type { PrivacyNumbers } from './privacy'
import type { CallLog, LoggedCall } from './history'
import { endCallReasonOf, logAgent, sipStatus, type CcCall, type Party, type PartyState, type PartyView } from './model'
import { Router, type RoutingDeps } from './routing'
import { Multiparty } from './multiparty'

/** An outbound call has no queue: it records nothing and wraps up for OUTBOUND_WRAP_UP_S. */
const NO_QUEUE: QueueSettings = { ...DEFAULT_QUEUE_SETTINGS, record_calls: false }

/** The agent's phone is rung this long for a makeCall before the call is given up. */
export const AGENT_LEG_TIMEOUT_MS = 30_000
/** The customer of a makeCall is rung this long. */
export const CUSTOMER_RING_TIMEOUT_MS = 45_000
/** ACW after an outbound call (no queue says otherwise). */
export const OUTBOUND_WRAP_UP_S = 10

/**
 * What routing, the IVR and the multi-party operations use of call control: creating calls,
 * ringing agents, releasing parties, and telling them what happened.
 */
export interface CallContext {
  readonly d: CallControlDeps
  now(): number
  createCall(sw: Call, init: NewCall): CcCall
  /**
   * Rings an agent's phone for a call. Resolves with the party once it answered (EventEstablished
   * sent), or with undefined when it did not (no answer or rejected: EventReleased sent; the call
   * ended meanwhile: its end tells the agent). Never rejects.
   */
  ringAgent(call: CcCall, agent: AgentRecord, opts: RingOptions): Promise<Party | undefined>
  emitCall(messageID: SobotEventName, call: CcCall, party: Party, extra?: Record<string, unknown>, referenceID?: string): void
  release(
    call: CcCall,
    party: Party,
    ev: 'EventReleased' | 'EventAbandoned',
    extra: Record<string, unknown>,
    acw: boolean,
    acwSeconds?: number,
  ): void
  setCallInfo(call: CcCall, party: Party): void
  /** Every call in progress. */
  active(): Iterable<CcCall>
  /** Puts a call (back) in a skill group's queue: a transfer to a skill group. */
  requeue(call: CcCall, queue: SkillGroup): void
  /** Seconds of after-call work an agent who talked on this call gets. */
  wrapUpSeconds(call: CcCall): number
  /** An agent became available: offer it a waiting call. */
  onAvailable(): void
}

export type NewCall = Pick<CcCall, 'type' | 'companyId' | 'ANI' | 'DNIS' | 'customerNumber' | 'attachedData' | 'referenceID'> & {
  queue?: SkillGroup
  requestedBy?: AgentRecord
}

export interface RingOptions {
  role: DNRole
  timeoutMs: number
  /** Where to ring (default: the agent's phone by its phoneType). */
  target?: { aor: string; toUser?: string }
  extraHeaders?: string[]
  /** Who the call seems to come from on the agent's phone (default: the caller's number). */
  fromUser?: string
  /** What the party's events say besides the call's fields (e.g. who transferred the call). */
  view?: PartyView
}

export interface CallControlDeps {
  dir: Directory
  core: AgentCore
  publish: (agentUUID: string, ev: AnySobotEvent) => void
  b2bua: B2bua
  phones: PhoneBook
  privacy: PrivacyNumbers
  /** The call history and the call-event webhooks. */
  history: CallLog
  logger: Logger
  /** Music for waiting customers (default: the generated music on hold). */
  waitMusic?: () => AudioSource
  now?: () => number
  /** The routing engine's stores and options (numbers, IVR, voicemail, get_list_agents_url); without them, queues only. */
  routing?: RoutingDeps
  /** makeCall's caller id when it names no ANI: outboundPlanCode, else the agent's outbound route (setRoute). */
  callerId?: (agent: AgentRecord, dialled: string, outboundPlanCode: string | undefined) => string | undefined
}

/**
 * Call control: routes inbound calls to agents, places the agents' outbound calls, carries out the
 * SDK's call commands on the switch, runs after-call work, and tells every agent party what happened
 * with the events of docs/EVENTS.md.
 */
export class CallControl implements CallContext {
  private readonly calls = new Map<string, CcCall>()
  private readonly acw = new Map<string, { deadline: number; timer: ReturnType<typeof setTimeout>; startedAt: number; callID: string }>()
  readonly now: () => number
  readonly router: Router
  /** Transfers, consults, conferences, supervision and the satisfaction survey. */
  readonly multiparty: Multiparty

  constructor(readonly d: CallControlDeps) {
    this.now = d.now ?? Date.now
    this.router = new Router(this)
    this.multiparty = new Multiparty(this)
  }

  active(): Iterable<CcCall> {
    return this.calls.values()
  }

  requeue(call: CcCall, queue: SkillGroup): void {
    call.queue = queue
    call.settings = queueSettings(queue)
    call.logged.queueId = queue.id
    this.router.enqueue(call, true)
  }

  wrapUpSeconds(call: CcCall): number {
    return call.type === 'Outbound' ? OUTBOUND_WRAP_UP_S : call.settings.agent_wrap_up_after_calls ? call.settings.wrap_up_time_limit : 0
  }

  private dispatch(): void {
    this.router.dispatch()
  }

  // --- queries for other parts -------------------------------------------------------------------

  /** Customers waiting in a skill group. */
  waitingCount(queueId: string): number {
    return this.router.waitingCount(queueId)
  }

  /** Calls in progress (the realtime view). */
  realtime(): {
    callId: string
    companyId: string
    direction: 'callin' | 'callout'
    customerNumber: string
    number: string
    agents: string[]
    startTime: number
    answeredTime: number
  }[] {
    return [...this.calls.values()].map((c) => ({
      callId: c.id,
      companyId: c.companyId,
      direction: c.type === 'Outbound' ? 'callout' : 'callin',
      customerNumber: c.customerNumber,
      number: c.type === 'Outbound' ? c.ANI : c.DNIS,
      agents: c.parties.filter((p) => p.state !== 'released').map((p) => p.agent.agentID),
      startTime: c.startedAt,
      answeredTime: c.answeredAt ?? 0,
    }))
  }

  // --- hooks from the agent core ---------------------------------------------------------------

  onWorkStatus(a: AgentRecord, to: string): void {
    this.router.onWorkStatus(a, to)
  }

  /** An agent became available (or its phone registered): offer it a waiting call. */
  onAvailable(): void {
    queueMicrotask(() => this.dispatch())
  }

  /** resetLogout / forceLogout: hang up the agent's calls and end its ACW. */
  hangupAll(a: AgentRecord): void {
    this.endAcw(a, '', 'silent')
    for (const c of this.calls.values()) {
      const p = this.partyOf(c, a)
      if (!p) continue
      if (this.multiparty.leave(c, p, 'logout')) continue
      if (p.state === 'ringing' || p.state === 'dialing') {
        p.refused = 'rejected'
        p.leg?.sip.cancel()
      }
      if (c.type === 'Outbound' || p.state === 'established') void c.sw.hangup('agent-hangup')
    }
  }

  onLogout(a: AgentRecord): void {
    this.endAcw(a, '', 'silent')
    this.router.forget(a)
  }

  ringAgent(call: CcCall, agent: AgentRecord, opts: RingOptions): Promise<Party | undefined> {
    const rt = this.d.core.runtime(agent.uuid)
    const target = opts.target ?? this.d.phones.target(agent, rt)
    const party: Party = {
      partyID: randomUUID(),
      agent,
      role: opts.role,
      state: 'ringing',
      muted: false,
      ...(opts.view ? { view: opts.view } : {}),
    }
    if (!target) return Promise.resolve(undefined)
    call.parties.push(party)
    this.d.core.setWorkStatus(agent, 'reserve')
    this.d.core.setWorkStatus(agent, 'ring')
    this.setCallInfo(call, party)
    this.emitCall('EventRinging', call, party)
    this.d.history.ringing(call.logged, logAgent(agent))
    return call.sw
      .connectAgent(target.aor, {
        timeoutMs: opts.timeoutMs,
        endCallOnFailure: false,
        fromUser: opts.fromUser ?? (call.ANI || 'anonymous'),
        ...(target.toUser ? { toUser: target.toUser } : {}),
        extraHeaders: [`${SIP_CALL_ID_HEADER}: ${call.id}`, ...(opts.extraHeaders ?? [])],
        onLeg: (leg) => (party.leg = leg),
      })
      .then((leg) => {
        party.leg = leg
        this.established(call, party)
        return party
      })
      .catch(() => {
        if (call.sw.ended || call.ended) return undefined // the customer left: the end of the call tells the agent
        const cause = party.refused ?? 'noAnswer'
        this.release(call, party, 'EventReleased', { releaseCause: cause }, false)
        this.d.history.agentEnded(call.logged, logAgent(agent), cause === 'rejected' ? '486 Busy Here' : '480 Temporarily Unavailable', {
          duration: 0,
          answerDuration: 0,
        })
        return undefined
      })
  }

  private established(call: CcCall, party: Party): void {
    if (party.state === 'released') return
    party.state = 'established'
    party.answeredAt = this.now()
    call.answeredAt ??= party.answeredAt
    if (call.sw.customer) call.sw.play(call.sw.customer, undefined)
    this.d.core.setWorkStatus(party.agent, 'establish')
    this.setCallInfo(call, party)
    this.emitCall('EventEstablished', call, party)
    this.d.history.answered(call.logged, logAgent(party.agent), party.answeredAt)
    if (call.settings.record_calls && !call.recorded && call.sw.customer?.participant) {
      call.recorded = true
      call.recordPath = this.d.history.recordingFile(call.logged)
      call.sw.startRecording(call.recordPath).catch((e: unknown) => {
        this.d.logger.warn(`call ${call.id}: recording failed: ${String(e)}`)
        call.recorded = false
        call.recordPath = null
      })
    }
  }

  // --- outbound --------------------------------------------------------------------------------

  makeCall(c: Caller, p: CommandParams<'makeCall'>): CommandResult<'makeCall'> {
    const a = c.agent
    const rt = this.d.core.runtime(a.uuid)
    const { privacyNumber, otherDN, ANI, outboundPlanCode, agentANI } = p
    const userData = p.userData ?? {}
    checkCallCommand('makeCall', rt.workStatus)
    if (!this.d.phones.reachable(a, rt)) {
      throw new SobotError(
        'PHONE_NOT_REGISTERED',
        rt.phoneType === 'pstn' ? 'The telephone network cannot be reached.' : `The agent's ${rt.phoneType} phone is not registered.`,
      )
    }
    let number = otherDN
    if (privacyNumber) {
      const real = this.d.privacy.resolve(a.companyId, privacyNumber)
      if (!real) throw new SobotError('INVALID_PARAMETER', 'privacyNumber: it does not decrypt to a number of this company.')
      number = real
    }
    if (number.includes('*')) throw new SobotError('INVALID_PARAMETER', 'otherDN: a masked number needs its privacyNumber.')
    const display = ANI ?? this.d.callerId?.(a, number, outboundPlanCode) ?? this.defaultAni(a.companyId)
    if (rt.workStatus === 'sorting') this.endAcw(a, c.referenceID, 'silent')

    const sw = this.d.b2bua.createOutbound()
    const call = this.createCall(sw, {
      type: 'Outbound',
      companyId: a.companyId,
      ANI: display,
      DNIS: otherDN,
      customerNumber: number,
      attachedData: userData,
      referenceID: c.referenceID,
      requestedBy: a,
    })
    const party: Party = { partyID: randomUUID(), agent: a, role: 'Origination', state: 'dialing', muted: false }
    call.parties.push(party)
    call.tried.add(a.uuid)
    this.d.core.setWorkStatus(a, 'dial')
    this.setCallInfo(call, party)
    this.emitCall('EventDialing', call, party)
    const target = this.d.phones.target(a, rt)!
    void (async () => {
      try {
        party.leg = await sw.connectAgent(target.aor, {
          timeoutMs: AGENT_LEG_TIMEOUT_MS,
          fromUser: agentANI ?? display,
          ...(target.toUser ? { toUser: target.toUser } : {}),
          extraHeaders: [`${SIP_CALL_ID_HEADER}: ${call.id}`, `${SIP_AUTO_ANSWER_HEADER}: true`],
          onLeg: (leg) => (party.leg = leg),
        })
        // The agent hears ringback while the customer's phone rings.
        this.d.history.started(call.logged)
        await sw.dialCustomer(TRUNK_USER, CUSTOMER_RING_TIMEOUT_MS, {
          toUser: number,
          fromUser: display,
          onLeg: (leg) => leg.sip.once('progress', () => this.d.history.ringing(call.logged)),
        })
        this.established(call, party)
      } catch (err) {
        this.d.logger.info(`call ${call.id}: outbound failed: ${String(err)}`)
        if (err instanceof SipError) call.failure = sipStatus(err.status)
        if (!sw.ended) await sw.hangup('error')
      }
    })()
    return { callID: call.id }
  }

  /** The number shown to customers when makeCall names none: the company's first skill group line, else the company id. */
  private defaultAni(companyId: string): string {
    return `0${this.d.dir.companies.get(companyId)?.projectId ?? 0}000000`
  }

  // --- commands on a call ----------------------------------------------------------------------

  private current(a: AgentRecord, states: PartyState[] = ['established']): { call: CcCall; party: Party } {
    for (const call of this.calls.values()) {
      const party = this.partyOf(call, a)
      if (party && states.includes(party.state)) return { call, party }
    }
    throw new SobotError('NO_ACTIVE_CALL')
  }

  private partyOf(call: CcCall, a: AgentRecord): Party | undefined {
    return call.parties.find((p) => p.agent.uuid === a.uuid && p.state !== 'released')
  }

  rejectCall(c: Caller): CommandResult<'rejectCall'> {
    checkCallCommand('rejectCall', this.d.core.runtime(c.agent.uuid).workStatus)
    const { party } = this.current(c.agent, ['ringing'])
    party.refused = 'rejected'
    party.leg?.sip.cancel('rejected by the agent')
    if (!party.leg) throw new SobotError('CALL_STATE_FORBIDS', 'The phone is not ringing yet; try again.')
    return {}
  }

  hangup(c: Caller): CommandResult<'hangup'> {
    checkCallCommand('hangup', this.d.core.runtime(c.agent.uuid).workStatus)
    const { call, party } = this.current(c.agent, ['ringing', 'dialing', 'established'])
    if (party.state === 'ringing') return this.rejectCall(c)
    if (this.multiparty.hangup(c, call, party)) return {}
    call.releasedBy ??= 'agent'
    call.referenceID = c.referenceID
    void call.sw.hangup('agent-hangup')
    return {}
  }

  holdCall(c: Caller): CommandResult<'holdCall'> {
    checkCallCommand('holdCall', this.d.core.runtime(c.agent.uuid).workStatus)
    const { call, party } = this.current(c.agent)
    if (call.onHold) throw new SobotError('CALL_STATE_FORBIDS', 'The call is already on hold.')
    call.onHold = true
    call.holdStartedAt = this.now()
    void call.sw.hold('server')
    this.d.core.setWorkStatus(party.agent, 'hold')
    this.emitCall('EventHeld', call, party, {}, c.referenceID)
    return {}
  }

  retrieveCall(c: Caller): CommandResult<'retrieveCall'> {
    checkCallCommand('retrieveCall', this.d.core.runtime(c.agent.uuid).workStatus)
    const { call, party } = this.current(c.agent)
    if (!call.onHold) throw new SobotError('CALL_STATE_FORBIDS', 'The call is not on hold.')
    this.endHold(call)
    void call.sw.unhold('server')
    this.d.core.setWorkStatus(party.agent, 'retrieve')
    this.emitCall('EventRetrieved', call, party, {}, c.referenceID)
    return {}
  }

  private endHold(call: CcCall): void {
    if (!call.onHold) return
    call.onHold = false
    call.holdMs += this.now() - (call.holdStartedAt ?? this.now())
    call.holdStartedAt = undefined
  }

  muteCall(c: Caller): CommandResult<'muteCall'> {
    return this.setMute(c, true)
  }

  unmute(c: Caller): CommandResult<'unmute'> {
    return this.setMute(c, false)
  }

  private setMute(c: Caller, muted: boolean): CommandResult<'muteCall' | 'unmute'> {
    checkCallCommand(muted ? 'muteCall' : 'unmute', this.d.core.runtime(c.agent.uuid).workStatus)
    const { call, party } = this.current(c.agent, ['established', 'dialing'])
    party.muted = muted
    if (party.leg) call.sw.mute(party.leg, muted)
    this.emitCall(muted ? 'EventMuteOn' : 'EventMuteOff', call, party, {}, c.referenceID)
    return {}
  }

  sendDtmf(c: Caller, p: CommandParams<'sendDtmf'>): CommandResult<'sendDtmf'> {
    const digits = p.dtmfDigits
    checkCallCommand('sendDtmf', this.d.core.runtime(c.agent.uuid).workStatus)
    const { call, party } = this.current(c.agent, ['established', 'dialing'])
    const customer = this.multiparty.farEnd(call, party) ?? call.sw.customer
    if (!customer || customer.state !== 'answered') throw new SobotError('CALL_STATE_FORBIDS', 'The far end has not answered yet.')
    customer.media
      .sendDtmf(digits)
      .then(() => this.emitCall('EventDTMFSent', call, party, { dtmfDigits: digits }, c.referenceID))
      .catch((e: unknown) => this.d.logger.warn(`call ${call.id}: DTMF failed: ${String(e)}`))
    return {}
  }

  // --- after-call work -------------------------------------------------------------------------

  private startAcw(a: AgentRecord, seconds: number, callID: string, referenceID: string): void {
    const now = this.now()
    const deadline = now + seconds * 1000
    const timer = setTimeout(() => this.endAcw(a, '', 'timer'), deadline - now)
    this.acw.set(a.uuid, { deadline, timer, startedAt: now, callID })
    this.d.core.emit('EventAgentAfterCallWork', a, referenceID, { acwDeadline: deadline, acwSeconds: seconds })
  }

  delayACW(c: Caller, p: CommandParams<'delayACW'>): CommandResult<'delayACW'> {
    const delayTime = p.delayTime
    checkCallCommand('delayACW', this.d.core.runtime(c.agent.uuid).workStatus)
    const w = this.acw.get(c.agent.uuid)
    if (!w) throw new SobotError('NOT_IN_ACW')
    clearTimeout(w.timer)
    w.deadline += delayTime * 1000
    w.timer = setTimeout(() => this.endAcw(c.agent, '', 'timer'), Math.max(0, w.deadline - this.now()))
    this.d.core.emit('EventAgentAfterCallWork', c.agent, c.referenceID, {
      acwDeadline: w.deadline,
      acwSeconds: Math.round((w.deadline - this.now()) / 1000),
    })
    return { acwDeadline: w.deadline }
  }

  completeACW(c: Caller): CommandResult<'completeACW'> {
    checkCallCommand('completeACW', this.d.core.runtime(c.agent.uuid).workStatus)
    this.endAcw(c.agent, c.referenceID, 'complete')
    return {}
  }

  completeACWToBusy(c: Caller): CommandResult<'completeACWToBusy'> {
    checkCallCommand('completeACWToBusy', this.d.core.runtime(c.agent.uuid).workStatus)
    this.d.core.setAgentState(c.agent, 'notReady', 2)
    this.endAcw(c.agent, c.referenceID, 'complete')
    return {}
  }

  /** Ends ACW: by its timer, by the agent, or silently (a new call, a logout). */
  private endAcw(a: AgentRecord, referenceID: string, how: 'timer' | 'complete' | 'silent'): void {
    const w = this.acw.get(a.uuid)
    if (!w) return
    clearTimeout(w.timer)
    this.acw.delete(a.uuid)
    this.d.history.acw({ id: w.callID, companyId: a.companyId }, Math.round((this.now() - w.startedAt) / 1000))
    if (how === 'silent') return
    this.d.core.becomeIdle(a, referenceID)
    this.dispatch()
  }

  // --- the end of a call -----------------------------------------------------------------------

  createCall(sw: Call, init: NewCall): CcCall {
    const id = `call-${randomUUID()}`
    const logged: LoggedCall = {
      id,
      companyId: init.companyId,
      direction: init.type === 'Outbound' ? 'outbound' : 'inbound',
      customerNumber: init.customerNumber,
      ourNumber: init.type === 'Outbound' ? init.ANI : init.DNIS,
      createdReason:
        init.type !== 'Outbound'
          ? 'EXTERNAL_CALL_IN'
          : this.d.core.runtime(init.requestedBy!.uuid).phoneType === 'pstn'
            ? 'SERVER_CALL_OUT_BY_MAKE_CALL_TO_EXTERNAL_BEFORE'
            : 'SERVER_CALL_OUT_BY_MAKE_CALL_TO_APP_BEFORE',
      attachedData: init.attachedData,
      ...(init.requestedBy ? { requestedBy: init.requestedBy.uuid } : {}),
      ...(init.queue ? { queueId: init.queue.id } : {}),
    }
    const { requestedBy: _r, ...fields } = init
    void _r
    const call: CcCall = {
      id,
      sw,
      logged,
      ...fields,
      settings: init.queue ? queueSettings(init.queue) : NO_QUEUE,
      parties: [],
      tried: new Set(),
      startedAt: this.now(),
      holdMs: 0,
      onHold: false,
      recorded: false,
      recordPath: null,
      ended: false,
    }
    this.calls.set(call.id, call)
    this.d.history.created(logged, call.startedAt)
    sw.on('legEnded', (leg) => {
      if (leg.role === 'customer' && !call.answeredAt) call.releasedBy ??= 'customer'
      if (leg.role === 'customer') call.releasedBy ??= 'customer'
      else if (!call.releasedBy && call.parties.some((p) => p.leg === leg && p.state === 'established')) call.releasedBy = 'agent'
    })
    sw.on('remoteHold', (leg, held) => this.phoneHold(call, leg, held))
    sw.on('dtmf', (e) => this.relayPhoneDtmf(call, e))
    sw.once('ended', ({ cause }) => this.onEnded(call, cause))
    return call
  }

  private phoneHold(call: CcCall, leg: CallLeg, held: boolean): void {
    const party = call.parties.find((p) => p.leg === leg && p.state === 'established')
    if (!party || held === call.onHold) return
    if (held) {
      call.onHold = true
      call.holdStartedAt = this.now()
    } else this.endHold(call)
    this.d.core.setWorkStatus(party.agent, held ? 'hold' : 'retrieve')
    this.emitCall(held ? 'EventHeld' : 'EventRetrieved', call, party)
  }

  private relayPhoneDtmf(call: CcCall, e: DtmfLogEntry): void {
    const party = call.parties.find((p) => p.leg === e.leg && p.state === 'established')
    const far = party && (this.multiparty.farEnd(call, party) ?? call.sw.customer)
    if (far && far !== e.leg && far.state === 'answered') far.media.sendDtmf(e.digit).catch(() => undefined)
  }

  private onEnded(call: CcCall, cause: EndCause): void {
    if (call.ended) return
    call.ended = true
    this.router.unqueue(call)
    this.endHold(call)
    this.calls.delete(call.id)
    const endedAt = this.now()
    const wrapUp = this.wrapUpSeconds(call)
    const talkSeconds = call.answeredAt ? Math.max(0, Math.round((endedAt - call.answeredAt - call.holdMs) / 1000)) : 0
    const taker = call.parties.find((p) => p.answeredAt !== undefined)
    const releasedBy = call.releasedBy ?? (cause.startsWith('customer') ? 'customer' : cause.startsWith('agent') ? 'agent' : 'system')
    const endCallReason = endCallReasonOf(cause)
    const told = new Set<string>()
    for (const party of call.parties) {
      // Agents who left earlier (a transfer, the survey) and talked get the detail record too, once.
      if (party.state === 'released') {
        if (
          party.answeredAt !== undefined &&
          !told.has(party.agent.uuid) &&
          !call.parties.some((p) => p.agent === party.agent && p.state !== 'released')
        ) {
          told.add(party.agent.uuid)
          this.d.publish(party.agent.uuid, this.cdr(call, endedAt, talkSeconds, releasedBy, endCallReason))
        }
        continue
      }
      told.add(party.agent.uuid)
      const abandoned = party.state === 'ringing' && (cause === 'customer-hangup' || cause === 'customer-cancel' || cause === 'transport')
      const talked = party.state === 'established'
      this.release(call, party, abandoned ? 'EventAbandoned' : 'EventReleased', { releaseCause: cause }, talked && wrapUp > 0, wrapUp)
      this.d.history.agentEnded(call.logged, logAgent(party.agent), call.failure ?? 'USER_END_CALL', {
        duration: Math.round((endedAt - call.startedAt) / 1000),
        answerDuration: party.answeredAt ? Math.round((endedAt - party.answeredAt) / 1000) : 0,
      })
      this.d.publish(party.agent.uuid, this.cdr(call, endedAt, talkSeconds, releasedBy, endCallReason))
    }
    this.d.history.ended(call.logged, {
      endCallCause: call.failure ?? (call.answeredAt ? 'USER_END_CALL' : cause === 'error' ? 'CAN_NOT_MAKE_CALL' : 'USER_END_CALL'),
      endedBy: releasedBy === 'customer' ? 'EXTERNAL' : 'INTERNAL',
      callType: call.parties.length > 1 && call.parties.filter((p) => p.answeredAt).length > 1 ? 'CONFERENCE' : 'CALL',
      endCallReason,
      startTime: call.startedAt,
      endTime: endedAt,
      answerTime: call.answeredAt ?? 0,
      enqueueSeconds: call.enqueuedAt ? Math.round(((call.answeredAt ?? endedAt) - call.enqueuedAt) / 1000) : 0,
      holdSeconds: Math.round(call.holdMs / 1000),
      talkSeconds,
      ivrSeconds: 0,
      // 4: the customer left (or was let go) in the satisfaction survey without pressing a key.
      status: call.survey && !call.survey.key ? 4 : call.answeredAt ? 1 : 2,
      ...(call.survey?.key ? { satisfaction: call.survey.key } : {}),
      ...(taker ? { agent: logAgent(taker.agent) } : {}),
      participants: [...new Set(call.parties.map((p) => p.agent.agentID))],
      ...this.router.endOverrides(call, endedAt),
    })
    if (call.recorded && call.recordPath) this.d.history.recorded(call.logged, talkSeconds * 1000)
    this.dispatch()
  }

  private cdr(call: CcCall, endedAt: number, talkSeconds: number, releasedBy: string, endCause: string): AnySobotEvent {
    return {
      messageID: 'MainCDRInfo',
      creationTime: this.now(),
      companyId: call.companyId,
      referenceID: '',
      attachedData: call.attachedData,
      callID: call.id,
      callType: call.type,
      ANI: call.ANI,
      DNIS: call.DNIS,
      otherDN: call.customerNumber,
      startTime: call.startedAt,
      answerTime: call.answeredAt ?? 0,
      endTime: endedAt,
      talkDuration: talkSeconds,
      releasedBy,
      endCause,
      recorded: call.recorded,
    } as AnySobotEvent
  }

  /**
   * A party leaves: EventReleased (or EventAbandoned) carrying the workStatus it leaves to, then with
   * wrap-up EventAgentAfterCallWork (sorting), or straight back to idle.
   */
  release(
    call: CcCall,
    party: Party,
    ev: 'EventReleased' | 'EventAbandoned',
    extra: Record<string, unknown>,
    acw: boolean,
    acwSeconds = 0,
  ): void {
    if (party.state === 'released') return
    party.state = 'released'
    const a = party.agent
    const rt = this.d.core.runtime(a.uuid)
    rt.call = undefined
    if (rt.workStatus !== 'offline') this.d.core.setWorkStatus(a, acw ? 'wrapUp' : 'release')
    this.emitCall(ev, call, party, extra)
    if (acw && rt.workStatus === 'sorting') this.startAcw(a, acwSeconds, call.id, call.referenceID)
  }

  // --- events ----------------------------------------------------------------------------------

  /** What EventAgentRegainStatus tells of the party's call (the spec's Table 4). */
  setCallInfo(call: CcCall, party: Party): void {
    const v = party.view ?? {}
    const info: WorkStatusInfo = {
      callID: v.callID ?? call.id,
      callType: v.callType ?? call.type,
      companyId: call.companyId,
      otherDN: v.otherDN ?? call.customerNumber,
      otherDNRole: v.otherDNRole ?? (call.type === 'Outbound' ? 'Destination' : 'Origination'),
      thisDN: party.agent.ext,
      thisDNRole: party.role,
      thirdDN: v.thirdDN ?? '',
      thirdDNRole: v.thirdDNRole ?? '',
    }
    this.d.core.runtime(party.agent.uuid).call = info
  }

  emitCall(
    messageID: SobotEventName,
    call: CcCall,
    party: Party,
    extra: Record<string, unknown> = {},
    referenceID = call.referenceID,
  ): void {
    const ev: CallEvent = {
      messageID,
      creationTime: this.now(),
      companyId: call.companyId,
      referenceID,
      attachedData: call.attachedData,
      callID: call.id,
      partyID: party.partyID,
      callType: call.type,
      partyRole: 'Agent',
      ANI: call.ANI,
      DNIS: call.DNIS,
      thisDN: party.agent.ext,
      thisDNRole: party.role,
      otherDN: call.customerNumber,
      otherDNRole: call.type === 'Outbound' ? 'Destination' : 'Origination',
      ...(call.queue ? { queueID: call.queue.id, queueName: call.queue.name } : {}),
      ...party.view,
      workStatus: this.d.core.runtime(party.agent.uuid).workStatus,
      ...extra,
    }
    this.d.publish(party.agent.uuid, ev as AnySobotEvent)
  }

  async close(): Promise<void> {
    this.multiparty.close()
    this.router.close()
    for (const w of this.acw.values()) clearTimeout(w.timer)
    this.acw.clear()
  }
}
