import { DEFAULT_QUEUE_SETTINGS, type Directory } from '../acd/directory'
import { newWebhookSecret } from './ids'

/**
 * The seeded company `demo`: agents 1001-1005 with extensions 8001-8005, supervisor 9001 on 8901,
 * five free extensions, two skill groups with one agent group each (agent 1003 is in both), two
 * numbers routed straight to QU_SALES and QU_SUPPORT, and a third number answered by a small IVR tree
 * (1 sales, 2 support, 9 opening hours, 0 stop). The store writes it on the first start.
 */
export const DEMO_COMPANY = 'demo'
/** The REST API's key id of the demo company: the `iss` of its REST tokens. */
export const DEMO_API_KEY_SID = 'SKdemo'
export const DEMO_NUMBERS = { sales: '842471000101', support: '842471000102', ivr: '842471000100' } as const

const NAMES: Record<string, string> = {
  '1001': 'Alice Chen',
  '1002': 'Bruno Silva',
  '1003': 'Chloe Martin',
  '1004': 'Dmitri Ivanov',
  '1005': 'Esther Okafor',
  '9001': 'Sam Supervisor',
}

export function seedDemo(dir: Directory): void {
  dir.companies.set(DEMO_COMPANY, {
    id: DEMO_COMPANY,
    name: 'Demo Company',
    projectId: 1,
    accountId: 1,
    accountSid: 'ACdemo0000000000000000000000000001',
    apiKeySid: DEMO_API_KEY_SID,
    eventUrl: null,
    // Random per installation: the webhook secret is never checked in.
    webhookSecret: newWebhookSecret(),
  })
  const exts = new Set<string>()
  for (let i = 1; i <= 10; i++) exts.add(String(8000 + i))
  exts.add('8901')
  dir.extensions.set(DEMO_COMPANY, exts)
  for (const [agentID, name] of Object.entries(NAMES)) {
    const supervisor = agentID.startsWith('9')
    dir.agents.set(`agt-${agentID}`, {
      uuid: `agt-${agentID}`,
      companyId: DEMO_COMPANY,
      agentID,
      name,
      ext: supervisor ? '8901' : String(8000 + Number(agentID) - 1000),
      mobile: `1380000${agentID}`,
      phoneTypes: ['webrtc', 'sip', 'pstn'],
      defaultPhoneType: 'webrtc',
      supervisor,
      sipPassword: `pw-${agentID}`,
      stringeeUserId: agentID,
      phoneNumber: `1380000${agentID}`,
      routingType: 1,
      manualStatus: 'AVAILABLE',
      systemStatus: 0,
    })
  }
  // cond_routing 2: the demo's agents answer on the web phone or on a SIP phone.
  dir.queues.set('QU_SALES', {
    id: 'QU_SALES',
    companyId: DEMO_COMPANY,
    name: 'Sales',
    settings: { ...DEFAULT_QUEUE_SETTINGS, cond_routing: 2 },
  })
  dir.queues.set('QU_SUPPORT', {
    id: 'QU_SUPPORT',
    companyId: DEMO_COMPANY,
    name: 'Support',
    settings: { ...DEFAULT_QUEUE_SETTINGS, cond_routing: 2 },
  })
  dir.groups.set('GR_SALES', {
    id: 'GR_SALES',
    companyId: DEMO_COMPANY,
    name: 'Sales team',
    agentUUIDs: ['agt-1001', 'agt-1002', 'agt-1003'],
  })
  dir.groups.set('GR_SUPPORT', {
    id: 'GR_SUPPORT',
    companyId: DEMO_COMPANY,
    name: 'Support team',
    agentUUIDs: ['agt-1003', 'agt-1004', 'agt-1005'],
  })
  dir.routing = [
    { queueId: 'QU_SALES', groupId: 'GR_SALES', priority: 1, id: 'GR_RO_SALES', companyId: DEMO_COMPANY },
    { queueId: 'QU_SUPPORT', groupId: 'GR_SUPPORT', priority: 1, id: 'GR_RO_SUPPORT', companyId: DEMO_COMPANY },
  ]

  const node = (id: string, name: string, text: string): void => {
    dir.ivrNodes.set(id, {
      id,
      companyId: DEMO_COMPANY,
      treeId: 'TR_MAIN',
      name,
      playMode: 'talk',
      playContent: text,
      bargeIn: true,
      loopCount: 1,
      sched: 0,
      voice: 'hn_female_thutrang_phrase_48k-hsmm',
      speed: 0,
      keypressTimeout: 5,
    })
  }
  const key = (id: string, nodeId: string, k: string, action: 2 | 4 | 6, target: { queueId?: string; nextNodeId?: string } = {}): void => {
    dir.ivrKeys.set(id, {
      id,
      companyId: DEMO_COMPANY,
      nodeId,
      key: k,
      action,
      nextNodeId: target.nextNodeId ?? null,
      queueId: target.queueId ?? null,
      toPhoneNumber: null,
      fromNumberCalloutToAgent: null,
      sms: null,
    })
  }
  dir.ivrTrees.set('TR_MAIN', { id: 'TR_MAIN', companyId: DEMO_COMPANY, name: 'Main menu', rootNodeId: 'ND_WELCOME' })
  node('ND_WELCOME', 'Welcome', 'Welcome to Demo Company. For sales, press 1. For support, press 2. For our opening hours, press 9.')
  node('ND_HOURS', 'Opening hours', 'We are open Monday to Friday, nine to six. To go back, press star.')
  key('KE_WELCOME_1', 'ND_WELCOME', '1', 2, { queueId: 'QU_SALES' })
  key('KE_WELCOME_2', 'ND_WELCOME', '2', 2, { queueId: 'QU_SUPPORT' })
  key('KE_WELCOME_9', 'ND_WELCOME', '9', 4, { nextNodeId: 'ND_HOURS' })
  key('KE_WELCOME_0', 'ND_WELCOME', '0', 6)
  key('KE_WELCOME_EMPTY', 'ND_WELCOME', 'EMPTY_KEY', 2, { queueId: 'QU_SUPPORT' })
  key('KE_HOURS_STAR', 'ND_HOURS', '*', 4, { nextNodeId: 'ND_WELCOME' })

  const number = (id: string, digits: string, nickname: string, route: { queueId?: string; ivrTreeId?: string }): void => {
    dir.numbers.set(id, {
      id,
      companyId: DEMO_COMPANY,
      number: digits,
      nickname,
      allowOutboundCalls: true,
      enableIvr: Boolean(route.ivrTreeId),
      ivrTreeId: route.ivrTreeId ?? null,
      queueId: route.queueId ?? null,
      recordOutboundCalls: false,
    })
  }
  number('NU_SALES', DEMO_NUMBERS.sales, 'Sales line', { queueId: 'QU_SALES' })
  number('NU_SUPPORT', DEMO_NUMBERS.support, 'Support line', { queueId: 'QU_SUPPORT' })
  number('NU_MAIN', DEMO_NUMBERS.ivr, 'Main line (IVR)', { ivrTreeId: 'TR_MAIN' })
}
