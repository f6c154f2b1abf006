import { PGlite, types } from '@electric-sql/pglite'
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'
import type { Db, Queryable } from './db'

/**
 * The embedded backend: PGlite keeps a real PostgreSQL (WebAssembly, single user) in
 * `<dataDir>/pglite`. Only one process may open a data folder at a time, which a lock file
 * (`<dataDir>/pglite.lock`, holding the owner's pid) enforces: a second server on the same folder
 * fails to start with a clear message instead of corrupting it.
 */
export async function openPglite(dataDir: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true })
  const release = takeLock(path.join(dataDir, 'pglite.lock'))
  let pg: PGlite
  try {
    pg = await PGlite.create({
      dataDir: path.join(dataDir, 'pglite'),
      // bigint columns hold millisecond times and counts: numbers, as the pg backend returns them.
      parsers: { [types.INT8]: (v: string) => Number(v) },
    })
  } catch (err) {
    release()
    throw err
  }
  const asQueryable = (q: { query: PGlite['query'] }): Queryable => ({
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return (await q.query<T>(sql, params as unknown[])).rows
    },
  })
  const base = asQueryable(pg)
  let closed = false
  return {
    backend: 'pglite',
    query: base.query,
    transaction(fn) {
      return pg.transaction((tx) => fn(asQueryable(tx)))
    },
    async close() {
      if (closed) return
      closed = true
      try {
        await pg.close()
      } finally {
        release()
      }
    },
  }
}

function takeLock(file: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => rmSync(file, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number(readFileSync(file, 'utf8').trim())
      if (pid && pid !== process.pid && alive(pid)) {
        throw new Error(`The data folder ${path.dirname(file)} is in use by process ${pid}; stop it or choose another DATA_DIR.`)
      }
      if (pid === process.pid) throw new Error(`The data folder ${path.dirname(file)} is already open in this process.`)
      rmSync(file, { force: true }) // left behind by a process that died
    }
  }
  throw new Error(`Could not lock ${file}.`)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
