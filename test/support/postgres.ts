import { execFile as execFileCb, execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'

const execFile = promisify(execFileCb)

/**
 * A throwaway PostgreSQL server for tests: initdb into a temporary folder, pg_ctl start on 127.0.0.1
 * and a free port, stopped and deleted by stop(). Debian's binaries (package `postgresql`, installed by
 * scripts/ensure-system-deps.sh) live in /usr/lib/postgresql/<version>/bin; PG_BIN overrides.
 *
 * initdb and postgres refuse to run as root, so as root the server runs as the `postgres` user
 * (which the Debian package creates) through runuser. Nothing here needs a network beyond loopback,
 * so it works inside the tests' loopback-only namespace.
 */
export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string
  readonly port: number
  /** A new, empty database on this server, and its URL. */
  createDatabase(name?: string): Promise<string>
  stop(): Promise<void>
}

export function findPostgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN
  const base = '/usr/lib/postgresql'
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (!versions.length) {
    throw new Error(
      "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run `bash scripts/ensure-system-deps.sh`, which installs Debian's postgresql.",
    )
  }
  return path.join(base, versions[0]!, 'bin')
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin()
  const root = mkdtempSync(path.join(tmpdir(), 'sobot-pg-'))
  const data = path.join(root, 'data')
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(root, uid, gid)
  }
  // As root: run as the postgres user, which initdb and postgres insist on.
  const run = (cmd: string, args: string[]) =>
    asRoot ? execFile('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]) : execFile(path.join(bin, cmd), args)

  try {
    await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions'])
    let port = 0
    for (let attempt = 0; ; attempt++) {
      port = await freePort()
      const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`
      try {
        await run('pg_ctl', ['-D', data, '-l', path.join(root, 'server.log'), '-w', '-t', '30', '-o', opts, 'start'])
        break
      } catch (err) {
        // Another process may have taken the port between our probe and the server's bind.
        if (attempt >= 2) throw err
      }
    }
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`
    let stopped = false
    let n = 0
    return {
      url,
      port,
      async createDatabase(name = `t${Date.now().toString(36)}_${n++}`) {
        const client = new pg.Client({ connectionString: url })
        await client.connect()
        try {
          await client.query(`create database "${name.replace(/"/g, '')}"`)
        } finally {
          await client.end()
        }
        return `postgres://postgres@127.0.0.1:${port}/${name}`
      },
      async stop() {
        if (stopped) return
        stopped = true
        await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
        rmSync(root, { recursive: true, force: true })
      },
    }
  } catch (err) {
    const log = path.join(root, 'server.log')
    const detail = existsSync(log) ? `\n${readFileSync(log, 'utf8').slice(-2000)}` : ''
    rmSync(root, { recursive: true, force: true })
    throw new Error(`Could not start a test PostgreSQL with ${bin}: ${(err as Error).message}${detail}`)
  }
}
