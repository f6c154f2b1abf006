import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CommandClient, TOKEN_WAIT_MS } from '../../src/cti/CommandClient'
import { FakeFetch } from './fakes'

const INVALID = { status: 401, body: { status: 'error', errorCode: 'TOKEN_INVALID', errorMessage: 'expired' } }

describe('CommandClient token parking', () => {
  let ff: FakeFetch
  let invalid: string[]
  let client: CommandClient
  beforeEach(() => {
    vi.useFakeTimers()
    ff = new FakeFetch()
    invalid = []
    client = new CommandClient({ server: 'https://cc', fetch: ff.fetch, token: 'old', onTokenInvalid: (e) => invalid.push(e.errorCode) })
    // The server accepts only the token "new".
    ff.respond((name, _body, h) => (h.authorization === 'Bearer new' ? { status: 200, body: { status: 'success', echo: name } } : INVALID))
  })
  afterEach(() => {
    client.dispose(new Error('end') as never)
    vi.useRealTimers()
  })

  it('parks a refused command and those issued after it, then sends them once each, in order', async () => {
    const a = client.send('ready', {})
    await vi.advanceTimersByTimeAsync(0)
    expect(invalid).toEqual(['TOKEN_INVALID'])
    const b = client.send('notReady', { reasonCode: 11 })
    const c = client.send('logout', {})
    await vi.advanceTimersByTimeAsync(5000)
    expect(ff.names()).toEqual(['ready']) // notReady and logout waited without going out
    client.setToken('new')
    await expect(Promise.all([a, b, c])).resolves.toMatchObject([{ echo: 'ready' }, { echo: 'notReady' }, { echo: 'logout' }])
    expect(ff.names()).toEqual(['ready', 'ready', 'notReady', 'logout'])
    expect(ff.calls[2]!.body.reasonCode).toBe(11)
    // The resent command keeps its referenceID, so the server can tell a repeat from a new command.
    expect(ff.calls[1]!.body.referenceID).toBe(ff.calls[0]!.body.referenceID)
    expect(ff.calls.slice(1).map((c) => c.headers.authorization)).toEqual(['Bearer new', 'Bearer new', 'Bearer new'])
  })

  it('drops parked commands after 10 s and fires EventTokenInvalid again', async () => {
    const a = client.send('ready', {})
    const caught = a.catch((e) => e)
    await vi.advanceTimersByTimeAsync(0)
    const b = client.send('logout', {}).catch((e) => e)
    await vi.advanceTimersByTimeAsync(TOKEN_WAIT_MS - 1)
    expect(invalid).toEqual(['TOKEN_INVALID'])
    await vi.advanceTimersByTimeAsync(1)
    expect(await caught).toMatchObject({ status: 'error', errorCode: 'TOKEN_REFRESH_TIMEOUT' })
    expect(await b).toMatchObject({ errorCode: 'TOKEN_REFRESH_TIMEOUT' })
    expect(invalid).toEqual(['TOKEN_INVALID', 'TOKEN_REFRESH_TIMEOUT'])
    // Later a new token sends nothing twice: what was dropped stays dropped.
    client.setToken('new')
    await vi.advanceTimersByTimeAsync(0)
    expect(ff.names()).toEqual(['ready'])
  })

  it('lets an aborted parked command go without sending it', async () => {
    const a = client.send('ready', {})
    await vi.advanceTimersByTimeAsync(0)
    const ctl = new AbortController()
    const b = client.send('logout', {}, { signal: ctl.signal }).catch((e) => e)
    ctl.abort()
    expect(await b).toMatchObject({ errorCode: 'ABORTED' })
    client.setToken('new')
    await a
    expect(ff.names()).toEqual(['ready', 'ready'])
  })

  it('times out a command the server does not answer', async () => {
    ff.respond(() => new Promise(() => {}))
    const p = client.send('queryStates', {}, { timeoutMs: 1000 }).catch((e) => e)
    await vi.advanceTimersByTimeAsync(1000)
    expect(await p).toMatchObject({ errorCode: 'TIMEOUT' })
  })

  it('retries once after a network failure with the same referenceID', async () => {
    let n = 0
    ff.respond(() => {
      if (n++ === 0) throw new TypeError('fetch failed')
      return { status: 200, body: { status: 'success' } }
    })
    const p = client.send('queryStates', {})
    await vi.advanceTimersByTimeAsync(600)
    await expect(p).resolves.toMatchObject({ status: 'success' })
    expect(ff.calls).toHaveLength(2)
    expect(ff.calls[0]!.body.referenceID).toBe(ff.calls[1]!.body.referenceID)
  })

  it('maps server errors and non-JSON answers to the catalogue', async () => {
    ff.respond(() => ({ status: 409, body: { status: 'error', errorCode: 'LOGOUT_FORBIDDEN', errorMessage: 'on a call' } }))
    await expect(client.send('logout', {})).rejects.toMatchObject({ errorCode: 'LOGOUT_FORBIDDEN', errorMessage: 'on a call' })
    ff.respond(() => ({ status: 502, body: undefined }))
    await expect(client.send('logout', {})).rejects.toMatchObject({ errorCode: 'SERVER_ERROR' })
  })

  it('sends no retry after dispose or an abort during the pause before it', async () => {
    ff.respond(() => {
      throw new TypeError('fetch failed')
    })
    const p = client.send('queryStates', {}).catch((e) => e)
    await vi.advanceTimersByTimeAsync(100)
    client.dispose(Object.assign(new Error('gone'), { errorCode: 'DESTROYED' }) as never)
    await vi.advanceTimersByTimeAsync(1000)
    expect(await p).toMatchObject({ errorCode: 'DESTROYED' })
    expect(ff.calls).toHaveLength(1)
    const ctl = new AbortController()
    const q = client.send('queryPhoneType', {}, { signal: ctl.signal }).catch((e) => e)
    await vi.advanceTimersByTimeAsync(100)
    ctl.abort()
    await vi.advanceTimersByTimeAsync(1000)
    expect(await q).toMatchObject({ errorCode: 'ABORTED' })
    expect(ff.calls).toHaveLength(2)
  })
})
