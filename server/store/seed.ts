import type { Directory } from '../acd/directory'

/**
 * The seeded company `demo`: agents 1001-1005 with extensions 8001-8005, supervisor 9001 on 8901,
 * five free extensions, two skill groups with one agent group each (agent 1003 is in both).
 */
export const DEMO_COMPANY = 'demo'

const NAMES: Record<string, string> = {
  '1001': 'Alice Chen',
  '1002': 'Bruno Silva',
  '1003': 'Chloe Martin',
  '1004': 'Dmitri Ivanov',
  '1005': 'Esther Okafor',
  '9001': 'Sam Supervisor',
}

export function seedDemo(dir: Directory): void {
  dir.companies.set(DEMO_COMPANY, { id: DEMO_COMPANY, name: 'Demo Company', projectId: 1 })
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
    })
  }
  dir.queues.set('QU_SALES', { id: 'QU_SALES', companyId: DEMO_COMPANY, name: 'Sales' })
  dir.queues.set('QU_SUPPORT', { id: 'QU_SUPPORT', companyId: DEMO_COMPANY, name: 'Support' })
  dir.groups.set('GR_SALES', { id: 'GR_SALES', companyId: DEMO_COMPANY, name: 'Sales team', agentUUIDs: ['agt-1001', 'agt-1002', 'agt-1003'] })
  dir.groups.set('GR_SUPPORT', { id: 'GR_SUPPORT', companyId: DEMO_COMPANY, name: 'Support team', agentUUIDs: ['agt-1003', 'agt-1004', 'agt-1005'] })
  dir.routing = [
    { queueId: 'QU_SALES', groupId: 'GR_SALES', priority: 1 },
    { queueId: 'QU_SUPPORT', groupId: 'GR_SUPPORT', priority: 1 },
  ]
}
