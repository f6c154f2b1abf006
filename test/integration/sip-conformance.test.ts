import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { DEMO_NUMBERS } from '../../server/store/seed'
import { startServer } from '../support/server'

// The switch's TCP listener for edges, spoken to as an edge would (the test is on a trusted address):
// malformed requests of each method, oversized messages, unknown dialogs, methods it does not handle,
// a CANCEL racing its INVITE. It answers each correctly and stays up.
let cc: ContactCenter

beforeAll(async () => {
  cc = await startServer({ sipEdges: ['127.0.0.1:5999'], gateways: [{ name: 'pstn', address: 'udp:127.0.0.9:5060' }] })
})
afterAll(async () => {
  await cc?.close()
})

/** A TCP connection to the switch that collects the SIP messages it sends back. */
async function edgeSocket(): Promise<{
  send: (m: string) => void
  next: (timeoutMs?: number) => Promise<string | undefined>
  closed: Promise<void>
  s: Socket
}> {
  const [host, port] = cc.sip.tcpAddress!.split(':')
  const s = connect({ host: host!, port: Number(port) })
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve)
    s.once('error', reject)
  })
  const inbox: string[] = []
  let buf = ''
  let wake: (() => void) | undefined
  s.on('data', (d) => {
    buf += d.toString()
    for (;;) {
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) break
      const len = Number(/content-length:\s*(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0)
      if (buf.length < end + 4 + len) break
      inbox.push(buf.slice(0, end + 4 + len))
      buf = buf.slice(end + 4 + len)
    }
    wake?.()
  })
  const closed = new Promise<void>((resolve) => s.on('close', () => resolve()))
  const next = async (timeoutMs = 1000): Promise<string | undefined> => {
    const end = Date.now() + timeoutMs
    while (!inbox.length && Date.now() < end) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, end - Date.now())
        wake = () => {
          clearTimeout(t)
          resolve()
        }
      })
    }
    return inbox.shift()
  }
  return { send: (m) => s.write(m), next, closed, s }
}

