import { randomUUID } from 'node:crypto'
import {
  checkCallCommand,
  DN_TARGET_ROLE,
  nextDNRole,
  SIP_CALL_ID_HEADER,
  SobotError,
  type CallCommand,
  type CommandParams,
  type CommandResult,
  type DNRole,
  type SobotEventName,
} from 'sobot-call-sdk/protocol'
import type { Caller } from '../acd/agents'
import type { AgentRecord } from '../acd/directory'
import { MusicOnHoldSource, RingbackSource } from '../switch/audio'
import type { CallLeg } from '../switch/b2bua'
import { SipError } from '../switch/sipLeg'
import type { CallContext } from './CallControl'
import { logAgent, type CcCall, type Party } from './model'
import { resolveTarget, type Target } from './targets'
import { Supervision } from './supervision'
import { Survey } from './survey'

/** A consulted party, a transfer's target and an added participant ring this long. */
export const CONSULT_RING_TIMEOUT_MS = 30_000
export const TRANSFER_RING_TIMEOUT_MS = 30_000

/** A party that is not an agent: a third-party number, or a desk phone on an extension nobody is logged in on. */
export interface Extern {
  kind: 'number' | 'extension'
  dn: string
  leg?: CallLeg
  state: 'ringing' | 'established' | 'released'
}

/** A consult: the second CTI call (callType Consult) of the consulting agent, legs in the same switch call. */
export interface Consult {
  /** The consult call's callID. */
  readonly id: string
  /** The consulting agent's party in the customer's call. */
  readonly by: Party
  /** Its role in the consult call (ConsultBy). */
  readonly role: DNRole
  readonly dn: string
  /** The consulted agent (a party of the customer's call whose events show the consult call), ... */
  party?: Party
  /** ... or the consulted number or extension. */
  ext?: Extern
  answered: boolean
}

/** What the multi-party operations keep of a call. */
export interface MpCall {
  readonly call: CcCall
  consult?: Consult
  readonly externs: Extern[]
  /** The customer was transferred to a number or extension: the call goes on with no agent. */
  agentless: boolean
  /** Supervisors observing (silent), and the agent each observes. */
  readonly observers: Map<Party, AgentRecord>
}

const customerRole = (call: CcCall): DNRole => (call.type === 'Outbound' ? 'Destination' : 'Origination')

/**
 * The multi-party operations of the Sobot SDK on top of call control: blind transfer, consult (and its
 * cancel, retrieve, transfer and conference), parties leaving a conference, the REST API's transfer and
 * add participant, supervision (supervision.ts) and the satisfaction survey (survey.ts).
 *
 * Every party of a call sits in the call's one mixer (server/switch): a consult holds the customer
 * (music, muted) while the two agents talk; a conference unmutes everyone; an observing supervisor is
 * muted. The events and roles of each flow are in docs/EVENTS.md (src/eventDocs.ts: EVENT_FLOWS).
 */
export class Multiparty {
  private readonly calls = new Map<string, MpCall>()
  readonly supervision: Supervision
  readonly survey: Survey

  constructor(readonly cc: CallContext) {
    this.supervision = new Supervision(this)
    this.survey = new Survey(this)
  }

  // --- state ------------------------------------------------------------------------------------

  /** The call's multi-party state, made (and wired to the switch's call) on first use. */
  state(call: CcCall): MpCall {
    let mp = this.calls.get(call.id)
    if (mp) return mp
    const made: MpCall = { call, externs: [], agentless: false, observers: new Map() }
    mp = made
    this.calls.set(call.id, made)
    const sw = call.sw
    sw.keepWithoutCustomer = () => this.keepsWithoutCustomer(made)
    sw.on('ending', () => this.beforeEnd(made))
    // After the switch decided whether the call goes on (it ends a call whose last talker left).
    sw.on('legEnded', (leg) => queueMicrotask(() => this.onLegEnded(made, leg)))
    sw.once('ended', () => this.calls.delete(call.id))
    return made
  }

  /** The agent's answered party on a call (its own view, whatever call it shows). */
  established(a: AgentRecord): { call: CcCall; party: Party } {
    for (const call of this.cc.active()) {
      if (call.sw.ended) continue // hung up, its end not told yet
      const party = call.parties.find((p) => p.agent.uuid === a.uuid && p.state === 'established')
      if (party) return { call, party }
    }
    throw new SobotError('NO_ACTIVE_CALL')
  }

