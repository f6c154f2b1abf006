import { describe, expect, it } from 'vitest'
import { Directory } from '../../server/acd/directory'
import { ConfigStore } from '../../server/store/config'
import type { Db, Queryable } from '../../server/store/db'
import { table, WriteThrough } from '../../server/store/table'

/** A database that records each statement, fails the ones `fail` picks, and lets a test hold writes in flight. */
function fakeDb(fail: (sql: string) => boolean = () => false) {
  const log: { sql: string; params: readonly unknown[]; tx: boolean }[] = []
  const gates: (() => void)[] = []
  let hold = false
  const q =
    (tx: boolean): Queryable['query'] =>
    async (sql, params = []) => {
      if (hold) await new Promise<void>((r) => gates.push(r))
      log.push({ sql, params, tx })
      if (fail(sql)) throw Object.assign(new Error('refused'), { code: '23503' })
      return []
    }
  const db: Db = {
    backend: 'pglite',
    query: q(false),
    transaction: async (fn) => fn({ query: q(true) }),
    close: async () => {},
  }
  return {
    db,
    log,
    hold: (on: boolean) => {
      hold = on
      if (!on) gates.splice(0).forEach((g) => g())
    },
    release: () => gates.shift()?.(),
  }
}

type Item = { id: string; owner: string; name: string; tags: string[] }
const ITEMS = table<Item, Map<string, Item>>({
  table: 'items',
  key: ['id'],
  columns: {
    id: (i) => i.id,
    owner: { value: (i) => i.owner, fixed: true },
    name: (i) => i.name,
    tags: { value: (i) => i.tags, json: true },
  },
  stamp: { column: 'created_at', onUpdate: false },
  order: 'created_at, id',
  fromRow: (r) => ({ id: r.id, owner: r.owner, name: r.name, tags: r.tags }),
  memory: (m) => ({ put: (i) => (m.set(i.id, { ...i }), m.get(i.id)!), remove: ([id]) => void m.delete(id as string) }),
})

describe('a table description', () => {
  it('gives an upsert that keeps the key, the fixed columns and the insert stamp, and JSON as jsonb', async () => {
    const f = fakeDb()
    await ITEMS.write(f.db, { id: 'a', owner: 'o', name: 'A', tags: ['x'] }, 42)
    expect(f.log[0]!.sql).toBe(
      'insert into items (id, owner, name, tags, created_at) values ($1, $2, $3, $4::jsonb, $5) ' +
        'on conflict (id) do update set name = excluded.name, tags = excluded.tags',
    )
    expect(f.log[0]!.params).toEqual(['a', 'o', 'A', '["x"]', 42])
    await ITEMS.delete(f.db, ['a'])
    expect(f.log[1]).toMatchObject({ sql: 'delete from items where id = $1', params: ['a'] })
  })
})

describe('the write-through', () => {
  it('changes memory only once the database has the write, in the order the writes were issued', async () => {
    const f = fakeDb()
    const mem = new Map<string, Item>()
    const w = new WriteThrough(f.db, mem, () => 1000)
    f.hold(true)
    const first = w.put(ITEMS, { id: 'a', owner: 'o', name: 'first', tags: [] })
    const second = w.put(ITEMS, { id: 'a', owner: 'o', name: 'second', tags: [] })
    await Promise.resolve()
    expect(mem.size).toBe(0) // not committed yet
    f.hold(false)
    await Promise.all([first, second])
    expect(mem.get('a')?.name).toBe('second')
    expect(f.log.map((l) => l.params[2])).toEqual(['first', 'second'])
    // Stamps strictly increase, even with a clock that stands still.
    expect(f.log.map((l) => l.params[4])).toEqual([1000, 1001])
  })

  it('leaves memory as it was when the database refuses, and carries on with the next write', async () => {
    const f = fakeDb((sql) => sql.startsWith('delete'))
    const mem = new Map<string, Item>()
    const w = new WriteThrough(f.db, mem)
    await w.put(ITEMS, { id: 'a', owner: 'o', name: 'A', tags: [] })
    await expect(w.remove(ITEMS, 'a')).rejects.toMatchObject({ code: '23503' })
    expect(mem.has('a')).toBe(true)
    await w.put(ITEMS, { id: 'b', owner: 'o', name: 'B', tags: [] })
    expect([...mem.keys()]).toEqual(['a', 'b'])
  })

  it('writes several changes in one transaction, decided when the write runs', async () => {
    const f = fakeDb()
    const mem = new Map<string, Item>()
    const w = new WriteThrough(f.db, mem)
    void w.put(ITEMS, { id: 'a', owner: 'o', name: 'A', tags: [] })
    await w.apply(() => [
      { put: ITEMS, record: { ...mem.get('a')!, name: 'A2' } },
      { remove: ITEMS, key: ['x'] },
    ])
    expect(f.log.map((l) => l.tx)).toEqual([false, true, true])
    expect(mem.get('a')?.name).toBe('A2')
  })
})

describe("a group's members", () => {
  const seeded = () => {
    const f = fakeDb()
    const dir = new Directory()
    dir.groups.set('G', { id: 'G', companyId: 'c', name: 'G', agentUUIDs: ['a1', 'a2'] })
    return { f, dir, store: new ConfigStore(f.db, dir) }
  }

  it('change one row at a time, and the Directory indexes them both ways', async () => {
    const { f, dir, store } = seeded()
    await store.addMember('G', 'a3')
    expect(f.log).toHaveLength(1)
    expect(f.log[0]!.sql).toMatch(
      /^insert into agent_group_members \(group_id, agent_uuid, position\) values \(\$1, \$2, \(select coalesce/,
    )
    await store.removeMember('G', 'a1')
    expect(f.log[1]).toMatchObject({ sql: 'delete from agent_group_members where group_id = $1 and agent_uuid = $2', params: ['G', 'a1'] })
    expect(dir.groups.get('G')?.agentUUIDs).toEqual(['a2', 'a3'])
    expect(dir.groups.isMember('G', 'a1')).toBe(false)
    expect(dir.groups.groupsOf('a3')).toEqual(['G'])
  })

  it('go with their agent and their group', async () => {
    const { dir, store } = seeded()
    dir.groups.set('H', { id: 'H', companyId: 'c', name: 'H', agentUUIDs: ['a2'] })
    dir.routing = [{ id: 'R', companyId: 'c', queueId: 'Q', groupId: 'G', priority: 1 }]
    await store.deleteAgent('a2')
    expect(dir.groups.get('G')?.agentUUIDs).toEqual(['a1'])
    expect(dir.groups.get('H')?.agentUUIDs).toEqual([])
    await store.deleteGroup('G')
    expect(dir.groups.groupsOf('a1')).toEqual([])
    expect(dir.routing).toEqual([])
  })

  it('are replaced in order by saveGroup, in one transaction', async () => {
    const { f, dir, store } = seeded()
    await store.saveGroup({ id: 'G', companyId: 'c', name: 'G2', agentUUIDs: ['a3', 'a1'] })
    expect(f.log.every((l) => l.tx)).toBe(true)
    expect(f.log.map((l) => l.sql.split(' (')[0])).toEqual([
      'insert into agent_groups',
      'delete from agent_group_members where group_id = $1',
      'insert into agent_group_members',
      'insert into agent_group_members',
    ])
    expect(dir.groups.get('G')).toEqual({ id: 'G', companyId: 'c', name: 'G2', agentUUIDs: ['a3', 'a1'] })
    expect(dir.groups.groupsOf('a2')).toEqual([])
  })
})
