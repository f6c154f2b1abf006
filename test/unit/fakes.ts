import type { FetchLike } from '../../src/cti/CommandClient'
import type { WebSocketLike } from '../../src/cti/CtiSocket'
import type { ClientFrame, ServerFrame } from '../../src/protocol/wire'

/** A fetch whose answers the test decides, recording every request. */
export class FakeFetch {
  calls: { url: string; name: string; headers: Record<string, string>; body: Record<string, unknown> }[] = []
  private handler: (
    name: string,
    body: Record<string, unknown>,
    headers: Record<string, string>,
  ) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }> = () => ({
    status: 200,
    body: { status: 'success' },
  })

  respond(h: FakeFetch['handler']): void {
    this.handler = h
  }

  readonly fetch: FetchLike = async (url, init) => {
    const name = url.slice(url.lastIndexOf('/_') + 2)
    const body = JSON.parse(init.body) as Record<string, unknown>
    this.calls.push({ url, name, headers: init.headers, body })
    if (init.signal.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' })
    const r = await Promise.race([
      Promise.resolve(this.handler(name, body, init.headers)),
      new Promise<never>((_, rej) =>
        init.signal.addEventListener('abort', () => rej(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
      ),
    ])
    return { status: r.status, json: async () => r.body }
  }

  names(): string[] {
    return this.calls.map((c) => c.name)
  }
}

/** An in-memory websocket: the test plays the server through `server*` methods. */
export class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = []
  readyState = 0
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  sent: ClientFrame[] = []

  constructor(readonly url: string) {
    FakeSocket.instances.push(this)
  }

  static reset(): void {
    FakeSocket.instances = []
  }

  static get last(): FakeSocket {
    return FakeSocket.instances[FakeSocket.instances.length - 1]!
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientFrame)
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return
    this.readyState = 3
    this.onclose?.({ code, reason })
  }

  // --- the server's side ---
  serverOpen(): void {
    this.readyState = 1
    this.onopen?.({})
  }

  serverSend(f: ServerFrame): void {
    this.onmessage?.({ data: JSON.stringify(f) })
  }

  /** The peer went away without a close handshake. */
  serverDrop(): void {
    this.close(1006, '')
  }

  hello(): Extract<ClientFrame, { t: 'hello' }> | undefined {
    return this.sent.find((f): f is Extract<ClientFrame, { t: 'hello' }> => f.t === 'hello')
  }
}
