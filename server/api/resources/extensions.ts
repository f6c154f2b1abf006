import { ApiError } from '../result'
import { route, type Resource } from '../route'
import { paging, Str, Type } from '../schema'
import { listData } from '../util'
import { EXT } from './agents'

/** Extensions: the numbers agents' phones register with; an agent is bound to one (its `ext`). */
export const extensions: Resource = {
  title: 'Extensions',
  routes: [
    route({
      method: 'GET',
      path: '/extension',
      summary: 'list, with the agent bound to each',
      answer: '`data.extensions` (`ext`, `agent_id`)',
      query: Type.Object(paging()),
      async handler({ ctx, company: c, query }) {
        const rows = ctx.dir.companyExtensions(c.id).map((ext) => ({ ext, agent_id: ctx.dir.extensionOwner(c.id, ext)?.uuid ?? '' }))
        const data = listData('extensions', rows, { page: query.page ?? 1, limit: query.limit ?? 50 })
        return { r: 0, message: 'Load extension(s) success', project: c.projectId, data }
      },
    }),
    route({
      method: 'POST',
      path: '/extension',
      summary: 'add an extension',
      answer: '`Create extension success`, `ext`',
      body: Type.Object({ ext: Str({ max: 10, pattern: EXT }) }),
      async handler({ ctx, company: c, body }) {
        if (ctx.dir.hasExtension(c.id, body.ext)) throw new ApiError('ALREADY_EXISTS', `Extension ${body.ext} already exists.`)
        await ctx.store.config.addExtension(c.id, body.ext)
        return { r: 0, project: c.projectId, ext: body.ext, message: 'Create extension success' }
      },
    }),
    route({
      method: 'DELETE',
      path: '/extension/:id',
      idName: 'EXT',
      summary: 'remove (not while bound to an agent)',
      answer: '`Delete extension success`',
      async handler({ ctx, company: c, id: ext }) {
        if (!ctx.dir.hasExtension(c.id, ext)) throw new ApiError('NOT_FOUND', `No extension ${ext} in this project.`)
        const owner = ctx.dir.extensionOwner(c.id, ext)
        if (owner) throw new ApiError('IN_USE', `Extension ${ext} is bound to agent ${owner.uuid}.`)
        await ctx.store.config.removeExtension(c.id, ext)
        return { r: 0, project: c.projectId, message: 'Delete extension success' }
      },
    }),
  ],
}
