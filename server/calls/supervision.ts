import { randomUUID } from 'node:crypto'
import {
  checkCallCommand,
  DN_TARGET_ROLE,
  nextDNRole,
  SIP_AUTO_ANSWER_HEADER,
  SIP_CALL_ID_HEADER,
  SobotError,
  type CallCommand,
  type CommandParams,
  type CommandResult,
} from 'sobot-call-sdk/protocol'
import type { Caller } from '../acd/agents'
import type { AgentRecord } from '../acd/directory'
import type { CcCall, Party } from './model'
import type { MpCall, Multiparty } from './multiparty'

/** A supervisor's phone is rung (and answers by itself) this long before observing is given up. */
export const OBSERVE_ANSWER_TIMEOUT_MS = 15_000

/**
 * Supervision (the DNRole table's ObserveBy / BargeinBy / InterceptBy): a supervisor listens to an
 * agent's call, heard by nobody; barges in (the call becomes a conference); or takes the call over
 * (the agent leaves into after-call work). Only a supervisor may; the SDK checks and so does this.
 *
 * Observing is silent: the observed agent is not told (ObserveTo names it in the supervisor's events
 * only), and the supervisor follows the agent: when the agent leaves the call, so does the observer.
 */
export class Supervision {
  constructor(private readonly mp: Multiparty) {}

  private get cc() {
    return this.mp.cc
  }

  /** The targetAgentID of a supervision command, checked: a supervisor, a state that allows it, another agent online. */
  private args(c: Caller, p: CommandParams<'observe'>, cmd: CallCommand): AgentRecord {
    const id = p.targetAgentID
    const agentType = p.agentType ?? this.cc.d.core.runtime(c.agent.uuid).agentType
    if (!c.agent.supervisor) throw new SobotError('PERMISSION_DENIED', `${cmd} needs a supervisor.`)
    checkCallCommand(cmd, this.cc.d.core.runtime(c.agent.uuid).workStatus)
    const t = this.cc.d.dir.findAgent(c.agent.companyId, id, agentType)
    if (!t) throw new SobotError('TARGET_NOT_FOUND', `No agent ${id} in this company.`)
    if (t.uuid === c.agent.uuid) throw new SobotError('TARGET_IS_SELF')
    if (this.cc.d.core.runtime(t.uuid).agentState === 0) throw new SobotError('TARGET_OFFLINE', `Agent ${t.agentID} is offline.`)
    return t
  }

  /** The agent's party on the customer's call it talks on (not a consult it was called into). */
  private talkingParty(t: AgentRecord): { call: CcCall; party: Party } {
    let found: { call: CcCall; party: Party }
    try {
      found = this.mp.established(t)
    } catch {
      throw new SobotError('NO_ACTIVE_CALL', `Agent ${t.agentID} is not on a call.`)
    }
    if (this.mp.isConsulted(found.party))
      throw new SobotError('CALL_STATE_FORBIDS', `Agent ${t.agentID} is on a consult call; supervise the agent who consults.`)
    if (found.call.survey) throw new SobotError('CALL_STATE_FORBIDS', 'The call is in the satisfaction survey.')
    return found
  }

  observe(c: Caller, p: CommandParams<'observe'>): CommandResult<'observe'> {
    const t = this.args(c, p, 'observe')
    const { call } = this.talkingParty(t)
    const s = c.agent
    const rt = this.cc.d.core.runtime(s.uuid)
    const dial = this.cc.d.phones.target(s, rt)
    if (!dial || !this.cc.d.phones.reachable(s, rt))
      throw new SobotError('PHONE_NOT_REGISTERED', `The supervisor's ${rt.phoneType} phone is not registered.`)
    const mp = this.mp.state(call)
    const role = nextDNRole('Unknown', 'observe')
    const party: Party = {
      partyID: randomUUID(),
      agent: s,
      role,
      state: 'dialing',
      muted: true,
      view: { partyRole: 'Supervisor', thirdDN: t.ext, thirdDNRole: DN_TARGET_ROLE.observe },
    }
    call.parties.push(party)
    mp.observers.set(party, t)
    this.cc.d.core.setWorkStatus(s, 'monitor')
    this.cc.setCallInfo(call, party)
    this.mp.emit('EventDialing', call, party, {}, c.referenceID)
    call.sw
      .addParticipant(dial.aor, {
        timeoutMs: OBSERVE_ANSWER_TIMEOUT_MS,
        muted: true,
        fromUser: call.customerNumber || 'anonymous',
        ...(dial.toUser ? { toUser: dial.toUser } : {}),
        extraHeaders: [`${SIP_CALL_ID_HEADER}: ${call.id}`, `${SIP_AUTO_ANSWER_HEADER}: true`],
        onLeg: (leg) => {
          party.leg = leg
          if (party.state === 'released') void call.sw.hangupLeg(leg)
        },
      })
      .then((leg) => {
        if (party.state !== 'dialing') {
          void call.sw.hangupLeg(leg)
          return
        }
        party.state = 'established'
        party.answeredAt = this.cc.now()
        this.cc.setCallInfo(call, party)
        this.mp.emit('EventEstablished', call, party)
      })
      .catch(() => {
        if (party.state === 'released' || call.ended || call.sw.ended) return
        this.mp.releaseQuietly(call, party, 'EventReleased', { releaseCause: party.refused ?? 'noAnswer' })
      })
    return {}
  }

