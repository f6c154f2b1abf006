import { WORK_STATUS_CODES, type CommandParams, type CommandResult } from 'sobot-call-sdk/protocol'
import type { AgentCore, Caller } from './agents'
import type { Directory } from './directory'

/**
 * queryAgents (sobot-call-sdk-js.txt, "Query Enterprise Agent List"): the agents of the caller's
 * company, from the Directory and the agents' live states. agentName is a precise match; agentState
 * -1 lists everyone, 1 (the default) the agents online (ready), 0 those offline, 2 those in DND;
 * queueCode (precise) keeps the agents serving that skill group through group routing.
 */
export function queryAgents(dir: Directory, core: AgentCore, c: Caller, p: CommandParams<'queryAgents'>): CommandResult<'queryAgents'> {
  const { agentName: name, agentState: state, queueCode } = p
  const agents = dir
    .companyAgents(c.agent.companyId)
    .filter((a) => !name || a.name === name)
    .filter((a) => state === -1 || core.runtime(a.uuid).agentState === state)
    .filter((a) => !queueCode || dir.agentQueues(a.uuid).some((q) => q.queue.id === queueCode))
    .map((a) => {
      const rt = core.runtime(a.uuid)
      return {
        agentUUID: a.uuid,
        agentID: a.agentID,
        agentName: a.name,
        ext: a.ext,
        agentState: rt.agentState,
        workStatus: WORK_STATUS_CODES[rt.workStatus],
        workStatusName: rt.workStatus,
      }
    })
  return { agents }
}
