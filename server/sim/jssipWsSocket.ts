import { WebSocket } from 'ws'

/**
 * A JsSIP Socket (https://jssip.net/documentation/3.10.x/api/socket/) over the `ws` package,
 * because Node 20 has no global WebSocket and JsSIP's WebSocketInterface uses it.
 * JsSIP assigns onconnect/ondisconnect/ondata; it owns connect()/disconnect().
 */
export class JssipWsSocket {
  readonly url: string
  readonly sip_uri: string
  via_transport = 'WS'
  onconnect: () => void = () => undefined
  ondisconnect: (error: boolean, code?: number, reason?: string) => void = () => undefined
  ondata: (data: string) => void = () => undefined
  private ws: WebSocket | undefined
  private closedByUs = false

  constructor(url: string) {
    this.url = url
    const u = new URL(url)
    this.sip_uri = `sip:${u.hostname}${u.port ? `:${u.port}` : ''};transport=ws`
  }

  connect(): void {
    if (this.ws && (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)) return
    this.closedByUs = false
    const ws = new WebSocket(this.url, 'sip')
    this.ws = ws
    ws.on('open', () => this.onconnect())
    ws.on('message', (data, isBinary) => this.ondata(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data)))
    ws.on('close', (code, reason) => {
      if (this.ws === ws) this.ws = undefined
      this.ondisconnect(!this.closedByUs, code, reason.toString())
    })
    ws.on('error', () => undefined) // 'close' follows
  }

  disconnect(): void {
    this.closedByUs = true
    this.ws?.close()
  }

  /** Hard close (used by the owner when JsSIP did not disconnect in time). */
  terminate(): void {
    this.closedByUs = true
    this.ws?.terminate()
    this.ws = undefined
  }

  send(message: string): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false
    this.ws.send(message)
    return true
  }

  isConnected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN
  }

  isConnecting(): boolean {
    return this.ws?.readyState === WebSocket.CONNECTING
  }
}
