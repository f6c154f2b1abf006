import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { encodeWav } from '../../server/api/wav'
import { connectAgent, restToken, startServer } from '../support/server'
import { restClient, type RestClient } from '../support/rest'
import { startPostgres, type TestPostgres } from '../support/postgres'

// Everything survives a restart: the server is stopped in the middle and started again on the same
// data (folder, or PostgreSQL database); configuration, call records, recordings and greetings are
// intact, and the agents it configured can work.
let pg: TestPostgres | undefined
const dirs: string[] = []
afterAll(async () => {
  await pg?.stop()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const LISTS = [
  '/v1/project',
  '/v1/queue?limit=100',
  '/v1/agent?limit=100',
  '/v1/extension?limit=100',
  '/v1/group?limit=100',
  '/v1/number?limit=100',
  '/v1/ivrtree?limit=100',
  '/v1/greetingfile?limit=100',
  '/v1/call/log?limit=100',
  '/v1/call/log?limit=100&sort_by=duration&sort_order=asc&direction=1',
]

async function snapshot(api: RestClient, extra: string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const p of [...LISTS, ...extra]) {
    const res = await api.get(p)
    expect(res.body, p).toMatchObject({ r: 0 })
    out[p] = res.body
  }
  return out
}

async function download(cc: ContactCenter, p: string): Promise<Buffer> {
  const res = await fetch(`${cc.url}${p}`, { headers: { 'x-stringee-auth': await restToken(cc) } })
  expect(res.status, p).toBe(200)
  return Buffer.from(await res.arrayBuffer())
}

describe.each(['pglite', 'postgres'] as const)('a restart in the middle, on %s', (backend) => {
  it('keeps configuration, call records, recordings and greetings intact', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sobot-restart-'))
    dirs.push(dataDir)
    let databaseUrl: string | undefined
    if (backend === 'postgres') {
      pg ??= await startPostgres()
      databaseUrl = await pg.createDatabase()
    }
    const jwtSecret = 'restart-secret-0123456789abcdef0123456789'
    const start = () => startServer({ dataDir, databaseUrl, jwtSecret })

    // --- before: configure through the API, record calls through the call-record API ----------
    const first = await start()
    let api = restClient(first, await restToken(first))
    const queue = (
      await api.post('/v1/queue', {
        name: 'Survivors',
        wait_agent_answer_timeout: 21,
        record_calls: false,
        cond_routing: 2,
        get_list_agents_url: 'https://crm.example.com/agents',
      })
    ).body.queueID
    await api.put('/v1/queue/QU_SUPPORT', { wrap_up_time_limit: 45 })
    await api.post('/v1/extension', { ext: '8500' })
    const agent = (
      await api.post('/v1/agent', {
        name: 'Persistent',
        stringee_user_id: 'persist_1',
        work_no: '4001',
        ext: '8500',
        phone_types: ['sip', 'webrtc'],
      })
    ).body.agentID
    const group = (await api.post('/v1/group', { name: 'Survivor group' })).body.groupID
    await api.post('/v1/manage-agents-in-group', { agent_id: agent, group_id: group })
    await api.post('/v1/manage-agents-in-group', { agent_id: 'agt-1001', group_id: group })
    const routing = (await api.post('/v1/routing-call-to-groups', { queue_id: queue, group_id: group, primary_group: 1 })).body
      .groupRoutingID
    const tree = (await api.post('/v1/ivrtree', { tree_name: 'Survivor tree' })).body.ivrTreeID
    const node = (await api.post('/v1/ivrnode', { tree, node_name: 'Root', node_play_mode: 'talk', node_play_content: 'Press 1.' })).body
      .ivrNodeID
    await api.post('/v1/ivrkeypress', { node, node_key: '1', action: 2, queue_id: queue })
    await api.post('/v1/number', { number: '84977777777', nickname: 'Survivor line', enable_ivr: true, ivr_menu: tree })
    await api.put('/v1/project', { event_url: 'http://127.0.0.1:9/never' })
    const form = new FormData()
    form.append('desc', 'hold music')
    form.append(
      'file_upload',
      new Blob([
        new Uint8Array(
          encodeWav(
            Int16Array.from({ length: 4000 }, (_, i) => (i % 40) * 500),
            8000,
          ),
        ),
      ]),
      'moh.wav',
    )
    const greeting = (await api.post('/v1/greetingfile', form)).body
    expect(greeting).toMatchObject({ r: 0 })
    await api.put(`/v1/queue/${queue}`, { hold_greeting: greeting.filename })

    for (let i = 0; i < 5; i++) {
      const id = `call-restart-${i}`
      await first.store.calls.create({
        id,
        companyId: 'demo',
        direction: (i % 2) as 0 | 1,
        startTime: 1_700_000_000_000 + i * 1000,
        customerNumber: `8490000000${i}`,
        queueId: queue,
        attachedData: { i, tag: 'keep' },
      })
      await first.store.calls.finish('demo', id, {
        endTime: 1_700_000_000_000 + i * 1000 + (i + 1) * 7000,
        answerTime: 1_700_000_000_000 + i * 1000 + 2000,
        status: 1,
        agentId: agent,
        satisfactionKey: String(i),
      })
    }
    const recording = encodeWav(
      Int16Array.from({ length: 800 }, (_, i) => i * 10),
      8000,
    )
    await first.store.recordings.save('demo', 'call-restart-2', recording)

    // An agent logs in, binding an extension: that binding is configuration too.
    const c = await connectAgent(first, '1002')
    await c.agent.login({ agentState: '1', phoneType: 'sip', bindExt: '8006' })
    c.agent.destroy()

    const extra = [
      `/v1/queue/${queue}`,
      `/v1/group/${group}`,
      `/v1/routing-call-to-groups?queue=${queue}`,
      `/v1/ivrnode?tree=${tree}`,
      `/v1/ivrkeypress?node=${node}`,
      `/v1/manage-agents-in-group?group=${group}`,
      `/v1/agent/${agent}`,
    ]
    const before = await snapshot(api, extra)
    const greetingBytes = await download(first, `/v1/greetingfile/${greeting.fileSid}/file`)
    await first.close()

    // --- after: the same data, a new process state --------------------------------------------
    const second = await start()
    try {
      api = restClient(second, await restToken(second))
      const after = await snapshot(api, extra)
      expect(after).toEqual(before)
      expect((before['/v1/call/log?limit=100'] as { data: { totalCount: number } }).data.totalCount).toBe(5)
      expect(
        (before[`/v1/routing-call-to-groups?queue=${queue}`] as { data: { groupRoutings: { id: string }[] } }).data.groupRoutings[0]?.id,
      ).toBe(routing)
      expect(await download(second, '/v1/call/recording/call-restart-2')).toEqual(recording)
      expect(await download(second, `/v1/greetingfile/${greeting.fileSid}/file`)).toEqual(greetingBytes)
      // Not seeded twice.
      expect((after['/v1/agent?limit=100'] as { data: { totalCount: string } }).data.totalCount).toBe('7')
      // The Directory the agent core reads was loaded: the new agent works, the binding holds.
      expect(second.dir.agentByWorkNo('demo', '1002')?.ext).toBe('8006')
      expect(second.dir.agentQueues(agent).map((q) => q.queue.id)).toEqual([queue])
      expect(second.dir.queues.get(queue)?.settings).toMatchObject({
        wait_agent_answer_timeout: 21,
        hold_greeting: greeting.filename,
        cond_routing: 2,
      })
      const persisted = await connectAgent(second, '4001')
      try {
        await expect(persisted.agent.login({ agentState: '1', phoneType: 'sip' })).resolves.toMatchObject({ bindExt: '8500' })
        expect(await persisted.agent.queryAgentJoinedQueues()).toMatchObject({
          queues: [expect.objectContaining({ queueID: queue, queueName: 'Survivors' })],
        })
      } finally {
        persisted.agent.destroy()
      }
      // And it keeps taking changes.
      expect((await api.del(`/v1/routing-call-to-groups/${routing}`)).body).toMatchObject({ r: 0 })
    } finally {
      await second.close()
    }
  })
})
