import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Agent, type AgentOptions } from '../../src/agent/Agent'
import type { PhoneConfig, PhoneModule, PhoneOptions, PhoneStatus, WebPhoneLike } from '../../src/phone/types'
import type { AnySobotEvent } from '../../src/events'
import { FakeFetch, FakeSocket } from './fakes'

const INIT = {
  status: 'success',
  sessionId: 's1',
  agentUUID: 'agt-1',
  agentID: '1001',
  isSupervisor: false,
  agentStateInfo: { agentState: '0', workStatus: 'offline', reasonCode: '0', phoneType: '', thisDN: '8001' },
}

async function initialised(ff: FakeFetch, init: Record<string, unknown> = INIT): Promise<Agent> {
  ff.respond((name) => ({ status: 200, body: name === 'init' ? init : { status: 'success' } }))
  const agent = new Agent({ server: 'https://cc.example', fetch: ff.fetch, WebSocket: FakeSocket })
  const p = agent.initAgent({ token: 't', companyId: 'demo', agent: ' 1001 ' })
  await vi.waitFor(() => expect(FakeSocket.instances.length).toBe(1))
  FakeSocket.last.serverOpen()
  FakeSocket.last.serverSend({ t: 'welcome', sessionId: 's1', resumed: true, seq: 0 })
  await p
  return agent
}

let seq = 0
function push(ev: Record<string, unknown>): void {
  FakeSocket.last.serverSend({
    t: 'ev',
    seq: ++seq,
    ev: { creationTime: 1, companyId: 'demo', referenceID: '', attachedData: {}, ...ev } as AnySobotEvent,
  })
}

