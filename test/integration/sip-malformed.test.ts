import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { ContactCenter } from '../../server/app'
import { startServer } from '../support/server'

// Malformed SIP on /sip: each frame gets a 400 or is dropped, and the server carries on.
let cc: ContactCenter

beforeAll(async () => {
  cc = await startServer({ simulator: false })
})
afterAll(async () => {
  await cc?.close()
})

/** A SIP-over-WebSocket connection that collects what the switch answers. */
async function sipSocket(): Promise<{ ws: WebSocket; next: (timeoutMs?: number) => Promise<string | undefined>; closed: Promise<number> }> {
  const ws = new WebSocket(`${cc.url.replace(/^http/, 'ws')}/sip`, 'sip')
  const inbox: string[] = []
  let wake: (() => void) | undefined
  ws.on('message', (d) => {
    inbox.push(String(d))
    wake?.()
  })
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  const next = async (timeoutMs = 500): Promise<string | undefined> => {
    if (!inbox.length) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
    return inbox.shift()
  }
  return { ws, next, closed }
}

const options = (callId: string): string =>
  [
    'OPTIONS sip:cc.local SIP/2.0',
    'Via: SIP/2.0/WS fuzz.invalid;branch=z9hG4bK' + callId,
    'Max-Forwards: 70',
    'From: <sip:probe@cc.local>;tag=probe',
    'To: <sip:cc.local>',
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')

describe('malformed SIP on /sip', () => {
  it('drops a 77-byte REGISTER without To, From or Call-ID, and stays up', async () => {
    const { ws, next } = await sipSocket()
    const register = 'REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/WS x;branch=z9hG4bK1\r\nCSeq: 1 REGISTER\r\n\r\n'
    ws.send(register)
    expect(await next()).toBeUndefined()
    // The same connection still works.
    ws.send(options('after-register'))
    expect(await next(2000)).toMatch(/^SIP\/2\.0 200 /)
    ws.close()
  })

  it('answers 400 when the request has what a response needs but is malformed', async () => {
    const { ws, next } = await sipSocket()
    const cases: [string, string][] = [
      ['CSeq method', options('m1').replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE')],
      ['CSeq', options('m2').replace('CSeq: 1 OPTIONS', 'CSeq: one OPTIONS')],
      ['Content-Length', options('m3').replace('Content-Length: 0', 'Content-Length: 500')],
      ['Max-Forwards', options('m4').replace('Max-Forwards: 70', 'Max-Forwards: seventy')],
      ['From', options('m5').replace('From: <sip:probe@cc.local>;tag=probe', 'From: <<<')],
    ]
    for (const [why, frame] of cases) {
      ws.send(frame)
      const reply = await next(2000)
      expect(reply, why).toMatch(/^SIP\/2\.0 400 /)
      expect(reply, why).toContain('Call-ID: m')
    }
    ws.close()
  })

  it('drops garbage, stray responses and requests it cannot answer', async () => {
    const { ws, next } = await sipSocket()
    const frames = [
      'hello',
      '\u0000\u0001\u0002',
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/WS x;branch=z9hG4bKx\r\nCall-ID: nobody\r\nCSeq: 1\r\n\r\n',
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/WS x;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: nobody\r\nCSeq: 1 INVITE\r\n\r\n',
      'INVITE sip:support@cc.local SIP/2.0\r\nVia: SIP/2.0/WS x;branch=z9hG4bKy\r\n\r\nv=0',
      'BYE sip:x SIP/2.0\r\n\r\n',
      'ACK sip:x@cc.local SIP/2.0\r\nVia: SIP/2.0/WS x\r\nFrom: <sip:a@b>\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 ACK\r\n\r\n',
    ]
    for (const frame of frames) ws.send(frame)
    expect(await next()).toBeUndefined()
    ws.send(options('after-garbage'))
    expect(await next(2000)).toMatch(/^SIP\/2\.0 200 /)
    ws.close()
  })

  it('closes a connection that sends a frame over the size limit', async () => {
    const { ws, closed } = await sipSocket()
    ws.send(options('huge') + 'x'.repeat(256 * 1024))
    expect(await closed).toBe(1009)
  })

  it('still registers phones and serves HTTP afterwards', async () => {
    const { ws, next } = await sipSocket()
    ws.send(options('last'))
    expect(await next(2000)).toMatch(/^SIP\/2\.0 200 /)
    ws.close()
    const res = await fetch(`${cc.url}/health`)
    expect(res.status).toBe(200)
  })
})