  private check(c: Caller, cmd: CallCommand): void {
    checkCallCommand(cmd, this.cc.d.core.runtime(c.agent.uuid).workStatus)
  }

  emit(name: SobotEventName, call: CcCall, party: Party, extra: Record<string, unknown> = {}, referenceID = ''): void {
    this.cc.emitCall(name, call, party, extra, referenceID)
  }

  isConsulted(p: Party): boolean {
    return p.view?.callType === 'Consult'
  }

  isObserver(mp: MpCall | undefined, p: Party): boolean {
    return !!mp?.observers.has(p)
  }

  /** Agents talking on the customer's call (not observing, not consulted). */
  talkingAgents(mp: MpCall): Party[] {
    return mp.call.parties.filter((p) => p.state === 'established' && !this.isConsulted(p) && !this.isObserver(mp, p))
  }

  /** Everyone who can be heard on the customer's call: the customer, talking agents, third parties. */
  talkers(mp: MpCall): number {
    const c = mp.call.sw.customer
    const customer = c && c.state === 'answered' ? 1 : 0
    return customer + this.talkingAgents(mp).length + mp.externs.filter((e) => e.state === 'established').length
  }

  private customerPresent(call: CcCall): boolean {
    const c = call.sw.customer
    return !!c && c.state === 'answered' && !call.survey
  }

  holdCustomer(call: CcCall): boolean {
    if (call.onHold) return false
    call.onHold = true
    call.holdStartedAt = this.cc.now()
    void call.sw.hold('server')
    return true
  }

  unholdCustomer(call: CcCall): boolean {
    if (!call.onHold) return false
    call.onHold = false
    call.holdMs += this.cc.now() - (call.holdStartedAt ?? this.cc.now())
    call.holdStartedAt = undefined
    void call.sw.unhold('server')
    return true
  }

  /** A party that talked leaves: EventReleased, after-call work, the agentEnded webhook, its leg hung up. */
  releaseTalker(call: CcCall, party: Party, extra: Record<string, unknown>): void {
    const wrapUp = this.cc.wrapUpSeconds(call)
    const mp = this.calls.get(call.id)
    const observer = this.isObserver(mp, party)
    mp?.observers.delete(party)
    this.cc.release(call, party, 'EventReleased', extra, !observer && party.answeredAt !== undefined && wrapUp > 0, wrapUp)
    const now = this.cc.now()
    if (!observer) {
      this.cc.d.history.agentEnded(call.logged, logAgent(party.agent), 'USER_END_CALL', {
        duration: Math.round((now - call.startedAt) / 1000),
        answerDuration: party.answeredAt ? Math.round((now - party.answeredAt) / 1000) : 0,
      })
    }
    if (party.leg && party.leg.state !== 'ended') void call.sw.hangupLeg(party.leg)
    if (mp) this.releaseObserversOf(mp, party.agent)
    this.cc.onAvailable()
  }

  /** A party leaves without after-call work (a consulted agent, a supervisor who only observed). */
  releaseQuietly(call: CcCall, party: Party, ev: 'EventReleased' | 'EventAbandoned', extra: Record<string, unknown>): void {
    this.calls.get(call.id)?.observers.delete(party)
    if (party.state === 'ringing' || party.state === 'dialing') party.refused ??= 'rejected'
    this.cc.release(call, party, ev, extra, false)
    if (party.leg && party.leg.state !== 'ended') void call.sw.hangupLeg(party.leg)
    this.cc.onAvailable()
  }

  /** Observing follows the agent: when it leaves the call, so do its observers. */
  releaseObserversOf(mp: MpCall, a: AgentRecord): void {
    for (const [s, observed] of [...mp.observers]) {
      if (observed.uuid === a.uuid && s.state !== 'released')
        this.releaseQuietly(mp.call, s, 'EventReleased', { releaseCause: 'observedLeft' })
    }
  }

  // --- blind transfer ---------------------------------------------------------------------------

