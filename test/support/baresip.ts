import { spawn, type ChildProcess } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { toneAmplitude } from '../../server/switch/audio'
import { startEdge, type Edge } from '../../deploy/edge/edge'
import type { ContactCenter } from '../../server/app'

/** A free TCP port (and, with `udp`, free for UDP too) on `host`. */
export async function freePort(host = '127.0.0.1', udp = false): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer()
      s.once('error', reject)
      s.listen(0, host, () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    if (!udp) return port
    const free = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4')
      u.once('error', () => resolve(false))
      u.bind(port, host, () => u.close(() => resolve(true)))
    })
    if (free) return port
  }
  throw new Error('no free port')
}

/** The edge (Kamailio and rtpengine) in front of `cc`, on free ports of 127.0.0.1. */
export async function edgeFor(cc: ContactCenter, log?: (line: string) => void): Promise<Edge> {
  const [switchHost, switchPort] = cc.sip.tcpAddress!.split(':')
  const rtpBase = 20000 + Math.floor(Math.random() * 200) * 100
  return startEdge({
    publicHost: '127.0.0.1',
    publicPort: await freePort('127.0.0.1', true),
    internalHost: '127.0.0.1',
    internalPort: cc.config.sipEdges[0] ? Number(cc.config.sipEdges[0].split(':')[1]) : await freePort(),
    switchHost: switchHost!,
    switchPort: Number(switchPort),
    rtpPortMin: rtpBase,
    rtpPortMax: rtpBase + 99,
    rtpengineNgPort: await freePort('127.0.0.1', true),
    ...(log ? { log } : {}),
  })
}

/** How long the phone's tone lasts (aufile stops at the end of its file). */
const SAY_SECONDS = 180

/** A 16-bit mono 8 kHz WAV file of a sine tone at a quarter of full scale. */
function toneWav(hz: number, seconds: number): Buffer {
  const samples = 8000 * seconds
  const buf = Buffer.alloc(44 + samples * 2)
  buf.write('RIFF', 0)
  buf.writeUInt32LE(36 + samples * 2, 4)
  buf.write('WAVEfmt ', 8)
  buf.writeUInt32LE(16, 16)
  buf.writeUInt16LE(1, 20)
  buf.writeUInt16LE(1, 22)
  buf.writeUInt32LE(8000, 24)
  buf.writeUInt32LE(16000, 28)
  buf.writeUInt16LE(2, 32)
  buf.writeUInt16LE(16, 34)
  buf.write('data', 36)
  buf.writeUInt32LE(samples * 2, 40)
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / 8000) * 0.25 * 32767), 44 + i * 2)
  return buf
}

export interface BaresipEvent {
  type: string
  id?: string
  peeruri?: string
  param?: string
  [k: string]: unknown
}

/**
 * baresip (Debian's) as a real SIP endpoint, driven over its ctrl_tcp module: it registers through the
 * edge (or not), dials, answers, holds, sends DTMF; it says a tone (aufile, from a WAV file made here:
 * its ausine module only runs at 48 kHz) and the sndfile module dumps what it hears to a WAV file,
 * which heardTone() measures.
 */
export class Baresip {
  readonly events: BaresipEvent[] = []
  private readonly waiters = new Set<() => void>()
  private buffer = ''
  private token = 0
  private readonly replies = new Map<string, (r: { ok: boolean; data: string }) => void>()

  private constructor(
    readonly dir: string,
    private readonly child: ChildProcess,
    private readonly ctrl: Socket,
    readonly sipAddress: string,
    readonly output: string[],
  ) {
    ctrl.on('data', (chunk: Buffer) => this.onData(chunk.toString('utf8')))
  }

