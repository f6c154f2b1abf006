import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { newId } from '../../store/ids'
import type { Greeting } from '../../store/media'
import { ApiError } from '../result'
import { route, type Call, type Resource } from '../route'
import { paging, Str, Type } from '../schema'
import { listData } from '../util'
import { GREETING_RATE, toGreetingWav } from '../wav'

function greetingRow(g: Greeting): Record<string, unknown> {
  return {
    id: g.id,
    fileSid: g.id,
    filename: g.filename,
    desc: g.description,
    original_name: g.originalName,
    sample_rate: g.sampleRate,
    channels: g.channels,
    bytes: g.bytes,
    duration_ms: g.durationMs,
    created: g.createdAt,
  }
}

async function greetingOf({ ctx, company, id }: Call): Promise<Greeting> {
  const g = await ctx.store.greetings.get(company.id, id)
  if (!g) throw new ApiError('NOT_FOUND', 'No such greeting file in this project.')
  return g
}

/** Multipart, not JSON: read here, with the same result codes. */
async function readUpload(req: Call['req'], desc: string): Promise<{ desc: string; name: string; data: Buffer }> {
  if (!req.isMultipart()) throw new ApiError('INVALID_BODY', 'Upload the file as multipart/form-data, in the field file_upload (and desc).')
  let upload: { name: string; data: Buffer } | undefined
  let stray: string | undefined
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const data = await part.toBuffer()
        if (part.fieldname === 'file_upload') upload = { name: (part.filename ?? '').replace(/\u0000/g, ''), data }
        else stray = part.fieldname
      } else if (part.fieldname === 'desc') {
        if (typeof part.value !== 'string') throw new ApiError('INVALID_TYPE', 'desc must be text.')
        if (part.value.length > 255) throw new ApiError('INVALID_VALUE', 'desc must be at most 255 characters.')
        if (part.value.includes('\u0000')) throw new ApiError('INVALID_VALUE', 'desc contains a NUL character.')
        desc = part.value.trim()
      }
    }
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode
    if (err instanceof ApiError || status === 413) throw err
    // A malformed multipart body (no boundary, cut short, ...) is the client's, not a server failure.
    throw new ApiError('INVALID_BODY', `The multipart body could not be read: ${(err as Error).message}`)
  }
  if (!upload)
    throw new ApiError('MISSING_FIELD', stray ? `The file must be in the field file_upload, not ${stray}.` : 'file_upload is required.')
  return { desc, ...upload }
}

/** Greeting files (Stringee's greetingfile API): WAV uploads, kept as what the media plane plays. */
export const greetings: Resource = {
  title: 'Greetings',
  routes: [
    route({
      method: 'POST',
      path: '/greetingfile',
      summary: 'upload a greeting (multipart: `file_upload`, `desc`)',
      answer: '`Upload file success`, `filename`, `fileSid`',
      query: Type.Object({ desc: Type.Optional(Str({ max: 255, description: 'also a multipart field' })) }),
      async handler({ ctx, company: c, query, req }) {
        const upload = await readUpload(req, query.desc ?? '')
        if (upload.data.byteLength === 0) throw new ApiError('UNSUPPORTED_FILE', 'The uploaded file is empty.')
        const { wav, durationMs } = toGreetingWav(upload.data)
        const g = await ctx.store.greetings.save(
          {
            id: newId('', 16),
            companyId: c.id,
            filename: `${newId('', 10)}-${Date.now()}.wav`,
            description: upload.desc,
            originalName: upload.name.slice(0, 255),
            sampleRate: GREETING_RATE,
            channels: 1,
            durationMs,
          },
          wav,
        )
        return { r: 0, project: c.projectId, filename: g.filename, fileSid: g.id, message: 'Upload file success', data: greetingRow(g) }
      },
    }),
    route({
      method: 'GET',
      path: '/greetingfile',
      summary: 'list (metadata)',
      answer: '`Load greeting file(s) success`, `data.files`',
      query: Type.Object(paging()),
      async handler({ ctx, company: c, query }) {
        const p = { page: query.page ?? 1, limit: query.limit ?? 50 }
        const { total, rows } = await ctx.store.greetings.list(c.id, p.page, p.limit)
        return {
          r: 0,
          message: 'Load greeting file(s) success',
          project: c.projectId,
          data: listData('files', { total, rows: rows.map(greetingRow) }, p),
        }
      },
    }),
    route({
      method: 'GET',
      path: '/greetingfile/:id',
      idName: 'FILE_SID',
      summary: 'one (metadata)',
      answer: '`Load greeting file success`, `data`',
      async handler(call) {
        const g = await greetingOf(call)
        return { r: 0, message: 'Load greeting file success', project: call.company.projectId, data: greetingRow(g) }
      },
    }),
    route({
      method: 'GET',
      path: '/greetingfile/:id/file',
      idName: 'FILE_SID',
      summary: 'the stored audio',
      answer: '`audio/wav` bytes',
      async handler(call) {
        const file = call.ctx.store.greetings.fileOf(await greetingOf(call))
        const info = await stat(file).catch(() => undefined)
        if (!info) throw new ApiError('NOT_FOUND', 'The greeting file is missing from the disk.')
        return call.reply.header('content-type', 'audio/wav').header('content-length', String(info.size)).send(createReadStream(file))
      },
    }),
    route({
      method: 'DELETE',
      path: '/greetingfile/:id',
      idName: 'FILE_SID',
      summary: 'delete (unless a queue or node plays it)',
      answer: '`Delete file success`',
      async handler(call) {
        const { ctx, company: c } = call
        const g = await greetingOf(call)
        const queues = [...ctx.dir.queues.values()]
          .filter((q) => q.companyId === c.id && (q.settings?.wait_greeting === g.filename || q.settings?.hold_greeting === g.filename))
          .map((q) => q.id)
        const nodes = [...ctx.dir.ivrNodes.values()]
          .filter((n) => n.companyId === c.id && n.playMode === 'play' && n.playContent === g.filename)
          .map((n) => n.id)
        if (queues.length || nodes.length)
          throw new ApiError('IN_USE', `Greeting ${g.filename} is used by ${[...queues, ...nodes].join(', ')}.`)
        await ctx.store.greetings.delete(c.id, g.id)
        return { r: 0, project: c.projectId, message: 'Delete file success' }
      },
    }),
  ],
}
