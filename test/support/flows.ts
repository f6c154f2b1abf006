import { expect } from 'vitest'
import { EVENT_FLOWS, type FlowStep } from '../../src/eventDocs'
import { until } from './calls'

/** An event as a flow step sees it. */
interface CallEv {
  messageID: string
  callID?: unknown
  thisDNRole?: unknown
  otherDNRole?: unknown
  thirdDNRole?: unknown
  workStatus?: unknown
}

/** The documented steps of `party` (the start of its name: 'A', 'B', 'S') in the flow titled `title`. */
export function flowSteps(title: string, party: string): FlowStep[] {
  const flow = EVENT_FLOWS.find((f) => f.title === title)
  if (!flow) throw new Error(`no documented flow "${title}"`)
  const key = Object.keys(flow.parties).find((k) => k.split(' ')[0] === party)
  if (!key) throw new Error(`flow "${title}" has no party ${party}`)
  return flow.parties[key]!
}

/** Events the flows leave out: the detail record, and what a party does on its own (mute, DTMF). */
const ASIDE = new Set(['MainCDRInfo', 'EventMuteOn', 'EventMuteOff', 'EventDTMFSent'])

/** The call events among `events` on the calls M and C, as flow steps. */
export function asSteps(events: readonly CallEv[], calls: { M: string; C?: string }): FlowStep[] {
  const ref = (id: unknown): 'M' | 'C' | undefined => (id === calls.M ? 'M' : calls.C !== undefined && id === calls.C ? 'C' : undefined)
  return events
    .filter((e) => !ASIDE.has(e.messageID) && ref(e.callID))
    .map((e) => {
      const step: Record<string, unknown> = {
        event: e.messageID,
        call: ref(e.callID),
        thisDNRole: e.thisDNRole,
        otherDNRole: e.otherDNRole,
      }
      if (e.thirdDNRole) step.thirdDNRole = e.thirdDNRole
      step.workStatus = e.workStatus
      return step as unknown as FlowStep
    })
}

/**
 * Waits (bounded) until the party has received as many events on M and C as the documented flow has
 * steps, then checks that they are exactly those steps, in order. `events()` gives what the party got
 * since the flow began.
 */
export async function expectFlow(
  title: string,
  party: string,
  events: () => readonly CallEv[] | Promise<readonly CallEv[]>,
  calls: { M: string; C?: string },
  timeoutMs = 10_000,
): Promise<void> {
  const want = flowSteps(title, party).map(({ note: _n, ...rest }) => rest)
  let got: FlowStep[] = []
  await until(
    async () => (got = asSteps(await events(), calls)).length >= want.length,
    `${party}'s ${want.length} events of "${title}" (got ${got.map((g) => g.event).join(', ')})`,
    timeoutMs,
  ).catch((e: unknown) => {
    throw new Error(`${String(e)}: ${JSON.stringify(got)}`)
  })
  expect(got, `${party} in "${title}"`).toEqual(want)
}
