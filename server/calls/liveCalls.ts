import type { Directory } from '../acd/directory'
import type { CallContext } from './CallControl'
import type { RouteStage, Router } from './routing'

/**
 * Live calls for the REST API (stringee-call-management-api.txt, "Realtime call" and "Stop call"),
 * company-scoped: another company's call id is as unknown as a made-up one.
 */
export interface RealtimeCall {
  callId: string
  stringeeNumber: string
  agent: string
  startTime: number
  answeredTime: number
  stringeeNumberNickname: string
  customerNumber: string
  direction: 'callin' | 'callout'
  /** This server's additions: the queue and where the call is (ivr, queued, offered, connected, ...). */
  queueId: string
  state: RouteStage | 'outbound'
}

export interface LiveCalls {
  realtime(companyId: string): RealtimeCall[]
  /** Hangs the call up; false when the company has no such call in progress. */
  stop(companyId: string, callId: string): boolean
}

export function liveCalls(cc: CallContext & { readonly router: Router }, dir: Directory): LiveCalls {
  return {
    realtime(companyId) {
      return [...cc.active()]
        .filter((c) => c.companyId === companyId && !c.ended)
        .sort((a, b) => a.startedAt - b.startedAt)
        .map((c) => {
          const ours = c.type === 'Outbound' ? c.ANI : c.DNIS
          const party = c.parties.find((p) => p.state === 'established') ?? c.parties.find((p) => p.state !== 'released')
          return {
            callId: c.id,
            stringeeNumber: ours,
            agent: party ? (party.agent.stringeeUserId ?? party.agent.agentID) : '',
            startTime: c.startedAt,
            answeredTime: c.answeredAt ?? 0,
            stringeeNumberNickname: dir.numberByDigits(ours)?.nickname ?? '',
            customerNumber: c.customerNumber,
            direction: c.type === 'Outbound' ? 'callout' : 'callin',
            queueId: c.queue?.id ?? '',
            state: c.type === 'Outbound' ? 'outbound' : (cc.router.stageOf(c) ?? 'connected'),
          }
        })
    },
    stop(companyId, callId) {
      const call = [...cc.active()].find((c) => c.id === callId && c.companyId === companyId && !c.ended)
      if (!call) return false
      call.releasedBy ??= 'system'
      void call.sw.hangup('server-hangup')
      return true
    },
  }
}
