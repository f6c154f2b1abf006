import type { Company, NumberRecord } from '../../acd/directory'
import { newId } from '../../store/ids'
import type { ApiContext } from '../index'
import { ApiError } from '../result'
import { crud, owned, ref } from '../route'
import { Bool, Clearable, PHONE_NUMBER, Str, Type, type Static } from '../schema'
import { account, bit } from '../util'

const opt = Type.Optional
const CREATE = Type.Object({
  number: Str({ max: 21, pattern: PHONE_NUMBER, description: 'unique across the server' }),
  nickname: opt(Clearable({ max: 128, default: '' })),
  allow_outbound_calls: opt(Bool({ default: true })),
  enable_ivr: opt(Bool({ default: false })),
  record_outbound_calls: opt(Bool({ default: false })),
  ivr_menu: opt(Clearable({ max: 128, description: 'an IVR tree id: required when `enable_ivr`' })),
  queue_id: opt(Clearable({ max: 128, description: 'required when not `enable_ivr`' })),
})
const UPDATE = Type.Partial(CREATE)

function apply(ctx: ApiContext, c: Company, n: NumberRecord, b: Partial<Static<typeof CREATE>>): NumberRecord {
  const next = { ...n }
  if (b.number !== undefined) next.number = b.number
  if (b.nickname !== undefined) next.nickname = b.nickname ?? ''
  next.allowOutboundCalls = b.allow_outbound_calls ?? next.allowOutboundCalls
  next.enableIvr = b.enable_ivr ?? next.enableIvr
  next.recordOutboundCalls = b.record_outbound_calls ?? next.recordOutboundCalls
  if (b.ivr_menu !== undefined)
    next.ivrTreeId = b.ivr_menu === null ? null : ref(ctx.dir.ivrTrees, c, 'ivr_menu', b.ivr_menu, 'IVR tree').id
  if (b.queue_id !== undefined) next.queueId = b.queue_id === null ? null : ref(ctx.dir.queues, c, 'queue_id', b.queue_id, 'queue').id
  if (next.enableIvr && !next.ivrTreeId) throw new ApiError('MISSING_FIELD', 'ivr_menu is required when enable_ivr is true.')
  if (!next.enableIvr && !next.queueId) throw new ApiError('MISSING_FIELD', 'queue_id is required when enable_ivr is false.')
  const taken = ctx.dir.numberByDigits(next.number)
  if (taken && taken.id !== next.id) throw new ApiError('ALREADY_EXISTS', `Number ${next.number} is already configured.`)
  return next
}

/** Contact center numbers: inbound calls go to the number's IVR tree when `enable_ivr`, else to its queue. */
export const numbers = crud<NumberRecord, typeof CREATE, typeof UPDATE>({
  title: 'Numbers',
  path: '/number',
  idName: 'NUMBER_ID',
  noun: 'number',
  label: 'number',
  idField: 'numberID',
  listField: 'numbers',
  id: (n) => n.id,
  find: (ctx, c, id) => owned(ctx.dir.numbers, c, id),
  row: (_ctx, c, n) => ({
    id: n.id,
    account: account(c),
    project: c.projectId,
    number: n.number,
    nickname: n.nickname,
    allow_outbound_calls: bit(n.allowOutboundCalls),
    enable_ivr: bit(n.enableIvr),
    ivr_menu: n.ivrTreeId ?? '',
    queue_id: n.queueId ?? '',
    record_outbound_calls: bit(n.recordOutboundCalls),
  }),
  create: {
    body: CREATE,
    run({ ctx, company: c, body }) {
      const blank: NumberRecord = {
        id: newId('NU'),
        companyId: c.id,
        number: '',
        nickname: '',
        allowOutboundCalls: true,
        enableIvr: false,
        ivrTreeId: null,
        queueId: null,
        recordOutboundCalls: false,
      }
      return ctx.store.config.saveNumber(apply(ctx, c, blank, body))
    },
  },
  list: { items: ({ ctx, company }) => [...ctx.dir.numbers.values()].filter((n) => n.companyId === company.id) },
  get: {},
  update: {
    body: UPDATE,
    async run({ ctx, company, body }, n) {
      await ctx.store.config.saveNumber(apply(ctx, company, n, body))
    },
  },
  remove: { run: ({ ctx }, n) => ctx.store.config.deleteNumber(n.id) },
})
