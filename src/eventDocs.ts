import type { SobotEventName } from './events'
import type { DNRole } from './model/dnRole'
import type { WorkStatus } from './model/workStatus'

/**
 * Prose for docs/EVENTS.md (scripts/gen-docs.ts). Typed by the event map, so an event without its
 * documentation does not compile. Not part of the bundle: nothing imports it but the generator.
 * mark: S seen in Sobot material, G from the Genesys model, P this project's addition.
 */
export const EVENT_DOCS: Record<SobotEventName | 'EventAgentAll', { mark: 'S' | 'G' | 'P'; when: string; fields: string }> = {
  EventAgentAll: {
    mark: 'S',
    when: "Not an event: a listener of EventAgentAll receives every event, after that event's own listeners.",
    fields: "the event's own",
  },
  EventAgentRegainStatus: {
    mark: 'S',
    when: 'After initAgent when the agent was not offline, and after a reconnect the server could not replay (or a server restart).',
    fields: 'agentStateInfo (Table 3), workStatusInfo (Table 4; absent when not on a call)',
  },
  EventAgentConnectionChanged: {
    mark: 'S',
    when: 'This session was forced offline: a login elsewhere (reason "replaced"), forceLogout ("forceLogout"), the server closed it ("sessionClosed"), or the connection was lost for good ("connectionLost"). Every later method fails with SESSION_OFFLINE until initAgent.',
    fields: 'reason',
  },
  EventAgentLogin: { mark: 'G', when: 'login succeeded (followed by EventAgentReady or EventAgentNotReady).', fields: 'agent fields' },
  EventAgentLogout: { mark: 'G', when: 'logout, resetLogout, forceLogout.', fields: 'agent fields' },
  EventAgentReady: {
    mark: 'S',
    when: 'ready, forceReady, login with agentState 1, the end of ACW for a ready agent.',
    fields: 'agent fields',
  },
  EventAgentNotReady: {
    mark: 'S',
    when: 'notReady, forceBusy (reasonCode 2), login with agentState 2, completeACWToBusy.',
    fields: 'agent fields; reasonCode',
  },
  EventAgentAfterCallWork: {
    mark: 'G',
    when: 'After-call work began or was extended (delayACW).',
    fields: 'agent fields; acwDeadline (ms), acwSeconds',
  },
  EventTokenInvalid: {
    mark: 'S',
    when: 'The server refused the token. Commands wait up to 10 s for handleRefreshToken(newToken) and are then sent once each, in order; past 10 s they fail with TOKEN_REFRESH_TIMEOUT and this event fires once more. Made by the SDK.',
    fields: 'errorCode (TOKEN_INVALID or TOKEN_REFRESH_TIMEOUT), errorMessage',
  },
  EventTierAdded: {
    mark: 'S',
    when: 'The agent now serves a skill group: the REST API added it to an agent group routed to the queue, or routed one of its groups to the queue. One event per skill group gained.',
    fields: 'agent fields (thisQueues already includes it); queueID, queueName',
  },
  EventTierRemoved: {
    mark: 'S',
    when: 'The agent no longer serves a skill group: removed from the agent group, the group routing deleted, the group or the queue deleted. One event per skill group lost.',
    fields: 'agent fields (thisQueues without it); queueID, queueName',
  },
  EventError: {
    mark: 'S',
    when: 'An unsolicited server-side failure for this agent (a call that could not be placed, a phone that could not be reached).',
    fields: 'errorCode, errorMessage',
  },
  EventDialing: { mark: 'S', when: 'This party started a call (makeCall, initiateConsult).', fields: 'call fields' },
  EventRinging: { mark: 'S', when: 'A call is alerting this party (inbound, transferred, consulted).', fields: 'call fields' },
  EventEstablished: { mark: 'S', when: 'The call was answered; talk begins.', fields: 'call fields' },
  EventReleased: {
    mark: 'S',
    when: "This party left the call (or the consult call ended, or became part of the customer's call).",
    fields: 'call fields; releaseCause',
  },
  EventAbandoned: {
    mark: 'G',
    when: 'The caller hung up (or cancelled the consult) before this party answered.',
    fields: 'call fields; releaseCause',
  },
  EventHeld: { mark: 'G', when: 'holdCall, or the customer was held for a consult (initiateConsult).', fields: 'call fields' },
  EventRetrieved: {
    mark: 'G',
    when: 'retrieveCall; the end of a consult (retrieveConsult, cancelConsult, the consulted party leaving); consultConference.',
    fields: 'call fields',
  },
  EventPartyAdded: {
    mark: 'S',
    when: 'A party joined: consultConference, a supervisor barging in, the REST API adding a participant.',
    fields: 'call fields; thirdDN/thirdDNRole name the new party (for the new party: who added it)',
  },
  EventPartyChanged: {
    mark: 'S',
    when: "The other party changed: the consulted party joins the customer's call (consultTransfer, consultConference; previousCallID is the consult call, gone), a supervisor intercepted.",
    fields: 'call fields; previousCallID; thirdDN/thirdDNRole name who did it',
  },
  EventPartyDeleted: {
    mark: 'S',
    when: 'A party left a conference (an agent, the customer, a third party, an intercepted agent); the others talk on.',
    fields: 'call fields; thirdDN (who left), thirdDNRole DeletedParty',
  },
  EventMuteOn: { mark: 'S', when: 'muteCall (Sobot: MutedOrUnmuted).', fields: 'call fields' },
  EventMuteOff: { mark: 'S', when: 'unmute.', fields: 'call fields' },
  EventDTMFSent: { mark: 'G', when: 'sendDtmf sent its digits.', fields: 'call fields; dtmfDigits' },
  EventAttachedDataChanged: { mark: 'G', when: "The call's attached data changed.", fields: 'call fields' },
  MainCDRInfo: {
    mark: 'S',
    when: "The call's detail record, after it ended.",
    fields: 'callID, callType, ANI, DNIS, otherDN, startTime, answerTime, endTime, talkDuration, releasedBy, endCause, recorded',
  },
  EventJanusLatency: {
    mark: 'S',
    when: "Every few seconds while a web or SIP phone is on a call: voice quality from the peer connection's statistics and the CTI round trip. Made by the SDK.",
    fields: 'ping, jitter (ms), loss, quality a..e, ctiPing (ms)',
  },
}