function request(
  method: string,
  o: { callId: string; ruri?: string; cseq?: string; toTag?: string; headers?: string[]; body?: string },
): string {
  const body = o.body ?? ''
  return [
    `${method} ${o.ruri ?? 'sip:cc.local'} SIP/2.0`,
    `Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK${o.callId}${method}`,
    'Max-Forwards: 70',
    'From: <sip:probe@cc.local>;tag=probe',
    `To: <sip:${DEMO_NUMBERS.sales}@cc.local>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq ?? `1 ${method}`}`,
    'Contact: <sip:probe@127.0.0.1:5999;transport=tcp>',
    ...(o.headers ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n')
}

const status = (m: string | undefined): number | undefined => (m ? Number(/^SIP\/2\.0 (\d{3})/.exec(m)?.[1]) : undefined)

describe('SIP conformance of the switch (over TCP from an edge)', () => {
  it('answers 400 to a malformed request of each method, and drops what it cannot answer', async () => {
    const c = await edgeSocket()
    for (const method of ['INVITE', 'REGISTER', 'OPTIONS', 'BYE', 'CANCEL', 'INFO', 'MESSAGE']) {
      c.send(request(method, { callId: `bad-${method}`, cseq: `x ${method}` }))
      const reply = await c.next(2000)
      expect(status(reply), method).toBe(400)
      expect(reply).toContain(`Call-ID: bad-${method}`)
    }
    c.send('ACK sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n')
    c.send('GARBAGE\r\nContent-Length: 0\r\n\r\n')
    expect(await c.next(500)).toBeUndefined()
    c.send(request('OPTIONS', { callId: 'after-bad' }))
    const ok = await c.next(2000)
    expect(status(ok)).toBe(200)
    // Allow lists what the switch handles, nothing more.
    expect(ok).toMatch(/Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REGISTER\r\n/)
    c.s.destroy()
  })

  it('refuses MESSAGE, SUBSCRIBE and other methods it does not handle with 405, and unknown users with 404', async () => {
    const c = await edgeSocket()
    for (const method of ['MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'PUBLISH', 'UPDATE']) {
      c.send(request(method, { callId: `m-${method}`, body: method === 'MESSAGE' ? 'hello' : '' }))
      const reply = await c.next(2000)
      expect(status(reply), method).toBe(405)
      expect(reply).not.toMatch(/Allow:[^\r]*MESSAGE/)
    }
    c.send(
      request('REGISTER', { callId: 'nobody', headers: [] }).replace(
        `To: <sip:${DEMO_NUMBERS.sales}@cc.local>`,
        'To: <sip:nobody@cc.local>',
      ),
    )
    expect(status(await c.next(2000))).toBe(404)
    c.s.destroy()
  })

  it('answers 481 to requests for dialogs and transactions it does not know', async () => {
    const c = await edgeSocket()
    c.send(request('BYE', { callId: 'no-dialog', toTag: 'x1' }))
    expect(status(await c.next(2000))).toBe(481)
    c.send(request('INFO', { callId: 'no-dialog-2', toTag: 'x2' }))
    expect(status(await c.next(2000))).toBe(481)
    c.send(request('CANCEL', { callId: 'no-transaction' }))
    expect(status(await c.next(2000))).toBe(481)
    c.s.destroy()
  })

  it('closes a connection whose message is larger than the limit, or has no Content-Length', async () => {
    const big = await edgeSocket()
    big.send(request('OPTIONS', { callId: 'huge', body: 'x'.repeat(100 * 1024) }))
    await big.closed
    const none = await edgeSocket()
    none.send('OPTIONS sip:cc.local SIP/2.0\r\nCall-ID: nolen\r\n\r\n')
    await none.closed
  })

  it('ends an INVITE that a CANCEL overtakes with 487, and challenges an INVITE from no gateway', async () => {
    const c = await edgeSocket()
    const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.9', 's=-', 'c=IN IP4 127.0.0.9', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'a=sendrecv', ''].join(
      '\r\n',
    )
    const invite = request('INVITE', {
      callId: 'race',
      ruri: `sip:${DEMO_NUMBERS.sales}@cc.local`,
      headers: ['X-Edge-Source: udp:127.0.0.9:5060', 'Content-Type: application/sdp'],
      body: sdp,
    })
    c.send(
      invite +
        request('CANCEL', { callId: 'race', ruri: `sip:${DEMO_NUMBERS.sales}@cc.local` }).replace(
          'branch=z9hG4bKraceCANCEL',
          'branch=z9hG4bKraceINVITE',
        ),
    )
    const seen: number[] = []
    for (let i = 0; i < 4 && !seen.includes(487); i++) {
      const m = await c.next(5000)
      if (!m) break
      seen.push(status(m)!)
    }
    expect(seen).toContain(200) // the CANCEL
    expect(seen).toContain(487) // the INVITE
    c.send(
      request('INVITE', {
        callId: 'nogw',
        ruri: `sip:${DEMO_NUMBERS.sales}@cc.local`,
        headers: ['X-Edge-Source: udp:127.0.0.1:6000', 'Content-Type: application/sdp'],
        body: sdp,
      }),
    )
    let reply = await c.next(3000)
    while (status(reply) === 100) reply = await c.next(3000)
    expect(status(reply)).toBe(401)
    expect(reply).toMatch(/WWW-Authenticate: Digest realm="cc.local", nonce="[^"]+", algorithm=MD5, qop="auth"/)
    c.s.destroy()
    expect((await fetch(`${cc.url}/health`)).status).toBe(200)
  })

  it('refuses SIP over TCP from an address that is not an edge', async () => {
    const [, port] = cc.sip.tcpAddress!.split(':')
    const s = connect({ host: '127.0.0.1', port: Number(port), localAddress: '127.0.0.3' })
    const connected = new Promise<boolean>((resolve) => s.once('connect', () => resolve(true)))
    const closed = new Promise<boolean>((resolve) => {
      s.once('close', () => resolve(true))
      setTimeout(() => resolve(false), 3000)
    })
    expect(await connected).toBe(true)
    s.write(request('OPTIONS', { callId: 'stranger' }))
    expect(await closed).toBe(true)
  })
})
