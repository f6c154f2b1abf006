/**
 * The one small async interface every part of the store talks to. Two backends implement it and run
 * the same SQL (PostgreSQL's dialect, `$1` parameters):
 *
 *   - PGlite (server/store/pglite.ts): PostgreSQL compiled to WebAssembly, embedded in the process,
 *     its files in `<dataDir>/pglite`. The default: needs nothing beyond `npm install`.
 *   - PostgreSQL (server/store/postgres.ts) through `pg`, when DATABASE_URL is set.
 *
 * Rules that keep the SQL portable between them: times are `bigint` milliseconds since the epoch
 * (both backends return them as JavaScript numbers), JSON goes in as a string cast with `::jsonb`,
 * and nothing depends on connection state outside `transaction()`.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>
}

export interface Db extends Queryable {
  readonly backend: 'pglite' | 'postgres'
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** PostgreSQL's SQLSTATE codes the store turns into meaningful errors. */
export const PG_UNIQUE_VIOLATION = '23505'
export const PG_FOREIGN_KEY_VIOLATION = '23503'

export function pgErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

export interface OpenDbOptions {
  /** postgres://… : use that server. Otherwise the embedded database in `dataDir`. */
  databaseUrl?: string
  dataDir: string
}

export async function openDb(opts: OpenDbOptions): Promise<Db> {
  if (opts.databaseUrl) {
    const { openPostgres } = await import('./postgres')
    return openPostgres(opts.databaseUrl)
  }
  const { openPglite } = await import('./pglite')
  return openPglite(opts.dataDir)
}
