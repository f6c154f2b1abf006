import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { connectAgent, restToken, startServer } from '../support/server'
import { restClient, type RestClient } from '../support/rest'

// The configuration API the contact center engine needs, in Stringee's PCC style: agents, groups and
// members, group routing, numbers, IVR trees / nodes / key presses, extensions and the project's
// webhook settings. The samples are those of Stringee's PCC REST documentation.
let cc: ContactCenter
let api: RestClient

beforeAll(async () => {
  cc = await startServer()
  api = restClient(cc, await restToken(cc))
})
afterAll(async () => {
  await cc?.close()
})

describe('agents: /v1/agent', () => {
  it("creates an agent from the PCC sample and lists it with Stringee's attributes", async () => {
    const res = await api.post('/v1/agent', { name: 'Agent 1', stringee_user_id: 'agent_1', manual_status: 'NOT AVAILABLE' })
    expect(res.body).toMatchObject({ r: 0, project: 1, message: 'Create agent success' })
    const id = res.body.agentID as string
    expect(id).toMatch(/^AG_[A-Z0-9]{16}$/)
    const one = await api.get(`/v1/agent/${id}`)
    expect(one.body.data).toMatchObject({
      id,
      name: 'Agent 1',
      stringee_user_id: 'agent_1',
      manual_status: 'NOT AVAILABLE',
      routing_type: 1,
      phone_number: '',
      system_status: 0,
      work_no: 'agent_1',
      ext: '',
      phone_types: ['webrtc', 'sip', 'pstn'],
      default_phone_type: 'webrtc',
      supervisor: 0,
    })
    expect(one.body.data).not.toHaveProperty('sip_password')
    const list = await api.get('/v1/agent?limit=100')
    expect(list.body).toMatchObject({ r: 0, message: 'Load agent(s) success', project: 1 })
    expect(list.body.data.totalAgents).toBe(list.body.data.totalCount)
    expect(list.body.data.agents.map((a: { id: string }) => a.id)).toContain(id)
    // The agent exists for the CTI too: it can get a token and initialise.
    expect(cc.dir.agentByWorkNo('demo', 'agent_1')?.uuid).toBe(id)
  })

  it('creates a phone-routed agent with an extension, and the agent logs in with it', async () => {
    expect((await api.post('/v1/extension', { ext: '8100' })).body).toMatchObject({ r: 0, ext: '8100' })
    const res = await api.post('/v1/agent', {
      name: 'Phone agent',
      stringee_user_id: 'phone_1',
      work_no: '2001',
      routing_type: 2,
      phone_number: '84909992666',
      ext: '8100',
      phone_types: ['sip', 'pstn'],
    })
    expect(res.body).toMatchObject({ r: 0 })
    const { body } = await api.get(`/v1/agent/${res.body.agentID}`)
    expect(body.data).toMatchObject({
      routing_type: 2,
      phone_number: '84909992666',
      mobile: '84909992666',
      ext: '8100',
      work_no: '2001',
      default_phone_type: 'sip',
    })
    const { agent } = await connectAgent(cc, '2001')
    try {
      await expect(agent.login({ agentState: '1', phoneType: 'sip' })).resolves.toMatchObject({ bindExt: '8100' })
      // A logged-in agent cannot be deleted, nor its extension changed under it.
      expect((await api.del(`/v1/agent/${res.body.agentID}`)).body).toMatchObject({ r: 7 })
      expect((await api.put(`/v1/agent/${res.body.agentID}`, { ext: '8006' })).body).toMatchObject({ r: 7 })
      expect((await api.get(`/v1/agent/${res.body.agentID}`)).body.data).toMatchObject({ system_status: 1, manual_status: 'AVAILABLE' })
      await agent.logout()
    } finally {
      agent.destroy()
    }
    expect((await api.del(`/v1/agent/${res.body.agentID}`)).body).toMatchObject({ r: 0, message: 'Delete agent success' })
    expect(cc.dir.agentByWorkNo('demo', '2001')).toBeUndefined()
  })

  it('updates an agent', async () => {
    const id = (await api.post('/v1/agent', { name: 'Before', stringee_user_id: 'upd_1' })).body.agentID
    expect((await api.put(`/v1/agent/${id}`, { name: 'After', manual_status: 'lunch break', supervisor: true })).body).toEqual({
      r: 0,
      project: 1,
      message: 'Update agent success',
    })
    expect((await api.get(`/v1/agent/${id}`)).body.data).toMatchObject({
      name: 'After',
      manual_status: 'LUNCH BREAK',
      supervisor: 1,
      stringee_user_id: 'upd_1',
    })
  })

  it('refuses bad agents with documented codes', async () => {
    const cases: [Record<string, unknown>, number][] = [
      [{ stringee_user_id: 'x1' }, 2],
      [{ name: 'x' }, 2],
      [{ name: 'x', stringee_user_id: 'has space' }, 4],
      [{ name: 'x', stringee_user_id: '1001' }, 6],
      [{ name: 'x', stringee_user_id: 'fresh_1', work_no: '1002' }, 6],
      [{ name: 'x', stringee_user_id: 'fresh_2', routing_type: 2 }, 2],
      [{ name: 'x', stringee_user_id: 'fresh_3', routing_type: 3 }, 4],
      [{ name: 'x', stringee_user_id: 'fresh_4', ext: '9999' }, 5],
      [{ name: 'x', stringee_user_id: 'fresh_5', ext: '8001' }, 7],
      [{ name: 'x', stringee_user_id: 'fresh_6', phone_types: ['fax'] }, 4],
      [{ name: 'x', stringee_user_id: 'fresh_7', phone_types: 'sip' }, 3],
      [{ name: 'x', stringee_user_id: 'fresh_8', phone_types: ['sip'], default_phone_type: 'pstn' }, 4],
      [{ name: 'x', stringee_user_id: 'fresh_9', sip_password: '123' }, 4],
    ]
    for (const [body, r] of cases) {
      const res = await api.post('/v1/agent', body)
      expect(res.body, JSON.stringify(body)).toMatchObject({ r })
      expect(res.status).toBeLessThan(500)
    }
    expect((await api.get('/v1/agent/AG_NOPE')).body).toMatchObject({ r: 5 })
  })
})

