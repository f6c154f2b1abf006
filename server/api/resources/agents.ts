import { randomBytes } from 'node:crypto'
import type { AgentRecord, Company } from '../../acd/directory'
import { PHONE_TYPES, type PhoneType } from 'sobot-call-sdk/protocol'
import { newId } from '../../store/ids'
import type { ApiContext } from '../index'
import { ApiError } from '../result'
import { crud, owned } from '../route'
import { Bool, Clearable, IntOf, List, OneOf, PHONE_NUMBER, Str, Type, type Static } from '../schema'
import { account, bit } from '../util'

export const USER_ID: [RegExp, string] = [/^[A-Za-z0-9_.@-]{1,64}$/, 'may hold letters, digits and _ . @ - only.']
export const EXT: [RegExp, string] = [/^[0-9]{2,10}$/, 'must be 2 to 10 digits.']
const opt = Type.Optional
const DEFAULT_PHONE_TYPES: PhoneType[] = ['webrtc', 'sip', 'pstn']

const CREATE = Type.Object({
  name: Str({ max: 128 }),
  stringee_user_id: Str({ max: 64, pattern: USER_ID, description: 'the user id the agent authenticates with' }),
  work_no: opt(
    Str({ max: 64, pattern: USER_ID, 'x-default': '`stringee_user_id`', description: 'the Sobot work number the SDK logs in with' }),
  ),
  manual_status: opt(Str({ max: 64, default: 'AVAILABLE', description: 'stored upper-case; follows the agent state' })),
  routing_type: opt(IntOf([1, 2], { default: 1, description: "1 the app / SIP phone, 2 the agent's `phone_number` (then required)" })),
  phone_number: opt(Clearable({ max: 21, pattern: PHONE_NUMBER })),
  mobile: opt(Clearable({ max: 21, pattern: PHONE_NUMBER, 'x-default': '`phone_number`' })),
  ext: opt(Clearable({ max: 10, pattern: EXT, description: 'an existing extension (`/v1/extension`), not bound to another agent' })),
  phone_types: opt(List(OneOf(PHONE_TYPES), { max: 10, min: 1, default: DEFAULT_PHONE_TYPES })),
  default_phone_type: opt(
    OneOf(PHONE_TYPES, { 'x-default': '`webrtc` if in `phone_types`, else the first', description: 'one of `phone_types`' }),
  ),
  supervisor: opt(Bool({ default: false })),
  sip_password: opt(Str({ max: 64, min: 6, 'x-default': 'random', description: 'never listed' })),
})
const UPDATE = Type.Partial(CREATE)
type Body = Partial<Static<typeof CREATE>>

const loggedIn = (ctx: ApiContext, uuid: string): boolean => ctx.core.runtime(uuid).workStatus !== 'offline'

function agentRow(ctx: ApiContext, c: Company, a: AgentRecord): Record<string, unknown> {
  return {
    id: a.uuid,
    account: account(c),
    project: c.projectId,
    name: a.name,
    stringee_user_id: a.stringeeUserId ?? a.agentID,
    manual_status: a.manualStatus ?? 'AVAILABLE',
    routing_type: a.routingType ?? 1,
    phone_number: a.phoneNumber ?? '',
    system_status: a.systemStatus ?? 0,
    work_no: a.agentID,
    ext: a.ext,
    mobile: a.mobile,
    phone_types: a.phoneTypes,
    default_phone_type: a.defaultPhoneType,
    supervisor: bit(a.supervisor),
    groups: ctx.dir.groups.groupsOf(a.uuid),
  }
}

