import { ToneSource } from '../../server/switch/audio'
import { Simulator, type SimCall } from '../../server/sim/simulator'
import type { ContactCenter } from '../../server/app'

/** What an agent's SIP phone (a simulator) says by default: 1370 Hz, away from the customers' 440 Hz and from every note of the music on hold (which has 659 Hz). */
export const AGENT_TONE_HZ = 1370

/**
 * Tones for the multi-party tests, one per agent so that each party's audio is told apart (Goertzel):
 * each is at least 30 Hz from the customers' 440 Hz, the ringback, every note of the music on hold
 * and the survey prompt.
 */
export const TONE_HZ: Record<string, number> = { '1001': 620, '1002': 740, '1003': 950, '1004': 1110, '1005': 1250, '9001': 300 }

/** A SIP phone registered with the agent's extension, as a desk phone would be. */
export async function sipPhone(
  cc: ContactCenter,
  agentID: string,
  opts: { autoAnswer?: boolean; toneHz?: number } = {},
): Promise<Simulator> {
  const a = cc.dir.agentByWorkNo('demo', agentID)!
  const user = cc.phones.sipUser(a)
  return Simulator.start({
    wsUrl: `${cc.url.replace(/^http/, 'ws')}/sip`,
    uri: `sip:${user}@${cc.config.sipDomain}`,
    password: a.sipPassword,
    source: () => new ToneSource(opts.toneHz ?? AGENT_TONE_HZ, 0.25),
    autoAnswer: opts.autoAnswer ?? false,
  })
}

/** Resolves with the phone's next incoming call. */
export function nextIncoming(phone: Simulator, timeoutMs = 10_000): Promise<SimCall> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the phone did not ring')), timeoutMs)
    const off = phone.on('incoming', (c) => {
      clearTimeout(t)
      off()
      resolve(c)
    })
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Waits until `check` returns true (polling), failing after `timeoutMs` with `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}
