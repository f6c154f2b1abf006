import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

// JsSIP replaced by a user agent whose incoming calls the test makes, so that the web phone's own
// logic (answering a call whose INVITE is still on its way) runs without a network.
const uas: FakeUA[] = []
class FakeUA {
  private readonly handlers = new Map<string, ((e: unknown) => void)[]>()
  constructor() {
    uas.push(this)
  }
  on(name: string, fn: (e: unknown) => void): void {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), fn])
  }
  emit(name: string, e: unknown): void {
    for (const fn of this.handlers.get(name) ?? []) fn(e)
  }
  start(): void {}
  stop(): void {}
}
vi.mock('jssip', () => ({ UA: FakeUA, WebSocketInterface: class {}, debug: { disable: () => {} } }))

const { WebPhone, ANSWER_WAIT_MS } = await import('../../src/phone/WebPhone')

function incomingSession() {
  return {
    direction: 'incoming',
    connection: undefined,
    isInProgress: () => true,
    isEnded: () => false,
    on: () => {},
    answer: vi.fn(),
    terminate: vi.fn(),
  }
}

function ring(session: ReturnType<typeof incomingSession>): void {
  uas.at(-1)!.emit('newRTCSession', { originator: 'remote', session, request: { getHeader: () => '' } })
}

const cfg = {
  sipPath: '/sip',
  uri: 'sip:1_8001@cc.local',
  authorizationUser: '1_8001',
  password: 'x',
  displayName: 'A',
  domain: 'cc.local',
}

beforeEach(() => {
  vi.stubGlobal('isSecureContext', true)
  vi.stubGlobal('RTCPeerConnection', class {})
  vi.stubGlobal('navigator', {
    mediaDevices: { getUserMedia: vi.fn(async () => ({ getTracks: () => [], getAudioTracks: () => [] })) },
  })
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('WebPhone.answer', () => {
  it('answers a call whose INVITE arrives after answer() was called', async () => {
    const phone = new WebPhone(cfg as never, { wsUrl: 'ws://x/sip', ringtone: false })
    const answered = phone.answer()
    await Promise.resolve()
    const session = incomingSession()
    ring(session)
    await answered
    expect(session.answer).toHaveBeenCalledOnce()
    phone.close()
  })

  it('fails with NO_ACTIVE_CALL when no call reaches the phone in time, and when the phone closes', async () => {
    vi.useFakeTimers()
    const phone = new WebPhone(cfg as never, { wsUrl: 'ws://x/sip', ringtone: false })
    const late = phone.answer()
    const seen = late.catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(ANSWER_WAIT_MS + 1)
    expect(await seen).toMatchObject({ errorCode: 'NO_ACTIVE_CALL' })

    const closed = phone.answer().catch((e: unknown) => e)
    phone.close()
    expect(await closed).toMatchObject({ errorCode: 'NO_ACTIVE_CALL', errorMessage: 'The web phone was closed.' })
    expect(vi.getTimerCount()).toBe(0)
  })
})
