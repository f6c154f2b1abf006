/**
 * SIP over TCP (RFC 3261 §18.3): a byte stream cut into messages by Content-Length. The switch takes
 * SIP over TCP from its trusted edges only (Kamailio cannot open WebSocket connections), and opens
 * TCP connections to them to reach phones and carriers behind them.
 */
import { Socket } from 'node:net'
import { randomUUID } from 'node:crypto'
import { MAX_SIP_MESSAGE_BYTES } from './sipCheck'

export type FrameResult = { ok: true; messages: string[] } | { ok: false; why: string }

const HEADER_END = Buffer.from('\r\n\r\n')

/**
 * Cuts a TCP byte stream into SIP messages. CRLF keep-alives between messages (RFC 5626 §3.5.1) are
 * skipped and reported; a message without Content-Length, with a bad one, or larger than
 * MAX_SIP_MESSAGE_BYTES is a framing error: the stream cannot be resynchronised, so the connection
 * is closed.
 */
export class SipStreamFramer {
  private buffer: Buffer = Buffer.alloc(0)
  /** Keep-alive pings seen (a double CRLF), answered with a single CRLF. */
  pings = 0

  push(chunk: Buffer): FrameResult {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk
    const messages: string[] = []
    for (;;) {
      let start = 0
      while (start + 1 < this.buffer.length && this.buffer[start] === 0x0d && this.buffer[start + 1] === 0x0a) {
        if (this.buffer[start + 2] === 0x0d && this.buffer[start + 3] === 0x0a) {
          this.pings++
          start += 4
        } else start += 2
      }
      if (start) this.buffer = this.buffer.subarray(start)
      if (this.buffer.length === 0) break
      const end = this.buffer.indexOf(HEADER_END)
      if (end < 0) {
        if (this.buffer.length > MAX_SIP_MESSAGE_BYTES) return { ok: false, why: 'headers too large' }
        break
      }
      const head = this.buffer.subarray(0, end).toString('utf8')
      const m = /^(?:content-length|l)[ \t]*:[ \t]*(\S*)[ \t]*$/im.exec(head)
      if (!m) return { ok: false, why: 'no Content-Length' }
      if (!/^\d{1,9}$/.test(m[1]!)) return { ok: false, why: 'bad Content-Length' }
      const total = end + 4 + Number(m[1])
      if (total > MAX_SIP_MESSAGE_BYTES) return { ok: false, why: 'message too large' }
      if (this.buffer.length < total) break
      messages.push(this.buffer.subarray(0, total).toString('utf8'))
      this.buffer = this.buffer.subarray(total)
    }
    return { ok: true, messages }
  }
}

/** One TCP connection to or from an edge. */
export class TcpConnection {
  readonly id = randomUUID().slice(0, 8)
  readonly transport = 'TCP' as const
  private readonly framer = new SipStreamFramer()

  constructor(
    readonly socket: Socket,
    readonly remote: string,
    /** The edge's host:port when we opened the connection to it. */
    readonly target: string | undefined,
    onMessage: (text: string) => void,
    onError: (why: string) => void,
  ) {
    socket.setNoDelay(true)
    socket.setKeepAlive(true, 30_000)
    socket.on('data', (chunk: Buffer) => {
      const before = this.framer.pings
      const r = this.framer.push(chunk)
      if (this.framer.pings > before && this.open) socket.write('\r\n')
      if (!r.ok) {
        onError(r.why)
        socket.destroy()
        return
      }
      for (const m of r.messages) onMessage(m)
    })
  }

  get open(): boolean {
    return !this.socket.destroyed && this.socket.writable
  }

  send(message: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.open) {
        reject(new Error('tcp connection not open'))
        return
      }
      this.socket.write(message, (err) => (err ? reject(err) : resolve()))
    })
  }

  close(): void {
    this.socket.destroy()
  }
}

/** host and port of a SIP URI's host part ("127.0.0.1:5060", "[::1]:5062", "edge.example"). */
export function hostPort(hostport: string, defaultPort = 5060): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostport)
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort }
  const [host, port] = hostport.split(':')
  return { host: host!, port: port ? Number(port) : defaultPort }
}