describe('groups and their agents: /v1/group, /v1/manage-agents-in-group', () => {
  it('creates a group, adds and removes agents, as in the PCC samples', async () => {
    const g = await api.post('/v1/group', { name: 'Support group' })
    expect(g.body).toMatchObject({ r: 0, project: 1, message: 'Create group success' })
    const groupId = g.body.groupID as string
    const add = await api.post('/v1/manage-agents-in-group', { agent_id: 'agt-1004', group_id: groupId })
    expect(add.body).toEqual({ r: 0, project: 1, agentID: 'agt-1004', groupID: groupId, message: 'Add agent to Group success' })
    expect((await api.post('/v1/manage-agents-in-group', { agent_id: 'agt-1004', group_id: groupId })).body).toMatchObject({ r: 6 })
    await api.post('/v1/manage-agents-in-group', { agent_id: 'agt-1005', group_id: groupId })
    const members = await api.get(`/v1/manage-agents-in-group?group=${groupId}`)
    expect(members.body).toMatchObject({ r: 0, message: 'Load group agent success', data: { totalCount: '2' } })
    expect(members.body.data.groupAgents).toEqual([
      { account: 1, project: 1, agent_id: 'agt-1004', group_id: groupId },
      { account: 1, project: 1, agent_id: 'agt-1005', group_id: groupId },
    ])
    const list = await api.get('/v1/group')
    expect(list.body.data.groups.find((x: { id: string }) => x.id === groupId)).toEqual({
      id: groupId,
      account: 1,
      project: 1,
      name: 'Support group',
      number_of_agent: 2,
    })
    // DELETE with its parameters in the query.
    expect((await api.del(`/v1/manage-agents-in-group?agent_id=agt-1004&group_id=${groupId}`)).body).toMatchObject({
      r: 0,
      message: 'Remove agent from Group success',
    })
    expect((await api.del('/v1/manage-agents-in-group', { agent_id: 'agt-1004', group_id: groupId })).body).toMatchObject({ r: 5 })
    expect(cc.dir.groups.get(groupId)?.agentUUIDs).toEqual(['agt-1005'])
    expect((await api.put(`/v1/group/${groupId}`, { name: 'Renamed' })).body).toMatchObject({ r: 0 })
    expect((await api.get(`/v1/group/${groupId}`)).body.data).toMatchObject({ name: 'Renamed', agents: ['agt-1005'] })
    expect((await api.del(`/v1/group/${groupId}`)).body).toMatchObject({ r: 0, message: 'Delete group success' })
    expect(cc.dir.groups.has(groupId)).toBe(false)
  })

  it('refuses bad memberships', async () => {
    expect((await api.post('/v1/manage-agents-in-group', { agent_id: 'agt-1001' })).body).toMatchObject({ r: 2 })
    expect((await api.post('/v1/manage-agents-in-group', { agent_id: 'AG_NOPE', group_id: 'GR_SALES' })).body).toMatchObject({ r: 5 })
    expect((await api.get('/v1/manage-agents-in-group')).body).toMatchObject({ r: 2 })
    expect((await api.post('/v1/group', {})).body).toMatchObject({ r: 2 })
  })
})

