import { SobotError } from '../errors'

/** DNRole as the spec numbers it. On the wire roles travel as names; numbers are accepted too. */
export const DN_ROLES = [
  'Unknown',
  'Origination',
  'Destination',
  'AddedBy',
  'NewParty',
  'DeletedBy',
  'DeletedParty',
  'ObserveBy',
  'TransferBy',
  'ConsultBy',
  'BargeinBy',
  'BargeinTo',
  'InterceptTo',
  'TransferTo',
  'ObserveTo',
  'InterceptBy',
  'ConferenceBy',
] as const
export type DNRole = (typeof DN_ROLES)[number]

export function dnRoleCode(role: DNRole): number {
  return DN_ROLES.indexOf(role)
}

/** Accepts a role name or its number (as number or numeric string); anything else is Unknown. */
export function parseDNRole(v: unknown): DNRole {
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v.trim()))) return DN_ROLES[Number(v)] ?? 'Unknown'
  if (typeof v === 'string') return (DN_ROLES as readonly string[]).includes(v.trim()) ? (v.trim() as DNRole) : 'Unknown'
  return 'Unknown'
}

/**
 * How a party's role changes when a multi-party operation involves it. `by` is the role of the party
 * that performs the operation, `to` the role of the party it acts on (`done` ends the operation and
 * gives the role back to the party's plain call role). An operation a role cannot perform is absent.
 *
 * Origination/Destination/TransferTo (a party in a plain two-party call) may consult, transfer,
 * conference; a consulting party (ConsultBy) may transfer or conference; a supervisor that observes
 * (ObserveBy) may barge in or intercept, and nothing else; a supervisor that barged in may intercept
 * and, like the agent it barged in on, handle the call as usual. Observing is silent: the observed
 * agent's role does not change (ObserveTo names it in the supervisor's events only).
 */
export type DNOperation = 'consult' | 'transfer' | 'conference' | 'observe' | 'bargein' | 'intercept' | 'delete'

const PLAIN: Partial<Record<DNOperation, DNRole>> = {
  consult: 'ConsultBy',
  transfer: 'TransferBy',
  conference: 'ConferenceBy',
  delete: 'DeletedBy',
}

export const DN_ROLE_TABLE: Readonly<Partial<Record<DNRole, Partial<Record<DNOperation, DNRole>>>>> = {
  Unknown: { observe: 'ObserveBy' },
  Origination: PLAIN,
  Destination: PLAIN,
  TransferTo: PLAIN,
  InterceptBy: PLAIN,
  NewParty: { conference: 'ConferenceBy', transfer: 'TransferBy', consult: 'ConsultBy' },
  ConsultBy: { transfer: 'TransferBy', conference: 'ConferenceBy' },
  ConferenceBy: { delete: 'DeletedBy', consult: 'ConsultBy', transfer: 'TransferBy' },
  AddedBy: { delete: 'DeletedBy', consult: 'ConsultBy', transfer: 'TransferBy' },
  // Barge-in makes a conference; once it is down to two again, either side handles the call as usual.
  BargeinTo: PLAIN,
  BargeinBy: { ...PLAIN, intercept: 'InterceptBy' },
  ObserveBy: { bargein: 'BargeinBy', intercept: 'InterceptBy' },
}

/** The role the acted-on party takes. */
export const DN_TARGET_ROLE: Readonly<Record<DNOperation, DNRole>> = {
  consult: 'Destination',
  transfer: 'TransferTo',
  conference: 'NewParty',
  observe: 'ObserveTo',
  bargein: 'BargeinTo',
  intercept: 'InterceptTo',
  delete: 'DeletedParty',
}

export function nextDNRole(from: DNRole, op: DNOperation): DNRole {
  const to = DN_ROLE_TABLE[from]?.[op]
  if (to === undefined) throw new SobotError('CALL_STATE_FORBIDS', `A party in role ${from} cannot ${op}.`)
  return to
}