  singleTransfer(c: Caller, t: CommandParams<'singleTransfer'>): CommandResult<'singleTransfer'> {
    const agentType = t.agentType ?? this.cc.d.core.runtime(c.agent.uuid).agentType
    this.check(c, 'singleTransfer')
    const { call, party } = this.established(c.agent)
    this.mustHandleCustomer(call, party)
    const role = nextDNRole(party.role, 'transfer')
    const target = resolveTarget(this.cc, c.agent, t.targetType, t.target, agentType)
    call.referenceID = c.referenceID
    this.transferOut(call, [party], role, target)
    return {}
  }

  /** The customer of `call`, whom `party` talks to alone, may be handed on by it. */
  private mustHandleCustomer(call: CcCall, party: Party): void {
    if (this.isConsulted(party))
      throw new SobotError(
        'CALL_STATE_FORBIDS',
        'A consulted agent cannot pass the customer on; the consulting agent transfers or conferences.',
      )
    if (!this.customerPresent(call)) throw new SobotError('CALL_STATE_FORBIDS', 'The customer is no longer on the call.')
    const mp = this.calls.get(call.id)
    if (mp?.consult) throw new SobotError('CALL_STATE_FORBIDS', 'A consult is in progress on this call.')
  }

  /**
   * Hands the customer to `target`: `leaving` (the agents on the call) are released into after-call
   * work, the customer hears ringback (or the queue's music) until the target answers. A target that
   * does not answer sends the call back to its skill group's queue (or ends a call that has none).
   */
  transferOut(call: CcCall, leaving: Party[], role: DNRole, target: Target): void {
    const mp = this.state(call)
    const customer = call.sw.customer!
    this.unholdCustomer(call)
    call.sw.play(customer, target.kind === 'queue' ? (this.cc.d.waitMusic ?? (() => new MusicOnHoldSource()))() : new RingbackSource())
    for (const p of leaving) {
      p.role = role
      this.releaseTalker(call, p, { releaseCause: 'transferred', thirdDN: target.dn, thirdDNRole: DN_TARGET_ROLE.transfer })
    }
    const by = leaving[0]?.agent.ext ?? ''
    if (target.kind === 'queue') {
      call.tried.clear()
      for (const p of leaving) call.tried.add(p.agent.uuid)
      this.cc.requeue(call, target.queue)
      return
    }
    if (target.kind === 'agent') {
      call.tried.add(target.agent.uuid)
      void this.cc
        .ringAgent(call, target.agent, {
          role: DN_TARGET_ROLE.transfer,
          timeoutMs: TRANSFER_RING_TIMEOUT_MS,
          target: target.dial,
          view: by ? { thirdDN: by, thirdDNRole: role } : {},
        })
        .then((p) => {
          if (p) {
            // Later events show the plain call again; the transfer was told once.
            p.view = undefined
            this.cc.setCallInfo(call, p)
          } else this.transferFailed(mp)
        })
      return
    }
    const ext: Extern = { kind: target.kind, dn: target.dn, state: 'ringing' }
    mp.externs.push(ext)
    mp.agentless = true
    call.sw
      .addParticipant(target.dial.aor, {
        timeoutMs: TRANSFER_RING_TIMEOUT_MS,
        fromUser: call.customerNumber || 'anonymous',
        ...(target.dial.toUser ? { toUser: target.dial.toUser } : {}),
        extraHeaders: [`${SIP_CALL_ID_HEADER}: ${call.id}`],
        onLeg: (leg) => (ext.leg = leg),
      })
      .then((leg) => {
        ext.leg = leg
        ext.state = 'established'
        call.sw.play(customer, undefined)
      })
      .catch(() => {
        ext.state = 'released'
        mp.agentless = false
        this.transferFailed(mp)
      })
  }

  private transferFailed(mp: MpCall): void {
    const call = mp.call
    if (call.ended || call.sw.ended || this.talkingAgents(mp).length > 0) return
    if (call.queue && this.customerPresent(call)) {
      call.sw.play(call.sw.customer!, (this.cc.d.waitMusic ?? (() => new MusicOnHoldSource()))())
      this.cc.requeue(call, call.queue)
    } else void call.sw.hangup('agent-no-answer')
  }

  // --- consult ----------------------------------------------------------------------------------