/** One event a party receives in a documented flow. `call`: M the customer's call, C the consult call. */
export interface FlowStep {
  event: SobotEventName
  call: 'M' | 'C'
  thisDNRole: DNRole
  otherDNRole: DNRole
  thirdDNRole?: DNRole
  workStatus: WorkStatus
  /** What else the event says (releaseCause, previousCallID, partyRole). */
  note?: string
}

export interface EventFlow {
  title: string
  /** What happens, in the commands' words. */
  how: string
  /** Each party's call events, in order (agent events such as EventAgentAfterCallWork aside). */
  parties: Record<string, FlowStep[]>
}

const s = (
  event: SobotEventName,
  call: 'M' | 'C',
  thisDNRole: DNRole,
  otherDNRole: DNRole,
  thirdDNRole: DNRole | undefined,
  workStatus: WorkStatus,
  note?: string,
): FlowStep => ({
  event,
  call,
  thisDNRole,
  otherDNRole,
  ...(thirdDNRole ? { thirdDNRole } : {}),
  workStatus,
  ...(note ? { note } : {}),
})

/**
 * The multi-party flows, party by party, for a customer's inbound call M answered by agent A
 * (Destination; the customer is Origination). docs/EVENTS.md shows them; the integration and
 * end-to-end tests check the events each party receives against them.
 */
