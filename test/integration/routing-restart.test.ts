import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { until } from '../support/calls'
import { restClient, type RestClient } from '../support/rest'
import { deskAgent, ok, recordOf, uploadTone, type DeskAgent } from '../support/routing'
import { restToken, startServer } from '../support/server'

// The contact center is restarted in the middle of routing work, on the same data folder, with a
// caller still waiting: the routing configuration (queues and their settings, groups, routing,
// numbers, IVR, business hours, outbound schemes and routes) and every call record come back intact,
// the waiting call's record is finished, and the engine routes with the configuration it reloaded.
const dataDir = mkdtempSync(path.join(tmpdir(), 'sobot-routing-restart-'))
const jwtSecret = 'routing-restart-secret-0123456789abcdef012345'
let cc: ContactCenter | undefined
afterAll(async () => {
  await cc?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function snapshot(api: RestClient, paths: string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const p of paths) {
    const res = await api.get(p)
    expect(res.body, p).toMatchObject({ r: 0 })
    // open_now depends on the clock, not on what was stored.
    if (p === '/v1/business-hours') delete res.body.data.open_now
    out[p] = res.body
  }
  return out
}

async function dial(c: ContactCenter, to: string, from: string) {
  c.network!.callIn(to, from)
  await until(() => !!c.network!.list().find((x) => x.number === from)?.answeredAt, 'the call to be answered', 8000)
  return c.network!.list().find((x) => x.number === from)!.id
}

describe('a restart in the middle of routing', () => {
  it('loses no routing configuration and no call record', async () => {
    cc = await startServer({ dataDir, jwtSecret })
    let api = restClient(cc, await restToken(cc))
    const greeting = await uploadTone(api, 600, 1)
    const queueId = (
      await ok(
        api.post('/v1/queue', {
          name: 'Durable',
          record_calls: false,
          cond_routing: 2,
          schedule: 2,
          maximum_queue_size: 7,
          maximum_queue_wait_time: 90,
          wait_greeting: greeting,
          hold_greeting: greeting,
          enable_voicemail: true,
          agent_wrap_up_after_calls: false,
          get_list_agents_url: 'https://crm.example.com/agents',
        }),
      )
    ).queueID
    const plain = (
      await ok(api.post('/v1/queue', { name: 'Plain', record_calls: false, cond_routing: 2, agent_wrap_up_after_calls: false }))
    ).queueID
    const groupId = (await ok(api.post('/v1/group', { name: 'Durable team' }))).groupID
    await ok(api.post('/v1/manage-agents-in-group', { agent_id: 'agt-1001', group_id: groupId }))
    await ok(api.post('/v1/routing-call-to-groups', { queue_id: plain, group_id: groupId, priority: 1 }))
    await ok(api.post('/v1/routing-call-to-groups', { queue_id: queueId, group_id: 'GR_SUPPORT', priority: 3 }))
    const tree = (await ok(api.post('/v1/ivrtree', { tree_name: 'Durable menu' }))).ivrTreeID
    const node = (
      await ok(
        api.post('/v1/ivrnode', { tree, node_name: 'Root', node_play_mode: 'play', node_play_content: greeting, keypress_timeout: 3 }),
      )
    ).ivrNodeID
    await ok(api.post('/v1/ivrkeypress', { node, node_key: '1', action: 2, queue_id: plain }))
    await ok(api.post('/v1/ivrkeypress', { node, node_key: '9', action: 6 }))
    await ok(api.post('/v1/number', { number: '842476000001', enable_ivr: true, ivr_menu: tree }))
    await ok(api.post('/v1/number', { number: '842476000002', queue_id: queueId, nickname: 'Durable line' }))
    await ok(api.put('/v1/business-hours', { timezone: 'Europe/Paris', week: { sat: ['10:00-12:00'] }, closed_dates: ['2030-12-25'] }))
    await ok(api.post('/v1/outbound-scheme', { code: 'KEEP', name: 'Kept', numbers: ['842476000002'] }))
    await ok(
      api.put('/v1/agent/agt-1002/outbound-route', {
        rules: [2, 3],
        numbers: ['842476000002'],
        current_rule: 3,
        current_number: '842476000002',
      }),
    )

    // Calls before the restart: one answered through the IVR, one stopped in it, one still waiting.
    let desk: DeskAgent = await deskAgent(cc, '1001')
    const answered = await dial(cc, '842476000001', '13988000001')
    await until(() => cc!.network!.simCall(answered)!.receivedRms(Date.now() - 300) > 0.01, 'the IVR prompt')
    cc.network!.sendDtmf(answered, '1')
    await desk.log.waitFor('EventEstablished', undefined, 10_000)
    await desk.agent.hangup()
    await recordOf(cc, '13988000001')
    const stopped = await dial(cc, '842476000001', '13988000002')
    await until(() => cc!.network!.simCall(stopped)!.receivedRms(Date.now() - 300) > 0.01, 'the IVR prompt')
    cc.network!.sendDtmf(stopped, '9')
    await recordOf(cc, '13988000002')
    await desk.agent.notReady({ reasonCode: 11 })
    cc.network!.callIn('842471000102', '13988000003') // QU_SUPPORT: nobody there
    await until(() => cc!.calls.waitingCount('QU_SUPPORT') === 1, 'the caller to wait')

    const paths = [
      '/v1/queue?limit=100',
      `/v1/queue/${queueId}`,
      `/v1/routing-call-to-groups?queue=${queueId}`,
      `/v1/routing-call-to-groups?queue=${plain}`,
      `/v1/manage-agents-in-group?group=${groupId}`,
      '/v1/number?limit=100',
      `/v1/ivrnode?tree=${tree}`,
      `/v1/ivrkeypress?node=${node}`,
      '/v1/business-hours',
      '/v1/outbound-scheme',
      '/v1/agent/agt-1002/outbound-route',
      '/v1/greetingfile',
    ]
    const before = await snapshot(api, paths)

    await desk.agent.resetLogout().catch(() => {})
    desk.agent.destroy()
    await desk.phone.close()
    await cc.close()
    cc = await startServer({ dataDir, jwtSecret })
    api = restClient(cc, await restToken(cc))
    expect(await snapshot(api, paths)).toEqual(before)

    // Every call record is there; the call that was waiting was finished by the shutdown.
    const log = (await api.get('/v1/call/log?limit=100&sort_order=asc')).body.data
    expect(log.rows.map((r: { customer_number: string }) => r.customer_number)).toEqual(['13988000001', '13988000002', '13988000003'])
    expect(log.rows[0]).toMatchObject({ status: 1, queue_id: plain, attached_data: { ivr: ['1'] }, stringee_number: '842476000001' })
    expect(log.rows[1]).toMatchObject({ status: 3, attached_data: { ivr: ['9'] } })
    expect(log.rows[2]).toMatchObject({ status: 2, queue_id: 'QU_SUPPORT' })
    expect(log.rows[2].end_time).toBeGreaterThan(0)

    // The reloaded configuration routes: the IVR number, key 1, to the agent.
    desk = await deskAgent(cc, '1001')
    try {
      const again = await dial(cc, '842476000001', '13988000004')
      await until(() => cc!.network!.simCall(again)!.receivedRms(Date.now() - 300) > 0.01, 'the IVR prompt')
      cc.network!.sendDtmf(again, '1')
      await desk.log.waitFor('EventEstablished', undefined, 10_000)
      await desk.agent.hangup()
      expect(await recordOf(cc, '13988000004')).toMatchObject({ status: 1, agentId: 'agt-1001', queueId: plain })
    } finally {
      await desk.agent.resetLogout().catch(() => {})
      desk.agent.destroy()
      await desk.phone.close()
    }
  })
})