describe('group routing: /v1/routing-call-to-groups', () => {
  it('routes a queue to groups by priority; the agents see the queue', async () => {
    const q = (await api.post('/v1/queue', { name: 'Routed' })).body.queueID as string
    const g1 = (await api.post('/v1/group', { name: 'First' })).body.groupID as string
    const g2 = (await api.post('/v1/group', { name: 'Second' })).body.groupID as string
    await api.post('/v1/manage-agents-in-group', { agent_id: 'agt-1002', group_id: g2 })
    const r1 = await api.post('/v1/routing-call-to-groups', { queue_id: q, group_id: g1, primary_group: 1 })
    expect(r1.body).toMatchObject({ r: 0, project: 1, message: 'Create group routing success' })
    expect(r1.body.groupRoutingID).toMatch(/^GR_RO_[A-Z0-9]{16}$/)
    const r2 = await api.post('/v1/routing-call-to-groups', { queue_id: q, group_id: g2, primary_group: 0 })
    expect((await api.post('/v1/routing-call-to-groups', { queue_id: q, group_id: g2, primary_group: 0 })).body).toMatchObject({ r: 6 })
    const list = await api.get(`/v1/routing-call-to-groups?queue=${q}`)
    expect(list.body).toMatchObject({ r: 0, message: 'Load group routing success', data: { totalCount: '2' } })
    expect(list.body.data.groupRoutings).toEqual([
      { id: r1.body.groupRoutingID, account: 1, project: 1, queue_id: q, group_id: g1, primary_group: 1, priority: 1 },
      { id: r2.body.groupRoutingID, account: 1, project: 1, queue_id: q, group_id: g2, primary_group: 0, priority: 2 },
    ])
    expect(cc.dir.queueGroups(q).map((x) => x.group.id)).toEqual([g1, g2])
    expect(cc.dir.agentQueues('agt-1002').map((x) => x.queue.id)).toContain(q)
    expect((await api.put(`/v1/routing-call-to-groups/${r2.body.groupRoutingID}`, { priority: 1 })).body).toMatchObject({ r: 0 })
    expect(cc.dir.queueGroups(q).every((x) => x.priority === 1)).toBe(true)
    expect((await api.del(`/v1/routing-call-to-groups/${r2.body.groupRoutingID}`)).body).toMatchObject({ r: 0 })
    expect(cc.dir.agentQueues('agt-1002').map((x) => x.queue.id)).not.toContain(q)
  })

  it('refuses bad routings', async () => {
    expect((await api.post('/v1/routing-call-to-groups', { queue_id: 'QU_SALES', group_id: 'GR_SUPPORT' })).body).toMatchObject({ r: 2 })
    expect(
      (await api.post('/v1/routing-call-to-groups', { queue_id: 'QU_SALES', group_id: 'GR_SUPPORT', primary_group: 2 })).body,
    ).toMatchObject({ r: 4 })
    expect(
      (await api.post('/v1/routing-call-to-groups', { queue_id: 'QU_NOPE', group_id: 'GR_SUPPORT', primary_group: 1 })).body,
    ).toMatchObject({ r: 5 })
    expect(
      (await api.post('/v1/routing-call-to-groups', { queue_id: 'QU_SALES', group_id: 'GR_SALES', primary_group: 1 })).body,
    ).toMatchObject({ r: 6 })
    expect((await api.get('/v1/routing-call-to-groups')).body).toMatchObject({ r: 2 })
  })
})

