/**
 * Call benchmarks: set-up times and the server's CPU per concurrent call.
 *
 *   npm run bench            (runs inside a loopback-only network namespace)
 *
 * The contact center runs as its own Node process (SIMULATOR=0), so that its CPU is measured alone;
 * this process plays the telephone network (the trunk, with every customer), the agents' SIP phones
 * (simulators that answer at once) and the agents' SDKs. Results go to stdout as a Markdown table
 * and JSON; docs/BENCHMARKS.md records them with the machine and the date.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import { TelephoneNetwork } from '../server/sim/network'
import { Simulator } from '../server/sim/simulator'
import { ToneSource } from '../server/switch/audio'
import { Agent } from '../src/agent/Agent'
import type { WebSocketCtor } from '../src/cti/CtiSocket'
import type { SobotEventMap, SobotEventName } from '../src/events'

const SETUP_CALLS = Number(process.env.BENCH_SETUP_CALLS ?? 25)
const LOAD_LEVELS = (process.env.BENCH_LOADS ?? '10,30').split(',').map(Number)
const CPU_WINDOW_S = Number(process.env.BENCH_CPU_WINDOW_S ?? 20)
const AGENTS = Math.max(...LOAD_LEVELS)
const AGENT_TONE_HZ = 660
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000, everyMs = 5): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(everyMs)
  }
}

function stats(xs: number[]): { n: number; median: number; p95: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!
  return { n: s.length, median: q(0.5), p95: q(0.95), min: s[0]!, max: s[s.length - 1]! }
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (USER_HZ 100)
}

async function measureCpu(pid: number, seconds: number): Promise<number> {
  const c0 = cpuSeconds(pid)
  const t0 = Date.now()
  await sleep(seconds * 1000)
  return (cpuSeconds(pid) - c0) / ((Date.now() - t0) / 1000)
}

async function startServer(env: Record<string, string>): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--conditions=sobot-source', '--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the server did not start')), 60_000)
    let out = ''
    proc.stdout!.on('data', (d: Buffer) => {
      out += String(d)
      const m = /on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(t)
        resolve(m[1]!.replace('localhost', '127.0.0.1'))
      }
    })
    proc.once('exit', (code) => reject(new Error(`the server exited (${code})`)))
  })
  return { proc, url }
}

class Events {
  readonly log: { name: string; at: number; ev: Record<string, unknown> }[] = []
  constructor(agent: Agent) {
    agent.on('EventAgentAll', (e) =>
      this.log.push({ name: e.messageID, at: performance.now(), ev: e as unknown as Record<string, unknown> }),
    )
  }
  async next<K extends SobotEventName>(name: K, from: number, timeoutMs = 15_000): Promise<{ at: number; ev: SobotEventMap[K] }> {
    let hit: (typeof this.log)[number] | undefined
    await until(() => !!(hit = this.log.slice(from).find((e) => e.name === name)), name, timeoutMs, 2)
    return { at: hit!.at, ev: hit!.ev as unknown as SobotEventMap[K] }
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sobot-bench-'))
  const trunkPassword = randomBytes(12).toString('hex')
  const port = 18000 + Math.floor(Math.random() * 1000)
  const { proc, url } = await startServer({
    PORT: String(port),
    SIMULATOR: '0',
    TRUNK_PASSWORD: trunkPassword,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
  })
  const wsBase = url.replace(/^http/, 'ws')
  const cleanups: (() => Promise<unknown> | unknown)[] = []
  try {
    const post = async (p: string, body: unknown, token?: string): Promise<Record<string, any>> => {
      const res = await fetch(`${url}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { 'x-stringee-auth': token } : {}) },
        body: JSON.stringify(body),
      })
      return (await res.json()) as Record<string, any>
    }
    const rest = (await post('/dev/token', { companyId: 'demo', rest: true })).token as string
    const must = (r: Record<string, any>, what: string): Record<string, any> => {
      if (r.r !== 0) throw new Error(`${what}: ${JSON.stringify(r)}`)
      return r
    }
    // A skill group served by AGENTS bench agents, each with an extension and a SIP phone.
    const queueId = must(
      await post(
        '/v1/queue',
        { name: 'Bench', record_calls: false, agent_wrap_up_after_calls: false, wait_agent_answer_timeout: 15, cond_routing: 2 },
        rest,
      ),
      'queue',
    ).queueID as string
    const group = must(await post('/v1/group', { name: 'Bench team' }, rest), 'group').groupID as string
    must(await post('/v1/routing-call-to-groups', { queue_id: queueId, group_id: group, priority: 1 }, rest), 'routing')
    const agents: { workNo: string; ext: string; password: string }[] = []
    for (let i = 1; i <= AGENTS; i++) {
      const ext = String(7000 + i)
      const workNo = `b${String(i).padStart(3, '0')}`
      must(await post('/v1/extension', { ext }, rest), 'extension')
      const created = must(
        await post(
          '/v1/agent',
          {
            name: `Bench ${i}`,
            stringee_user_id: workNo,
            ext,
            sip_password: `bench-${i}-pw`,
            phone_types: ['sip'],
            default_phone_type: 'sip',
          },
          rest,
        ),
        'agent',
      )
      must(await post('/v1/manage-agents-in-group', { agent_id: created.agentID, group_id: group }, rest), 'membership')
      agents.push({ workNo, ext, password: `bench-${i}-pw` })
    }

    const network = await TelephoneNetwork.start({ wsUrl: `${wsBase}/sip`, domain: 'cc.local', user: 'pstn', password: trunkPassword })
    cleanups.push(() => network.close())
    const sessions: { agent: Agent; events: Events; phone: Simulator }[] = []
    for (const a of agents) {
      const phone = await Simulator.start({
        wsUrl: `${wsBase}/sip`,
        uri: `sip:1_${a.ext}@cc.local`,
        password: a.password,
        autoAnswer: true,
        source: () => new ToneSource(AGENT_TONE_HZ, 0.25),
      })
      cleanups.push(() => phone.close())
      const token = (await post('/dev/token', { companyId: 'demo', agent: a.workNo })).token as string
      const agent = new Agent({ server: url, WebSocket: WebSocket as unknown as WebSocketCtor })
      const events = new Events(agent)
      await agent.initAgent({ token, companyId: 'demo', agent: a.workNo })
      cleanups.push(() => agent.destroy())
      sessions.push({ agent, events, phone })
    }

    // 1. makeCall to EventEstablished (the agent's phone answers at once, then the customer's).
    const first = sessions[0]!
    await first.agent.login({ agentState: '2', phoneType: 'sip' })
    const makeCallMs: number[] = []
    for (let i = 0; i < SETUP_CALLS; i++) {
      const from = first.events.log.length
      const t0 = performance.now()
      await first.agent.makeCall({ otherDN: `1380000${String(1000 + i)}` })
      const est = await first.events.next('EventEstablished', from)
      makeCallMs.push(est.at - t0)
      await first.agent.hangup()
      await first.events.next('EventAgentAfterCallWork', from)
      await first.agent.completeACW()
    }
    await first.agent.logout()

    // 2. Inbound: customer call to EventRinging, ring to answer (EventEstablished), answer to audio at the customer.
    await first.agent.login({ agentState: '1', phoneType: 'sip' })
    const toRing: number[] = []
    const ringToAnswer: number[] = []
    const answerToAudio: number[] = []
    for (let i = 0; i < SETUP_CALLS; i++) {
      const from = first.events.log.length
      const t0 = performance.now()
      const customer = network.callIn(queueId, `1390000${String(1000 + i)}`)
      const ring = await first.events.next('EventRinging', from)
      const est = await first.events.next('EventEstablished', from)
      const sim = network.simCall(customer.id)!
      await until(() => sim.receivedRms(Date.now() - 60) > 0.02, 'the customer to hear the agent', 10_000, 2)
      const heard = performance.now()
      toRing.push(ring.at - t0)
      ringToAnswer.push(est.at - ring.at)
      answerToAudio.push(heard - est.at)
      await first.agent.hangup()
      await first.events.next('EventReleased', from)
    }

    // 3. CPU of the server per concurrent bridged call.
    for (const s of sessions.slice(1)) await s.agent.login({ agentState: '1', phoneType: 'sip' })
    await sleep(2000)
    const idle = await measureCpu(proc.pid!, 10)
    const load: { calls: number; cpu: number; perCall: number }[] = []
    for (const n of LOAD_LEVELS) {
      const placed: string[] = []
      for (let i = 0; i < n; i++) placed.push(network.callIn(queueId, `1370000${String(1000 + i)}`).id)
      await until(
        () => placed.every((id) => network.get(id)!.state === 'talking' && network.simCall(id)!.receivedRms(Date.now() - 200) > 0.02),
        `${n} calls talking with audio`,
        120_000,
        100,
      )
      await sleep(3000)
      const cpu = await measureCpu(proc.pid!, CPU_WINDOW_S)
      // Every call still carries audio at the end of the window.
      const silent = placed.filter((id) => !(network.simCall(id)!.receivedRms(Date.now() - 500) > 0.02))
      if (silent.length) throw new Error(`${silent.length} of ${n} calls lost their audio during the measurement`)
      load.push({ calls: n, cpu, perCall: (cpu - idle) / n })
      for (const id of placed) network.hangup(id)
      await until(() => placed.every((id) => network.get(id)!.state === 'ended'), 'the calls to end', 30_000, 100)
      await sleep(3000)
    }

    const ms = (x: number): string => `${x.toFixed(0)} ms`
    const row = (name: string, xs: number[]): string => {
      const s = stats(xs)
      return `| ${name} | ${s.n} | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.min)} | ${ms(s.max)} |`
    }
    const report = [
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
      '',
      '| set-up | calls | median | p95 | min | max |',
      '| --- | --- | --- | --- | --- | --- |',
      row('makeCall → EventEstablished (agent phone, then customer)', makeCallMs),
      row('inbound: customer INVITE → agent EventRinging', toRing),
      row('inbound: EventRinging → EventEstablished (phone answers at once)', ringToAnswer),
      row('inbound: EventEstablished → customer hears the agent', answerToAudio),
      '',
      '| concurrent bridged calls | server CPU (share of one core) | per call above idle |',
      '| --- | --- | --- |',
      `| 0 (idle, ${AGENTS} agents registered) | ${(idle * 100).toFixed(1)} % | — |`,
      ...load.map((l) => `| ${l.calls} | ${(l.cpu * 100).toFixed(1)} % | ${(l.perCall * 100).toFixed(2)} % |`),
    ].join('\n')
    console.log(report)
    console.log(
      JSON.stringify({
        makeCallMs: stats(makeCallMs),
        toRing: stats(toRing),
        ringToAnswer: stats(ringToAnswer),
        answerToAudio: stats(answerToAudio),
        idle,
        load,
      }),
    )
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {})
    proc.kill('SIGTERM')
    await new Promise((r) => proc.once('exit', r))
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
