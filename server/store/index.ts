import { Directory } from '../acd/directory'
import { CallRecords } from './calls'
import { ConfigStore } from './config'
import { openDb, type Db } from './db'
import { GreetingStore, RecordingStore } from './media'
import { migrate } from './migrations'
import { WebhookOutbox } from './outbox'
import { seedDemo } from './seed'
import { RoutingConfigStore } from './routingConfig'

/**
 * Persistence of the contact center, behind one async interface (Db) with two backends running the
 * same SQL: embedded PGlite in the data folder by default, PostgreSQL when a database URL is given.
 */
export interface Store {
  readonly db: Db
  readonly dataDir: string
  /** The Directory's persistence: load at start, then every configuration change. */
  readonly config: ConfigStore
  /** The call history, written by the call control. */
  readonly calls: CallRecords
  readonly recordings: RecordingStore
  readonly greetings: GreetingStore
  /** Call events waiting for delivery (see server/webhooks). */
  readonly outbox: WebhookOutbox
  /** The routing engine's settings: business hours, outbound display schemes, agents' outbound routes. */
  readonly routing: RoutingConfigStore
  close(): Promise<void>
}

export interface OpenStoreOptions {
  dataDir: string
  /** postgres://… ; absent: the embedded database in dataDir. */
  databaseUrl?: string
  /** The in-memory Directory to load into (the server's). */
  dir?: Directory
  /** Fills an empty database on its first start; the demo company by default. */
  seed?: (dir: Directory) => void
  now?: () => number
}

/** Opens the database, applies the migrations, seeds an empty database, and loads the Directory. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const db = await openDb({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl })
  const now = opts.now ?? Date.now
  try {
    await migrate(db)
    const config = new ConfigStore(db, opts.dir ?? new Directory(), now)
    const seed = new Directory()
    ;(opts.seed ?? seedDemo)(seed)
    await config.seedIfEmpty(seed)
    const routing = new RoutingConfigStore(db, now)
    await routing.load()
    let closed = false
    return {
      db,
      dataDir: opts.dataDir,
      config,
      calls: new CallRecords(db, now),
      recordings: new RecordingStore(db, opts.dataDir, now),
      greetings: new GreetingStore(db, opts.dataDir, now),
      outbox: new WebhookOutbox(db),
      routing,
      async close() {
        if (closed) return
        closed = true
        await config.idle()
        await routing.idle()
        await db.close()
      },
    }
  } catch (err) {
    await db.close().catch(() => {})
    throw err
  }
}

export type { Db } from './db'
export type { CallRecord, CallFilter, NewCallRecord, CallRecordPatch } from './calls'
export type { Recording, Greeting } from './media'
export type { OutboxEntry } from './outbox'
