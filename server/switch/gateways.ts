/**
 * Trunks: the gateways to the telephone network, configured rather than registered. A gateway is
 * trusted for what it sends by the address the edge saw it come from, by the TLS certificate the
 * edge verified, or (a gateway that registers over WebSocket, like the development simulator) by
 * its digest credentials; never by the connection a request arrived on.
 */
export interface Gateway {
  /** What call control dials: the trunk is 'pstn'. */
  name: string
  /**
   * Where calls to the gateway go, through the edge: `[udp|tcp|tls:]host[:port]` (udp, 5060 by
   * default). Its host is also an address the gateway is trusted from.
   */
  address?: string
  /** More source addresses (IP) the gateway sends from. */
  sources?: string[]
  /** The subject common name of the certificate the edge verified on a TLS connection. */
  tlsSubject?: string
  /**
   * A gateway that registers and authenticates by digest (development: the simulated network over
   * WebSocket). Its calls are reached at its registration; the number called is in To.
   */
  username?: string
}

export interface GatewayAddress {
  transport: 'udp' | 'tcp' | 'tls'
  host: string
  port: number
}

export function parseGatewayAddress(address: string): GatewayAddress {
  const m = /^(?:(udp|tcp|tls):)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/i.exec(address.trim())
  if (!m) throw new Error(`gateway address ${address}: expected [udp|tcp|tls:]host[:port]`)
  const transport = (m[1]?.toLowerCase() ?? 'udp') as GatewayAddress['transport']
  return { transport, host: m[2]!.replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : transport === 'tls' ? 5061 : 5060 }
}

/** What the edge says of where a request came from: `X-Edge-Source: udp:203.0.113.5:5060`. */
export interface EdgeSource {
  transport: string
  ip: string
  port: number
}

export function parseEdgeSource(value: string | undefined): EdgeSource | undefined {
  if (!value) return undefined
  const m = /^\s*([a-z]+):(\[[^\]]+\]|[^:\s]+):(\d+)\s*$/i.exec(value)
  if (!m) return undefined
  return { transport: m[1]!.toLowerCase(), ip: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) }
}

/** The gateway a request comes from, by the source address or the TLS subject the edge reported. */
export function gatewayBySource(
  gateways: readonly Gateway[],
  source: EdgeSource | undefined,
  tlsPeer: string | undefined,
): Gateway | undefined {
  for (const g of gateways) {
    if (tlsPeer && g.tlsSubject && source?.transport === 'tls' && g.tlsSubject === tlsPeer.trim()) return g
    if (!source || g.tlsSubject) continue
    const ips = [...(g.address ? [parseGatewayAddress(g.address).host] : []), ...(g.sources ?? [])]
    if (ips.includes(source.ip)) return g
  }
  return undefined
}

/**
 * Gateways from the environment: SIP_GATEWAYS is a JSON array of Gateway, or a comma-separated list
 * of addresses (`udp:203.0.113.5:5060,...`); the first is the trunk unless one is named 'pstn'.
 */
export function gatewaysFromEnv(value: string | undefined): Gateway[] {
  if (!value?.trim()) return []
  const list: Gateway[] = value.trim().startsWith('[')
    ? (JSON.parse(value) as Gateway[])
    : value.split(',').map((address, i) => ({ name: i === 0 ? 'pstn' : `gateway${i + 1}`, address: address.trim() }))
  for (const g of list) {
    if (typeof g.name !== 'string' || !g.name) throw new Error('SIP_GATEWAYS: every gateway needs a name')
    if (g.address) parseGatewayAddress(g.address)
    if (!g.address && !g.username) throw new Error(`SIP_GATEWAYS: gateway ${g.name} needs an address or a username`)
  }
  return list
}
