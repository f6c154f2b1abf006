import type { Db, Queryable } from './db'

/**
 * The configuration's write-through, once for every table: a table description (its columns, key,
 * how a row becomes a record, and the in-memory collection it keeps) gives the SQL, and a WriteThrough
 * runs the writes one at a time, each in the database first and in memory only once committed. The
 * in-memory copy is what the agent core and the routing engine read synchronously, so it never holds
 * what a restart would lose, and it changes in the database's commit order even on a connection pool.
 */

/** How one column is written from a record. */
export interface Column<R> {
  value(r: R): unknown
  /** jsonb: the value goes in as JSON text cast with ::jsonb (null stays SQL null). */
  json?: boolean
  /** Written when the row is inserted and never changed afterwards (its company, its parent). */
  fixed?: boolean
  /** The SQL of the inserted value given its parameter (`$n`); by default the parameter itself. */
  insert?: (param: string) => string
}

/** Where a table's committed writes land in memory. `key` is the table's key, or a prefix of it for a delete of several rows. */
export interface Memory<R> {
  put(r: R): R
  remove(key: readonly unknown[]): void
}

export interface TableSpec<R, M> {
  table: string
  /** The key's columns, in order. */
  key: readonly string[]
  columns: Record<string, Column<R> | ((r: R) => unknown)>
  /** A time column the store fills with its clock: on insert only (created_at), or on every write (updated_at). */
  stamp?: { column: string; onUpdate: boolean }
  /** The `order by` of a load: the order memory (and the API's lists) holds the rows in. */
  order: string
  /** A row as the driver returns it (the columns above say what it holds). */
  fromRow(row: Record<string, any>): R
  memory(m: M): Memory<R>
}

export class Table<R, M> {
  readonly name: string
  private readonly cols: [string, Column<R>][]
  private readonly upsertSql: string

  constructor(readonly spec: TableSpec<R, M>) {
    this.name = spec.table
    this.cols = Object.entries(spec.columns).map(([name, c]) => [name, typeof c === 'function' ? { value: c } : c])
    const names = this.cols.map(([n]) => n)
    const values = this.cols.map(([, c], i) => {
      const v = c.insert ? c.insert(`$${i + 1}`) : `$${i + 1}`
      return c.json ? `${v}::jsonb` : v
    })
    const updates = this.cols.filter(([n, c]) => !spec.key.includes(n) && !c.fixed).map(([n]) => `${n} = excluded.${n}`)
    if (spec.stamp) {
      names.push(spec.stamp.column)
      values.push(`$${names.length}`)
      if (spec.stamp.onUpdate) updates.push(`${spec.stamp.column} = excluded.${spec.stamp.column}`)
    }
    this.upsertSql =
      `insert into ${this.name} (${names.join(', ')}) values (${values.join(', ')}) on conflict (${spec.key.join(', ')}) ` +
      (updates.length ? `do update set ${updates.join(', ')}` : 'do nothing')
  }

  /** Inserts the record's row, or updates it (all but the key and the fixed columns) when it exists. */
  async write(db: Queryable, r: R, now: number): Promise<void> {
    const params = this.cols.map(([, c]) => {
      const v = c.value(r)
      return c.json ? (v === null || v === undefined ? null : JSON.stringify(v)) : v
    })
    if (this.spec.stamp) params.push(now)
    await db.query(this.upsertSql, params)
  }

  /** Deletes the row with this key, or every row whose key starts with it. */
  async delete(db: Queryable, key: readonly unknown[]): Promise<void> {
    if (!key.length || key.length > this.spec.key.length) throw new Error(`${this.name}: a key of 1 to ${this.spec.key.length} values`)
    const where = key.map((_, i) => `${this.spec.key[i]} = $${i + 1}`).join(' and ')
    await db.query(`delete from ${this.name} where ${where}`, key)
  }

  async rows(db: Queryable): Promise<R[]> {
    return (await db.query(`select * from ${this.name} order by ${this.spec.order}`)).map((row) => this.spec.fromRow(row))
  }
}

export const table = <R, M>(spec: TableSpec<R, M>): Table<R, M> => new Table(spec)

/** One change of a write: a row written, or rows deleted by key (or key prefix). */
export type Change<M> = { put: Table<any, M>; record: unknown } | { remove: Table<any, M>; key: readonly unknown[] }

export const put = <R, M>(t: Table<R, M>, record: R): Change<M> => ({ put: t, record })
export const remove = <M>(t: Table<any, M>, ...key: unknown[]): Change<M> => ({ remove: t, key })

export class WriteThrough<M> {
  private tail: Promise<unknown> = Promise.resolve()
  private lastStamp = 0

  constructor(
    private readonly db: Db,
    private readonly memory: M,
    private readonly clock: () => number = Date.now,
    /** Called after each committed write, once memory follows it. */
    private readonly committed?: () => void,
  ) {}

  /**
   * The stamp of a write: strictly increasing, so that loading in created_at order gives memory the
   * order the items were created in (the order the API lists them in).
   */
  now(): number {
    this.lastStamp = Math.max(this.clock(), this.lastStamp + 1)
    return this.lastStamp
  }

  /** Runs `fn` after every write issued before it, and before any issued after it. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => {})
    return run.then((v) => {
      try {
        this.committed?.()
      } catch {
        // a listener's failure is not the write's
      }
      return v
    })
  }

  /** Resolves when every write issued so far has finished. */
  async idle(): Promise<void> {
    await this.tail
  }

  /** Writes one record; resolves with what memory holds afterwards. */
  async put<R>(t: Table<R, M>, record: R): Promise<R> {
    const [stored] = await this.apply([put(t, record)])
    return stored as R
  }

  /** Deletes by key (or key prefix). */
  async remove(t: Table<any, M>, ...key: unknown[]): Promise<void> {
    await this.apply([remove(t, ...key)])
  }

  /**
   * Writes the changes in one transaction (a single change needs none), then applies them to memory
   * in order. Given a function, the changes are decided when the write runs, after the writes issued
   * before it. Resolves with what memory holds for each put (undefined for a remove).
   */
  apply(changes: readonly Change<M>[] | (() => readonly Change<M>[])): Promise<unknown[]> {
    return this.serial(async () => {
      const list = typeof changes === 'function' ? changes() : changes
      const run = async (q: Queryable): Promise<void> => {
        for (const c of list) {
          if ('put' in c) await c.put.write(q, c.record, this.now())
          else await c.remove.delete(q, c.key)
        }
      }
      if (list.length === 1) await run(this.db)
      else await this.db.transaction(run)
      return list.map((c) => {
        if ('put' in c) return c.put.spec.memory(this.memory).put(c.record)
        c.remove.spec.memory(this.memory).remove(c.key)
        return undefined
      })
    })
  }

  /** Writes rows in a transaction of the caller's, without touching memory (a seed, loaded afterwards). */
  async insert<R>(tx: Queryable, t: Table<R, M>, records: Iterable<R>): Promise<void> {
    for (const r of records) await t.write(tx, r, this.now())
  }

  /** Fills memory from the tables (read at once, applied in the order given: parents before children). */
  async load(tables: readonly Table<any, M>[]): Promise<void> {
    const all = await Promise.all(tables.map((t) => t.rows(this.db)))
    tables.forEach((t, i) => {
      const mem = t.spec.memory(this.memory)
      for (const r of all[i]!) mem.put(r)
    })
  }
}