export const EVENT_FLOWS: EventFlow[] = [
  {
    title: 'Consult, then transfer',
    how: 'A initiateConsult({ targetType: "0", target: B }); B answers; A consultTransfer().',
    parties: {
      'A (consults, then transfers)': [
        s('EventHeld', 'M', 'Destination', 'Origination', undefined, 'consulting', 'the customer hears music, nobody hears the customer'),
        s(
          'EventDialing',
          'C',
          'ConsultBy',
          'Destination',
          'Origination',
          'consulting',
          'callType Consult; otherDN B, thirdDN the customer',
        ),
        s('EventEstablished', 'C', 'ConsultBy', 'Destination', 'Origination', 'consulting'),
        s('EventReleased', 'C', 'TransferBy', 'TransferTo', 'Origination', 'consulting', 'releaseCause transferred'),
        s('EventReleased', 'M', 'TransferBy', 'Origination', 'TransferTo', 'sorting', 'thirdDN B; after-call work follows'),
      ],
      'B (consulted)': [
        s('EventRinging', 'C', 'Destination', 'ConsultBy', 'Origination', 'calling', 'callType Consult; otherDN A'),
        s('EventEstablished', 'C', 'Destination', 'ConsultBy', 'Origination', 'talking'),
        s('EventPartyChanged', 'M', 'TransferTo', 'Origination', 'TransferBy', 'talking', 'previousCallID C; B now talks to the customer'),
      ],
    },
  },
  {
    title: 'Consult, then conference; a party leaves',
    how: 'A initiateConsult(B); B answers; A consultConference(): each of the three hears the other two. Then B hangs up: A and the customer talk on.',
    parties: {
      'A (consults, then conferences)': [
        s('EventHeld', 'M', 'Destination', 'Origination', undefined, 'consulting'),
        s('EventDialing', 'C', 'ConsultBy', 'Destination', 'Origination', 'consulting'),
        s('EventEstablished', 'C', 'ConsultBy', 'Destination', 'Origination', 'consulting'),
        s('EventReleased', 'C', 'ConsultBy', 'Destination', 'Origination', 'conferencing', 'releaseCause conferenced'),
        s('EventRetrieved', 'M', 'ConferenceBy', 'Origination', undefined, 'conferencing'),
        s('EventPartyAdded', 'M', 'ConferenceBy', 'Origination', 'NewParty', 'conferencing', 'thirdDN B'),
        s('EventPartyDeleted', 'M', 'ConferenceBy', 'Origination', 'DeletedParty', 'talking', 'thirdDN B (B left)'),
      ],
      'B (consulted, then added)': [
        s('EventRinging', 'C', 'Destination', 'ConsultBy', 'Origination', 'calling'),
        s('EventEstablished', 'C', 'Destination', 'ConsultBy', 'Origination', 'talking'),
        s('EventPartyChanged', 'M', 'NewParty', 'Origination', 'AddedBy', 'conferencing', 'previousCallID C; thirdDN A'),
        s('EventReleased', 'M', 'NewParty', 'Origination', undefined, 'sorting', 'B hung up; after-call work follows'),
      ],
    },
  },
  {
    title: 'Cancelled consult',
    how: 'A initiateConsult(B); before B answers, A cancelConsult(): A talks to the customer again.',
    parties: {
      'A (cancels)': [
        s('EventHeld', 'M', 'Destination', 'Origination', undefined, 'consulting'),
        s('EventDialing', 'C', 'ConsultBy', 'Destination', 'Origination', 'consulting'),
        s('EventReleased', 'C', 'ConsultBy', 'Destination', 'Origination', 'talking', 'releaseCause cancelled'),
        s('EventRetrieved', 'M', 'Destination', 'Origination', undefined, 'talking'),
      ],
      'B (was ringing)': [
        s('EventRinging', 'C', 'Destination', 'ConsultBy', 'Origination', 'calling'),
        s('EventAbandoned', 'C', 'Destination', 'ConsultBy', 'Origination', 'ready', 'no after-call work'),
      ],
    },
  },
  {
    title: 'Retrieve after consult',
    how: 'A initiateConsult(B); B answers; A retrieveConsult(): B leaves, A talks to the customer again. (B hanging up, or not answering, ends the consult the same way.)',
    parties: {
      'A (retrieves)': [
        s('EventHeld', 'M', 'Destination', 'Origination', undefined, 'consulting'),
        s('EventDialing', 'C', 'ConsultBy', 'Destination', 'Origination', 'consulting'),
        s('EventEstablished', 'C', 'ConsultBy', 'Destination', 'Origination', 'consulting'),
        s('EventReleased', 'C', 'ConsultBy', 'Destination', 'Origination', 'talking', 'releaseCause retrieved'),
        s('EventRetrieved', 'M', 'Destination', 'Origination', undefined, 'talking'),
      ],
      'B (consulted)': [
        s('EventRinging', 'C', 'Destination', 'ConsultBy', 'Origination', 'calling'),
        s('EventEstablished', 'C', 'Destination', 'ConsultBy', 'Origination', 'talking'),
        s('EventReleased', 'C', 'Destination', 'ConsultBy', 'Origination', 'ready', 'no after-call work for a consult'),
      ],
    },
  },
  {
    title: 'Blind transfer to an agent',
    how: 'A singleTransfer({ targetType: "0", target: B }) (or "2" and B\'s extension): A leaves at once; the customer hears ringback until B answers. If B does not, the call goes back to its skill group\'s queue.',
    parties: {
      'A (transfers)': [
        s('EventReleased', 'M', 'TransferBy', 'Origination', 'TransferTo', 'sorting', 'releaseCause transferred; thirdDN B'),
      ],
      'B (receives)': [
        s('EventRinging', 'M', 'TransferTo', 'Origination', 'TransferBy', 'calling', 'thirdDN A'),
        s('EventEstablished', 'M', 'TransferTo', 'Origination', 'TransferBy', 'talking'),
      ],
    },
  },
  {
    title: 'Blind transfer to a skill group',
    how: 'A singleTransfer({ targetType: "3", target: queue }): A leaves at once; the customer waits in that queue (its music) and is routed as any waiting call.',
    parties: {
      'A (transfers)': [s('EventReleased', 'M', 'TransferBy', 'Origination', 'TransferTo', 'sorting', 'thirdDN the skill group')],
      'B (picked by the queue)': [
        s('EventRinging', 'M', 'Destination', 'Origination', undefined, 'calling'),
        s('EventEstablished', 'M', 'Destination', 'Origination', undefined, 'talking'),
      ],
    },
  },
  {
    title: 'Supervision: observe, barge in, intercept',
    how: "Supervisor S observe({ targetAgentID: A }): S's phone answers by itself; S hears A and the customer, nobody hears S, A is not told. S bargeIn(A): all three talk. S intercept(A): A leaves, S keeps the customer.",
    parties: {
      'S (supervisor)': [
        s('EventDialing', 'M', 'ObserveBy', 'Origination', 'ObserveTo', 'monitoring', 'partyRole Supervisor; thirdDN A'),
        s('EventEstablished', 'M', 'ObserveBy', 'Origination', 'ObserveTo', 'monitoring'),
        s('EventPartyAdded', 'M', 'BargeinBy', 'Origination', 'BargeinTo', 'conferencing', 'bargeIn'),
        s('EventPartyChanged', 'M', 'InterceptBy', 'Origination', 'InterceptTo', 'talking', 'intercept'),
      ],
      'A (supervised)': [
        s('EventPartyAdded', 'M', 'BargeinTo', 'Origination', 'BargeinBy', 'conferencing', 'bargeIn; thirdDN S'),
        s('EventReleased', 'M', 'InterceptTo', 'Origination', 'InterceptBy', 'sorting', 'intercept; releaseCause intercepted'),
      ],
    },
  },
  {
    title: 'Satisfaction survey',
    how: 'A sendSatisfy(): every agent-side leg ends (agents into after-call work); the customer hears the survey prompt and presses a key, kept on the call record and sent in the ended webhook.',
    parties: {
      'A (sends the survey)': [s('EventReleased', 'M', 'Destination', 'Origination', undefined, 'sorting', 'releaseCause satisfaction')],
    },
  },
]
