import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Company } from '../acd/directory'
import type { ApiContext } from './index'
import { ApiError } from './result'
import { paging, Type, type Static, type TObject } from './schema'
import { listData } from './util'

/**
 * A REST route as data: its method, path and schemas (validation, types and docs come from them, see
 * schema.ts) and the handler. Every resource file exports its routes; index.ts registers them all and
 * scripts/gen-docs.ts documents them all, so a route cannot exist without its docs.
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** What a handler receives: the caller's company and the request's parts, validated and typed. */
export interface Call<B = unknown, Q = unknown> {
  ctx: ApiContext
  company: Company
  body: B
  query: Q
  /** The path's `:id`, when it has one. */
  id: string
  req: FastifyRequest
  reply: FastifyReply
}

export interface Route {
  method: Method
  /** Under /v1, in fastify's syntax (`:id` for an item's id). */
  path: string
  /** How the docs name `:id` (`QUEUE_ID`). */
  idName?: string
  /** What the route does, for the docs. */
  summary: string
  /** The success answer: its `message` and other fields, for the docs. */
  answer?: string
  body?: TObject
  query?: TObject
  /** The body's fields may be given in the query too (Stringee's DELETE with parameters). */
  bodyInQuery?: boolean
  handler(call: Call<never, never>): Promise<unknown>
}

/** A route with its handler typed from its schemas. */
export function route<B extends TObject = TObject, Q extends TObject = TObject>(
  r: Omit<Route, 'body' | 'query' | 'handler'> & { body?: B; query?: Q; handler(call: Call<Static<B>, Static<Q>>): Promise<unknown> },
): Route {
  return r as Route
}

/** One file's routes and the docs' heading for them. */
export interface Resource {
  title: string
  routes: Route[]
}

/** An item of the company in `map`, or undefined (another company's items do not exist for the caller). */
export function owned<T extends { companyId: string }>(map: ReadonlyMap<string, T>, c: Company, id: string): T | undefined {
  const x = map.get(id)
  return x && x.companyId === c.id ? x : undefined
}

/** A reference in a request (queue_id, group_id, ...): must name an item of the caller's company. */
export function ref<T extends { companyId: string }>(map: ReadonlyMap<string, T>, c: Company, field: string, id: string, what: string): T {
  const x = owned(map, c, id)
  if (!x) throw new ApiError('NOT_FOUND', `${field}: no ${what} ${id} in this project.`)
  return x
}

// --- the CRUD routes of a resource ------------------------------------------------------------------

type Ops = 'create' | 'list' | 'get' | 'update' | 'remove'

export interface Crud<R, C extends TObject, U extends TObject, L extends TObject> {
  title: string
  /** `/queue`: POST and GET on it, GET, PUT and DELETE on `/queue/:id`. */
  path: string
  idName: string
  /** The item in messages: `No queue QU_X in this project.` */
  noun: string
  /** The success messages, Stringee's: `Create queue success`, `Load queue(s) success`, ... from `label` unless given. */
  label: string
  messages?: Partial<Record<Ops, string>>
  /** The id's field in the create answer (`queueID`). */
  idField: string
  /** The list's field (`queues`), and Stringee's other name for its count (`totalQueues`). */
  listField: string
  totalAlias?: string
  id(r: R): string
  find(ctx: ApiContext, c: Company, id: string): R | undefined
  row(ctx: ApiContext, c: Company, r: R): Record<string, unknown>
  create?: { body: C; summary?: string; run(call: Call<Static<C>>): Promise<R | { item: R; answer: Record<string, unknown> }> }
  list?: { query?: L; summary?: string; items(call: Call<unknown, Static<L>>): R[] }
  /** GET of one item; `more` adds fields to its row. */
  get?: { more?(ctx: ApiContext, c: Company, r: R): Record<string, unknown> }
  update?: { body: U; summary?: string; run(call: Call<Static<U>>, r: R): Promise<void> }
  remove?: { summary?: string; run(call: Call, r: R): Promise<void> }
}

/** The routes of a resource that the Stringee documents shape alike. */
export function crud<R, C extends TObject = TObject, U extends TObject = TObject, L extends TObject = TObject>(
  spec: Crud<R, C, U, L>,
): Resource {
  const msg = (op: Ops): string =>
    spec.messages?.[op] ??
    {
      create: `Create ${spec.label} success`,
      list: `Load ${spec.label}(s) success`,
      get: `Load ${spec.label} success`,
      update: `Update ${spec.label} success`,
      remove: `Delete ${spec.label} success`,
    }[op]
  const item = (call: Call): R => {
    const r = spec.find(call.ctx, call.company, call.id)
    if (!r) throw new ApiError('NOT_FOUND', `No ${spec.noun} ${call.id} in this project.`)
    return r
  }
  const one = `${spec.path}/:id`
  const routes: Route[] = []
  const { create, list, get, update, remove } = spec
  if (create)
    routes.push(
      route({
        method: 'POST',
        path: spec.path,
        summary: create.summary ?? `create ${/^[aeiou]/i.test(spec.noun) ? 'an' : 'a'} ${spec.noun}`,
        answer: `\`${msg('create')}\`, \`${spec.idField}\``,
        body: create.body,
        async handler(call) {
          const made = await create.run(call as Call<Static<C>>)
          const [r, answer] = made && typeof made === 'object' && 'item' in made ? [made.item, made.answer] : [made as R, {}]
          return { r: 0, project: call.company.projectId, [spec.idField]: spec.id(r), message: msg('create'), ...answer }
        },
      }),
    )
  if (list) {
    const query = Type.Object({ ...(list.query?.properties ?? {}), ...paging() })
    routes.push(
      route({
        method: 'GET',
        path: spec.path,
        summary: list.summary ?? 'list (page, limit)',
        answer: `\`${msg('list')}\`, \`data.${spec.listField}\``,
        query,
        async handler(call) {
          const c = call.company
          const rows = list.items(call as Call<unknown, Static<L>>).map((r) => spec.row(call.ctx, c, r))
          const data = listData(spec.listField, rows, { page: call.query.page ?? 1, limit: call.query.limit ?? 50 })
          return {
            r: 0,
            message: msg('list'),
            project: c.projectId,
            data: spec.totalAlias ? { ...data, [spec.totalAlias]: data.totalCount } : data,
          }
        },
      }),
    )
  }
  if (get)
    routes.push(
      route({
        method: 'GET',
        path: one,
        idName: spec.idName,
        summary: `one ${spec.noun}`,
        answer: '`data`',
        async handler(call) {
          const r = item(call)
          const c = call.company
          return { r: 0, message: msg('get'), project: c.projectId, data: { ...spec.row(call.ctx, c, r), ...get.more?.(call.ctx, c, r) } }
        },
      }),
    )
  if (update)
    routes.push(
      route({
        method: 'PUT',
        path: one,
        idName: spec.idName,
        summary: update.summary ?? 'change the fields given',
        answer: `\`${msg('update')}\``,
        body: update.body,
        async handler(call) {
          await update.run(call as Call<Static<U>>, item(call))
          return { r: 0, project: call.company.projectId, message: msg('update') }
        },
      }),
    )
  if (remove)
    routes.push(
      route({
        method: 'DELETE',
        path: one,
        idName: spec.idName,
        summary: remove.summary ?? 'delete',
        answer: `\`${msg('remove')}\``,
        async handler(call) {
          await remove.run(call, item(call))
          return { r: 0, project: call.company.projectId, message: msg('remove') }
        },
      }),
    )
  return { title: spec.title, routes }
}
