import type { AgentCore } from '../acd/agents'
import type { ConfigStore } from './config'

/**
 * Keeps what the agent core changes on an agent record in the database: the extension bound at login
 * (and unbound at logout with unbindExtOnLogout), and Stringee's status attributes, which follow the
 * agent's state: system_status 1 while logged in, 0 offline; manual_status AVAILABLE when ready,
 * NOT AVAILABLE otherwise. Chains onto whatever onAvailabilityChanged hook is already set.
 */
export function persistAgentChanges(core: AgentCore, config: ConfigStore, log?: { error(obj: object, msg: string): void }): void {
  const previous = core.hooks.onAvailabilityChanged
  const saved = new Map<string, string>()
  core.hooks.onAvailabilityChanged = (a, rt) => {
    previous?.(a, rt)
    const systemStatus = rt.agentState === 0 ? 0 : 1
    const manualStatus = rt.agentState === 1 ? 'AVAILABLE' : 'NOT AVAILABLE'
    const key = `${a.ext}|${systemStatus}|${manualStatus}`
    const before = saved.get(a.uuid) ?? `${a.ext}|${a.systemStatus ?? 0}|${a.manualStatus ?? ''}`
    if (key === before) return
    saved.set(a.uuid, key)
    a.systemStatus = systemStatus
    a.manualStatus = manualStatus
    config.saveAgent(a).catch((err: unknown) => log?.error({ err, agent: a.uuid }, 'could not save the agent'))
  }
}
