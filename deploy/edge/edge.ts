/**
 * Starts the SIP edge in front of a running contact center: rtpengine (userspace media relay) and
 * Kamailio with deploy/edge/kamailio.cfg. `npm run edge` runs it from the command line (after
 * scripts/ensure-edge-deps.sh has installed the Debian packages); the integration tests start their
 * own with startEdge().
 *
 *   HOST                    address the edge listens on for phones and carriers (default 127.0.0.1)
 *   SIP_EDGE_PORT           its UDP and TCP port (default 5060); TLS on SIP_EDGE_TLS_PORT (5061) when
 *                           SIP_EDGE_TLS_CERT and SIP_EDGE_TLS_KEY name a certificate and its key
 *   SIP_EDGE_INTERNAL_PORT  the TCP port the switch reaches the edge on (default 5062, on 127.0.0.1 or
 *                           SIP_EDGE_INTERNAL_HOST); the contact center's SIP_EDGES names it
 *   SIP_TCP_PORT            where the contact center takes SIP from its edges (default 5080, on
 *                           SIP_SWITCH_HOST, default 127.0.0.1)
 *   RTP_PORT_MIN/MAX        rtpengine's media ports (default 30000-30999)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const EDGE_CONFIG = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kamailio.cfg')

export interface EdgeOptions {
  /** Address phones and carriers reach (udp and tcp). */
  publicHost: string
  publicPort: number
  /** With a certificate and key (PEM files): TLS on this port. */
  tls?: { port: number; certificate: string; privateKey: string }
  /** The listener only the switch uses. */
  internalHost: string
  internalPort: number
  /** The contact center's SIP TCP listener (SipWsServer.listenTcp). */
  switchHost: string
  switchPort: number
  rtpPortMin: number
  rtpPortMax: number
  /** rtpengine's control port (udp, on internalHost). */
  rtpengineNgPort: number
  /** Receives every line both daemons log (default: dropped). */
  log?: (line: string) => void
  readyTimeoutMs?: number
}

export interface Edge {
  readonly options: EdgeOptions
  /** Stops both daemons (SIGTERM, then SIGKILL after 3 s). */
  close(): Promise<void>
}

/** Starts rtpengine, then Kamailio; resolves when both answer. */
export async function startEdge(o: EdgeOptions): Promise<Edge> {
  const runDir = mkdtempSync(path.join(tmpdir(), 'sobot-edge-'))
  const log = o.log ?? (() => undefined)
  const children: ChildProcess[] = []
  const close = async (): Promise<void> => {
    await Promise.all(children.map(stop))
    rmSync(runDir, { recursive: true, force: true })
  }
  try {
    children.push(
      daemon(
        'rtpengine',
        [
          '--table=-1',
          `--interface=${o.publicHost}`,
          `--listen-ng=${o.internalHost}:${o.rtpengineNgPort}`,
          `--port-min=${o.rtpPortMin}`,
          `--port-max=${o.rtpPortMax}`,
          '--foreground',
          '--log-stderr',
          '--log-level=5',
          '--no-fallback',
          `--pidfile=${path.join(runDir, 'rtpengine.pid')}`,
          // Sessions idle this long are dropped (the switch's calls are ended by BYE well before).
          '--timeout=60',
          '--silent-timeout=3600',
        ],
        log,
      ),
    )
    await until(() => rtpenginePing(o.internalHost, o.rtpengineNgPort), 'rtpengine', o.readyTimeoutMs ?? 10_000)
    const defines = [
      `PUBLIC_ADDR=${o.publicHost}`,
      `PUBLIC_PORT=${o.publicPort}`,
      `INTERNAL_ADDR=${o.internalHost}`,
      `INTERNAL_PORT=${o.internalPort}`,
      `SWITCH_URI="sip:${o.switchHost}:${o.switchPort};transport=tcp"`,
      `RTPENGINE_SOCK="udp:${o.internalHost}:${o.rtpengineNgPort}"`,
    ]
    if (o.tls) {
      const tlsCfg = path.join(runDir, 'tls.cfg')
      writeFileSync(
        tlsCfg,
        [
          '[server:default]',
          'method = TLSv1.2+',
          'verify_certificate = no',
          'require_certificate = no',
          `private_key = ${o.tls.privateKey}`,
          `certificate = ${o.tls.certificate}`,
          '',
          '[client:default]',
          'method = TLSv1.2+',
          'verify_certificate = no',
          '',
        ].join('\n'),
      )
      defines.push('WITH_TLS', `TLS_PORT=${o.tls.port}`, `TLS_CONFIG="${tlsCfg}"`)
    }
    children.push(
      daemon(
        'kamailio',
        [
          '-DD',
          '-E',
          '-m',
          '64',
          '-M',
          '8',
          '-f',
          EDGE_CONFIG,
          '-Y',
          runDir,
          '-P',
          path.join(runDir, 'kamailio.pid'),
          ...defines.flatMap((d) => ['-A', d]),
        ],
        log,
      ),
    )
    await until(() => tcpOpen(o.internalHost, o.internalPort), 'kamailio', o.readyTimeoutMs ?? 10_000)
    await until(() => tcpOpen(o.publicHost, o.publicPort), 'kamailio', o.readyTimeoutMs ?? 10_000)
    for (const c of children) if (c.exitCode !== null) throw new Error(`${c.spawnfile} exited with ${c.exitCode}`)
  } catch (err) {
    await close()
    throw err
  }
  return { options: o, close }
}

