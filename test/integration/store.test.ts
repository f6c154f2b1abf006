import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Directory, DEFAULT_QUEUE_SETTINGS } from '../../server/acd/directory'
import { openStore, type Store } from '../../server/store'
import { CallRecordConflictError } from '../../server/store/calls'
import { migrate, MIGRATIONS } from '../../server/store/migrations'
import { seedDemo } from '../../server/store/seed'
import { startPostgres, type TestPostgres } from '../support/postgres'

// The store's suite, run against both backends with the same SQL: the embedded PGlite (a data
// folder) and a real PostgreSQL server started for the run (initdb into a temporary folder).
interface Backend {
  name: 'pglite' | 'postgres'
  /** A fresh, empty place to open stores on; the same place for every open() of one `fresh()`. */
  fresh(): Promise<{ open(): Promise<Store>; dataDir: string }>
}

let pg: TestPostgres | undefined
const dirs: string[] = []
const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'sobot-store-'))
  dirs.push(d)
  return d
}

const backends: Backend[] = [
  {
    name: 'pglite',
    async fresh() {
      const dataDir = tempDir()
      return { dataDir, open: () => openStore({ dataDir }) }
    },
  },
  {
    name: 'postgres',
    async fresh() {
      pg ??= await startPostgres()
      const databaseUrl = await pg.createDatabase()
      const dataDir = tempDir()
      return { dataDir, open: () => openStore({ dataDir, databaseUrl }) }
    },
  },
]

afterAll(async () => {
  await pg?.stop()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** Everything the Directory holds, as plain data, for comparing before and after a reopen. */
function snapshot(d: Directory): unknown {
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b))
  return {
    companies: sorted(d.companies),
    agents: sorted(d.agents),
    extensions: [...d.extensions.entries()].map(([c, s]) => [c, [...s].sort()]).sort(),
    queues: sorted(d.queues),
    groups: sorted(d.groups),
    routing: [...d.routing].sort((a, b) => String(a.id).localeCompare(String(b.id))),
    numbers: sorted(d.numbers),
    ivrTrees: sorted(d.ivrTrees),
    ivrNodes: sorted(d.ivrNodes),
    ivrKeys: sorted(d.ivrKeys),
  }
}

