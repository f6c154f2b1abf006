import pg from 'pg'
import type { Db, Queryable } from './db'

/** bigint (int8) as a JavaScript number, as PGlite returns it: the store keeps millisecond times in bigint. */
const INT8_OID = 20
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v)
    return pg.types.getTypeParser(oid, format as 'text')
  },
}

/** The production backend: a PostgreSQL server reached through a connection pool. */
export async function openPostgres(connectionString: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString, types: typeParsers as pg.CustomTypesConfig, max: 10 })
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  // Fail at start, with the server's message, rather than at the first request.
  const probe = await pool.connect()
  probe.release()
  const on = (c: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await c.query(sql, params as unknown[])).rows as T[]
    },
  })
  let closed = false
  return {
    backend: 'postgres',
    query: on(pool).query,
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await fn(on(client))
        await client.query('COMMIT')
        return result
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      } finally {
        client.release()
      }
    },
    async close() {
      if (closed) return
      closed = true
      await pool.end()
    },
  }
}