  initiateConsult(c: Caller, t: CommandParams<'initiateConsult'>): CommandResult<'initiateConsult'> {
    const agentType = t.agentType ?? this.cc.d.core.runtime(c.agent.uuid).agentType
    this.check(c, 'initiateConsult')
    const { call, party: by } = this.established(c.agent)
    this.mustHandleCustomer(call, by)
    const role = nextDNRole(by.role, 'consult')
    const target = resolveTarget(this.cc, c.agent, t.targetType, t.target, agentType)
    if (target.kind === 'queue') throw new SobotError('INVALID_TARGET_TYPE')
    const mp = this.state(call)
    const k: Consult = { id: `call-${randomUUID()}`, by, role, dn: target.dn, answered: false }
    mp.consult = k
    const a = c.agent
    this.cc.d.core.setWorkStatus(a, 'consult')
    if (this.holdCustomer(call)) this.emit('EventHeld', call, by, {}, c.referenceID)
    this.emit('EventDialing', call, by, this.consultFields(k, call), c.referenceID)
    if (by.leg) call.sw.play(by.leg, new RingbackSource())

    const dialOpts = {
      timeoutMs: CONSULT_RING_TIMEOUT_MS,
      fromUser: a.ext,
      ...(target.dial.toUser ? { toUser: target.dial.toUser } : {}),
      extraHeaders: [`${SIP_CALL_ID_HEADER}: ${k.id}`],
    }
    if (target.kind === 'agent') {
      const b = target.agent
      const party: Party = {
        partyID: randomUUID(),
        agent: b,
        role: DN_TARGET_ROLE.consult,
        state: 'ringing',
        muted: false,
        view: {
          callID: k.id,
          callType: 'Consult',
          ANI: a.ext,
          DNIS: b.ext,
          otherDN: a.ext,
          otherDNRole: role,
          thirdDN: call.customerNumber,
          thirdDNRole: customerRole(call),
        },
      }
      k.party = party
      call.parties.push(party)
      this.cc.d.core.setWorkStatus(b, 'reserve')
      this.cc.d.core.setWorkStatus(b, 'ring')
      this.cc.setCallInfo(call, party)
      this.emit('EventRinging', call, party)
      call.sw
        .addParticipant(target.dial.aor, { ...dialOpts, onLeg: (leg) => this.adoptLeg(mp, k, (party.leg = leg)) })
        .then(() => {
          if (mp.consult !== k || party.state !== 'ringing') return
          party.state = 'established'
          party.answeredAt = this.cc.now()
          this.cc.d.core.setWorkStatus(b, 'establish')
          this.cc.setCallInfo(call, party)
          this.consultAnswered(mp, k)
          this.emit('EventEstablished', call, party)
        })
        .catch((e: unknown) => this.consultFailed(mp, k, e))
    } else {
      const ext: Extern = { kind: target.kind, dn: target.dn, state: 'ringing' }
      k.ext = ext
      call.sw
        .addParticipant(target.dial.aor, { ...dialOpts, onLeg: (leg) => this.adoptLeg(mp, k, (ext.leg = leg)) })
        .then(() => {
          if (mp.consult !== k) return
          ext.state = 'established'
          this.consultAnswered(mp, k)
        })
        .catch((e: unknown) => this.consultFailed(mp, k, e))
    }
    return { callID: k.id }
  }

  /** A consult leg that comes to exist after its consult ended (cancelled while being offered) is hung up. */
  private adoptLeg(mp: MpCall, k: Consult, leg: CallLeg): void {
    if (mp.consult !== k) void mp.call.sw.hangupLeg(leg)
  }

  /** The consulting agent's view of the consult call. */
  consultFields(k: Consult, call: CcCall): Record<string, unknown> {
    return {
      callID: k.id,
      callType: 'Consult',
      ANI: k.by.agent.ext,
      DNIS: k.dn,
      thisDNRole: k.role,
      otherDN: k.dn,
      otherDNRole: DN_TARGET_ROLE.consult,
      thirdDN: call.customerNumber,
      thirdDNRole: customerRole(call),
    }
  }

  private consultAnswered(mp: MpCall, k: Consult): void {
    k.answered = true
    const call = mp.call
    if (k.by.leg) call.sw.play(k.by.leg, undefined)
    this.emit('EventEstablished', call, k.by, this.consultFields(k, call))
  }

  private consultFailed(mp: MpCall, k: Consult, err: unknown): void {
    if (mp.consult !== k || mp.call.ended || mp.call.sw.ended) return
    const busy = err instanceof SipError && (err.status === 486 || err.status === 600 || err.status === 603)
    this.endConsult(mp, k.party?.refused ?? (busy ? 'rejected' : 'noAnswer'), '')
  }