describe.each(backends)('the store on $name', (backend) => {
  let place: Awaited<ReturnType<Backend['fresh']>>
  let store: Store

  beforeAll(async () => {
    place = await backend.fresh()
    store = await place.open()
    return async () => {
      await store.close()
    }
  })

  it('runs on the expected backend and applies its migrations once', async () => {
    expect(store.db.backend).toBe(backend.name)
    expect(await migrate(store.db)).toEqual([])
    const rows = await store.db.query<{ version: number }>('select version from schema_migrations order by version')
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version))
  })

  it('seeds the demo company on the first start, exactly as seed.ts describes it', () => {
    const expected = new Directory()
    seedDemo(expected)
    const d = store.config.dir
    const strip = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'webhookSecret' ? undefined : v)))
    expect(strip(snapshot(d))).toEqual(strip(snapshot(expected)))
    expect(d.companies.get('demo')?.webhookSecret).toMatch(/^whsec_/)
    expect(d.numberByDigits('842471000101')?.queueId).toBe('QU_SALES')
    expect(d.numberByDigits('842471000102')?.queueId).toBe('QU_SUPPORT')
    expect(d.ivrKey('ND_WELCOME', '1')).toMatchObject({ action: 2, queueId: 'QU_SALES' })
    expect(d.ivrTrees.get('TR_MAIN')?.rootNodeId).toBe('ND_WELCOME')
    expect(d.agentQueues('agt-1003').map((q) => q.queue.id)).toEqual(['QU_SALES', 'QU_SUPPORT'])
  })

  it('persists every kind of configuration change, and a reopen loads exactly the same Directory', async () => {
    const c = store.config
    await c.addExtension('demo', '8300')
    await c.removeExtension('demo', '8010')
    const agent = {
      ...c.dir.agents.get('agt-1002')!,
      name: 'Bruno S.',
      ext: '8300',
      routingType: 2 as const,
      phoneNumber: '84909992666',
      manualStatus: 'LUNCH BREAK',
    }
    await c.saveAgent(agent)
    await c.saveAgent({ ...agent, uuid: 'AG_NEW', agentID: '3001', stringeeUserId: 'new_1', ext: '', name: 'New' })
    await c.saveQueue({
      id: 'QU_NEW',
      companyId: 'demo',
      name: 'New queue',
      settings: { ...DEFAULT_QUEUE_SETTINGS, wait_agent_answer_timeout: 30, hold_greeting: 'moh.wav', cond_routing: 2 },
    })
    await c.saveGroup({ id: 'GR_NEW', companyId: 'demo', name: 'New group', agentUUIDs: ['AG_NEW', 'agt-1005', 'agt-1001'] })
    await c.saveRouting({ id: 'GR_RO_NEW', companyId: 'demo', queueId: 'QU_NEW', groupId: 'GR_NEW', priority: 2 })
    await c.saveIvrTree({ id: 'TR_NEW', companyId: 'demo', name: 'New tree', rootNodeId: null })
    const { isRoot } = await c.saveIvrNode({
      ...c.dir.ivrNodes.get('ND_HOURS')!,
      id: 'ND_NEW',
      treeId: 'TR_NEW',
      name: 'New node',
      playContent: 'Hello, ünïcode ✓',
    })
    expect(isRoot).toBe(true)
    await c.saveIvrKey({
      id: 'KE_NEW',
      companyId: 'demo',
      nodeId: 'ND_NEW',
      key: '#',
      action: 2,
      nextNodeId: null,
      queueId: 'QU_NEW',
      toPhoneNumber: null,
      fromNumberCalloutToAgent: null,
      sms: null,
    })
    await c.saveNumber({
      id: 'NU_NEW',
      companyId: 'demo',
      number: '84900000999',
      nickname: 'New',
      allowOutboundCalls: false,
      enableIvr: true,
      ivrTreeId: 'TR_NEW',
      queueId: null,
      recordOutboundCalls: true,
    })
    await c.saveCompany({ ...c.dir.companies.get('demo')!, eventUrl: 'http://127.0.0.1:1/hook' })
    // Deletions and what they take with them.
    await c.deleteGroup('GR_SUPPORT')
    expect(c.dir.routing.some((r) => r.groupId === 'GR_SUPPORT')).toBe(false)
    // A node another node's key leads to stays (the database refuses); without that key it goes, with its own keys.
    await expect(c.deleteIvrNode('ND_HOURS')).rejects.toMatchObject({ code: '23503' })
    expect(c.dir.ivrNodes.has('ND_HOURS')).toBe(true)
    await c.deleteIvrKey('KE_WELCOME_9')
    await c.deleteIvrNode('ND_HOURS')
    expect(c.dir.ivrKeys.has('KE_HOURS_STAR')).toBe(false)
    const before = snapshot(c.dir)

    await store.close()
    store = await place.open()
    expect(snapshot(store.config.dir)).toEqual(before)
    expect(store.config.dir.agentQueues('AG_NEW').map((q) => q.queue.id)).toEqual(['QU_NEW'])
    expect(store.config.dir.groups.get('GR_NEW')?.agentUUIDs).toEqual(['AG_NEW', 'agt-1005', 'agt-1001'])
  })

  it("keeps memory in the database's order when writes are issued concurrently", async () => {
    const q = store.config.dir.queues.get('QU_SALES')!
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.config.saveQueue({ ...q, name: `Sales ${i}` })))
    expect(store.config.dir.queues.get('QU_SALES')?.name).toBe('Sales 19')
    const rows = await store.db.query<{ name: string }>('select name from queues where id = $1', ['QU_SALES'])
    expect(rows[0]?.name).toBe('Sales 19')
  })

  it('deleting a queue takes its routings; deleting an agent takes its memberships; a tree takes its nodes and keys', async () => {
    const c = store.config
    await c.saveQueue({ id: 'QU_GONE', companyId: 'demo', name: 'Gone' })
    await c.saveRouting({ id: 'GR_RO_GONE', companyId: 'demo', queueId: 'QU_GONE', groupId: 'GR_SALES', priority: 1 })
    await c.deleteQueue('QU_GONE')
    await c.deleteAgent('AG_NEW')
    await c.deleteNumber('NU_NEW')
    await c.deleteIvrTree('TR_NEW')
    const count = async (sql: string, ...p: unknown[]) => Number((await store.db.query<{ n: number }>(sql, p))[0]!.n)
    expect(await count('select count(*) as n from group_routing where queue_id = $1', 'QU_GONE')).toBe(0)
    expect(await count('select count(*) as n from agent_group_members where agent_uuid = $1', 'AG_NEW')).toBe(0)
    expect(await count('select count(*) as n from ivr_nodes where tree_id = $1', 'TR_NEW')).toBe(0)
    expect(await count('select count(*) as n from ivr_keys where id = $1', 'KE_NEW')).toBe(0)
    expect(c.dir.groups.get('GR_NEW')?.agentUUIDs).toEqual(['agt-1005', 'agt-1001'])
    expect(c.dir.ivrKeys.has('KE_NEW')).toBe(false)
    // The database refuses what would break a reference, whatever the API checked.
    await expect(c.deleteQueue('QU_SALES')).rejects.toMatchObject({ code: '23503' })
    expect(c.dir.queues.has('QU_SALES')).toBe(true)
  })

  it('writes and searches call records', async () => {
    const calls = store.calls
    const attached = { order: 42, note: 'ünïcode ✓', nested: { a: [1, 2, { b: null }] } }
    const created = await calls.create({
      id: 'call-1',
      companyId: 'demo',
      direction: 1,
      startTime: 1_000_000,
      customerNumber: '84988886868',
      stringeeNumber: '842471000101',
      queueId: 'QU_SALES',
      attachedData: attached,
    })
    expect(created).toMatchObject({ id: 'call-1', endTime: 0, recorded: false, status: null, attachedData: attached })
    await expect(calls.create({ id: 'call-1', companyId: 'demo', direction: 1, startTime: 1 })).rejects.toBeInstanceOf(
      CallRecordConflictError,
    )
    const up = await calls.update('demo', 'call-1', {
      agentId: 'agt-1001',
      accountName: 'Alice Chen',
      answerTime: 1_010_000,
      firstAnswerTime: 1_010_000,
      enqueueTime: 7,
      status: 1,
      participants: [{ id: 'agt-1001' }],
    })
    expect(up).toMatchObject({ agentId: 'agt-1001', enqueueTime: 7, participants: [{ id: 'agt-1001' }], attachedData: attached })
    expect(await calls.update('other', 'call-1', { status: 2 })).toBeUndefined()
    const done = await calls.finish('demo', 'call-1', {
      endTime: 1_070_400,
      holdDuration: 10,
      endCallReason: 'USER_END_CALL',
      endCause: 'USER_END_CALL',
    })
    expect(done).toMatchObject({ duration: 70, answerDuration: 60, talkDuration: 50, holdDuration: 10, endTime: 1_070_400 })
    await calls.create({
      id: 'call-2',
      companyId: 'demo',
      direction: 0,
      startTime: 2_000_000,
      haveVoiceMail: true,
      customerNumber: '84911112222',
    })
    const all = await calls.search('demo', { page: 1, limit: 10, sortBy: 'start_time', sortOrder: 'desc' })
    expect(all.rows.map((r) => r.id)).toEqual(['call-2', 'call-1'])
    expect(
      (await calls.search('demo', { page: 1, limit: 10, sortBy: 'start_time', sortOrder: 'asc', hasVoicemail: true })).rows.map(
        (r) => r.id,
      ),
    ).toEqual(['call-2'])
    expect(
      (await calls.search('demo', { page: 1, limit: 10, sortBy: 'start_time', sortOrder: 'asc', customerNumber: '8886' })).rows.map(
        (r) => r.id,
      ),
    ).toEqual(['call-1'])
    expect((await calls.search('demo', { page: 1, limit: 10, sortBy: 'start_time', sortOrder: 'asc', timeFrom: 1_500_000 })).total).toBe(1)
    expect((await calls.search('demo', { page: 2, limit: 1, sortBy: 'duration', sortOrder: 'desc' })).rows.map((r) => r.id)).toEqual([
      'call-2',
    ])
    expect((await calls.search('other', { page: 1, limit: 10, sortBy: 'start_time', sortOrder: 'desc' })).total).toBe(0)
  })

  it('keeps recordings as files, marking and unmarking the call', async () => {
    const rec = await store.recordings.save('demo', 'call-1', new Uint8Array([1, 2, 3, 4]), { durationMs: 500 })
    expect(rec).toMatchObject({ callId: 'call-1', bytes: 4, durationMs: 500, format: 'wav' })
    expect(rec.file.startsWith(place.dataDir)).toBe(true)
    expect(await store.calls.get('demo', 'call-1')).toMatchObject({ recorded: true, recordingPath: rec.path })
    expect(await store.recordings.delete('demo', 'call-1')).toBe(true)
    expect(existsSync(rec.file)).toBe(false)
    expect(await store.calls.get('demo', 'call-1')).toMatchObject({ recorded: false, recordingPath: null })
    expect(await store.recordings.delete('demo', 'call-1')).toBe(false)
  })

  it('hands out webhook outbox entries one per call, in order, with leases and retry times', async () => {
    const ob = store.outbox
    const t = 10_000
    const add = (callId: string, n: number) =>
      ob.add({ companyId: 'demo', callId, callStatus: `s${n}`, url: 'http://127.0.0.1:1/', body: `{"n":${n}}`, now: t })
    const a1 = await add('A', 1)
    const a2 = await add('A', 2)
    await add('A', 3)
    const b1 = await add('B', 1)
    const first = await ob.claim(t, 1000, 10)
    expect(first.map((e) => e.id)).toEqual([a1.id, b1.id])
    expect(first.every((e) => e.attempts === 1 && e.leaseUntil === t + 1000)).toBe(true)
    expect(await ob.claim(t + 1, 1000, 10)).toEqual([])
    await ob.delivered(a1.id, 200, t + 2)
    await ob.attemptFailed(b1.id, 'HTTP 500', 500, t + 5000)
    expect((await ob.claim(t + 3, 1000, 10)).map((e) => e.id)).toEqual([a2.id])
    expect(await ob.nextDueAt()).toBe(t + 1003) // a2's lease ends before b1's retry
    // An expired lease (a crashed sender) is claimed again: at least once.
    const again = await ob.claim(t + 2000, 1000, 10)
    expect(again.map((e) => [e.id, e.attempts])).toEqual([[a2.id, 2]])
    await ob.attemptFailed(a2.id, 'gave up', null, null)
    const next = await ob.claim(t + 6000, 1000, 10)
    expect(next.map((e) => e.callStatus)).toEqual(['s3', 's1'])
    const listed = await ob.list('demo', { callId: 'A' })
    expect(listed.rows.map((e) => e.status)).toEqual(['delivered', 'failed', 'pending'])
  })
})