describe('numbers: /v1/number', () => {
  it('lists the seeded numbers routed to QU_SALES, QU_SUPPORT and the IVR', async () => {
    const { body } = await api.get('/v1/number')
    const byNumber = Object.fromEntries(body.data.numbers.map((n: { number: string }) => [n.number, n]))
    expect(byNumber['842471000101']).toMatchObject({ enable_ivr: 0, queue_id: 'QU_SALES' })
    expect(byNumber['842471000102']).toMatchObject({ enable_ivr: 0, queue_id: 'QU_SUPPORT' })
    expect(byNumber['842471000100']).toMatchObject({ enable_ivr: 1, ivr_menu: 'TR_MAIN' })
  })

  it('adds a number as the PCC sample does, then updates and deletes it', async () => {
    const res = await api.post('/v1/number', {
      number: '84986225112',
      nickname: 'Number 112',
      allow_outbound_calls: true,
      enable_ivr: true,
      ivr_menu: 'TR_MAIN',
      queue_id: 'QU_SUPPORT',
    })
    expect(res.body).toMatchObject({ r: 0, project: 1, message: 'Create number success' })
    const id = res.body.numberID as string
    expect(cc.dir.numberByDigits('84986225112')).toMatchObject({ id, enableIvr: true, ivrTreeId: 'TR_MAIN', queueId: 'QU_SUPPORT' })
    expect((await api.put(`/v1/number/${id}`, { enable_ivr: false, nickname: 'Direct' })).body).toMatchObject({ r: 0 })
    expect((await api.get(`/v1/number/${id}`)).body.data).toMatchObject({
      nickname: 'Direct',
      enable_ivr: 0,
      queue_id: 'QU_SUPPORT',
      allow_outbound_calls: 1,
      record_outbound_calls: 0,
    })
    expect((await api.put(`/v1/number/${id}`, { queue_id: null })).body).toMatchObject({ r: 2 })
    expect((await api.del(`/v1/number/${id}`)).body).toMatchObject({ r: 0, message: 'Delete number success' })
    expect(cc.dir.numberByDigits('84986225112')).toBeUndefined()
  })

  it('refuses bad numbers', async () => {
    const cases: [Record<string, unknown>, number][] = [
      [{ enable_ivr: false, queue_id: 'QU_SALES' }, 2],
      [{ number: 'abc', queue_id: 'QU_SALES' }, 4],
      [{ number: '84900000001', enable_ivr: true }, 2],
      [{ number: '84900000001' }, 2],
      [{ number: '84900000001', queue_id: 'QU_NOPE' }, 5],
      [{ number: '84900000001', enable_ivr: true, ivr_menu: 'TR_NOPE' }, 5],
      [{ number: '842471000101', queue_id: 'QU_SALES' }, 6],
      [{ number: '84900000001', queue_id: 'QU_SALES', enable_ivr: 'no' }, 3],
    ]
    for (const [body, r] of cases) expect((await api.post('/v1/number', body)).body, JSON.stringify(body)).toMatchObject({ r })
  })
})

