import type { SobotEventName } from './events'

/**
 * Prose for docs/EVENTS.md (scripts/gen-docs.ts). Typed by the event map, so an event without its
 * documentation does not compile. Not part of the bundle: nothing imports it but the generator.
 * mark: S seen in Sobot material, G from the Genesys model, P this project's addition.
 */
export const EVENT_DOCS: Record<SobotEventName | 'EventAgentAll', { mark: 'S' | 'G' | 'P'; when: string; fields: string }> = {
  EventAgentAll: { mark: 'S', when: 'Not an event: a listener of EventAgentAll receives every event, after that event\'s own listeners.', fields: 'the event\'s own' },
  EventAgentRegainStatus: { mark: 'S', when: 'After initAgent when the agent was not offline, and after a reconnect the server could not replay (or a server restart).', fields: 'agentStateInfo (Table 3), workStatusInfo (Table 4; absent when not on a call)' },
  EventAgentConnectionChanged: { mark: 'S', when: 'This session was forced offline: a login elsewhere (reason "replaced"), forceLogout ("forceLogout"), the server closed it ("sessionClosed"), or the connection was lost for good ("connectionLost"). Every later method fails with SESSION_OFFLINE until initAgent.', fields: 'reason' },
  EventAgentLogin: { mark: 'G', when: 'login succeeded (followed by EventAgentReady or EventAgentNotReady).', fields: 'agent fields' },
  EventAgentLogout: { mark: 'G', when: 'logout, resetLogout, forceLogout.', fields: 'agent fields' },
  EventAgentReady: { mark: 'S', when: 'ready, forceReady, login with agentState 1, the end of ACW for a ready agent.', fields: 'agent fields' },
  EventAgentNotReady: { mark: 'S', when: 'notReady, forceBusy (reasonCode 2), login with agentState 2, completeACWToBusy.', fields: 'agent fields; reasonCode' },
  EventAgentAfterCallWork: { mark: 'G', when: 'After-call work began or was extended (delayACW).', fields: 'agent fields; acwDeadline (ms), acwSeconds' },
  EventTokenInvalid: { mark: 'S', when: 'The server refused the token. Commands wait up to 10 s for handleRefreshToken(newToken) and are then sent once each, in order; past 10 s they fail with TOKEN_REFRESH_TIMEOUT and this event fires once more. Made by the SDK.', fields: 'errorCode (TOKEN_INVALID or TOKEN_REFRESH_TIMEOUT), errorMessage' },
  EventTierAdded: { mark: 'S', when: 'The agent now serves a skill group: the REST API added it to an agent group routed to the queue, or routed one of its groups to the queue. One event per skill group gained.', fields: 'agent fields (thisQueues already includes it); queueID, queueName' },
  EventTierRemoved: { mark: 'S', when: 'The agent no longer serves a skill group: removed from the agent group, the group routing deleted, the group or the queue deleted. One event per skill group lost.', fields: 'agent fields (thisQueues without it); queueID, queueName' },
  EventError: { mark: 'S', when: 'An unsolicited server-side failure for this agent (a call that could not be placed, a phone that could not be reached).', fields: 'errorCode, errorMessage' },
  EventDialing: { mark: 'S', when: 'This party started a call (makeCall, initiateConsult).', fields: 'call fields' },
  EventRinging: { mark: 'S', when: 'A call is alerting this party (inbound, transferred, consulted).', fields: 'call fields' },
  EventEstablished: { mark: 'S', when: 'The call was answered; talk begins.', fields: 'call fields' },
  EventReleased: { mark: 'S', when: 'This party left the call.', fields: 'call fields' },
  EventAbandoned: { mark: 'G', when: 'The caller hung up before this party answered.', fields: 'call fields' },
  EventHeld: { mark: 'G', when: 'holdCall, or the customer was held for a consult.', fields: 'call fields' },
  EventRetrieved: { mark: 'G', when: 'retrieveCall, retrieveConsult.', fields: 'call fields' },
  EventPartyAdded: { mark: 'S', when: 'A party joined: consultConference, a supervisor barging in.', fields: 'call fields; thirdDN/thirdDNRole name the new party' },
  EventPartyChanged: { mark: 'S', when: 'The other party changed: a transfer completed (TransferBy / TransferTo), an interception.', fields: 'call fields' },
  EventPartyDeleted: { mark: 'S', when: 'A party left a conference.', fields: 'call fields; thirdDN/thirdDNRole name who left' },
  EventMuteOn: { mark: 'S', when: 'muteCall (Sobot: MutedOrUnmuted).', fields: 'call fields' },
  EventMuteOff: { mark: 'S', when: 'unmute.', fields: 'call fields' },
  EventDTMFSent: { mark: 'G', when: 'sendDtmf sent its digits.', fields: 'call fields; dtmfDigits' },
  EventAttachedDataChanged: { mark: 'G', when: 'The call\'s attached data changed.', fields: 'call fields' },
  MainCDRInfo: { mark: 'S', when: 'The call\'s detail record, after it ended.', fields: 'callID, callType, ANI, DNIS, otherDN, startTime, answerTime, endTime, talkDuration, releasedBy, endCause, recorded' },
  EventJanusLatency: { mark: 'S', when: 'Every few seconds while a web or SIP phone is on a call: voice quality from the peer connection\'s statistics and the CTI round trip. Made by the SDK.', fields: 'ping, jitter (ms), loss, quality a..e, ctiPing (ms)' },
}
