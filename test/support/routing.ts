import { expect } from 'vitest'
import type { ContactCenter } from '../../server/app'
import { encodeWav } from '../../server/api/wav'
import { Simulator, type SimCall } from '../../server/sim/simulator'
import { ToneSource } from '../../server/switch/audio'
import type { CallRecord } from '../../server/store'
import { CTI_BASE_PATH, HEADER_SESSION } from '../../src/protocol/wire'
import type { Agent } from '../../src/agent/Agent'
import { AGENT_TONE_HZ, sipPhone, until } from './calls'
import type { RestClient } from './rest'
import { connectAgent, devToken, type EventLog } from './server'

/** An agent ready on its SIP desk phone (the simulator), through the SDK. */
export interface DeskAgent {
  id: string
  agent: Agent
  log: EventLog
  phone: Simulator
}

export async function deskAgent(
  cc: ContactCenter,
  id: string,
  opts: { autoAnswer?: boolean; agentState?: '1' | '2' } = {},
): Promise<DeskAgent> {
  const phone = await sipPhone(cc, id, { autoAnswer: opts.autoAnswer ?? true })
  const c = await connectAgent(cc, id)
  await c.agent.login({ agentState: opts.agentState ?? '1', phoneType: 'sip' })
  return { id, agent: c.agent, log: c.log, phone }
}

/** Posts an agent command as the wire does (docs/PROTOCOL.md); the server's answer, whatever it is. */
export async function command(
  cc: { url: string },
  token: string,
  name: string,
  body: Record<string, unknown> = {},
  session?: string,
): Promise<Record<string, any>> {
  const res = await fetch(`${cc.url}${CTI_BASE_PATH}/agent/_${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(session ? { [HEADER_SESSION]: session } : {}) },
    body: JSON.stringify(body),
  })
  return (await res.json()) as Record<string, any>
}

/**
 * An agent logged in with phoneType webrtc, whose web phone is a simulator registered with the SIP
 * identity the login hands out (what the SDK's JsSIP phone does in a browser).
 */
export async function webPhoneAgent(cc: ContactCenter, id: string): Promise<{ token: string; session: string; phone: Simulator }> {
  const token = await devToken(cc, id)
  const init = await command(cc, token, 'init', { companyId: 'demo', agent: id })
  expect(init).toMatchObject({ status: 'success' })
  const login = await command(cc, token, 'login', { agentState: '1', phoneType: 'webrtc' }, init.sessionId)
  expect(login).toMatchObject({ status: 'success', phoneType: 'webrtc' })
  const phone = await Simulator.start({
    wsUrl: `${cc.url.replace(/^http/, 'ws')}/sip`,
    uri: login.phone.uri,
    password: login.phone.password,
    source: () => new ToneSource(AGENT_TONE_HZ, 0.25),
    autoAnswer: true,
  })
  return { token, session: init.sessionId, phone }
}

/** The call record of the (only) call from this customer number, once `ready` says it is complete. */
export async function recordOf(
  cc: ContactCenter,
  customerNumber: string,
  ready: (r: CallRecord) => boolean = (r) => r.endTime > 0,
  timeoutMs = 10_000,
): Promise<CallRecord> {
  let rec: CallRecord | undefined
  await until(
    async () => {
      const { rows } = await cc.store.calls.search('demo', { customerNumber, page: 1, limit: 5, sortBy: 'start_time', sortOrder: 'desc' })
      rec = rows.find((r) => r.customerNumber === customerNumber)
      return !!rec && ready(rec)
    },
    `the call record of ${customerNumber}`,
    timeoutMs,
  )
  return rec!
}

/** A greeting upload: `seconds` of a pure tone at `hz`, 8 kHz mono; returns its filename. */
export async function uploadTone(api: RestClient, hz: number, seconds: number): Promise<string> {
  const src = new ToneSource(hz, 0.3)
  const samples = new Int16Array(8000 * seconds)
  src.read(samples)
  const form = new FormData()
  form.append('file_upload', new Blob([new Uint8Array(encodeWav(samples, 8000))], { type: 'audio/wav' }), `tone-${hz}.wav`)
  const res = await api.call('POST', '/v1/greetingfile', form)
  expect(res.body).toMatchObject({ r: 0 })
  return res.body.filename as string
}

/** Waits until the simulated customer hears a tone at `hz`. */
export async function hears(call: SimCall, hz: number, what: string, timeoutMs = 8000, level = 0.05): Promise<void> {
  await until(() => call.toneLevel(hz, 400) > level, what, timeoutMs)
}

/** Configuration through the REST API, failing loudly when the server refuses it. */
export async function ok(p: Promise<{ body: Record<string, any> }>): Promise<Record<string, any>> {
  const res = await p
  expect(res.body, JSON.stringify(res.body)).toMatchObject({ r: 0 })
  return res.body
}