  /** The consulting agent's consult, checked for `cmd`. */
  private myConsult(c: Caller, cmd: CallCommand, answered: boolean | undefined): { mp: MpCall; k: Consult } {
    this.check(c, cmd)
    const { call, party } = this.established(c.agent)
    const mp = this.calls.get(call.id)
    const k = mp?.consult
    if (!mp || !k || k.by !== party) throw new SobotError('CALL_STATE_FORBIDS', 'There is no consult of this agent to act on.')
    if (answered === true && !k.answered)
      throw new SobotError(
        'CALL_STATE_FORBIDS',
        `${cmd}: the consulted party has not answered yet${cmd === 'retrieveConsult' ? '; use cancelConsult' : ''}.`,
      )
    if (answered === false && k.answered)
      throw new SobotError('CALL_STATE_FORBIDS', 'The consulted party has answered; use retrieveConsult.')
    return { mp, k }
  }

  cancelConsult(c: Caller): CommandResult<'cancelConsult'> {
    const { mp } = this.myConsult(c, 'cancelConsult', false)
    this.endConsult(mp, 'cancelled', c.referenceID)
    return {}
  }

  retrieveConsult(c: Caller): CommandResult<'retrieveConsult'> {
    const { mp } = this.myConsult(c, 'retrieveConsult', true)
    this.endConsult(mp, 'retrieved', c.referenceID)
    return {}
  }

  /**
   * The consult ends and the consulting agent is back with the customer: the consulted party leaves
   * (no after-call work), the consulting agent gets EventReleased on the consult call and EventRetrieved
   * on the customer's.
   */
  private endConsult(mp: MpCall, cause: string, referenceID: string): void {
    const k = mp.consult
    if (!k) return
    mp.consult = undefined
    const call = mp.call
    const p = k.party
    // A consulted agent that answered, rejected or did not answer leaves; one still ringing was abandoned.
    const abandoned = p?.state !== 'established' && (cause === 'cancelled' || cause === 'hangup')
    if (p && p.state !== 'released') this.releaseQuietly(call, p, abandoned ? 'EventAbandoned' : 'EventReleased', { releaseCause: cause })
    if (k.ext && k.ext.state !== 'released') {
      k.ext.state = 'released'
      if (k.ext.leg) void call.sw.hangupLeg(k.ext.leg)
    }
    if (k.by.state !== 'established') return
    if (k.by.leg) call.sw.play(k.by.leg, undefined)
    this.cc.d.core.setWorkStatus(k.by.agent, 'retrieve')
    this.emit('EventReleased', call, k.by, { ...this.consultFields(k, call), releaseCause: cause }, referenceID)
    this.unholdCustomer(call)
    this.emit('EventRetrieved', call, k.by, {}, referenceID)
  }

  consultTransfer(c: Caller): CommandResult<'consultTransfer'> {
    const { mp, k } = this.myConsult(c, 'consultTransfer', true)
    const call = mp.call
    const role = nextDNRole(k.role, 'transfer')
    mp.consult = undefined
    call.referenceID = c.referenceID
    const a = k.by
    if (a.leg) call.sw.play(a.leg, undefined)
    this.emit(
      'EventReleased',
      call,
      a,
      { ...this.consultFields(k, call), thisDNRole: role, otherDNRole: DN_TARGET_ROLE.transfer, releaseCause: 'transferred' },
      c.referenceID,
    )
    this.unholdCustomer(call)
    this.merge(mp, k, DN_TARGET_ROLE.transfer, role, 'EventPartyChanged')
    mp.agentless = !k.party
    a.role = role
    this.releaseTalker(call, a, { releaseCause: 'transferred', thirdDN: k.dn, thirdDNRole: DN_TARGET_ROLE.transfer })
    return {}
  }

