/**
 * Group membership benchmark: building one large agent group one member at a time, the way the REST
 * API does it (POST /v1/manage-agents-in-group), on the embedded database.
 *
 *   npx tsx bench/groups.ts            (BENCH_GROUP_SIZE, default 2000)
 *
 * Each add is one row (ConfigStore.addMember); for comparison, the first BENCH_REWRITE_SIZE adds are
 * also made by rewriting the whole member list each time (ConfigStore.saveGroup), which is what the
 * API did before and grows with the square of the group's size. Results go to stdout as Markdown.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openStore } from '../server/store'

const SIZE = Number(process.env.BENCH_GROUP_SIZE ?? 2000)
const REWRITE_SIZE = Number(process.env.BENCH_REWRITE_SIZE ?? 200)

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(2)
  return `${s.reduce((a, b) => a + b, 0).toFixed(0)} ms in all, median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sobot-bench-groups-'))
  const store = await openStore({ dataDir })
  try {
    const c = store.config
    const template = c.dir.agents.get('agt-1001')!
    const uuids = Array.from({ length: SIZE }, (_, i) => `BENCH_${String(i).padStart(5, '0')}`)
    for (const [i, uuid] of uuids.entries())
      await c.saveAgent({ ...template, uuid, agentID: `b${i}`, stringeeUserId: `b${i}`, ext: '', name: `Bench ${i}` })

    await c.saveGroupRow({ id: 'GR_BENCH', companyId: 'demo', name: 'Bench' })
    const add: number[] = []
    for (const uuid of uuids) {
      const t = performance.now()
      await c.addMember('GR_BENCH', uuid)
      add.push(performance.now() - t)
    }
    if (c.dir.groups.get('GR_BENCH')!.agentUUIDs.length !== SIZE) throw new Error('the group is not complete')

    await c.saveGroupRow({ id: 'GR_BENCH_REWRITE', companyId: 'demo', name: 'Bench rewrite' })
    const rewrite: number[] = []
    for (let n = 1; n <= REWRITE_SIZE; n++) {
      const t = performance.now()
      await c.saveGroup({ id: 'GR_BENCH_REWRITE', companyId: 'demo', name: 'Bench rewrite', agentUUIDs: uuids.slice(0, n) })
      rewrite.push(performance.now() - t)
    }

    console.log(`| building a group one member at a time (PGlite, ${new Date().toISOString().slice(0, 10)}) | time |`)
    console.log('| --- | --- |')
    console.log(`| ${SIZE} adds, one row each (addMember) | ${stats(add)} |`)
    console.log(`| first ${REWRITE_SIZE} adds, rewriting the member list each time (saveGroup) | ${stats(rewrite)} |`)
  } finally {
    await store.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