describe('IVR: /v1/ivrtree, /v1/ivrnode, /v1/ivrkeypress', () => {
  it('builds a tree as the PCC samples do: the first node is the root, keys route to nodes and queues', async () => {
    const tree = await api.post('/v1/ivrtree', { tree_name: 'IVR tree for number A' })
    expect(tree.body).toMatchObject({ r: 0, project: 1, message: 'Create ivr tree success' })
    const treeId = tree.body.ivrTreeID as string
    const n1 = await api.post('/v1/ivrnode', {
      tree: treeId,
      node_name: 'Main',
      node_play_mode: 'talk',
      node_play_content: 'Press 1 for sales, 2 for more.',
    })
    expect(n1.body).toMatchObject({ r: 0, message: 'Create ivr node success', isRootNode: true })
    const n2 = await api.post('/v1/ivrnode', {
      tree: treeId,
      node_name: 'More',
      node_play_mode: 'talk',
      node_play_content: 'More options.',
      bargeIn: false,
      loop_count: 2,
      keypress_timeout: 8,
    })
    expect(n2.body).toMatchObject({ r: 0, isRootNode: false })
    const k1 = await api.post('/v1/ivrkeypress', { node: n1.body.ivrNodeID, node_key: '1', action: 2, queue_id: 'QU_SALES' })
    expect(k1.body).toMatchObject({ r: 0, project: 1, message: 'Create ivr node key success' })
    const k2 = await api.post('/v1/ivrkeypress', { node: n1.body.ivrNodeID, node_key: '2', action: 4, next_node: n2.body.ivrNodeID })
    expect(k2.body).toMatchObject({ r: 0 })
    await api.post('/v1/ivrkeypress', { node: n2.body.ivrNodeID, node_key: 'EMPTY_KEY', action: 6 })

    expect((await api.get('/v1/ivrtree')).body.data.ivrTrees).toContainEqual({
      id: treeId,
      account: 1,
      project: 1,
      tree_name: 'IVR tree for number A',
      root_node: n1.body.ivrNodeID,
    })
    const nodes = (await api.get(`/v1/ivrnode?tree=${treeId}`)).body.data.ivrNodes
    expect(nodes.find((n: { id: string }) => n.id === n2.body.ivrNodeID)).toMatchObject({
      bargeIn: false,
      loop_count: 2,
      keypress_timeout: 8,
      is_root_node: 0,
      voice: 'hn_female_thutrang_phrase_48k-hsmm',
      speed: 0,
      sched: 0,
    })
    const keys = (await api.get(`/v1/ivrkeypress?node=${n1.body.ivrNodeID}`)).body.data.ivrNodeKeys
    expect(keys.map((k: { node_key: string; action: number }) => [k.node_key, k.action])).toEqual([
      ['1', 2],
      ['2', 4],
    ])
    // What the call control reads: key 2 at the root leads to the second node.
    expect(cc.dir.ivrKey(n1.body.ivrNodeID, '2')).toMatchObject({ action: 4, nextNodeId: n2.body.ivrNodeID })

    // A node another key leads to cannot go; a tree a number uses cannot go.
    expect((await api.del(`/v1/ivrnode/${n2.body.ivrNodeID}`)).body).toMatchObject({ r: 7 })
    const num = (await api.post('/v1/number', { number: '84911111111', enable_ivr: true, ivr_menu: treeId })).body.numberID
    expect((await api.del(`/v1/ivrtree/${treeId}`)).body).toMatchObject({ r: 7 })
    await api.del(`/v1/number/${num}`)
    expect((await api.del(`/v1/ivrtree/${treeId}`)).body).toMatchObject({ r: 0, message: 'Delete ivr tree success' })
    expect(cc.dir.ivrNodes.has(n1.body.ivrNodeID)).toBe(false)
    expect(cc.dir.ivrKeys.has(k1.body.ivrNodeKeyID)).toBe(false)
  })

  it('refuses bad nodes and keys', async () => {
    const n = (await api.post('/v1/ivrnode', { tree: 'TR_MAIN', node_name: 'Extra', node_play_mode: 'talk', node_play_content: 'x' })).body
      .ivrNodeID
    const nodeCases: [Record<string, unknown>, number][] = [
      [{ node_name: 'x', node_play_mode: 'talk', node_play_content: 'x' }, 2],
      [{ tree: 'TR_MAIN', node_play_mode: 'talk', node_play_content: 'x' }, 2],
      [{ tree: 'TR_MAIN', node_name: 'x', node_play_mode: 'sing', node_play_content: 'x' }, 4],
      [{ tree: 'TR_MAIN', node_name: 'x', node_play_mode: 'play', node_play_content: 'never-uploaded.wav' }, 5],
      [{ tree: 'TR_MAIN', node_name: 'x', node_play_mode: 'talk', node_play_content: 'x', speed: 4 }, 4],
      [{ tree: 'TR_MAIN', node_name: 'x', node_play_mode: 'talk', node_play_content: 'x', bargeIn: 'yes' }, 3],
      [{ tree: 'TR_NOPE', node_name: 'x', node_play_mode: 'talk', node_play_content: 'x' }, 5],
    ]
    for (const [body, r] of nodeCases) expect((await api.post('/v1/ivrnode', body)).body, JSON.stringify(body)).toMatchObject({ r })
    const keyCases: [Record<string, unknown>, number][] = [
      [{ node: n, action: 6 }, 2],
      [{ node: n, node_key: '10', action: 6 }, 4],
      [{ node: n, node_key: '1' }, 2],
      [{ node: n, node_key: '1', action: 7 }, 4],
      [{ node: n, node_key: '1', action: 1 }, 4],
      [{ node: n, node_key: '1', action: 2 }, 2],
      [{ node: n, node_key: '1', action: 2, queue_id: 'QU_NOPE' }, 5],
      [{ node: n, node_key: '1', action: 3 }, 2],
      [{ node: n, node_key: '1', action: 4 }, 2],
      [{ node: n, node_key: '1', action: 4, next_node: 'ND_NOPE' }, 5],
      [{ node: n, node_key: '1', action: '2', queue_id: 'QU_SALES' }, 3],
      [{ node: 'ND_WELCOME', node_key: '1', action: 6 }, 6],
    ]
    for (const [body, r] of keyCases) expect((await api.post('/v1/ivrkeypress', body)).body, JSON.stringify(body)).toMatchObject({ r })
    expect((await api.get('/v1/ivrnode')).body).toMatchObject({ r: 2 })
    expect((await api.get('/v1/ivrkeypress?node=ND_NOPE')).body).toMatchObject({ r: 5 })
  })
})