  consultConference(c: Caller): CommandResult<'consultConference'> {
    const { mp, k } = this.myConsult(c, 'consultConference', true)
    const call = mp.call
    const role = nextDNRole(k.role, 'conference')
    mp.consult = undefined
    const a = k.by
    if (a.leg) call.sw.play(a.leg, undefined)
    this.cc.d.core.setWorkStatus(a.agent, 'conference')
    this.emit('EventReleased', call, a, { ...this.consultFields(k, call), releaseCause: 'conferenced' }, c.referenceID)
    a.role = role
    this.cc.setCallInfo(call, a)
    this.unholdCustomer(call)
    this.emit('EventRetrieved', call, a, {}, c.referenceID)
    const others = this.talkingAgents(mp).filter((p) => p !== a)
    this.merge(mp, k, DN_TARGET_ROLE.conference, 'AddedBy', 'EventPartyChanged', 'conference')
    this.emit('EventPartyAdded', call, a, { thirdDN: k.dn, thirdDNRole: DN_TARGET_ROLE.conference }, c.referenceID)
    this.partyAdded(mp, others, k.dn, DN_TARGET_ROLE.conference)
    return {}
  }

  /**
   * The consulted party joins the customer's call: an agent's events show that call from now on
   * (EventPartyChanged carrying the consult call as previousCallID); a number becomes a third party.
   */
  private merge(mp: MpCall, k: Consult, role: DNRole, byRole: DNRole, ev: SobotEventName, ws?: 'conference'): void {
    const call = mp.call
    const p = k.party
    if (!p) {
      if (k.ext) mp.externs.push(k.ext)
      return
    }
    p.view = undefined
    p.role = role
    if (ws) this.cc.d.core.setWorkStatus(p.agent, ws)
    this.cc.setCallInfo(call, p)
    this.emit(ev, call, p, { previousCallID: k.id, thirdDN: k.by.agent.ext, thirdDNRole: byRole })
  }

  /** Tells the other parties (talking agents moving to conferencing, observers as they are) that `dn` joined. */
  partyAdded(mp: MpCall, others: Party[], dn: string, role: DNRole): void {
    const call = mp.call
    for (const p of call.parties) {
      if (p.state !== 'established' || this.isConsulted(p)) continue
      if (!others.includes(p) && !this.isObserver(mp, p)) continue
      if (this.cc.d.core.runtime(p.agent.uuid).workStatus === 'talking') this.cc.d.core.setWorkStatus(p.agent, 'conference')
      this.emit('EventPartyAdded', call, p, { thirdDN: dn, thirdDNRole: role })
    }
  }

  // --- leaving ----------------------------------------------------------------------------------

  /** The hangup command on a multi-party call: only the caller leaves. False: hang up the whole call. */
  hangup(c: Caller, call: CcCall, party: Party): boolean {
    return this.leave(call, party, 'hangup', c.referenceID)
  }

  /**
   * `party` leaves `call` (hangup, resetLogout, forceLogout) when others stay: a consult ends (back to
   * the customer), an observer stops, a conference goes on without it. False when the whole call
   * should end (a two-party call).
   */
  leave(call: CcCall, party: Party, how: 'hangup' | 'logout', referenceID = ''): boolean {
    const mp = this.calls.get(call.id)
    if (!mp) return false
    if (this.isObserver(mp, party)) {
      this.releaseQuietly(call, party, 'EventReleased', { releaseCause: 'hangup' })
      return true
    }
    const k = mp.consult
    if (k && (party === k.by || party === k.party)) {
      this.endConsult(mp, 'hangup', referenceID)
      // A consulting agent logged out leaves the customer's call too.
      return !(party === k.by && how === 'logout')
    }
    if (party.state !== 'established' || this.talkers(mp) <= 2) return false
    call.referenceID = referenceID || call.referenceID
    this.releaseTalker(call, party, { releaseCause: 'hangup' })
    this.afterLeave(mp, party.agent.ext)
    return true
  }

  /** The far end the DTMF of `party` goes to: the consulted party while consulting. */
  farEnd(call: CcCall, party: Party): CallLeg | undefined {
    const k = this.calls.get(call.id)?.consult
    if (!k) return undefined
    if (party === k.by) return k.party?.leg ?? k.ext?.leg
    if (party === k.party) return k.by.leg
    return undefined
  }

  /** Whether a call goes on when the customer hangs up: a conference with an agent and someone else does. */
  private keepsWithoutCustomer(mp: MpCall): boolean {
    if (mp.consult || mp.call.survey) return false
    const agents = this.talkingAgents(mp).length
    return agents >= 1 && agents + mp.externs.filter((e) => e.state === 'established').length >= 2
  }

