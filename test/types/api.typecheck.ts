// Type-level tests of the public API: compiled by `npm run typecheck`, never run. Every line marked
// as an expected error must be one, so a loosened type fails the build.
import { Agent, type AgentEvent, type SobotError } from '../../src/index'

declare const agent: Agent

agent.on('EventAgentReady', (m) => {
  const s: '0' | '1' | '2' = m.agentState
  const w: string = m.workStatus
  ;(void s, w)
})
agent.on('EventAgentRegainStatus', (m) => void m.agentStateInfo.reasonCodeTimestamp)
agent.on('EventRinging', (m) => void m.callID)
agent.on('EventAgentAll', (m) => void m.messageID)
agent.on('EventJanusLatency', (m) => {
  const q: 'a' | 'b' | 'c' | 'd' | 'e' = m.quality
  void q
})
// @ts-expect-error: not an event
agent.on('EventNoSuchThing', () => {})
// @ts-expect-error: agent events carry no callID
agent.on('EventAgentReady', (m: AgentEvent) => void m.callID)

// Chaining, and off with or without the listener.
agent
  .on('EventAgentReady', () => {})
  .off('EventAgentReady')
  .off('EventAgentNotReady', () => {})

// Callbacks and Promises carry the same typed result.
void agent.login({ agentState: '1', phoneType: 'webrtc', success: (r) => void r.bindExt, error: (e: SobotError) => void e.errorCode })
void agent.queryUnusedExts().then((r) => r.exts.map((e) => e.ext))
void agent.notReady({ reasonCode: 11 })
// @ts-expect-error: reasonCode is required
void agent.notReady({})
// @ts-expect-error: forceBusy needs a target
void agent.forceBusy({})
void agent.handleRefreshToken('new-token')
void agent.ready({ signal: new AbortController().signal, timeoutMs: 2000 })

// Misspelt values do not compile (the SDK still refuses them at run time, for JavaScript callers).
// @ts-expect-error: not a phoneType
void agent.login({ agentState: '1', phoneType: 'webrtcc' })
// @ts-expect-error: agentState is "1" or "2"
void agent.login({ agentState: '3' })
// @ts-expect-error: agentType is "0" or "1"
void agent.initAgent({ token: 't', companyId: 'demo', agent: '1001', agentType: '2' })
// @ts-expect-error: not a reason code
void agent.notReady({ reasonCode: 'abc' })
// @ts-expect-error: 10 is not a reason code (2 or 11-18)
void agent.notReady({ reasonCode: 10 })
void agent.notReady({ reasonCode: '18' })
// @ts-expect-error: not a targetType
void agent.singleTransfer({ targetType: '4', target: '1002' })
void agent.singleTransfer({ targetType: '3', target: 'QU_SALES' })
// @ts-expect-error: a consult has no skill group target
void agent.initiateConsult({ targetType: '3', target: 'QU_SALES' })
// @ts-expect-error: explicitRule is 1, 2 or 3
void agent.setRoute({ explicitRule: '4' })
// @ts-expect-error: queryAgents' agentState is -1, 0, 1 or 2
void agent.queryAgents({ agentState: 5 })

// Results are the contract's.
void agent.makeCall({ otherDN: '13900001111' }).then((r) => r.callID.toUpperCase())
void agent.initiateConsult({ targetType: '0', target: '1002' }).then((r) => r.callID)
void agent.delayACW({ delayTime: 60 }).then((r) => r.acwDeadline.toFixed())
void agent.queryAgents().then((r) => r.agents.map((a) => a.workStatusName))
// @ts-expect-error: a hangup has no result fields
void agent.hangup().then((r) => r.callID)

// Each event's messageID is its name, and EventAgentAll's payload narrows by it.
agent.on('EventRinging', (m) => {
  const id: 'EventRinging' = m.messageID
  void id
})
agent.on('EventAgentAll', (m) => {
  if (m.messageID === 'EventRinging') void m.callID
  if (m.messageID === 'EventAgentAfterCallWork') void m.acwDeadline
  if (m.messageID === 'EventAgentReady') {
    // @ts-expect-error: an agent event has no callID
    void m.callID
  }
  // @ts-expect-error: not an event name
  if (m.messageID === 'EventNoSuchThing') void m
})
