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