  /** A leg ended while the call goes on: whose it was decides what follows. */
  private onLegEnded(mp: MpCall, leg: CallLeg): void {
    const call = mp.call
    if (call.ended || call.sw.ended) return
    const party = call.parties.find((p) => p.leg === leg && p.state !== 'released')
    const k = mp.consult
    if (party) {
      if (party.state !== 'established') return // a ring that failed: its dialler reports it
      if (this.isObserver(mp, party)) {
        this.releaseQuietly(call, party, 'EventReleased', { releaseCause: 'hangup' })
        return
      }
      if (k && party === k.party) {
        this.endConsult(mp, 'hangup', '')
        return
      }
      if (k && party === k.by) {
        // The consulting agent's phone hung up: it cannot come back to the customer; the call ends.
        call.releasedBy ??= 'agent'
        void call.sw.hangup('agent-hangup')
        return
      }
      this.releaseTalker(call, party, { releaseCause: 'hangup' })
      this.afterLeave(mp, party.agent.ext)
      return
    }
    if (k?.ext?.leg === leg) {
      if (k.ext.state === 'established') this.endConsult(mp, 'hangup', '')
      return
    }
    const ext = mp.externs.find((e) => e.leg === leg && e.state === 'established')
    if (ext) {
      ext.state = 'released'
      this.afterLeave(mp, ext.dn)
      return
    }
    if (leg === call.sw.customer && leg.timings.answeredAt !== undefined) this.afterLeave(mp, call.customerNumber)
  }

  /**
   * Someone left a conference: the last agent leaving ends the call; otherwise the others are told
   * (EventPartyDeleted) and, back to two, talk again.
   */
  afterLeave(mp: MpCall, dn: string): void {
    const call = mp.call
    if (call.ended || call.sw.ended) return
    const agents = this.talkingAgents(mp)
    if ((agents.length === 0 && !mp.agentless) || this.talkers(mp) < 2) {
      void call.sw.hangup('agent-hangup')
      return
    }
    const two = this.talkers(mp) <= 2
    for (const p of call.parties) {
      if (p.state !== 'established' || this.isConsulted(p)) continue
      if (two && this.cc.d.core.runtime(p.agent.uuid).workStatus === 'conferencing') this.cc.d.core.setWorkStatus(p.agent, 'establish')
      this.cc.setCallInfo(call, p)
      this.emit('EventPartyDeleted', call, p, { thirdDN: dn, thirdDNRole: 'DeletedParty' })
    }
  }

  /** The call is ending: the consult's parties and the observers leave first, without after-call work. */
  private beforeEnd(mp: MpCall): void {
    const call = mp.call
    const k = mp.consult
    mp.consult = undefined
    if (k) {
      const p = k.party
      if (p && p.state !== 'released')
        this.releaseQuietly(call, p, p.state === 'established' ? 'EventReleased' : 'EventAbandoned', { releaseCause: 'callEnded' })
      if (k.by.state === 'established')
        this.emit('EventReleased', call, k.by, { ...this.consultFields(k, call), releaseCause: 'callEnded' })
    }
    for (const s of [...mp.observers.keys()]) {
      if (s.state !== 'released')
        this.releaseQuietly(call, s, s.state === 'established' ? 'EventReleased' : 'EventAbandoned', { releaseCause: 'callEnded' })
    }
    this.survey.end(call)
  }

  // --- the REST API -----------------------------------------------------------------------------

  /** The call of a company, for the REST API. */
  private liveCall(companyId: string, callId: string): CcCall | undefined {
    for (const c of this.cc.active()) if (c.id === callId && c.companyId === companyId) return c
    return undefined
  }

  /** REST transfer: the agents on the call hand the customer to an agent (its user id) or a number. */
  restTransfer(companyId: string, callId: string, to: { type: 'internal' | 'external'; number: string }): void {
    const call = this.liveCall(companyId, callId)
    if (!call) throw new SobotError('TARGET_NOT_FOUND', `No call ${callId} in progress.`)
    const mp = this.state(call)
    const agents = this.talkingAgents(mp)
    if (!agents.length || !this.customerPresent(call))
      throw new SobotError('CALL_STATE_FORBIDS', 'Only an answered call with its customer can be transferred.')
    for (const a of agents) this.mustHandleCustomer(call, a)
    const by = agents[0]!
    const target = this.restTarget(by.agent, to)
    const role = nextDNRole(by.role, 'transfer')
    call.referenceID = ''
    this.transferOut(call, agents, role, target)
  }

