import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  headers: IncomingHttpHeaders
  /** The raw body, as received. */
  raw: string
  body: Record<string, unknown>
  at: number
}

/** What the receiver does with its n-th request (from 1): answer with a status (and a body), or never answer. */
export type Behaviour = (req: Received, n: number) => number | 'hang' | { status: number; json?: unknown; text?: string }

/** A real HTTP server on 127.0.0.1 that records every request it gets. */
export interface Receiver {
  readonly url: string
  readonly requests: Received[]
  behaviour: Behaviour
  /** Resolves once `count` requests matching `pred` have arrived. */
  waitFor(count: number, pred?: (r: Received) => boolean, timeoutMs?: number): Promise<Received[]>
  close(): Promise<void>
}

export async function startReceiver(behaviour: Behaviour = () => 200): Promise<Receiver> {
  const requests: Received[] = []
  let n = 0
  const state = { behaviour }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      let body: Record<string, unknown> = {}
      try {
        body = JSON.parse(raw) as Record<string, unknown>
      } catch {
        // recorded as is
      }
      const r: Received = { headers: req.headers, raw, body, at: Date.now() }
      requests.push(r)
      const what = state.behaviour(r, ++n)
      if (what === 'hang') return // never answered; the sender must time out
      if (typeof what === 'object') {
        const json = what.json !== undefined
        res
          .writeHead(what.status, { 'content-type': json ? 'application/json' : 'text/plain' })
          .end(json ? JSON.stringify(what.json) : (what.text ?? ''))
        return
      }
      res.writeHead(what, { 'content-type': 'text/plain' }).end(what < 300 ? 'ok' : 'no')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`
  return {
    url,
    requests,
    get behaviour() {
      return state.behaviour
    },
    set behaviour(b: Behaviour) {
      state.behaviour = b
    },
    async waitFor(count, pred = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const got = requests.filter(pred)
        if (got.length >= count) return got
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${count} requests; got ${got.length}: ${JSON.stringify(requests.map((r) => [r.body.call_id, r.body.call_status]))}`,
          )
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    close() {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
