// @vitest-environment node
import { readFileSync } from 'node:fs'
import path from 'node:path'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import {
  COMMAND_PARSERS,
  commandPath,
  parseConsult,
  parseMakeCall,
  parseTargetAgent,
  parseTransfer,
  type CommandName,
  type RawParams,
} from 'sobot-call-sdk/protocol'
import { AgentCore } from '../../server/acd/agents'
import { Directory } from '../../server/acd/directory'
import { TokenService } from '../../server/auth/tokens'
import { CommandRouter } from '../../server/cti/commands'
import { SessionHub } from '../../server/cti/hub'

const code = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (e) {
    return (e as { errorCode?: string }).errorCode
  }
  return undefined
}

describe('the command contract', () => {
  it('is what docs/PROTOCOL.md lists: every command of the CommandMap, and no other', () => {
    const doc = readFileSync(path.join(__dirname, '../../docs/PROTOCOL.md'), 'utf8')
    const section = doc.slice(doc.indexOf('### The commands'), doc.indexOf('### Multi-party operations'))
    const rows = section.split('\n').filter((l) => l.startsWith('| `_'))
    const listed = rows.flatMap((r) => [...r.split('|')[1]!.matchAll(/`_(\w+)`/g)].map((m) => m[1]!))
    expect([...listed].sort()).toEqual(Object.keys(COMMAND_PARSERS).sort())
    expect(new Set(listed).size).toBe(listed.length)
  })

  it('parses a body into exactly its command parameters: trimmed, defaulted, nothing else kept', () => {
    const raw = { referenceID: 'r1', otherDN: ' 13900001111 ', userData: { order: 7 }, success: () => {}, extra: 'x' }
    expect(parseMakeCall(raw)).toEqual({ otherDN: '13900001111', userData: { order: 7 } })
    expect(COMMAND_PARSERS.ready({ referenceID: 'r2', anything: 1 })).toEqual({})
    expect(COMMAND_PARSERS.queryUnusedExts({})).toEqual({ ext: '', currPage: 1, pageSize: 50 })
    expect(COMMAND_PARSERS.queryAgents({ agentState: '-1' })).toEqual({ agentName: '', agentState: -1, queueCode: '' })
    expect(COMMAND_PARSERS.notReady({ reasonCode: ' 12 ' })).toEqual({ reasonCode: 12 })
    // agentType: a supervisor's force operations default to work numbers; transfers leave it to the session.
    expect(parseTargetAgent({ targetAgentID: '1001' })).toEqual({ targetAgentID: '1001', agentType: '0' })
    expect(parseTransfer({ targetType: '0', target: '1001' }).agentType).toBeUndefined()
    expect(parseTransfer({ targetType: '3', target: 'QU_SALES', agentType: '1' })).toEqual({
      targetType: '3',
      target: 'QU_SALES',
      agentType: '1',
    })
  })

  it('refuses what a command does not accept, with the catalogue code', () => {
    expect(code(() => parseMakeCall({}))).toBe('MISSING_PARAMETER')
    expect(code(() => parseMakeCall({ otherDN: '13900001111', ANI: '0281', outboundPlanCode: 'P1' }))).toBe('INVALID_PARAMETER')
    expect(code(() => parseMakeCall({ otherDN: '13900001111', userData: [1] }))).toBe('INVALID_PARAMETER')
    expect(code(() => parseConsult({ targetType: '3', target: 'QU_SALES' }))).toBe('INVALID_TARGET_TYPE')
    expect(code(() => parseTargetAgent({ targetAgentID: '1001', agentType: '2' }))).toBe('INVALID_AGENT_TYPE')
    expect(code(() => COMMAND_PARSERS.delayACW({ delayTime: 29 }))).toBe('INVALID_DELAY_TIME')
    expect(code(() => COMMAND_PARSERS.login({ phoneType: 'webrtcc' }))).toBe('INVALID_PHONE_TYPE')
  })
})

describe('CommandRouter', () => {
  const apps: { close(): Promise<unknown> }[] = []
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close()
  })

  async function routed(handlers: Partial<Record<CommandName, (params: unknown) => unknown>> = {}) {
    const dir = new Directory()
    dir.companies.set('demo', { id: 'demo', name: 'Demo', projectId: 1 })
    dir.agents.set('agt-1', {
      uuid: 'agt-1',
      companyId: 'demo',
      agentID: '1001',
      name: 'A',
      ext: '8001',
      mobile: '',
      phoneTypes: ['sip'],
      defaultPhoneType: 'sip',
      supervisor: false,
      sipPassword: 'p',
    })
    const hub = new SessionHub()
    const core = new AgentCore(dir, { publish: () => {}, endSessions: () => {} })
    const tokens = new TokenService('a-secret-of-at-least-32-characters!!')
    const router = new CommandRouter(tokens, dir, hub, core)
    const received: { name: string; params: unknown }[] = []
    for (const name of Object.keys(COMMAND_PARSERS) as CommandName[]) {
      if (name === 'init') continue
      // Every command answers with what its handler makes of the parsed parameters.
      router.register(name, (_c, params) => {
        received.push({ name, params })
        return (handlers[name]?.(params) ?? {}) as never
      })
    }
    const app = Fastify()
    apps.push(app)
    router.install(app)
    const token = await tokens.signAgent({ companyId: 'demo', agentUUID: 'agt-1' })
    const post = async (name: string, body: RawParams) => {
      const res = await app.inject({
        method: 'POST',
        url: commandPath(name),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      })
      return { status: res.statusCode, body: res.json() as Record<string, unknown> }
    }
    return { post, received }
  }

  it("hands the handler the contract's parsed parameters and answers with its result", async () => {
    const { post, received } = await routed({ makeCall: (p) => ({ callID: `call-to-${(p as { otherDN: string }).otherDN}` }) })
    const res = await post('makeCall', { referenceID: 'r1', otherDN: ' 13900001111 ', unknown: true })
    expect(res).toEqual({ status: 200, body: { status: 'success', callID: 'call-to-13900001111' } })
    expect(received).toEqual([{ name: 'makeCall', params: { otherDN: '13900001111' } }])
  })

  it('never runs a handler on a body its parser refuses', async () => {
    const { post, received } = await routed()
    expect(await post('makeCall', { otherDN: 'letters' })).toMatchObject({ status: 400, body: { errorCode: 'INVALID_PARAMETER' } })
    expect(await post('notReady', { reasonCode: 19 })).toMatchObject({ status: 400, body: { errorCode: 'INVALID_REASON_CODE' } })
    expect(await post('sendDtmf', { dtmfDigits: 'abc' })).toMatchObject({ body: { errorCode: 'INVALID_DTMF' } })
    expect(await post('noSuchCommand', {})).toMatchObject({ status: 404, body: { errorCode: 'NOT_FOUND' } })
    expect(received).toEqual([])
  })

  it('refuses to start with a command of the contract that has no handler', () => {
    const dir = new Directory()
    const router = new CommandRouter(
      new TokenService('a-secret-of-at-least-32-characters!!'),
      dir,
      new SessionHub(),
      new AgentCore(dir, { publish: () => {}, endSessions: () => {} }),
    )
    router.register('ready', () => ({}))
    expect(() => router.install(Fastify())).toThrow(/no handler for login, logout, notReady/)
  })
})