  /** REST add participant: rings an agent (its user id) or a number; when it answers the call is a conference. */
  restAddParticipant(companyId: string, callId: string, from: string, to: { type: 'internal' | 'external'; number: string }): void {
    const call = this.liveCall(companyId, callId)
    if (!call) throw new SobotError('TARGET_NOT_FOUND', `No call ${callId} in progress.`)
    const mp = this.state(call)
    const agents = this.talkingAgents(mp)
    if (!agents.length || !this.customerPresent(call))
      throw new SobotError('CALL_STATE_FORBIDS', 'Participants join an answered call with its customer.')
    if (mp.consult || call.onHold) throw new SobotError('CALL_STATE_FORBIDS', 'The customer is on hold or in a consult.')
    const target = this.restTarget(agents[0]!.agent, to)
    if (target.kind === 'queue') throw new SobotError('INVALID_TARGET_TYPE')
    if (target.kind === 'agent') {
      if (call.parties.some((p) => p.agent.uuid === target.agent.uuid && p.state !== 'released'))
        throw new SobotError('TARGET_IS_SELF', 'The agent is already on the call.')
      void this.cc
        .ringAgent(call, target.agent, { role: DN_TARGET_ROLE.conference, timeoutMs: TRANSFER_RING_TIMEOUT_MS, target: target.dial })
        .then((p) => {
          if (!p || call.ended) return
          const others = this.talkingAgents(mp).filter((x) => x !== p)
          this.cc.d.core.setWorkStatus(p.agent, 'conference')
          this.cc.setCallInfo(call, p)
          this.emit('EventPartyAdded', call, p, { thirdDN: from, thirdDNRole: 'AddedBy' })
          this.partyAdded(mp, others, target.dn, DN_TARGET_ROLE.conference)
        })
      return
    }
    const ext: Extern = { kind: target.kind, dn: target.dn, state: 'ringing' }
    call.sw
      .addParticipant(target.dial.aor, {
        timeoutMs: TRANSFER_RING_TIMEOUT_MS,
        fromUser: from || call.customerNumber || 'anonymous',
        ...(target.dial.toUser ? { toUser: target.dial.toUser } : {}),
        extraHeaders: [`${SIP_CALL_ID_HEADER}: ${call.id}`],
        onLeg: (leg) => (ext.leg = leg),
      })
      .then((leg) => {
        if (call.ended) return
        ext.leg = leg
        ext.state = 'established'
        mp.externs.push(ext)
        this.partyAdded(mp, this.talkingAgents(mp), target.dn, DN_TARGET_ROLE.conference)
      })
      .catch(() => undefined)
  }

  private restTarget(by: AgentRecord, to: { type: 'internal' | 'external'; number: string }): Target {
    if (to.type === 'external') return resolveTarget(this.cc, by, '1', to.number, '0')
    const a = [...this.cc.d.dir.agents.values()].find((x) => x.companyId === by.companyId && (x.stringeeUserId ?? x.agentID) === to.number)
    if (!a) throw new SobotError('TARGET_NOT_FOUND', `No agent with user id ${to.number}.`)
    return resolveTarget(this.cc, by, '0', a.uuid, '1')
  }

  // --- commands of the other parts ---------------------------------------------------------------

  observe(c: Caller, p: CommandParams<'observe'>): CommandResult<'observe'> {
    return this.supervision.observe(c, p)
  }

  bargeIn(c: Caller, p: CommandParams<'bargeIn'>): CommandResult<'bargeIn'> {
    return this.supervision.bargeIn(c, p)
  }

  intercept(c: Caller, p: CommandParams<'intercept'>): CommandResult<'intercept'> {
    return this.supervision.intercept(c, p)
  }

  sendSatisfy(c: Caller): CommandResult<'sendSatisfy'> {
    this.check(c, 'sendSatisfy')
    const { call, party } = this.established(c.agent)
    this.mustHandleCustomer(call, party)
    const mp = this.state(call)
    call.referenceID = c.referenceID
    this.survey.start(mp)
    return {}
  }

  close(): void {
    this.survey.close()
    this.calls.clear()
  }
}
