// The agent desktop: plain JavaScript over the script-tag SDK, the way an integrator writes it.
/* global SobotClient */
'use strict'

const $ = (id) => document.getElementById(id)
const agent = new SobotClient.agent()
window.sobotAgent = agent

function show(result) {
  $('result').textContent = JSON.stringify(result, null, 2)
}

function fail(err) {
  show(err)
  logLine('error', `${err.errorCode}: ${err.errorMessage}`)
}

function logLine(kind, text, detail) {
  const li = document.createElement('li')
  li.className = kind
  const time = new Date().toLocaleTimeString()
  li.innerHTML = `<time>${time}</time> <b></b> <span></span>`
  li.querySelector('b').textContent = text
  if (detail) li.querySelector('span').textContent = detail
  $('events').prepend(li)
}

function refreshStatus() {
  const s = agent.state
  const names = { 0: 'offline', 1: 'ready', 2: `not ready (${s.reasonCode})` }
  $('agentState').textContent = names[s.agentState]
  $('agentState').className = `pill as${s.agentState}`
  $('workStatus').textContent = s.workStatus
  // With a consult, the customer's call and the consult call (sorted last).
  $('callInfo').textContent = s.calls.length
    ? s.calls.map((c) => `${c.callType} call ${c.callID.slice(5, 13)} with ${c.otherDN} (${c.thisDNRole})`).join(' · ')
    : 'no call'
}

agent.on('EventAgentAll', (msg) => {
  const { messageID, creationTime, companyId, attachedData, referenceID, ...rest } = msg
  logLine('event', messageID, JSON.stringify(rest))
  refreshStatus()
})
agent.on('EventAgentConnectionChanged', (msg) => {
  $('conn').textContent = `forced offline (${msg.reason})`
  $('conn').className = 'pill off'
})
agent.on('EventTokenInvalid', async () => {
  // A real desktop asks its own backend; the demo asks the contact center's development helper.
  const token = await devToken($('agentId').value)
  agent.handleRefreshToken(token)
})

async function devToken(agentId) {
  const res = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ companyId: 'demo', agent: agentId }),
  })
  const body = await res.json()
  if (!body.token) throw body
  return body.token
}

$('btnInit').onclick = async () => {
  try {
    const id = $('agentId').value
    await agent.initAgent({
      token: await devToken(id),
      companyId: 'demo',
      agent: id,
      agentType: '0',
      success: (msg) => show(msg),
      error: fail,
    })
    $('conn').textContent = `agent ${id} connected`
    $('conn').className = 'pill on'
    refreshStatus()
  } catch (err) {
    /* reported through the error callback */
  }
}

$('btnLogin').onclick = () =>
  agent.login({
    agentState: $('loginState').value,
    phoneType: $('phoneType').value,
    bindExt: $('bindExt').value,
    success: show,
    error: fail,
  })
$('btnLogout').onclick = () => agent.logout({ success: show, error: fail })
$('btnReset').onclick = () => agent.resetLogout({ success: show, error: fail })
$('btnReady').onclick = () => agent.ready({ success: show, error: fail })
$('btnNotReady').onclick = () => agent.notReady({ reasonCode: Number($('reason').value), success: show, error: fail })
$('btnClear').onclick = () => ($('events').innerHTML = '')

for (const b of document.querySelectorAll('[data-query]')) {
  b.onclick = () => agent[b.dataset.query]({ success: show, error: fail })
}
for (const b of document.querySelectorAll('[data-force]')) {
  b.onclick = () => agent[b.dataset.force]({ targetAgentID: $('target').value, success: show, error: fail })
}

// --- calls ---------------------------------------------------------------------------------------
$('btnCall').onclick = () => {
  let userData
  try {
    userData = $('userData').value.trim() ? JSON.parse($('userData').value) : undefined
  } catch {
    return fail({ errorCode: 'INVALID_PARAMETER', errorMessage: 'userData: not JSON' })
  }
  agent.makeCall({ otherDN: $('dial').value, userData, success: show, error: fail })
}
const simple = {
  btnAnswer: 'answer',
  btnReject: 'rejectCall',
  btnHangup: 'hangup',
  btnHold: 'holdCall',
  btnRetrieve: 'retrieveCall',
  btnMute: 'muteCall',
  btnUnmute: 'unmute',
  btnCompleteAcw: 'completeACW',
  btnAcwBusy: 'completeACWToBusy',
}
for (const [id, method] of Object.entries(simple)) $(id).onclick = () => agent[method]({ success: show, error: fail })
$('btnDtmf').onclick = () => agent.sendDtmf({ dtmfDigits: $('dtmf').value, success: show, error: fail })

// --- transfer, consult, conference, survey, supervision ----------------------------------------------
const target = () => ({ targetType: $('xferType').value, target: $('xferTarget').value, success: show, error: fail })
$('btnTransfer').onclick = () => agent.singleTransfer(target())
$('btnConsult').onclick = () => agent.initiateConsult(target())
const multi = {
  btnCancelConsult: 'cancelConsult',
  btnRetrieveConsult: 'retrieveConsult',
  btnConsultTransfer: 'consultTransfer',
  btnConference: 'consultConference',
  btnSatisfy: 'sendSatisfy',
}
for (const [id, method] of Object.entries(multi)) $(id).onclick = () => agent[method]({ success: show, error: fail })
for (const b of document.querySelectorAll('[data-supervise]')) {
  b.onclick = () => agent[b.dataset.supervise]({ targetAgentID: $('target').value, success: show, error: fail })
}
$('btnDelayAcw').onclick = () => agent.delayACW({ delayTime: Number($('acwDelay').value), success: show, error: fail })

agent.on('EventJanusLatency', (m) => {
  $('quality').textContent = `quality ${m.quality} · ping ${m.ping} ms · jitter ${m.jitter} ms · loss ${m.loss} % · CTI ${m.ctiPing} ms`
})
agent.on('EventAgentAfterCallWork', (m) => {
  $('callInfo').textContent = `after-call work until ${new Date(m.acwDeadline).toLocaleTimeString()}`
})

async function fillDevices() {
  try {
    const devices = await agent.listAudioDevices()
    for (const [sel, kind] of [
      [$('mic'), 'audioinput'],
      [$('speaker'), 'audiooutput'],
    ]) {
      sel.length = 1
      for (const d of devices.filter((x) => x.kind === kind)) sel.add(new Option(d.label || d.deviceId.slice(0, 8), d.deviceId))
    }
  } catch {
    /* no web phone here */
  }
}
agent.on('EventAgentLogin', () => void fillDevices())
$('mic').onchange = () => agent.setAudioInput($('mic').value || undefined).catch(fail)
$('speaker').onchange = () => agent.setAudioOutput($('speaker').value || undefined).catch(fail)
