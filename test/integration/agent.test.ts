import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type WebSocket from 'ws'
import type { ContactCenter } from '../../server/app'
import type { Agent } from '../../src/agent/Agent'
import { connectAgent, devToken, EventLog, newAgent, startServer, type Connected } from '../support/server'

let cc: ContactCenter
const open: Agent[] = []

async function agentFor(id: string): Promise<Connected> {
  const c = await connectAgent(cc, id)
  open.push(c.agent)
  return c
}

/** Posts a command straight to the server, bypassing the SDK's own checks. */
async function raw(
  token: string,
  name: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${cc.url}/cti/v1/agent/_${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ referenceID: `raw-${Math.random()}`, ...body }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

beforeAll(async () => {
  cc = await startServer()
})
afterEach(async () => {
  for (const a of open.splice(0)) {
    await a.resetLogout().catch(() => {})
    a.destroy()
  }
})
afterAll(async () => {
  await cc.close()
})

describe('login operations against the real server', () => {
  it('logs in, goes not ready with every reason, ready, and logs out, each with its events', async () => {
    const { agent, log } = await agentFor('1001')
    const login = await agent.login({ agentState: '1', phoneType: 'sip', bindExt: ' 8001 ' })
    expect(login).toMatchObject({
      status: 'success',
      agentState: '1',
      phoneType: 'sip',
      bindExt: '8001',
      bindMobile: '13800001001',
      reasonCode: 0,
    })
    await log.waitFor('EventAgentReady')
    expect(log.names()).toEqual(['EventAgentLogin', 'EventAgentReady'])
    const loginEv = log.events[0]!
    expect(loginEv).toMatchObject({
      companyId: 'demo',
      agentID: '1001',
      agentUUID: 'agt-1001',
      thisDN: '8001',
      agentState: '1',
      workStatus: 'ready',
      thisQueues: ['QU_SALES'],
    })
    expect(loginEv.referenceID).toBeTruthy()
    for (const reasonCode of [2, 11, 12, 13, 14, 15, 16, 17, 18] as const) {
      const next = log.next('EventAgentNotReady', (e) => e.reasonCode === String(reasonCode))
      await agent.notReady({ reasonCode })
      const ev = await next
      expect(ev).toMatchObject({ agentState: '2', workStatus: 'occupied' })
      expect(agent.state).toMatchObject({ agentState: 2, reasonCode, workStatus: 'occupied' })
    }
    const ready = log.next('EventAgentReady')
    await agent.ready()
    expect(await ready).toMatchObject({ agentState: '1', reasonCode: '0', workStatus: 'ready' })
    const out = log.next('EventAgentLogout')
    await agent.logout()
    expect(await out).toMatchObject({ agentState: '0', workStatus: 'offline' })
    expect(agent.state.workStatus).toBe('offline')
  })

  it('logs in DND by default, and the event carries the referenceID of the command', async () => {
    const { agent, log } = await agentFor('1002')
    await agent.login({ phoneType: 'pstn' })
    const ev = await log.waitFor('EventAgentNotReady')
    expect(ev).toMatchObject({ agentState: '2', reasonCode: '2', workStatus: 'occupied', phoneType: 'pstn' })
  })

  it("answers every query with the spec's fields", async () => {
    const { agent } = await agentFor('1003')
    const states = await agent.queryStates()
    expect(states.states.map((s) => s.code)).toEqual(['11', '12', '13', '14', '15', '16', '17', '18'])
    expect(states.states[0]).toEqual({ code: '11', name: 'Break' })
    const pt = await agent.queryPhoneType()
    expect(pt).toMatchObject({
      status: 'success',
      id: 'agt-1003',
      agentID: '1003',
      agentName: 'Chloe Martin',
      ext: '8003',
      phone: '13800001003',
    })
    expect(pt.phoneTypes.filter((p) => p.default)).toHaveLength(1)
    const exts = await agent.queryUnusedExts({ currPage: 1, pageSize: 3 })
    expect(exts).toMatchObject({ currPage: 1, pageSize: 3, total: 6 })
    expect(exts.exts[0]).toEqual({ ext: '8003', default: true })
    expect(exts.exts.map((e) => e.ext)).not.toContain('8001') // bound to another agent
    const filtered = await agent.queryUnusedExts({ ext: '801' })
    expect(filtered.exts.map((e) => e.ext)).toEqual(['8010'])
    const joined = await agent.queryAgentJoinedQueues()
    expect(joined.queues).toEqual([
      { queueID: 'QU_SALES', queueName: 'Sales', queueWeight: 1, checkin: 0 },
      { queueID: 'QU_SUPPORT', queueName: 'Support', queueWeight: 1, checkin: 0 },
    ])
    const info = await agent.queryAgentLoginInfo()
    expect(info).toMatchObject({ agentUUID: 'agt-1003', agentID: '1003', ext: '8003', receptionQueues: [] })
    await agent.login({ agentState: '1', phoneType: 'sip' })
    expect((await agent.queryAgentLoginInfo()).receptionQueues).toHaveLength(2)
    const can = await agent.queryAgentCanJoinedInfo()
    expect(can.info).toMatchObject({ id: 'agt-1003', loginStatusCode: '1', loginStatusName: 'Online', currentPhoneType: 'sip' })
    expect(can.info.checkableQueues).toHaveLength(2)
    expect(can.info.loginStatus.map((s) => s.code)).toEqual(['1', '2'])
  })
})

describe('rules, on the client and again on the server', () => {
  it('refuses bad parameters with their codes, in the SDK and at the server', async () => {
    const { agent, token } = await agentFor('1004')
    // @ts-expect-error: not an agentState (the SDK checks at run time too)
    await expect(agent.login({ agentState: '3' })).rejects.toMatchObject({ status: 'error', errorCode: 'INVALID_AGENT_STATE' })
    // @ts-expect-error: not a phoneType
    await expect(agent.login({ phoneType: 'fax' })).rejects.toMatchObject({ errorCode: 'INVALID_PHONE_TYPE' })
    expect((await raw(token, 'login', { agentState: '3' })).body).toMatchObject({ status: 'error', errorCode: 'INVALID_AGENT_STATE' })
    expect((await raw(token, 'login', { phoneType: 'fax' })).body).toMatchObject({ errorCode: 'INVALID_PHONE_TYPE' })
    await agent.login({ agentState: '1', phoneType: 'sip' })
    // @ts-expect-error: not a reason code
    await expect(agent.notReady({ reasonCode: 10 })).rejects.toMatchObject({ errorCode: 'INVALID_REASON_CODE' })
    const r = await raw(token, 'notReady', { reasonCode: 19 })
    expect(r.status).toBe(400)
    expect(r.body).toMatchObject({ errorCode: 'INVALID_REASON_CODE' })
    expect((await raw(token, 'queryUnusedExts', { pageSize: 0 })).body).toMatchObject({ errorCode: 'INVALID_PARAMETER' })
  })

  it('refuses an extension bound to another agent, one that does not exist, and a phone type without a mobile', async () => {
    const { agent } = await agentFor('1005')
    await expect(agent.login({ phoneType: 'sip', bindExt: '8001' })).rejects.toMatchObject({ errorCode: 'EXTENSION_IN_USE' })
    await expect(agent.login({ phoneType: 'sip', bindExt: '7777' })).rejects.toMatchObject({ errorCode: 'EXTENSION_NOT_FOUND' })
    const moved = await agent.login({ phoneType: 'sip', bindExt: '8006', unbindExtOnLogout: true })
    expect(moved.bindExt).toBe('8006')
    await agent.logout()
    expect((await agent.queryPhoneType()).ext).toBe('') // unbound on logout, as asked
    await agent.login({ phoneType: 'sip', bindExt: '8005' })
  })

  it('refuses logout and login in the states the spec forbids, at the server too', async () => {
    const { agent, token } = await agentFor('1001')
    await agent.login({ agentState: '1', phoneType: 'sip' })
    // Put the agent on a call the way the switch will, then ask the server directly.
    const rec = cc.dir.agentByWorkNo('demo', '1001')!
    cc.core.setWorkStatus(rec, 'ring')
    cc.core.setWorkStatus(rec, 'establish')
    const out = await raw(token, 'logout', {})
    expect(out.body).toMatchObject({ errorCode: 'LOGOUT_FORBIDDEN' })
    expect((await raw(token, 'login', { agentState: '1' })).body).toMatchObject({ errorCode: 'LOGIN_FORBIDDEN' })
    cc.core.setWorkStatus(rec, 'wrapUp')
    expect((await raw(token, 'login', { agentState: '1' })).body).toMatchObject({ errorCode: 'LOGIN_FORBIDDEN' })
    cc.core.setWorkStatus(rec, 'release')
    await expect(agent.logout()).resolves.toMatchObject({ status: 'success' })
  })

  it('refuses a logout of an offline agent and supervisor operations from an agent', async () => {
    const { agent, token } = await agentFor('1002')
    expect((await raw(token, 'logout', {})).body).toMatchObject({ errorCode: 'NOT_LOGGED_IN' })
    expect((await raw(token, 'ready', {})).body).toMatchObject({ errorCode: 'NOT_LOGGED_IN' })
    await expect(agent.forceLogout({ targetAgentID: '1001' })).rejects.toMatchObject({ errorCode: 'PERMISSION_DENIED' })
    const r = await raw(token, 'forceBusy', { targetAgentID: '1001' })
    expect(r.status).toBe(403)
    expect(r.body).toMatchObject({ errorCode: 'PERMISSION_DENIED' })
  })

  it('refuses bad tokens, foreign companies and agents, unknown commands and other protocol versions', async () => {
    const token = await devToken(cc, '1003')
    expect((await raw('not-a-jwt', 'queryStates', {})).body).toMatchObject({ errorCode: 'TOKEN_INVALID' })
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    expect((await raw(forged, 'queryStates', {})).status).toBe(401)
    expect((await raw(token, 'init', { companyId: 'other', agent: '1003' })).body).toMatchObject({ errorCode: 'COMPANY_MISMATCH' })
    expect((await raw(token, 'init', { companyId: 'demo', agent: '1001' })).body).toMatchObject({ errorCode: 'AGENT_MISMATCH' })
    expect((await raw(token, 'init', { companyId: 'demo', agent: 'agt-1003', agentType: '1' })).body).toMatchObject({ status: 'success' })
    expect((await raw(token, 'init', { companyId: 'demo', agent: 'nobody' })).body).toMatchObject({ errorCode: 'AGENT_NOT_FOUND' })
    expect((await raw(token, 'selfDestruct', {})).body).toMatchObject({ errorCode: 'NOT_FOUND' })
    expect((await raw(token, 'queryStates', {}, { 'x-sobot-protocol': '9' })).body).toMatchObject({ errorCode: 'PROTOCOL_UNSUPPORTED' })
    const bad = await fetch(`${cc.url}/cti/v1/agent/_login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{oops',
    })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ status: 'error', errorCode: 'INVALID_PARAMETER' })
    const agent = newAgent(cc)
    await expect(agent.initAgent({ token: 'not-a-jwt', companyId: 'demo', agent: '1003' })).rejects.toMatchObject({
      errorCode: 'TOKEN_INVALID',
    })
  })

  it('answers a repeated referenceID from its cache instead of acting twice', async () => {
    const { agent, log, token } = await agentFor('1004')
    await agent.login({ agentState: '1', phoneType: 'sip' })
    await log.waitFor('EventAgentReady')
    const body = { reasonCode: 12, referenceID: 'same-id' }
    const first = await raw(token, 'notReady', body)
    const second = await raw(token, 'notReady', body)
    expect(first.body).toEqual(second.body)
    await log.waitFor('EventAgentNotReady', (e) => e.referenceID === 'same-id')
    await new Promise((r) => setTimeout(r, 100))
    expect(log.events.filter((e) => e.referenceID === 'same-id')).toHaveLength(1)
  })
})

describe('sessions', () => {
  it('a second login of the same agent disconnects the first session', async () => {
    const first = await agentFor('1005')
    await first.agent.login({ agentState: '1', phoneType: 'sip' })
    const second = await agentFor('1005')
    const changed = first.log.next('EventAgentConnectionChanged')
    await second.agent.login({ agentState: '1', phoneType: 'sip' })
    expect(await changed).toMatchObject({ messageID: 'EventAgentConnectionChanged', reason: 'replaced' })
    await expect(first.agent.ready()).rejects.toMatchObject({ errorCode: 'SESSION_OFFLINE' })
    // The agent is still online: the second session works on.
    await expect(second.agent.notReady({ reasonCode: 11 })).resolves.toMatchObject({ status: 'success' })
    expect(second.log.names()).not.toContain('EventAgentConnectionChanged')
  })

  it('initAgent on an agent that is not offline regains its status', async () => {
    const a = await agentFor('1001')
    await a.agent.login({ agentState: '2', phoneType: 'sip' })
    await a.agent.notReady({ reasonCode: 14 })
    const b = await agentFor('1001')
    const ev = await b.log.waitFor('EventAgentRegainStatus')
    expect(ev.agentStateInfo).toMatchObject({
      agent: '1001',
      agentType: '0',
      companyId: 'demo',
      phoneType: 'sip',
      thisDN: '8001',
      agentState: '2',
      reasonCode: '14',
      workStatus: 'occupied',
    })
    expect(typeof ev.agentStateInfo.agentStateTimestamp).toBe('number')
    expect(ev.workStatusInfo).toBeUndefined()
    expect(b.agent.state).toMatchObject({ agentState: 2, reasonCode: 14, workStatus: 'occupied' })
    // Not offline: no regain for an agent that was never logged in.
    const c = await agentFor('1002')
    await new Promise((r) => setTimeout(r, 100))
    expect(c.log.names()).not.toContain('EventAgentRegainStatus')
  })

  it('supervisor force operations reach the target as events', async () => {
    const target = await agentFor('1003')
    const sup = await agentFor('9001')
    await expect(sup.agent.forceBusy({ targetAgentID: '1003' })).rejects.toMatchObject({ errorCode: 'TARGET_OFFLINE' })
    await expect(sup.agent.forceBusy({ targetAgentID: '4242' })).rejects.toMatchObject({ errorCode: 'TARGET_NOT_FOUND' })
    await target.agent.login({ agentState: '1', phoneType: 'sip' })
    const busy = target.log.next('EventAgentNotReady')
    await sup.agent.forceBusy({ targetAgentID: ' 1003 ' })
    expect(await busy).toMatchObject({ agentState: '2', reasonCode: '2', workStatus: 'occupied' })
    const ready = target.log.next('EventAgentReady')
    await sup.agent.forceReady({ targetAgentID: '1003' })
    expect(await ready).toMatchObject({ agentState: '1', workStatus: 'ready' })
    const out = target.log.next('EventAgentLogout')
    const changed = target.log.next('EventAgentConnectionChanged')
    await sup.agent.forceLogout({ targetAgentID: '1003' })
    expect(await out).toMatchObject({ agentState: '0', workStatus: 'offline' })
    expect(await changed).toMatchObject({ reason: 'forceLogout' })
    await expect(target.agent.ready()).rejects.toMatchObject({ errorCode: 'SESSION_OFFLINE' })
  })

  it('resumes a dropped socket with no event lost and none twice', async () => {
    const target = await connectAgent(cc, '1004', { reconnectPolicy: { nextRetryDelayMs: () => 150 } })
    open.push(target.agent)
    const sup = await agentFor('9001')
    await target.agent.login({ agentState: '1', phoneType: 'sip' })
    await target.log.waitFor('EventAgentReady')
    const [session] = cc.hub.sessionsOf('agt-1004')
    expect(session).toBeDefined()
    // Events keep coming while the socket is dropped, dropped again, and back.
    for (let round = 0; round < 3; round++) {
      ;(session!.socket as unknown as WebSocket).terminate()
      for (let i = 0; i < 5; i++) {
        await sup.agent.forceBusy({ targetAgentID: '1004' })
        await sup.agent.forceReady({ targetAgentID: '1004' })
      }
      expect(session!.socket).toBeUndefined() // these ten events waited in the buffer
      await vi.waitFor(() => expect(session!.socket).toBeDefined(), { timeout: 5000 })
    }
    const sent = cc.hub.buffered(session!.id)
    await target.log.waitFor('EventAgentReady', (e) => e.referenceID === sent.at(-1)!.ev.referenceID, 10_000)
    const received = target.log.events.map((e) => `${e.messageID}@${e.referenceID}`)
    expect(received).toEqual(sent.map((s) => `${s.ev.messageID}@${s.ev.referenceID}`))
    expect(sent.map((s) => s.seq)).toEqual(sent.map((_, i) => i + 1))
    expect(target.agent.state.workStatus).toBe('ready')
  })

  it('regains the state when the server can no longer replay what was missed', async () => {
    const small = await startServer({ replayBufferEvents: 4 })
    try {
      // The target stays away for 400 ms after the drop, so the events pile up in the meantime.
      const target = await connectAgent(small, '1002', { reconnectPolicy: { nextRetryDelayMs: () => 400 } })
      const sup = await connectAgent(small, '9001')
      await target.agent.login({ agentState: '1', phoneType: 'sip' })
      await target.log.waitFor('EventAgentReady')
      const [session] = small.hub.sessionsOf('agt-1002')
      ;(session!.socket as unknown as WebSocket).terminate()
      for (const reasonCode of [11, 12, 13]) {
        await sup.agent.forceBusy({ targetAgentID: '1002' })
        await sup.agent.forceReady({ targetAgentID: '1002' })
        await small.core.changeAvailability(small.dir.agentByWorkNo('demo', '1002')!, 'notReady', reasonCode, '')
      }
      const regain = await target.log.waitFor('EventAgentRegainStatus', undefined, 10_000)
      expect(regain.agentStateInfo).toMatchObject({ agentState: '2', reasonCode: '13', workStatus: 'occupied' })
      expect(target.agent.state).toMatchObject({ agentState: 2, reasonCode: 13 })
      // Nothing of the lost stretch arrived half: after the login's two events comes the regain.
      expect(target.log.names()).toEqual(['EventAgentLogin', 'EventAgentReady', 'EventAgentRegainStatus'])
      await expect(target.agent.ready()).resolves.toMatchObject({ status: 'success' })
      target.agent.destroy()
      sup.agent.destroy()
    } finally {
      await small.close()
    }
  })

  it('carries on through a server restart: the socket comes back and regains the state', async () => {
    const secret = 'restart-test-secret-0123456789abcdef'
    const first = await startServer({ jwtSecret: secret })
    const port = Number(new URL(first.url).port)
    const c = await connectAgent(first, '1001')
    try {
      await c.agent.login({ agentState: '1', phoneType: 'sip' })
      await c.log.waitFor('EventAgentReady')
      await first.close()
      const second = await startServer({ jwtSecret: secret, port })
      try {
        const regain = await c.log.waitFor('EventAgentRegainStatus', undefined, 15_000)
        // The restarted server knows the agent but not its run-time state: it reports it offline.
        expect(regain.agentStateInfo).toMatchObject({ agent: '1001', agentState: '0', workStatus: 'offline' })
        await expect(c.agent.login({ agentState: '1', phoneType: 'sip' })).resolves.toMatchObject({ status: 'success' })
      } finally {
        c.agent.destroy()
        await second.close()
      }
    } finally {
      c.agent.destroy()
      await first.close()
    }
  })
})

describe('tokens', () => {
  it('parks commands on EventTokenInvalid and sends them after handleRefreshToken', async () => {
    const short = await devToken(cc, '1005', { ttl: 1 })
    const agent = newAgent(cc)
    open.push(agent)
    const log = new EventLog(agent)
    await agent.initAgent({ token: short, companyId: 'demo', agent: '1005' })
    await agent.login({ agentState: '1', phoneType: 'sip' })
    await new Promise((r) => setTimeout(r, 2100)) // the token expires
    const invalid = log.next('EventTokenInvalid')
    const a = agent.notReady({ reasonCode: 11 })
    await invalid
    const b = agent.notReady({ reasonCode: 12 })
    const c = agent.ready()
    await agent.handleRefreshToken(await devToken(cc, '1005'))
    await expect(Promise.all([a, b, c])).resolves.toHaveLength(3)
    const order = log.events.filter((e) => e.messageID === 'EventAgentNotReady' || e.messageID === 'EventAgentReady').slice(-3)
    expect(order.map((e) => `${e.messageID}:${(e as { reasonCode: string }).reasonCode}`)).toEqual([
      'EventAgentNotReady:11',
      'EventAgentNotReady:12',
      'EventAgentReady:0',
    ])
  })

  it('drops parked commands when no token comes, and fires EventTokenInvalid again', async () => {
    const short = await devToken(cc, '1003', { ttl: 1 })
    const agent = newAgent(cc, { tokenWaitMs: 500 })
    open.push(agent)
    const log = new EventLog(agent)
    await agent.initAgent({ token: short, companyId: 'demo', agent: '1003' })
    await new Promise((r) => setTimeout(r, 2100))
    await expect(agent.queryStates()).rejects.toMatchObject({ errorCode: 'TOKEN_REFRESH_TIMEOUT' })
    expect(log.names().filter((n) => n === 'EventTokenInvalid')).toHaveLength(2)
    await agent.handleRefreshToken(await devToken(cc, '1003'))
    await expect(agent.queryStates()).resolves.toMatchObject({ status: 'success' })
  })
})
