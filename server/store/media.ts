import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Db } from './db'

/** A call's recording: a file under `<dataDir>/recordings`, described by a row. */
export interface Recording {
  callId: string
  companyId: string
  /** Relative to the data folder. */
  path: string
  /** Absolute. */
  file: string
  format: string
  bytes: number
  durationMs: number
  createdAt: number
}

/** Call ids become file names: anything but letters, digits, `.`, `_` and `-` is replaced. */
function safeName(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_')
  return cleaned.slice(0, 200) || '_'
}

/**
 * Recordings. The call control either hands over the bytes (`save`) or writes the file itself at
 * `pathFor()` and then calls `register()`. Either way the call record is marked recorded and points
 * at the file; `delete()` undoes all three.
 */
export class RecordingStore {
  constructor(
    private readonly db: Db,
    readonly dataDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Where the recording of a call lives (relative to the data folder, and absolute). */
  pathFor(companyId: string, callId: string, format = 'wav'): { path: string; file: string } {
    const rel = path.join('recordings', safeName(companyId), `${safeName(callId)}.${safeName(format)}`)
    return { path: rel, file: path.join(this.dataDir, rel) }
  }

  async save(companyId: string, callId: string, data: Uint8Array, opts: { format?: string; durationMs?: number } = {}): Promise<Recording> {
    const format = opts.format ?? 'wav'
    const { file } = this.pathFor(companyId, callId, format)
    await mkdir(path.dirname(file), { recursive: true })
    const tmp = `${file}.${process.pid}.tmp`
    await writeFile(tmp, data)
    await rename(tmp, file)
    return this.register(companyId, callId, { format, durationMs: opts.durationMs })
  }

  /** Records the file already written at pathFor(companyId, callId, format). */
  async register(companyId: string, callId: string, opts: { format?: string; durationMs?: number } = {}): Promise<Recording> {
    const format = opts.format ?? 'wav'
    const { path: rel, file } = this.pathFor(companyId, callId, format)
    const { size } = await stat(file)
    const now = this.now()
    await this.db.transaction(async (tx) => {
      await tx.query(
        `insert into recordings (call_id, company_id, path, format, bytes, duration_ms, created_at) values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (call_id) do update set path = excluded.path, format = excluded.format, bytes = excluded.bytes,
           duration_ms = excluded.duration_ms, created_at = excluded.created_at`,
        [callId, companyId, rel, format, size, opts.durationMs ?? 0, now],
      )
      await tx.query('update call_records set recorded = true, recording_path = $3, updated_at = $4 where company_id = $1 and id = $2', [
        companyId,
        callId,
        rel,
        now,
      ])
    })
    return (await this.get(companyId, callId))!
  }

  async get(companyId: string, callId: string): Promise<Recording | undefined> {
    const rows = await this.db.query<Record<string, unknown>>('select * from recordings where company_id = $1 and call_id = $2', [
      companyId,
      callId,
    ])
    const r = rows[0]
    if (!r) return undefined
    return {
      callId: r.call_id as string,
      companyId: r.company_id as string,
      path: r.path as string,
      file: path.join(this.dataDir, r.path as string),
      format: r.format as string,
      bytes: Number(r.bytes),
      durationMs: Number(r.duration_ms),
      createdAt: Number(r.created_at),
    }
  }

  /** Removes the recording's row and file and unmarks the call; false when there was none. */
  async delete(companyId: string, callId: string): Promise<boolean> {
    const rec = await this.get(companyId, callId)
    if (!rec) return false
    await this.db.transaction(async (tx) => {
      await tx.query('delete from recordings where company_id = $1 and call_id = $2', [companyId, callId])
      await tx.query('update call_records set recorded = false, recording_path = null, updated_at = $3 where company_id = $1 and id = $2', [
        companyId,
        callId,
        this.now(),
      ])
    })
    await rm(rec.file, { force: true })
    return true
  }
}

/** An uploaded greeting: 8 kHz mono PCM16 WAV under `<dataDir>/greetings/<company>/<filename>`. */
export interface Greeting {
  /** Stringee's fileSid. */
  id: string
  companyId: string
  /** The name queues and IVR nodes refer to it by (wait_greeting, hold_greeting, node_play_content). */
  filename: string
  description: string
  originalName: string
  sampleRate: number
  channels: number
  bytes: number
  durationMs: number
  createdAt: number
}

export class GreetingStore {
  constructor(
    private readonly db: Db,
    readonly dataDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The greeting's file on disk. */
  fileOf(g: Pick<Greeting, 'companyId' | 'filename'>): string {
    return path.join(this.dataDir, 'greetings', safeName(g.companyId), safeName(g.filename))
  }

  async save(g: Omit<Greeting, 'bytes' | 'createdAt'>, wav: Uint8Array): Promise<Greeting> {
    const file = this.fileOf(g)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, wav)
    const full: Greeting = { ...g, bytes: wav.byteLength, createdAt: this.now() }
    try {
      await this.db.query(
        `insert into greetings (id, company_id, filename, description, original_name, sample_rate, channels, bytes, duration_ms, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          full.id,
          full.companyId,
          full.filename,
          full.description,
          full.originalName,
          full.sampleRate,
          full.channels,
          full.bytes,
          full.durationMs,
          full.createdAt,
        ],
      )
    } catch (err) {
      await rm(file, { force: true })
      throw err
    }
    return full
  }

  async list(companyId: string, page: number, limit: number): Promise<{ total: number; rows: Greeting[] }> {
    const [{ n }] = (await this.db.query<{ n: number }>('select count(*) as n from greetings where company_id = $1', [companyId])) as [
      { n: number },
    ]
    const rows = await this.db.query<Record<string, unknown>>(
      'select * from greetings where company_id = $1 order by created_at, id limit $2 offset $3',
      [companyId, limit, (page - 1) * limit],
    )
    return { total: Number(n), rows: rows.map(greetingFromRow) }
  }

  /** By fileSid or by filename. */
  async get(companyId: string, idOrFilename: string): Promise<Greeting | undefined> {
    const rows = await this.db.query<Record<string, unknown>>(
      'select * from greetings where company_id = $1 and (id = $2 or filename = $2)',
      [companyId, idOrFilename],
    )
    return rows[0] ? greetingFromRow(rows[0]) : undefined
  }

  async delete(companyId: string, id: string): Promise<boolean> {
    const g = await this.get(companyId, id)
    if (!g) return false
    await this.db.query('delete from greetings where company_id = $1 and id = $2', [companyId, g.id])
    await rm(this.fileOf(g), { force: true })
    return true
  }
}

function greetingFromRow(r: Record<string, unknown>): Greeting {
  return {
    id: r.id as string,
    companyId: r.company_id as string,
    filename: r.filename as string,
    description: r.description as string,
    originalName: r.original_name as string,
    sampleRate: Number(r.sample_rate),
    channels: Number(r.channels),
    bytes: Number(r.bytes),
    durationMs: Number(r.duration_ms),
    createdAt: Number(r.created_at),
  }
}