/** Applies a body's fields to a copy of `a`, checking what depends on other fields and on other agents. */
function apply(ctx: ApiContext, c: Company, a: AgentRecord, b: Body, creating: boolean): AgentRecord {
  const next = { ...a }
  if (b.name !== undefined) next.name = b.name
  if (b.stringee_user_id !== undefined) next.stringeeUserId = b.stringee_user_id
  if (b.work_no !== undefined) next.agentID = b.work_no
  else if (creating) next.agentID = next.stringeeUserId!
  if (b.manual_status !== undefined) next.manualStatus = b.manual_status.toUpperCase()
  if (b.routing_type !== undefined) next.routingType = b.routing_type
  if (b.phone_number !== undefined) next.phoneNumber = b.phone_number ?? ''
  if (b.mobile !== undefined) next.mobile = b.mobile ?? ''
  else if (creating) next.mobile = next.phoneNumber ?? ''
  if (b.ext !== undefined) next.ext = b.ext ?? ''
  if (b.phone_types) next.phoneTypes = b.phone_types
  if (b.default_phone_type !== undefined) next.defaultPhoneType = b.default_phone_type
  if (!next.phoneTypes.includes(next.defaultPhoneType)) {
    if (b.default_phone_type !== undefined) throw new ApiError('INVALID_VALUE', 'default_phone_type must be one of phone_types.')
    next.defaultPhoneType = next.phoneTypes.includes('webrtc') ? 'webrtc' : next.phoneTypes[0]!
  }
  if (b.supervisor !== undefined) next.supervisor = b.supervisor
  if (b.sip_password !== undefined) next.sipPassword = b.sip_password

  if (next.routingType === 2 && !next.phoneNumber) throw new ApiError('MISSING_FIELD', 'phone_number is required when routing_type is 2.')
  for (const other of ctx.dir.companyAgents(c.id)) {
    if (other.uuid === next.uuid) continue
    if ((other.stringeeUserId ?? other.agentID) === next.stringeeUserId)
      throw new ApiError('ALREADY_EXISTS', `stringee_user_id ${next.stringeeUserId} belongs to agent ${other.uuid}.`)
    if (other.agentID === next.agentID) throw new ApiError('ALREADY_EXISTS', `work_no ${next.agentID} belongs to agent ${other.uuid}.`)
  }
  if (next.ext && next.ext !== a.ext) {
    if (!ctx.dir.hasExtension(c.id, next.ext))
      throw new ApiError('NOT_FOUND', `ext: no extension ${next.ext} in this project; create it at /v1/extension.`)
    const owner = ctx.dir.extensionOwner(c.id, next.ext)
    if (owner && owner.uuid !== next.uuid) throw new ApiError('IN_USE', `Extension ${next.ext} is bound to agent ${owner.uuid}.`)
    if (!creating && loggedIn(ctx, a.uuid))
      throw new ApiError('IN_USE', 'The agent is logged in; its extension changes at its next login (bindExt).')
  }
  return next
}

/**
 * Agents (Stringee's PCC API, with this server's fields). The agent's `id` (Stringee's `agentID`) is
 * its id in the SDK (`agentType` "1"); `system_status` (1 logged in) and `manual_status` follow the
 * agent's state as the agent core changes it.
 */
export const agents = crud<AgentRecord, typeof CREATE, typeof UPDATE>({
  title: 'Agents',
  path: '/agent',
  idName: 'AGENT_ID',
  noun: 'agent',
  label: 'agent',
  idField: 'agentID',
  listField: 'agents',
  totalAlias: 'totalAgents',
  id: (a) => a.uuid,
  find: (ctx, c, id) => owned(ctx.dir.agents, c, id),
  row: agentRow,
  create: {
    body: CREATE,
    run({ ctx, company: c, body }) {
      const blank: AgentRecord = {
        uuid: newId('AG'),
        companyId: c.id,
        agentID: '',
        name: '',
        ext: '',
        mobile: '',
        phoneTypes: [...DEFAULT_PHONE_TYPES],
        defaultPhoneType: 'webrtc',
        supervisor: false,
        sipPassword: randomBytes(12).toString('base64url'),
        routingType: 1,
        phoneNumber: '',
        manualStatus: 'AVAILABLE',
        systemStatus: 0,
      }
      return ctx.store.config.saveAgent(apply(ctx, c, blank, body, true))
    },
  },
  list: { items: ({ ctx, company }) => ctx.dir.companyAgents(company.id) },
  get: {},
  update: {
    body: UPDATE,
    async run({ ctx, company, body }, a) {
      await ctx.store.config.saveAgent(apply(ctx, company, a, body, false))
    },
  },
  remove: {
    summary: 'delete (not while logged in)',
    async run({ ctx }, a) {
      if (loggedIn(ctx, a.uuid)) throw new ApiError('IN_USE', `Agent ${a.uuid} is logged in; log it out first (forceLogout).`)
      await ctx.store.config.deleteAgent(a.uuid)
    },
  },
})