describe('Agent facade', () => {
  let ff: FakeFetch
  beforeEach(() => {
    ff = new FakeFetch()
    FakeSocket.reset()
    seq = 0
  })
  afterEach(() => vi.restoreAllMocks())

  it('refuses every method before initAgent, with a named error through both channels', async () => {
    const agent = new Agent({ server: 'https://cc', fetch: ff.fetch, WebSocket: FakeSocket })
    const error = vi.fn()
    await expect(agent.ready({ error })).rejects.toMatchObject({ status: 'error', errorCode: 'NOT_INITIALIZED' })
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ errorCode: 'NOT_INITIALIZED' }))
    await expect(agent.queryStates()).rejects.toMatchObject({ errorCode: 'NOT_INITIALIZED' })
    expect(ff.calls).toHaveLength(0)
  })

  it('validates initAgent before anything is sent', async () => {
    const agent = new Agent({ server: 'https://cc', fetch: ff.fetch, WebSocket: FakeSocket })
    await expect(agent.initAgent({ token: '', companyId: 'demo', agent: '1001' })).rejects.toMatchObject({ errorCode: 'MISSING_PARAMETER' })
    // @ts-expect-error: not an agentType
    await expect(agent.initAgent({ token: 't', companyId: 'demo', agent: '1001', agentType: '7' })).rejects.toMatchObject({
      errorCode: 'INVALID_AGENT_TYPE',
    })
    expect(ff.calls).toHaveLength(0)
  })

  it("sends trimmed parameters and resolves with the server's result", async () => {
    const agent = await initialised(ff)
    expect(ff.calls[0]!.body).toMatchObject({ companyId: 'demo', agent: '1001', agentType: '0' })
    const success = vi.fn()
    // @ts-expect-error: padded values, as JavaScript callers may pass them
    await agent.login({ agentState: ' 1 ', phoneType: ' sip ', bindExt: ' 8001 ', success })
    expect(ff.calls[1]!.body).toMatchObject({ agentState: '1', phoneType: 'sip', bindExt: '8001' })
    expect(ff.calls[1]!.headers['x-sobot-session']).toBe('s1')
    expect(success).toHaveBeenCalledWith({ status: 'success' })
    agent.destroy()
  })

  it('refuses bad input and forbidden states before sending', async () => {
    const agent = await initialised(ff)
    const sent = ff.calls.length
    await expect(agent.notReady({ reasonCode: 11 })).rejects.toMatchObject({ errorCode: 'NOT_LOGGED_IN' })
    await expect(agent.logout()).rejects.toMatchObject({ errorCode: 'NOT_LOGGED_IN' })
    push({ messageID: 'EventAgentReady', agentState: '1', workStatus: 'ready', reasonCode: '0' })
    // @ts-expect-error: not a reason code
    await expect(agent.notReady({ reasonCode: 3 })).rejects.toMatchObject({ errorCode: 'INVALID_REASON_CODE' })
    await expect(agent.forceBusy({ targetAgentID: '1002' })).rejects.toMatchObject({ errorCode: 'PERMISSION_DENIED' })
    push({ messageID: 'EventEstablished', workStatus: 'talking', callID: 'c1' })
    await expect(agent.login({ agentState: '1', phoneType: 'webrtc' })).rejects.toMatchObject({ errorCode: 'LOGIN_FORBIDDEN' })
    await expect(agent.logout()).rejects.toMatchObject({ errorCode: 'LOGOUT_FORBIDDEN' })
    expect(ff.calls.length).toBe(sent)
    agent.destroy()
  })

  it('keeps its state from the events before listeners see them', async () => {
    const agent = await initialised(ff)
    const seen: string[] = []
    agent.on('EventAgentNotReady', () => seen.push(`${agent.state.workStatus}/${agent.state.reasonCode}`))
    push({ messageID: 'EventAgentNotReady', agentState: '2', workStatus: 'occupied', reasonCode: '13' })
    expect(seen).toEqual(['occupied/13'])
    expect(agent.state.agentState).toBe(2)
    agent.destroy()
  })

  it('chains on/off; off(name) removes all, off(name, fn) one; EventAgentAll gets everything', async () => {
    const agent = await initialised(ff)
    const a = vi.fn()
    const b = vi.fn()
    const all = vi.fn()
    expect(agent.on('EventAgentReady', a).on('EventAgentReady', b).on('EventAgentAll', all)).toBe(agent)
    push({ messageID: 'EventAgentReady', agentState: '1', workStatus: 'ready' })
    agent.off('EventAgentReady', a)
    push({ messageID: 'EventAgentReady', agentState: '1', workStatus: 'ready' })
    expect(agent.off('EventAgentReady')).toBe(agent)
    push({ messageID: 'EventAgentReady', agentState: '1', workStatus: 'ready' })
    expect(a).toHaveBeenCalledTimes(1)
    expect(b).toHaveBeenCalledTimes(2)
    expect(all).toHaveBeenCalledTimes(3)
    agent.destroy()
  })

  it('a listener that throws breaks neither the SDK nor the other listeners', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    const agent = await initialised(ff)
    const after = vi.fn()
    agent
      .on('EventAgentReady', () => {
        throw new Error('app bug')
      })
      .on('EventAgentReady', after)
      .on('EventAgentAll', after)
    push({ messageID: 'EventAgentReady', agentState: '1', workStatus: 'ready' })
    push({ messageID: 'EventAgentReady', agentState: '1', workStatus: 'ready' })
    expect(after).toHaveBeenCalledTimes(4)
    expect(spy).toHaveBeenCalled()
    expect(agent.state.workStatus).toBe('ready')
    agent.destroy()
  })

  it('goes offline on a bye: EventAgentConnectionChanged, then SESSION_OFFLINE, then initAgent works again', async () => {
    const agent = await initialised(ff)
    const changed = vi.fn()
    agent.on('EventAgentConnectionChanged', changed)
    FakeSocket.last.serverSend({ t: 'bye', reason: 'replaced' })
    expect(changed).toHaveBeenCalledWith(expect.objectContaining({ messageID: 'EventAgentConnectionChanged', reason: 'replaced' }))
    await expect(agent.ready()).rejects.toMatchObject({ errorCode: 'SESSION_OFFLINE' })
    const again = agent.initAgent({ token: 't', companyId: 'demo', agent: '1001' })
    await vi.waitFor(() => expect(FakeSocket.instances.length).toBe(2))
    FakeSocket.last.serverOpen()
    FakeSocket.last.serverSend({ t: 'welcome', sessionId: 's1', resumed: true, seq: 0 })
    await expect(again).resolves.toMatchObject({ status: 'success' })
    agent.destroy()
  })

  it('refuses a second initAgent and everything after destroy', async () => {
    const agent = await initialised(ff)
    await expect(agent.initAgent({ token: 't', companyId: 'demo', agent: '1001' })).rejects.toMatchObject({
      errorCode: 'ALREADY_INITIALIZED',
    })
    agent.destroy()
    agent.destroy()
    await expect(agent.ready()).rejects.toMatchObject({ errorCode: 'DESTROYED' })
    expect(FakeSocket.last.readyState).toBe(3)
  })

  it('emits EventTokenInvalid and sends parked commands after handleRefreshToken(newToken)', async () => {
    const agent = await initialised(ff)
    push({ messageID: 'EventAgentReady', agentState: '1', workStatus: 'ready' })
    ff.respond((_n, _b, h) =>
      h.authorization === 'Bearer fresh'
        ? { status: 200, body: { status: 'success' } }
        : { status: 401, body: { status: 'error', errorCode: 'TOKEN_INVALID', errorMessage: 'x' } },
    )
    const invalid = vi.fn()
    agent.on('EventTokenInvalid', invalid)
    const ready = agent.ready()
    await vi.waitFor(() => expect(invalid).toHaveBeenCalledOnce())
    await agent.handleRefreshToken('fresh')
    await expect(ready).resolves.toEqual({ status: 'success' })
    expect(ff.calls.at(-1)!.headers.authorization).toBe('Bearer fresh')
    agent.destroy()
  })

  it('refuses call operations with bad input or in the wrong state before anything is sent', async () => {
    const agent = await initialised(ff)
    push({ messageID: 'EventAgentReady', agentState: '1', workStatus: 'ready' })
    const sent = ff.calls.length
    const refused = async (p: Promise<unknown>) => ((await p.catch((e) => e)) as { errorCode: string }).errorCode
    expect(await refused(agent.makeCall({} as never))).toBe('MISSING_PARAMETER')
    expect(await refused(agent.makeCall({ otherDN: 'call mom' }))).toBe('INVALID_PARAMETER')
    expect(await refused(agent.makeCall({ otherDN: '1'.repeat(33) }))).toBe('INVALID_PARAMETER')
    expect(await refused(agent.makeCall({ otherDN: '13800000000', ANI: '01066666666', outboundPlanCode: 'P1' }))).toBe('INVALID_PARAMETER')
    expect(await refused(agent.makeCall({ otherDN: '13800000000', userData: [] as never }))).toBe('INVALID_PARAMETER')
    expect(await refused(agent.makeCall({ otherDN: '13800000000', userData: { blob: 'x'.repeat(5000) } }))).toBe('INVALID_PARAMETER')
    expect(await refused(agent.sendDtmf({ dtmfDigits: '1'.repeat(25) }))).toBe('INVALID_DTMF')
    expect(await refused(agent.sendDtmf({ dtmfDigits: '12A' }))).toBe('INVALID_DTMF')
    expect(await refused(agent.sendDtmf({ dtmfDigits: '123' }))).toBe('NO_ACTIVE_CALL')
    expect(await refused(agent.hangup())).toBe('NO_ACTIVE_CALL')
    expect(await refused(agent.holdCall())).toBe('NO_ACTIVE_CALL')
    expect(await refused(agent.answer())).toBe('NO_ACTIVE_CALL')
    expect(await refused(agent.delayACW({ delayTime: 29 }))).toBe('INVALID_DELAY_TIME')
    expect(await refused(agent.delayACW({ delayTime: 60 }))).toBe('NOT_IN_ACW')
    expect(await refused(agent.completeACW())).toBe('NOT_IN_ACW')
    // @ts-expect-error: not a targetType
    expect(await refused(agent.singleTransfer({ targetType: '5', target: '1002' }))).toBe('INVALID_TARGET_TYPE')
    // @ts-expect-error: a consult has no skill group target
    expect(await refused(agent.initiateConsult({ targetType: '3', target: 'QU_SALES' }))).toBe('INVALID_TARGET_TYPE')
    expect(await refused(agent.observe({ targetAgentID: '1002' }))).toBe('PERMISSION_DENIED')
    expect(await refused(agent.setRoute({ explicitRule: '2' }))).toBe('INVALID_ROUTE_RULE')
    push({ messageID: 'EventEstablished', workStatus: 'talking', callID: 'c1', callType: 'Inbound', otherDN: '13800000000' })
    expect(agent.state.call).toMatchObject({ callID: 'c1', otherDN: '13800000000' })
    expect(await refused(agent.makeCall({ otherDN: '13800000000' }))).toBe('CALL_STATE_FORBIDS')
    expect(await refused(agent.retrieveCall())).toBe('CALL_STATE_FORBIDS')
    expect(await refused(agent.cancelConsult())).toBe('CALL_STATE_FORBIDS')
    expect(ff.calls.length).toBe(sent)
    await agent.holdCall()
    expect(ff.names().at(-1)).toBe('holdCall')
    push({ messageID: 'EventReleased', workStatus: 'sorting', callID: 'c1' })
    expect(agent.state.calls).toEqual([])
    agent.destroy()
  })

  it('keeps a consult as a second call, merges it away on previousCallID, and refuses targeting itself', async () => {
    const agent = await initialised(ff)
    push({ messageID: 'EventEstablished', workStatus: 'talking', callID: 'm', callType: 'Inbound', otherDN: '139' })
    const sent = ff.calls.length
    const refused = async (p: Promise<unknown>) => ((await p.catch((e) => e)) as { errorCode: string }).errorCode
    expect(await refused(agent.initiateConsult({ targetType: '0', target: '1001' }))).toBe('TARGET_IS_SELF')
    expect(await refused(agent.singleTransfer({ targetType: '2', target: '8001' }))).toBe('TARGET_IS_SELF')
    expect(await refused(agent.consultConference())).toBe('CALL_STATE_FORBIDS')
    expect(ff.calls.length).toBe(sent)
    // A consulted agent's view: the consult call, then the customer's call replacing it.
    push({ messageID: 'EventRinging', workStatus: 'calling', callID: 'c', callType: 'Consult', otherDN: '8004' })
    expect(agent.state.calls.map((c) => c.callID)).toEqual(['m', 'c'])
    push({
      messageID: 'EventPartyChanged',
      workStatus: 'talking',
      callID: 'm2',
      callType: 'Inbound',
      previousCallID: 'c',
      thisDNRole: 'TransferTo',
    })
    expect(agent.state.calls.map((c) => c.callID)).toEqual(['m', 'm2'])
    // The detail record of a call that is over does not bring it back.
    push({ messageID: 'EventReleased', workStatus: 'talking', callID: 'm' })
    push({ messageID: 'MainCDRInfo', callID: 'm', callType: 'Inbound' })
    expect(agent.state.calls.map((c) => c.callID)).toEqual(['m2'])
    agent.destroy()
  })
})