  /**
   * `aor` is the account (sip:user@domain); `edge` the edge's public host:port when it registers
   * (or sends its calls) through it; `password` registers.
   */
  static async start(o: {
    aor: string
    password?: string
    edge: string
    listenHost?: string
    sipPort?: number
    /** More users at the same address that take calls (baresip 1.0 has no catch-all: a carrier's numbers). */
    alsoUsers?: string[]
    toneHz: number
    register?: boolean
    codecs?: string
    answerMode?: 'manual' | 'auto'
  }): Promise<Baresip> {
    const dir = mkdtempSync(path.join(tmpdir(), 'sobot-baresip-'))
    const host = o.listenHost ?? '127.0.0.1'
    const sipPort = o.sipPort ?? (await freePort(host, true))
    const ctrlPort = await freePort()
    const rtp = 40000 + Math.floor(Math.random() * 100) * 200
    writeFileSync(
      path.join(dir, 'config'),
      [
        `sip_listen ${host}:${sipPort}`,
        'sip_transports udp',
        // An address, not an interface: baresip skips loopback interfaces, and the tests have no other.
        `net_interface ${host}`,
        `audio_source aufile,${path.join(dir, 'say.wav')}`,
        // No sound card: ALSA's null device plays (and paces) what is heard; sndfile records it as decoded.
        'audio_player alsa,null',
        'audio_alert alsa,null',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module g722.so',
        'module aufile.so',
        'module alsa.so',
        'module sndfile.so',
        `snd_path ${dir}`,
        'module_app account.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
        `rtp_ports ${rtp}-${rtp + 199}`,
        'audio_buffer 20-160',
        '',
      ].join('\n'),
    )
    const params = [
      o.password ? `auth_pass=${o.password}` : '',
      `outbound="sip:${o.edge};transport=udp"`,
      o.register === false ? 'regint=0' : 'regint=600',
      `answermode=${o.answerMode ?? 'manual'}`,
      `audio_codecs=${o.codecs ?? 'PCMU'}`,
    ].filter(Boolean)
    const others = (o.alsoUsers ?? []).map((u) => `<${o.aor.replace(/^sip:[^@]+@/, `sip:${u}@`)}>;${params.join(';')}\n`)
    writeFileSync(path.join(dir, 'accounts'), [`<${o.aor}>;${params.join(';')}\n`, ...others].join(''))
    writeFileSync(path.join(dir, 'say.wav'), toneWav(o.toneHz, SAY_SECONDS))
    const child = spawn('baresip', ['-f', dir, '-s'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    const output: string[] = []
    const keep = (d: Buffer): void => {
      output.push(d.toString('utf8'))
      if (output.length > 2000) output.shift()
    }
    child.stdout!.on('data', keep)
    child.stderr!.on('data', keep)
    let ctrl: Socket | undefined
    for (let i = 0; i < 50 && !ctrl; i++) {
      ctrl = await new Promise<Socket | undefined>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: ctrlPort })
        s.once('connect', () => resolve(s))
        s.once('error', () => resolve(undefined))
      })
      if (!ctrl) await new Promise((r) => setTimeout(r, 100))
    }
    if (!ctrl) {
      child.kill('SIGKILL')
      throw new Error(`baresip did not start: ${output.join('')}`)
    }
    const b = new Baresip(dir, child, ctrl, `${host}:${sipPort}`, output)
    if (o.password && o.register !== false) {
      // The registration may finish before the control connection is up (events are not replayed): ask.
      const end = Date.now() + 10_000
      let info = ''
      while (!/\bOK\b/.test((info = (await b.command('reginfo')).data.replace(/\x1b\[[0-9;]*m/g, '')))) {
        if (Date.now() > end) {
          await b.close()
          throw new Error(`baresip did not register (${info}): ${output.join('').slice(-3000)}`)
        }
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    return b
  }

  /** Runs a menu command (dial, accept, hangup, hold, resume, sndcode, ...). */
  command(command: string, params = '', timeoutMs = 5000): Promise<{ ok: boolean; data: string }> {
    const token = String(++this.token)
    const json = JSON.stringify({ command, params, token })
    this.ctrl.write(`${Buffer.byteLength(json)}:${json},`)
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.replies.delete(token)
        reject(new Error(`baresip ${command}: no reply`))
      }, timeoutMs)
      this.replies.set(token, (r) => {
        clearTimeout(t)
        resolve(r)
      })
    })
  }

  /** The next event of `type` not consumed yet (earlier ones count), within timeoutMs. */
  async waitEvent(type: string, timeoutMs = 10_000): Promise<BaresipEvent> {
    const end = Date.now() + timeoutMs
    for (;;) {
      const i = this.events.findIndex((e) => e.type === type)
      if (i >= 0) return this.events.splice(i, 1)[0]!
      const left = end - Date.now()
      if (left <= 0)
        throw new Error(
          `baresip: no ${type} within ${timeoutMs} ms (events: ${this.events.map((e) => e.type).join(', ')}); output: ${this.output.join('').slice(-3000)}`,
        )
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, left)
        function done(): void {
          clearTimeout(t)
          resolve()
        }
        this.waiters.add(done)
      })
    }
  }

  /** Forgets the events seen so far. */
  clearEvents(): void {
    this.events.length = 0
  }

  /**
   * Amplitude (0..1) of a tone at `hz` in the last `windowMs` of what the phone decoded. Without a sound
   * card no player paces baresip's receive side: its dump holds the first ~100 ms of a call's audio, so
   * this shows that the far end's audio reached the phone, not that it went on.
   */
  heardTone(hz: number, windowMs = 500): number {
    const pcm = this.heard()
    const n = Math.min(pcm.length, Math.round((windowMs / 1000) * 8000))
    return n > 0 ? toneAmplitude(pcm.subarray(pcm.length - n), hz) : 0
  }

  /** RMS (0..1) of what the phone heard during the last `windowMs`. */
  heardRms(windowMs = 500): number {
    const pcm = this.heard()
    const n = Math.min(pcm.length, Math.round((windowMs / 1000) * 8000))
    if (n === 0) return 0
    let sum = 0
    for (let i = pcm.length - n; i < pcm.length; i++) sum += (pcm[i]! / 32768) ** 2
    return Math.sqrt(sum / n)
  }

  /** What the phone decoded in its latest call (sndfile's dump: 16-bit mono at 8 kHz), as written so far. */
  heard(): Int16Array {
    const files = readdirSync(this.dir)
      .filter((f) => f.endsWith('-dec.wav'))
      .map((f) => path.join(this.dir, f))
      .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)
    const file = files.at(-1)
    if (!file) return new Int16Array(0)
    const buf = readFileSync(file)
    const data = buf.indexOf('data', 12)
    if (data < 0) return new Int16Array(0)
    const start = data + 8
    const bytes = buf.subarray(start, start + ((buf.length - start) & ~1))
    return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))
  }

  async close(): Promise<void> {
    this.ctrl.destroy()
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => this.child.kill('SIGKILL'), 2000)
        this.child.once('exit', () => {
          clearTimeout(kill)
          resolve()
        })
        this.child.kill('SIGTERM')
      })
    }
    rmSync(this.dir, { recursive: true, force: true })
  }

  private onData(text: string): void {
    this.buffer += text
    for (;;) {
      const colon = this.buffer.indexOf(':')
      if (colon < 0) return
      const len = Number(this.buffer.slice(0, colon))
      if (!Number.isFinite(len) || this.buffer.length < colon + 1 + len + 1) return
      const json = this.buffer.slice(colon + 1, colon + 1 + len)
      this.buffer = this.buffer.slice(colon + 1 + len + 1)
      let m: Record<string, unknown>
      try {
        m = JSON.parse(json) as Record<string, unknown>
      } catch {
        continue
      }
      if (m.response) this.replies.get(String(m.token))?.({ ok: m.ok === true, data: String(m.data ?? '') })
      else if (m.event) {
        this.events.push(m as BaresipEvent)
        for (const w of [...this.waiters]) {
          this.waiters.delete(w)
          w()
        }
      }
    }
  }
}