describe('only on PostgreSQL', () => {
  it('several servers starting at once on an empty database seed it once', async () => {
    pg ??= await startPostgres()
    const databaseUrl = await pg.createDatabase()
    const opened = await Promise.allSettled([0, 1, 2].map(() => openStore({ dataDir: tempDir(), databaseUrl })))
    const stores = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []))
    try {
      expect(opened.filter((o) => o.status === 'rejected')).toEqual([])
      for (const s of stores) expect(s.config.dir.agents.size).toBe(6)
      expect(Number((await stores[0]!.db.query<{ n: number }>('select count(*) as n from agents'))[0]!.n)).toBe(6)
    } finally {
      for (const s of stores) await s.close()
    }
  })
})

describe('only on PGlite', () => {
  it('refuses a second opening of the same data folder, and allows it once closed', async () => {
    const dataDir = tempDir()
    const a = await openStore({ dataDir })
    await expect(openStore({ dataDir })).rejects.toThrow(/already open|in use/)
    await a.close()
    const b = await openStore({ dataDir })
    expect(b.config.dir.agents.size).toBe(6)
    await b.close()
    expect(existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false)
  })

  it('takes over the lock a killed process left behind', async () => {
    const dataDir = tempDir()
    // A pid that is not running: the highest possible pid plus one is never a live process.
    writeFileSync(path.join(dataDir, 'pglite.lock'), String(2 ** 22 + 1))
    const s = await openStore({ dataDir })
    expect(readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')).toBe(String(process.pid))
    await s.close()
  })
})