describe('closeProtection and the snapshot of calls', () => {
  let ff: FakeFetch
  beforeEach(() => {
    ff = new FakeFetch()
    FakeSocket.reset()
    seq = 0
  })
  afterEach(() => vi.restoreAllMocks())

  async function withOptions(opts: AgentOptions, init: Record<string, unknown> = INIT): Promise<Agent> {
    ff.respond((name) => ({ status: 200, body: name === 'init' ? init : { status: 'success' } }))
    const agent = new Agent({ server: 'https://cc.example', fetch: ff.fetch, WebSocket: FakeSocket, ...opts })
    const p = agent.initAgent({ token: 't', companyId: 'demo', agent: '1001' })
    await vi.waitFor(() => expect(FakeSocket.instances.length).toBe(1))
    FakeSocket.last.serverOpen()
    FakeSocket.last.serverSend({ t: 'welcome', sessionId: 's1', resumed: true, seq: 0 })
    await p
    return agent
  }
  const beforeUnload = (): Event => {
    const e = new Event('beforeunload', { cancelable: true })
    window.dispatchEvent(e)
    return e
  }
  const guards = (spy: { mock: { calls: unknown[][] } }): unknown[] =>
    spy.mock.calls.filter((c) => c[0] === 'beforeunload').map((c) => c[1])

  it('asks before the page goes only while a call is active, and removes its listener by the same reference', async () => {
    const add = vi.spyOn(window, 'addEventListener')
    const remove = vi.spyOn(window, 'removeEventListener')
    const agent = await withOptions({ closeProtection: 'A customer is on the line.' })
    push({ messageID: 'EventAgentReady', agentState: '1', workStatus: 'ready', phoneType: 'webrtc' })
    push({ messageID: 'EventRinging', workStatus: 'calling', callID: 'c1', callType: 'Inbound' })
    // Ringing is not protected: another agent can take the call.
    expect(guards(add)).toHaveLength(0)
    expect(beforeUnload().defaultPrevented).toBe(false)

    push({ messageID: 'EventEstablished', workStatus: 'talking', callID: 'c1', callType: 'Inbound' })
    expect(guards(add)).toHaveLength(1)
    const e = beforeUnload()
    expect(e.defaultPrevented).toBe(true)
    expect((e as BeforeUnloadEvent).returnValue).toBe('A customer is on the line.')
    push({ messageID: 'EventHeld', workStatus: 'holding', callID: 'c1', callType: 'Inbound' })
    expect(guards(add)).toHaveLength(1) // one listener for the whole call

    push({ messageID: 'EventReleased', workStatus: 'sorting', callID: 'c1' })
    expect(guards(remove)).toEqual(guards(add))
    expect(beforeUnload().defaultPrevented).toBe(false)

    // The next call protects again, and destroy() removes the listener.
    push({ messageID: 'EventDialing', workStatus: 'dialing', callID: 'c2', callType: 'Outbound' })
    expect(guards(add)).toHaveLength(2)
    expect(beforeUnload().defaultPrevented).toBe(true)
    agent.destroy()
    expect(guards(remove)).toEqual(guards(add))
    expect(beforeUnload().defaultPrevented).toBe(false)
  })

  it('is off by default and for calls on a SIP phone, gives up when the session goes offline, and refuses a bad option', async () => {
    const add = vi.spyOn(window, 'addEventListener')
    const plain = await withOptions({})
    push({ messageID: 'EventAgentReady', agentState: '1', workStatus: 'ready', phoneType: 'webrtc' })
    push({ messageID: 'EventEstablished', workStatus: 'talking', callID: 'c1', callType: 'Inbound' })
    expect(guards(add)).toHaveLength(0)
    plain.destroy()

    // A SIP phone's call outlives the page: nothing to ask.
    FakeSocket.reset()
    const sip = await withOptions({ closeProtection: true })
    push({ messageID: 'EventAgentReady', agentState: '1', workStatus: 'ready', phoneType: 'sip' })
    push({ messageID: 'EventEstablished', workStatus: 'talking', callID: 'c1', callType: 'Inbound' })
    expect(guards(add)).toHaveLength(0)
    sip.destroy()

    FakeSocket.reset()
    const agent = await withOptions({ closeProtection: true })
    push({ messageID: 'EventAgentReady', agentState: '1', workStatus: 'ready', phoneType: 'webrtc' })
    push({ messageID: 'EventEstablished', workStatus: 'talking', callID: 'c1', callType: 'Inbound' })
    const e = beforeUnload()
    expect(e.defaultPrevented).toBe(true)
    expect((e as BeforeUnloadEvent).returnValue).not.toBe('')
    // Forced offline (a login elsewhere): this page no longer has the call.
    FakeSocket.last.serverSend({ t: 'bye', reason: 'replaced' })
    await vi.waitFor(() => expect(beforeUnload().defaultPrevented).toBe(false))
    agent.destroy()
    expect(() => new Agent({ server: 'https://cc', closeProtection: 1 as never })).toThrow(
      expect.objectContaining({ errorCode: 'INVALID_PARAMETER' }),
    )
  })

  it('knows which calls are answered and whether the agent is a supervisor', async () => {
    const agent = await withOptions({}, { ...INIT, isSupervisor: true })
    expect(agent.state.isSupervisor).toBe(true)
    push({ messageID: 'EventRinging', workStatus: 'calling', callID: 'm', callType: 'Inbound' })
    expect(agent.state.call?.established).toBe(false)
    push({ messageID: 'EventEstablished', workStatus: 'talking', callID: 'm', callType: 'Inbound' })
    expect(agent.state.call?.established).toBe(true)
    // A consult: dialled, then answered; the customer's call stays answered on hold.
    push({ messageID: 'EventHeld', workStatus: 'consulting', callID: 'm', callType: 'Inbound' })
    push({ messageID: 'EventDialing', workStatus: 'consulting', callID: 'k', callType: 'Consult', thisDNRole: 'ConsultBy' })
    expect(agent.state.calls.map((c) => [c.callID, c.established])).toEqual([
      ['m', true],
      ['k', false],
    ])
    push({ messageID: 'EventEstablished', workStatus: 'consulting', callID: 'k', callType: 'Consult', thisDNRole: 'ConsultBy' })
    expect(agent.state.calls.map((c) => c.established)).toEqual([true, true])
    agent.destroy()
  })
})