function daemon(command: string, args: string[], log: (line: string) => void): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let rest = ''
  const lines = (chunk: Buffer): void => {
    const text = rest + chunk.toString('utf8')
    const parts = text.split('\n')
    rest = parts.pop() ?? ''
    for (const line of parts) if (line.trim()) log(`${command}: ${line}`)
  }
  child.stdout!.on('data', lines)
  child.stderr!.on('data', lines)
  child.on('error', (e) => log(`${command}: ${String(e)}`))
  return child
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not start within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

/** rtpengine's ng protocol: "<cookie> d7:command4:pinge" answers "<cookie> d6:result4:ponge". */
function rtpenginePing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4')
    const done = (ok: boolean): void => {
      clearTimeout(t)
      s.close()
      resolve(ok)
    }
    const t = setTimeout(() => done(false), 300)
    s.on('message', (m) => done(m.toString().includes('pong')))
    s.on('error', () => done(false))
    s.send('ping1 d7:command4:pinge', port, host)
  })
}

/** The edge's options from the environment (npm run edge). */
export function edgeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EdgeOptions {
  const publicPort = Number(env.SIP_EDGE_PORT ?? 5060)
  const cert = env.SIP_EDGE_TLS_CERT
  const key = env.SIP_EDGE_TLS_KEY
  return {
    publicHost: env.HOST && env.HOST !== '0.0.0.0' ? env.HOST : '127.0.0.1',
    publicPort,
    ...(cert && key ? { tls: { port: Number(env.SIP_EDGE_TLS_PORT ?? publicPort + 1), certificate: cert, privateKey: key } } : {}),
    internalHost: env.SIP_EDGE_INTERNAL_HOST ?? '127.0.0.1',
    internalPort: Number(env.SIP_EDGE_INTERNAL_PORT ?? publicPort + 2),
    switchHost: env.SIP_SWITCH_HOST ?? '127.0.0.1',
    switchPort: Number(env.SIP_TCP_PORT ?? 5080),
    rtpPortMin: Number(env.RTP_PORT_MIN ?? 30000),
    rtpPortMax: Number(env.RTP_PORT_MAX ?? 30999),
    rtpengineNgPort: Number(env.RTPENGINE_NG_PORT ?? 2223),
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const o = { ...edgeOptionsFromEnv(), log: (line: string) => console.log(line) }
  const edge = await startEdge(o)
  console.log(
    `SIP edge on ${o.publicHost}:${o.publicPort} (udp, tcp${o.tls ? `; tls on ${o.tls.port}` : ''}) in front of the switch at ${o.switchHost}:${o.switchPort}; ` +
      `the switch reaches it at ${o.internalHost}:${o.internalPort} (SIP_EDGES=${o.internalHost}:${o.internalPort})`,
  )
  const stopAll = (): void => void edge.close().then(() => process.exit(0))
  process.on('SIGINT', stopAll)
  process.on('SIGTERM', stopAll)
}