  /** The supervisor's observing (or barged-in) party and the agent it supervises, checked against targetAgentID. */
  private supervising(c: Caller, t: AgentRecord): { mp: MpCall; s: Party; tp: Party } {
    const { call, party: s } = (() => {
      try {
        return this.mp.established(c.agent)
      } catch {
        throw new SobotError('CALL_STATE_FORBIDS', 'The supervisor is not connected to a call yet.')
      }
    })()
    const mp = this.mp.state(call)
    const observed = mp.observers.get(s)
    if (observed && observed.uuid !== t.uuid)
      throw new SobotError('CALL_STATE_FORBIDS', `The supervisor observes agent ${observed.agentID}, not ${t.agentID}.`)
    const tp = call.parties.find((p) => p.agent.uuid === t.uuid && p.state === 'established' && !this.mp.isConsulted(p))
    if (!tp) throw new SobotError('CALL_STATE_FORBIDS', `Agent ${t.agentID} is not on this call.`)
    const ws = this.cc.d.core.runtime(t.uuid).workStatus
    if (ws !== 'talking' && ws !== 'conferencing')
      throw new SobotError('CALL_STATE_FORBIDS', `Agent ${t.agentID} is ${ws}: the customer is on hold or in a consult.`)
    return { mp, s, tp }
  }

  bargeIn(c: Caller, p: CommandParams<'bargeIn'>): CommandResult<'bargeIn'> {
    const t = this.args(c, p, 'bargeIn')
    const { mp, s, tp } = this.supervising(c, t)
    const call = mp.call
    const role = nextDNRole(s.role, 'bargein')
    const others = this.mp.talkingAgents(mp).filter((p) => p !== tp)
    mp.observers.delete(s)
    s.role = role
    s.muted = false
    s.view = { partyRole: 'Supervisor' }
    if (s.leg) call.sw.mute(s.leg, false)
    this.cc.d.core.setWorkStatus(s.agent, 'conference')
    if (this.cc.d.core.runtime(t.uuid).workStatus === 'talking') this.cc.d.core.setWorkStatus(t, 'conference')
    tp.role = DN_TARGET_ROLE.bargein
    this.cc.setCallInfo(call, s)
    this.cc.setCallInfo(call, tp)
    this.mp.emit('EventPartyAdded', call, s, { thirdDN: t.ext, thirdDNRole: DN_TARGET_ROLE.bargein }, c.referenceID)
    this.mp.emit('EventPartyAdded', call, tp, { thirdDN: s.agent.ext, thirdDNRole: role })
    this.mp.partyAdded(mp, others, s.agent.ext, role)
    return {}
  }

  intercept(c: Caller, p: CommandParams<'intercept'>): CommandResult<'intercept'> {
    const t = this.args(c, p, 'intercept')
    const { mp, s, tp } = this.supervising(c, t)
    const call = mp.call
    const role = nextDNRole(s.role, 'intercept')
    mp.observers.delete(s)
    s.role = role
    s.muted = false
    s.view = { partyRole: 'Supervisor' }
    if (s.leg) call.sw.mute(s.leg, false)
    tp.role = DN_TARGET_ROLE.intercept
    call.referenceID = c.referenceID
    this.mp.releaseTalker(call, tp, { releaseCause: 'intercepted', thirdDN: s.agent.ext, thirdDNRole: role })
    // The supervisor talks to the customer now (or stays in the conference that remains).
    const two = this.mp.talkers(mp) <= 2
    if (two) this.cc.d.core.setWorkStatus(s.agent, 'establish')
    else if (this.cc.d.core.runtime(s.agent.uuid).workStatus === 'monitoring') this.cc.d.core.setWorkStatus(s.agent, 'conference')
    this.cc.setCallInfo(call, s)
    this.mp.emit('EventPartyChanged', call, s, { thirdDN: t.ext, thirdDNRole: DN_TARGET_ROLE.intercept }, c.referenceID)
    for (const p of this.mp.talkingAgents(mp)) {
      if (p === s) continue
      if (two && this.cc.d.core.runtime(p.agent.uuid).workStatus === 'conferencing') this.cc.d.core.setWorkStatus(p.agent, 'establish')
      this.mp.emit('EventPartyDeleted', call, p, { thirdDN: t.ext, thirdDNRole: 'DeletedParty' })
    }
    return {}
  }
}