/** A phone module whose phones the test controls. */
class FakePhone implements WebPhoneLike {
  static last: FakePhone | undefined
  static registerFails = false
  closed = false
  answered = 0
  ringing = false
  constructor(
    readonly cfg: PhoneConfig,
    readonly opts: PhoneOptions,
  ) {
    FakePhone.last = this
  }
  async register(): Promise<void> {
    if (FakePhone.registerFails) throw Object.assign(new Error('no'), { errorCode: 'PHONE_FAILED', errorMessage: 'refused' })
  }
  async answer(): Promise<void> {
    this.answered++
  }
  async status(): Promise<PhoneStatus> {
    return { registered: true, ringing: this.ringing, ringtonePlaying: false, inCall: false }
  }
  async setInputDevice(): Promise<void> {}
  async setOutputDevice(): Promise<void> {}
  close(): void {
    this.closed = true
  }
}

const preflights: (string | undefined)[] = []
const fakeModule: PhoneModule = {
  WebPhone: FakePhone,
  preflight: async (id) => {
    preflights.push(id)
  },
  listAudioDevices: async () => [],
}

class PhoneAgent extends Agent {
  protected override loadPhone(): Promise<PhoneModule> {
    return Promise.resolve(fakeModule)
  }
}

describe('Agent facade with the web phone', () => {
  let ff: FakeFetch
  const PHONE: PhoneConfig = {
    sipPath: '/sip',
    uri: 'sip:1_web_8001@cc.local',
    authorizationUser: '1_web_8001',
    password: 'p',
    displayName: 'A',
    domain: 'cc.local',
  }
  beforeEach(() => {
    ff = new FakeFetch()
    FakeSocket.reset()
    seq = 0
    FakePhone.last = undefined
    FakePhone.registerFails = false
    preflights.length = 0
  })

  async function phoneAgent(opts: AgentOptions = {}): Promise<PhoneAgent> {
    ff.respond((name) => ({
      status: 200,
      body: name === 'init' ? INIT : name === 'login' ? { status: 'success', phoneType: 'webrtc', phone: PHONE } : { status: 'success' },
    }))
    const agent = new PhoneAgent({ server: 'https://cc.example', fetch: ff.fetch, WebSocket: FakeSocket, ...opts })
    const p = agent.initAgent({ token: 't', companyId: 'demo', agent: '1001' })
    await vi.waitFor(() => expect(FakeSocket.instances.length).toBe(1))
    FakeSocket.last.serverOpen()
    FakeSocket.last.serverSend({ t: 'welcome', sessionId: 's1', resumed: true, seq: 0 })
    await p
    return agent
  }

  it('checks the microphone before login, registers the phone after, and keeps its SIP identity to itself', async () => {
    const agent = await phoneAgent({ audioInputDeviceId: 'mic-2' })
    const res = await agent.login({ agentState: '1', phoneType: 'webrtc' })
    expect(preflights).toEqual(['mic-2'])
    expect(res).not.toHaveProperty('phone')
    expect(FakePhone.last!.cfg).toEqual(PHONE)
    expect(FakePhone.last!.opts.wsUrl).toBe('wss://cc.example/sip')
    push({ messageID: 'EventRinging', workStatus: 'calling', callID: 'c1' })
    await agent.answer()
    expect(FakePhone.last!.answered).toBe(1)
    push({ messageID: 'EventAgentLogout', agentState: '0', workStatus: 'offline' })
    expect(FakePhone.last!.closed).toBe(true)
    agent.destroy()
  })

  it('logs out again and fails the login when the phone cannot register', async () => {
    const agent = await phoneAgent()
    FakePhone.registerFails = true
    await expect(agent.login({ agentState: '1', phoneType: 'webrtc' })).rejects.toMatchObject({ errorCode: 'PHONE_FAILED' })
    expect(ff.names()).toEqual(['init', 'login', 'logout'])
    expect(FakePhone.last!.closed).toBe(true)
    agent.destroy()
  })

  it('reports voice quality as EventJanusLatency with the loss as a percentage', async () => {
    const agent = await phoneAgent()
    await agent.login({ agentState: '1', phoneType: 'webrtc' })
    const got = vi.fn()
    agent.on('EventJanusLatency', got)
    FakePhone.last!.opts.onStats!({ ping: 40, jitter: 3, lossFraction: 0.012, quality: 'e' })
    expect(got).toHaveBeenCalledWith(
      expect.objectContaining({ messageID: 'EventJanusLatency', ping: 40, jitter: 3, loss: '1.2', quality: 'e', ctiPing: 0 }),
    )
    agent.destroy()
    expect(FakePhone.last!.closed).toBe(true)
  })
})
