import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CtiSocket, HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS } from '../../src/cti/CtiSocket'
import { DefaultReconnectPolicy } from '../../src/cti/ReconnectPolicy'
import type { AnySobotEvent } from '../../src/events'
import { FakeSocket } from './fakes'

const ev = (n: number): AnySobotEvent =>
  ({ messageID: 'EventAgentReady', creationTime: n, companyId: 'c', referenceID: '', attachedData: {} }) as unknown as AnySobotEvent

describe('CtiSocket', () => {
  let sock: CtiSocket
  let got: number[]
  beforeEach(() => {
    vi.useFakeTimers()
    FakeSocket.reset()
    got = []
    sock = new CtiSocket({
      url: 'wss://cc/cti/v1/events',
      WebSocket: FakeSocket,
      sessionId: 's1',
      getToken: () => 'tok',
      policy: new DefaultReconnectPolicy({ random: () => 0 }),
    })
    sock.bus.on('event', (e) => got.push(e.creationTime))
  })
  afterEach(() => {
    sock.close()
    vi.useRealTimers()
  })

  async function connect(): Promise<void> {
    const p = sock.connect()
    FakeSocket.last.serverOpen()
    FakeSocket.last.serverSend({ t: 'welcome', sessionId: 's1', resumed: true, seq: 0 })
    await p
  }

  it('sends the token in the hello frame, not the URL', async () => {
    await connect()
    expect(FakeSocket.last.url).not.toContain('tok')
    expect(FakeSocket.last.hello()).toMatchObject({ t: 'hello', token: 'tok', sessionId: 's1', lastSeq: 0, v: 1 })
  })

  it('resumes from the last sequence and drops what it already delivered', async () => {
    await connect()
    const first = FakeSocket.last
    for (const n of [1, 2, 3]) first.serverSend({ t: 'ev', seq: n, ev: ev(n) })
    first.serverDrop()
    await vi.advanceTimersByTimeAsync(0)
    const second = FakeSocket.last
    expect(second).not.toBe(first)
    second.serverOpen()
    expect(second.hello()!.lastSeq).toBe(3)
    second.serverSend({ t: 'welcome', sessionId: 's1', resumed: true, seq: 5 })
    for (const n of [2, 3, 4, 5]) second.serverSend({ t: 'ev', seq: n, ev: ev(n) }) // an overlapping replay
    expect(got).toEqual([1, 2, 3, 4, 5])
    expect(sock.connectionState).toBe('connected')
  })

  it('restarts its sequence when the server could not replay', async () => {
    await connect()
    FakeSocket.last.serverSend({ t: 'ev', seq: 40, ev: ev(40) })
    FakeSocket.last.serverDrop()
    await vi.advanceTimersByTimeAsync(0)
    FakeSocket.last.serverOpen()
    FakeSocket.last.serverSend({ t: 'welcome', sessionId: 's1', resumed: false, seq: 0 })
    FakeSocket.last.serverSend({ t: 'ev', seq: 1, ev: ev(1) })
    expect(got).toEqual([40, 1])
  })

  it('closes a connection whose heartbeat goes unanswered, and reconnects', async () => {
    await connect()
    const first = FakeSocket.last
    expect(first.sent.some((f) => f.t === 'ping')).toBe(true) // the first ping goes out with the welcome
    await vi.advanceTimersByTimeAsync(HEARTBEAT_TIMEOUT_MS - 1)
    expect(first.readyState).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(first.readyState).toBe(3)
    await vi.advanceTimersByTimeAsync(1) // the first retry is immediate (Node makes 0 ms one)
    expect(FakeSocket.instances.length).toBe(2)
  })

  it('keeps a connection whose heartbeat is answered, and measures the round trip', async () => {
    await connect()
    const first = FakeSocket.last
    const pong = async (after: number): Promise<void> => {
      const ping = first.sent.filter((f) => f.t === 'ping').at(-1) as { id: number }
      await vi.advanceTimersByTimeAsync(after)
      first.serverSend({ t: 'pong', id: ping.id })
    }
    await pong(25)
    expect(sock.rttMs).toBe(25)
    await vi.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS - 25)
    await pong(40)
    await vi.advanceTimersByTimeAsync(HEARTBEAT_TIMEOUT_MS)
    expect(first.readyState).toBe(1)
    expect(sock.rttMs).toBe(40)
    expect(first.sent.filter((f) => f.t === 'ping')).toHaveLength(2)
  })

  it('gives up for good when told bye, and does not reconnect', async () => {
    const fatal = vi.fn()
    sock.bus.on('fatal', fatal)
    await connect()
    FakeSocket.last.serverSend({ t: 'bye', reason: 'replaced' })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(fatal).toHaveBeenCalledWith({ reason: 'replaced', error: undefined })
    expect(FakeSocket.instances).toHaveLength(1)
  })

  it('gives up when the reconnect policy does', async () => {
    const fatal = vi.fn()
    sock = new CtiSocket({
      url: 'wss://cc/e',
      WebSocket: FakeSocket,
      sessionId: 's',
      getToken: () => 't',
      policy: { nextRetryDelayMs: ({ retryCount }) => (retryCount < 3 ? 100 : null) },
    })
    sock.bus.on('fatal', fatal)
    await connect()
    for (let i = 0; i < 4; i++) {
      FakeSocket.last.serverDrop()
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(fatal).toHaveBeenCalledWith(expect.objectContaining({ reason: 'connectionLost' }))
  })

  it('reports a refused token and keeps trying with the newest one', async () => {
    const tokenInvalid = vi.fn()
    sock.bus.on('tokenInvalid', tokenInvalid)
    await connect()
    FakeSocket.last.serverDrop()
    await vi.advanceTimersByTimeAsync(0)
    FakeSocket.last.serverOpen()
    FakeSocket.last.serverSend({ t: 'error', errorCode: 'TOKEN_INVALID', errorMessage: 'expired', fatal: false })
    FakeSocket.last.close(4001)
    expect(tokenInvalid).toHaveBeenCalledOnce()
    expect(sock.connectionState).toBe('reconnecting')
  })
})
