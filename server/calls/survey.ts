import { SAMPLE_RATE, type AudioSource } from '../switch/audio'
import type { DtmfLogEntry } from '../switch/b2bua'
import type { CcCall } from './model'
import type { MpCall, Multiparty } from './multiparty'

/**
 * The survey prompt's two notes: apart from the customers' 440 Hz, the test agents' tones, the web
 * phone's 1 kHz test beeps and every note of the music on hold, so that tests can tell them apart.
 */
export const SURVEY_PROMPT_HZ = [1500, 1700] as const
/** After this long without a key the survey ends (the call record's status 4). */
export const SURVEY_TIMEOUT_MS = 20_000
/** The thank-you tones after a key, before the call is hung up. */
export const SURVEY_THANKS_MS = 900

const NOTE_S = 0.25
const GAP_S = 0.1
const PAUSE_S = 1.6

/**
 * The satisfaction prompt, generated (no audio file, no speech engine): a two-note chime, twice, then a
 * pause, over and over until a key is pressed. A deployment that wants words records them as a
 * greeting; the chime is what a customer of this reference server hears.
 */
export class SurveyPromptSource implements AudioSource {
  private n = 0
  private phase = 0
  read(frame: Int16Array): void {
    const cycle = (2 * (2 * NOTE_S + GAP_S) + PAUSE_S) * SAMPLE_RATE
    for (let i = 0; i < frame.length; i++, this.n++) {
      const t = (this.n % cycle) / SAMPLE_RATE
      const within = t % (2 * NOTE_S + GAP_S)
      const inChime = t < 2 * (2 * NOTE_S + GAP_S) && within < 2 * NOTE_S
      if (!inChime) {
        frame[i] = 0
        continue
      }
      const f = within < NOTE_S ? SURVEY_PROMPT_HZ[0] : SURVEY_PROMPT_HZ[1]
      this.phase += (2 * Math.PI * f) / SAMPLE_RATE
      const x = (within % NOTE_S) / NOTE_S
      const env = Math.min(1, x * 20, (1 - x) * 20)
      frame[i] = Math.round(Math.sin(this.phase) * env * 0.25 * 32767)
    }
    this.phase %= 2 * Math.PI
  }
}

/** Three falling notes: the key was taken. */
export class SurveyThanksSource implements AudioSource {
  private n = 0
  private phase = 0
  read(frame: Int16Array): void {
    const notes = [SURVEY_PROMPT_HZ[1], SURVEY_PROMPT_HZ[0], 1200]
    const len = 0.2 * SAMPLE_RATE
    for (let i = 0; i < frame.length; i++, this.n++) {
      const k = Math.floor(this.n / len)
      if (k >= notes.length) {
        frame[i] = 0
        continue
      }
      this.phase += (2 * Math.PI * notes[k]!) / SAMPLE_RATE
      frame[i] = Math.round(Math.sin(this.phase) * 0.2 * 32767)
    }
    this.phase %= 2 * Math.PI
  }
}

/**
 * sendSatisfy: every agent-side leg ends (agents and supervisors, third parties; agents who talked go
 * into after-call work), the customer hears the survey prompt and presses a key (RFC 4733 or SIP INFO):
 * the first digit is the satisfaction, kept on the call record (satisfactionKey) and sent in the call's
 * `ended` webhook (`satisfaction`). The customer hanging up, or no key within SURVEY_TIMEOUT_MS, stops
 * the survey: the record's status is 4 ("stopped at the survey IVR").
 */
export class Survey {
  /** Each surveyed call's timers, cleared when it ends. */
  private readonly timers = new Map<string, Set<ReturnType<typeof setTimeout>>>()

  constructor(private readonly mp: Multiparty) {}

  start(m: MpCall): void {
    const call = m.call
    const cc = this.mp.cc
    const survey: { key?: string } = (call.survey = {})
    for (const p of [...call.parties]) {
      if (p.state === 'released') continue
      if (p.state !== 'established') this.mp.releaseQuietly(call, p, 'EventAbandoned', { releaseCause: 'satisfaction' })
      else if (this.mp.isObserver(m, p)) this.mp.releaseQuietly(call, p, 'EventReleased', { releaseCause: 'satisfaction' })
      else this.mp.releaseTalker(call, p, { releaseCause: 'satisfaction' })
    }
    for (const e of m.externs) {
      if (e.state === 'released') continue
      e.state = 'released'
      if (e.leg) void call.sw.hangupLeg(e.leg)
    }
    this.mp.unholdCustomer(call)
    const customer = call.sw.customer!
    call.sw.play(customer, new SurveyPromptSource())
    const onKey = (e: DtmfLogEntry): void => {
      if (e.leg !== customer || survey.key !== undefined || !/^[0-9]$/.test(e.digit)) return
      survey.key = e.digit
      cc.d.history.satisfaction(call.logged, e.digit)
      call.sw.play(customer, new SurveyThanksSource())
      this.after(call, SURVEY_THANKS_MS, () => void call.sw.hangup('server-hangup'))
    }
    call.sw.on('dtmf', onKey)
    this.after(call, SURVEY_TIMEOUT_MS, () => void call.sw.hangup('server-hangup'))
  }

  private after(call: CcCall, ms: number, fn: () => void): void {
    const set = this.timers.get(call.id) ?? new Set()
    this.timers.set(call.id, set)
    const t = setTimeout(() => {
      set.delete(t)
      fn()
    }, ms)
    set.add(t)
  }

  /** The call ended: its timers go. */
  end(call: CcCall): void {
    for (const t of this.timers.get(call.id) ?? []) clearTimeout(t)
    this.timers.delete(call.id)
  }

  close(): void {
    for (const set of this.timers.values()) for (const t of set) clearTimeout(t)
    this.timers.clear()
  }
}
