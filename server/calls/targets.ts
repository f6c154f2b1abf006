import { SobotError, type TargetType } from 'sobot-call-sdk/protocol'
import type { AgentRecord, SkillGroup } from '../acd/directory'
import type { CallContext } from './CallControl'
import { TRUNK_USER } from './phones'

/** Where a SIP leg is dialled: an AOR, and the number when the AOR is the trunk. */
export interface Dial {
  aor: string
  toUser?: string
}

/**
 * What a transfer, a consult or an added participant reaches:
 *  - an agent (targetType 0, or an extension an agent is logged in on): a CTI party with events;
 *  - a third-party number (1), through the telephone network's trunk;
 *  - an extension (2) nobody is logged in on whose desk phone is registered: rung, no events;
 *  - a skill group (3, transfers only): the customer waits in its queue again.
 */
export type Target =
  | { kind: 'agent'; dn: string; agent: AgentRecord; dial: Dial }
  | { kind: 'number' | 'extension'; dn: string; dial: Dial }
  | { kind: 'queue'; dn: string; queue: SkillGroup }

/**
 * Resolves a target for `by` (who transfers or consults), with the named errors: TARGET_NOT_FOUND,
 * EXTENSION_NOT_FOUND, TARGET_IS_SELF, TARGET_OFFLINE (logged out, or its phone cannot be reached),
 * TARGET_BUSY (not ready: on a call, in after-call work or DND).
 */
export function resolveTarget(cc: CallContext, by: AgentRecord, targetType: TargetType, target: string, agentType: '0' | '1'): Target {
  const { dir, phones } = cc.d
  switch (targetType) {
    case '0': {
      const a = dir.findAgent(by.companyId, target, agentType)
      if (!a) throw new SobotError('TARGET_NOT_FOUND', `No agent ${target} (${agentType === '1' ? 'id' : 'work number'}) in this company.`)
      return agentTarget(cc, by, a)
    }
    case '1': {
      if (!phones.registered(TRUNK_USER)) throw new SobotError('TARGET_OFFLINE', 'The telephone network cannot be reached.')
      return { kind: 'number', dn: target, dial: { aor: TRUNK_USER, toUser: target } }
    }
    case '2': {
      if (!dir.hasExtension(by.companyId, target)) throw new SobotError('EXTENSION_NOT_FOUND', `Extension ${target} does not exist.`)
      const owner = dir.extensionOwner(by.companyId, target)
      if (owner && owner.uuid === by.uuid) throw new SobotError('TARGET_IS_SELF', `Extension ${target} is the agent's own.`)
      if (owner && cc.d.core.runtime(owner.uuid).agentState !== 0) return agentTarget(cc, by, owner)
      // Nobody logged in on it: its desk phone, if registered.
      const aor = owner ? phones.sipUser(owner) : undefined
      if (!aor || !phones.registered(aor))
        throw new SobotError('TARGET_OFFLINE', `Nobody is logged in on extension ${target} and no phone is registered on it.`)
      return { kind: 'extension', dn: target, dial: { aor } }
    }
    case '3': {
      const q = dir.queues.get(target)
      if (!q || q.companyId !== by.companyId) throw new SobotError('TARGET_NOT_FOUND', `No skill group ${target} in this company.`)
      return { kind: 'queue', dn: q.id, queue: q }
    }
  }
}

function agentTarget(cc: CallContext, by: AgentRecord, a: AgentRecord): Target {
  if (a.uuid === by.uuid) throw new SobotError('TARGET_IS_SELF')
  const rt = cc.d.core.runtime(a.uuid)
  if (rt.agentState === 0) throw new SobotError('TARGET_OFFLINE', `Agent ${a.agentID} is offline.`)
  if (rt.workStatus !== 'ready') throw new SobotError('TARGET_BUSY', `Agent ${a.agentID} is ${rt.workStatus}, not ready.`)
  const dial = cc.d.phones.target(a, rt)
  if (!dial || !cc.d.phones.reachable(a, rt))
    throw new SobotError('TARGET_OFFLINE', `Agent ${a.agentID}'s ${rt.phoneType} phone cannot be reached.`)
  return { kind: 'agent', dn: a.ext, agent: a, dial }
}