describe('extensions: /v1/extension', () => {
  it('lists, adds and removes extensions; a bound one stays', async () => {
    const list = await api.get('/v1/extension?limit=100')
    expect(list.body.data.extensions).toContainEqual({ ext: '8001', agent_id: 'agt-1001' })
    expect((await api.post('/v1/extension', { ext: '8200' })).body).toMatchObject({ r: 0 })
    expect((await api.post('/v1/extension', { ext: '8200' })).body).toMatchObject({ r: 6 })
    expect((await api.post('/v1/extension', { ext: 'x1' })).body).toMatchObject({ r: 4 })
    expect((await api.del('/v1/extension/8001')).body).toMatchObject({ r: 7 })
    expect((await api.del('/v1/extension/8200')).body).toMatchObject({ r: 0 })
    expect((await api.del('/v1/extension/8200')).body).toMatchObject({ r: 5 })
    expect(cc.dir.hasExtension('demo', '8200')).toBe(false)
  })
})

describe('the project: /v1/project', () => {
  it('shows the project and sets the call-event URL', async () => {
    const before = await api.get('/v1/project')
    expect(before.body).toMatchObject({ r: 0, project: 1, data: { id: 'demo', project_id: 1, api_key_sid: 'SKdemo', event_url: '' } })
    expect(before.body.data.webhook_secret).toMatch(/^whsec_/)
    expect((await api.put('/v1/project', { event_url: 'https://hooks.example.com/stringee' })).body).toMatchObject({
      r: 0,
      message: 'Update project success',
    })
    expect(cc.dir.companies.get('demo')?.eventUrl).toBe('https://hooks.example.com/stringee')
    expect((await api.put('/v1/project', { event_url: 'mailto:x@example.com' })).body).toMatchObject({ r: 4 })
    expect((await api.put('/v1/project', {})).body).toMatchObject({ r: 2 })
    expect((await api.put('/v1/project', { event_url: '' })).body).toMatchObject({ r: 0 })
    expect(cc.dir.companies.get('demo')?.eventUrl).toBeNull()
    const rotated = await api.post('/v1/project/webhook-secret')
    expect(rotated.body).toMatchObject({ r: 0 })
    expect(rotated.body.webhook_secret).not.toBe(before.body.data.webhook_secret)
    expect((await api.get('/v1/project')).body.data.webhook_secret).toBe(rotated.body.webhook_secret)
  })
})
