import { randomUUID } from 'node:crypto'
import { SpeechLikeSource, ToneSource, type AudioSource } from '../switch/audio'
import type { Logger } from '../util/logger'
import { Simulator, type SimCall } from './simulator'

/**
 * The telephone network, simulated: one SIP trunk (JsSIP in Node over werift, real RTP) that
 * carries every customer's call. It places inbound calls into skill groups or numbers, answers the
 * calls the contact center places to customers and to agents' mobiles, sends and logs DTMF, and
 * reports the audio it received, so that tests can check what each customer really heard.
 */
export interface NumberBehaviour {
  /** Answer after this long (default 300 ms). */
  answerAfterMs?: number
  /** Reject with this SIP status (486 busy, 603 decline, ...). */
  reject?: number
  /** Never answer. */
  noAnswer?: boolean
}

export interface NetworkCallView {
  id: string
  /** inbound: a customer calling the contact center; outbound: the contact center calling a number. */
  direction: 'inbound' | 'outbound'
  /** The customer's (or mobile's) number. */
  number: string
  /** What was dialled: the skill group or number (inbound), or the calling line shown (outbound). */
  to: string
  state: 'ringing' | 'talking' | 'ended'
  endCause: string | null
  /** Digits received from the contact center (RFC 4733), in order. */
  dtmfReceived: string
  startedAt: number
  answeredAt: number | null
  endedAt: number | null
  packetsReceived: number
  /** RMS (0..1) of what the customer heard over the last second. */
  rmsLastSecond: number
}

interface Entry {
  id: string
  direction: 'inbound' | 'outbound'
  number: string
  to: string
  call: SimCall
  dtmf: string[]
  startedAt: number
}

/** What a simulated customer says: a 440 Hz tone (easy to tell from the agent's 1 kHz beeps and the music). */
export const CUSTOMER_TONE_HZ = 440

export class TelephoneNetwork {
  private readonly entries = new Map<string, Entry>()
  private readonly behaviours = new Map<string, NumberBehaviour>()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()

  private constructor(
    private readonly trunk: Simulator,
    private readonly domain: string,
  ) {
    trunk.on('incoming', (call) => this.onIncoming(call))
  }

  static async start(opts: { wsUrl: string; domain: string; user: string; password: string; logger?: Logger }): Promise<TelephoneNetwork> {
    const trunk = await Simulator.start({
      wsUrl: opts.wsUrl,
      uri: `sip:${opts.user}@${opts.domain}`,
      password: opts.password,
      displayName: 'Telephone network',
      source: () => new ToneSource(CUSTOMER_TONE_HZ, 0.25),
      ...(opts.logger ? { logger: opts.logger } : {}),
    })
    return new TelephoneNetwork(trunk, opts.domain)
  }

  /** How a number answers the contact center's calls from now on. */
  behave(number: string, b: NumberBehaviour): void {
    this.behaviours.set(number, b)
  }

  /** A customer with number `from` calls `to` (a skill group id or a contact center number). */
  callIn(to: string, from = `1390000${Math.floor(1000 + Math.random() * 9000)}`, source?: AudioSource): NetworkCallView {
    const call = this.trunk.call(`sip:${to}@${this.domain}`, { fromUserName: from })
    if (source) call.setSource(source)
    const e = this.add('inbound', from, to, call)
    return this.view(e)
  }

  private onIncoming(call: SimCall): void {
    const s = call.session as unknown as { local_identity?: { uri?: { user?: string } }; remote_identity?: { uri?: { user?: string } } }
    const number = s.local_identity?.uri?.user ?? ''
    const from = s.remote_identity?.uri?.user ?? ''
    this.add('outbound', number, from, call)
    const b = this.behaviours.get(number) ?? {}
    if (b.noAnswer) return
    const t = setTimeout(() => {
      this.timers.delete(t)
      if (call.ended) return
      if (b.reject) call.session.terminate({ status_code: b.reject })
      else call.answer()
    }, b.answerAfterMs ?? 300)
    this.timers.add(t)
  }

  private add(direction: Entry['direction'], number: string, to: string, call: SimCall): Entry {
    const e: Entry = { id: randomUUID(), direction, number, to, call, dtmf: [], startedAt: Date.now() }
    call.on('dtmf', (d) => e.dtmf.push(d.digit))
    this.entries.set(e.id, e)
    return e
  }

  get(id: string): NetworkCallView | undefined {
    const e = this.entries.get(id)
    return e && this.view(e)
  }

  list(): NetworkCallView[] {
    return [...this.entries.values()].map((e) => this.view(e))
  }

  /** The simulated call itself, for tests that measure audio in detail. */
  simCall(id: string): SimCall | undefined {
    return this.entries.get(id)?.call
  }

  hangup(id: string): boolean {
    const e = this.entries.get(id)
    if (!e) return false
    e.call.hangup()
    return true
  }

  sendDtmf(id: string, digits: string): boolean {
    const e = this.entries.get(id)
    if (!e || e.call.confirmedAt === undefined || e.call.ended) return false
    e.call.sendDtmf(digits)
    return true
  }

  /** The customer now says something else (speech-like, or a tone). */
  say(id: string, what: 'speech' | number): boolean {
    const e = this.entries.get(id)
    if (!e) return false
    e.call.setSource(what === 'speech' ? new SpeechLikeSource() : new ToneSource(what, 0.25))
    return true
  }

  private view(e: Entry): NetworkCallView {
    const c = e.call
    return {
      id: e.id,
      direction: e.direction,
      number: e.number,
      to: e.to,
      state: c.ended ? 'ended' : c.confirmedAt !== undefined ? 'talking' : 'ringing',
      endCause: c.endCause ?? null,
      dtmfReceived: e.dtmf.join(''),
      startedAt: e.startedAt,
      answeredAt: c.confirmedAt ?? null,
      endedAt: c.endedAt ?? null,
      packetsReceived: c.packetsReceived,
      rmsLastSecond: c.receivedRms(Date.now() - 1000),
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    await this.trunk.close()
    this.entries.clear()
  }
}
