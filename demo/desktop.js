// The agent desktop: plain JavaScript over the script-tag SDK, the way an integrator writes it.
// What the agent may do comes from the SDK (SobotClient.allowedCommands over agent.state); this file
// adds only what a desktop shows: words, timers and the layout.
/* global SobotClient */
'use strict'

const $ = (id) => document.getElementById(id)
const COMPANY = 'demo'
/** Which agent this tab had signed in, so that a reload finds the session again. */
const STORE_KEY = 'sobot-desktop-agent'

const REASONS = {
  2: 'Do not disturb',
  11: 'Break',
  12: 'Training',
  13: 'Meeting',
  14: 'Meal',
  15: 'Active',
  16: 'Custom 1',
  17: 'Custom 2',
  18: 'Custom 3',
}
/** What the agent is doing, in words; idle agents show Ready or Not ready instead. */
const ACTIVITY = {
  locking: ['Reserved', 'ringing'],
  dialing: ['Dialing', 'call'],
  calling: ['Ringing', 'ringing'],
  talking: ['On call', 'call'],
  holding: ['On hold', 'hold'],
  consulting: ['Consulting', 'call'],
  conferencing: ['Conference', 'call'],
  monitoring: ['Listening in', 'call'],
  sorting: ['After-call work', 'acw'],
}
const PHONES = { webrtc: 'this page', sip: 'your SIP phone', pstn: 'your mobile' }
const QUALITY = { a: 'Bad', b: 'Poor', c: 'Fair', d: 'Good', e: 'Excellent' }
const CLOSE_MESSAGE = 'A call is in progress. Leaving this page hangs it up.'
const LOG_MAX = 500

/** The signed-in agent's session (a new one per agent chosen). */
let agent
let me = { id: '', name: '', ext: '' }
let view = freshView()

/** What the desktop keeps beside the SDK's snapshot: when things began, for the timers. */
function freshView() {
  return {
    rang: {}, // callID -> ms
    dialed: {},
    talking: {},
    queues: {}, // callID -> skill group name
    holdSince: 0,
    muted: false,
    party: '', // who joined the conference
    acw: undefined, // { end, total } in ms
    quality: '',
    consulted: '', // whom the agent asked to consult, in words
    names: {}, // a consulted party's number -> those words
  }
}

// --- small helpers -------------------------------------------------------------------------------

function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

let noticeTimer
function notice(text, kind = 'error') {
  $('noticeText').textContent = text
  $('notice').className = `notice ${kind}`
  $('notice').hidden = false
  clearTimeout(noticeTimer)
  noticeTimer = setTimeout(() => ($('notice').hidden = true), 10_000)
}
$('btnNotice').onclick = () => ($('notice').hidden = true)

function fail(what) {
  return (err) => {
    notice(`${what}: ${err?.errorMessage ?? String(err)}`)
    logLine('error', err?.errorCode ?? 'ERROR', err?.errorMessage ?? String(err))
    render()
  }
}

function logLine(kind, text, detail) {
  const li = document.createElement('li')
  li.className = kind
  li.innerHTML = '<time></time> <b></b> <span></span>'
  li.querySelector('time').textContent = new Date().toLocaleTimeString()
  li.querySelector('b').textContent = text
  if (detail) li.querySelector('span').textContent = detail
  const list = $('events')
  list.prepend(li)
  while (list.children.length > LOG_MAX) list.lastElementChild.remove()
  $('logCount').textContent = String(list.children.length)
}
$('btnClear').onclick = (e) => {
  e.preventDefault() // a button in the summary: do not fold the log
  $('events').innerHTML = ''
  $('logCount').textContent = '0'
}

// --- the session ---------------------------------------------------------------------------------

async function devToken(agentId) {
  // A real desktop asks its own backend; the demo asks the contact center's development helper.
  const res = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ companyId: COMPANY, agent: agentId }),
  })
  const body = await res.json()
  if (!body.token) throw body
  return body.token
}

function createAgent() {
  // closeProtection: while a call is active, leaving or reloading the page asks first.
  const a = new SobotClient.agent({ closeProtection: CLOSE_MESSAGE })
  window.sobotAgent = a
  a.on('EventAgentAll', onEvent)
  a.on('EventAgentConnectionChanged', (msg) => {
    const why = {
      replaced: 'you signed in somewhere else',
      forceLogout: 'a supervisor signed you out',
      connectionLost: 'the connection was lost',
    }
    notice(`Signed out: ${why[msg.reason] ?? msg.reason}.`)
    endSession()
  })
  a.on('EventTokenInvalid', async () => {
    try {
      a.handleRefreshToken(await devToken(me.id))
    } catch (e) {
      fail('Token')(e)
    }
  })
  a.on('EventJanusLatency', (m) => {
    view.quality = `Voice quality ${QUALITY[m.quality] ?? m.quality} · ${m.ping} ms ping · ${m.jitter} ms jitter · ${m.loss} % loss`
    $('quality').textContent = view.quality
    $('quality').dataset.q = m.quality
  })
  return a
}

/** The agent's session: initAgent once per agent (a reloaded page finds the agent's state again). */
async function ensureSession(id) {
  if (agent && me.id === id) return
  if (agent) agent.destroy()
  agent = createAgent()
  view = freshView()
  me = { id, name: '', ext: '' }
  try {
    await agent.initAgent({ token: await devToken(id), companyId: COMPANY, agent: id, agentType: '0' })
  } catch (e) {
    agent.destroy()
    agent = undefined
    throw e
  }
  $('conn').textContent = 'Connected'
  $('conn').className = 'conn on'
  await loadProfile()
}

async function loadProfile() {
  try {
    const info = await agent.queryAgentLoginInfo()
    me.name = info.agentName
    me.ext = info.ext
  } catch {
    /* the name is a nicety */
  }
  render()
}

function endSession() {
  agent?.destroy()
  agent = undefined
  me = { id: '', name: '', ext: '' }
  sessionStorage.removeItem(STORE_KEY)
  $('conn').textContent = 'Not connected'
  $('conn').className = 'conn off'
  render()
}

$('signinForm').onsubmit = async (e) => {
  e.preventDefault()
  const id = $('agentId').value
  $('btnSignIn').disabled = true
  try {
    await ensureSession(id)
    if (agent.state.agentState === 0) {
      await agent.login({ agentState: $('loginState').value, phoneType: $('phoneType').value, bindExt: $('bindExt').value })
      await loadProfile()
    }
    sessionStorage.setItem(STORE_KEY, id)
    $('notice').hidden = true
  } catch (err) {
    fail('Sign in')(err)
  } finally {
    $('btnSignIn').disabled = false
    render()
  }
}

$('btnSignOut').onclick = async () => {
  try {
    await agent.logout()
    sessionStorage.removeItem(STORE_KEY)
  } catch (err) {
    fail('Sign out')(err)
  }
}

$('statusSelect').onchange = async () => {
  const v = $('statusSelect').value
  try {
    if (v === 'ready') await agent.ready()
    else await agent.notReady({ reasonCode: Number(v) })
  } catch (err) {
    fail('Status')(err)
  }
}

// --- events --------------------------------------------------------------------------------------

function onEvent(msg) {
  const { messageID, creationTime, companyId, attachedData, referenceID, ...rest } = msg
  logLine('event', messageID, JSON.stringify(rest))
  const now = Date.now()
  const id = msg.callID
  if (id && msg.queueName) view.queues[id] = msg.queueName
  switch (messageID) {
    case 'EventRinging':
      view.rang[id] = now
      break
    case 'EventDialing':
      view.dialed[id] ??= now
      break
    case 'EventEstablished':
      view.talking[id] ??= now
      break
    case 'EventHeld':
      view.holdSince = now
      break
    case 'EventRetrieved':
      view.holdSince = 0
      break
    case 'EventMuteOn':
      view.muted = true
      break
    case 'EventMuteOff':
      view.muted = false
      break
    case 'EventPartyAdded':
      view.party = msg.thirdDN || view.party
      break
    case 'EventPartyChanged':
      // The call a consult became keeps the consult's timer.
      if (msg.previousCallID) view.talking[id] ??= view.talking[msg.previousCallID] ?? now
      break
    case 'EventAgentAfterCallWork':
      view.acw = { end: now + msg.acwSeconds * 1000, total: msg.acwSeconds * 1000 }
      break
    case 'EventAgentLogin':
      if (msg.phoneType === 'webrtc') void fillDevices()
      break
  }
  render()
}

// --- what the desktop shows ------------------------------------------------------------------------

function statusOf(s) {
  if (!s || s.agentState === 0 || s.workStatus === 'offline') return ['Offline', 'offline']
  if (ACTIVITY[s.workStatus]) return ACTIVITY[s.workStatus]
  return s.agentState === 1 ? ['Ready', 'ready'] : [`Not ready (${REASONS[s.reasonCode] ?? 'Break'})`, 'notready']
}

/** The agent's own consult (the second call), if there is one. */
const consultOf = (s) => s.calls.find((c) => c.callType === 'Consult' && c.thisDNRole === 'ConsultBy')

function describe(s, c) {
  const queue = view.queues[c.callID]
  if (c.callType === 'Consult') return `Consult from ${c.otherDN}${c.thirdDN ? ` about customer ${c.thirdDN}` : ''}`
  if (s.workStatus === 'conferencing') {
    const who = view.names[view.party] ? `${view.names[view.party]} (${view.party})` : view.party
    return `Conference${who ? ` with ${who}` : ''}${queue ? ` · ${queue} queue` : ''}`
  }
  if (s.workStatus === 'monitoring') return `Listening in on ${c.thirdDN || 'a call'}`
  const kind = c.thisDNRole === 'TransferTo' ? 'Transferred call' : `${c.callType} call`
  return queue ? `${kind} · ${queue} queue` : kind
}

function callChip(s, c) {
  if (!c.established) return s.workStatus === 'calling' ? 'Ringing' : 'Calling…'
  return (
    {
      holding: 'On hold',
      consulting: 'Customer on hold',
      conferencing: 'Conference',
      monitoring: 'Listening in',
    }[s.workStatus] ?? 'Talking'
  )
}

function render() {
  const s = agent?.state
  const signedIn = !!s && s.agentState !== 0
  document.body.classList.toggle('signed-out', !signedIn)
  $('signin').hidden = signedIn
  $('work').hidden = !signedIn
  $('who').hidden = !signedIn
  $('statusBox').hidden = !signedIn
  $('btnSignOut').hidden = !signedIn

  const [label, kind] = statusOf(s)
  $('statusPill').textContent = label
  $('statusPill').className = `pill st-${kind}`

  if (signedIn) {
    $('agentName').textContent = me.name || `Agent ${me.id}`
    $('avatar').textContent = (me.name || me.id)
      .split(/\s+/)
      .map((w) => w[0])
      .join('')
      .slice(0, 2)
    $('agentLine').textContent = `${me.id}${s.thisDN ? ` · ext ${s.thisDN}` : ''} · answers on ${PHONES[s.phoneType] ?? 'a phone'}`
    $('statusSelect').value = s.agentState === 1 ? 'ready' : String(REASONS[s.reasonCode] ? s.reasonCode : 2)
  }

  if (!s || s.calls.length === 0) {
    view.holdSince = 0
    view.muted = false
    view.party = ''
    view.consulted = ''
    if (view.quality) {
      view.quality = ''
      $('quality').textContent = 'Call quality shows during calls.'
      delete $('quality').dataset.q
    }
  }
  if (s?.workStatus !== 'sorting') view.acw = undefined

  // The incoming call.
  const ringing = s && s.workStatus === 'calling' && s.call && !s.call.established ? s.call : undefined
  const wasRinging = !$('incoming').hidden
  $('incoming').hidden = !ringing
  document.body.classList.toggle('is-ringing', !!ringing)
  if (ringing) {
    const kindText =
      ringing.callType === 'Consult' ? 'Consult call from' : ringing.thisDNRole === 'TransferTo' ? 'Transferred call' : 'Incoming call'
    $('inKind').textContent = kindText
    $('inNumber').textContent = ringing.otherDN || 'Unknown number'
    const queue = view.queues[ringing.callID]
    const about = ringing.callType === 'Consult' && ringing.thirdDN ? `about customer ${ringing.thirdDN}` : ''
    $('inQueue').textContent = [queue && `${queue} queue`, about].filter(Boolean).join(' · ') || `${ringing.callType} call`
    $('inWhere').textContent = s.phoneType === 'webrtc' ? 'Ringing' : `Ringing on ${PHONES[s.phoneType] ?? 'your phone'}`
    document.title = `☎ ${ringing.otherDN} · Agent desktop`
  } else document.title = 'Agent desktop · Sobot call SDK demo'

  // The call.
  const c = s?.calls.find((x) => x !== consultOf(s))
  const shown = c && !(ringing && c === ringing) ? c : undefined
  $('callCard').classList.toggle('active', !!shown)
  $('callNumber').textContent = shown ? shown.otherDN || 'Unknown number' : ringing ? 'Incoming call' : 'No call'
  $('callInfo').textContent = shown
    ? describe(s, shown)
    : ringing
      ? 'Answer or reject it above.'
      : s?.workStatus === 'sorting'
        ? 'Wrapping up the last call.'
        : 'Calls ring here; or dial below.'
  $('callState').hidden = !shown
  if (shown) {
    $('callState').textContent = callChip(s, shown)
    $('callState').className = `chip ${s.workStatus}`
  }
  const k = s && consultOf(s)
  $('consultRow').hidden = !k
  if (k) {
    if (view.consulted) view.names[k.otherDN] = view.consulted
    $('consultInfo').textContent = view.consulted ? `Consulting ${view.consulted} (${k.otherDN})` : `Consulting ${k.otherDN}`
    $('consultState').textContent = k.established ? 'Talking' : 'Ringing'
    $('consultState').className = `chip ${k.established ? 'talking' : 'calling'}`
  }

  // The buttons follow what the SDK allows now; the toggles change their command with the state.
  const allowed = agent && s ? SobotClient.allowedCommands(s) : new Set()
  const hold = $('btnHold')
  hold.dataset.cmd = s?.workStatus === 'holding' ? 'retrieveCall' : 'holdCall'
  hold.textContent = s?.workStatus === 'holding' ? 'Resume' : 'Hold'
  const mute = $('btnMute')
  mute.dataset.cmd = view.muted ? 'unmute' : 'muteCall'
  mute.textContent = view.muted ? 'Unmute' : 'Mute'
  mute.classList.toggle('on', view.muted)
  for (const b of document.querySelectorAll('[data-cmd]')) b.disabled = !allowed.has(b.dataset.cmd)
  $('statusSelect').disabled = !allowed.has('ready')
  for (const id of ['dial', 'userData']) $(id).disabled = !allowed.has('makeCall')
  $('dtmf').disabled = !allowed.has('sendDtmf')
  const canTarget = allowed.has('singleTransfer') || allowed.has('initiateConsult')
  $('xferType').disabled = $('xferTarget').disabled = !canTarget
  $('acwDelay').disabled = !allowed.has('delayACW')

  $('acw').hidden = s?.workStatus !== 'sorting'
  $('supervisor').hidden = !s?.isSupervisor
  $('phoneCard').hidden = s?.phoneType !== 'webrtc'

  if (ringing && !wasRinging && !$('btnAnswer').disabled) $('btnAnswer').focus()
  tick()
}

/** The timers, four times a second. */
function tick() {
  const s = agent?.state
  if (!s) return
  const now = Date.now()
  const ringing = s.workStatus === 'calling' && s.call && !s.call.established ? s.call : undefined
  if (ringing) $('inTimer').textContent = clock(now - (view.rang[ringing.callID] ??= now))
  const k = consultOf(s)
  const c = s.calls.find((x) => x !== k && x !== ringing)
  if (c) {
    const since = c.established ? (view.talking[c.callID] ??= now) : (view.dialed[c.callID] ?? view.rang[c.callID] ?? now)
    $('callTimer').textContent = clock(now - since)
    if (s.workStatus === 'holding' && view.holdSince) $('callState').textContent = `On hold ${clock(now - view.holdSince)}`
  } else $('callTimer').textContent = ''
  if (k) {
    const since = k.established ? (view.talking[k.callID] ??= now) : (view.dialed[k.callID] ??= now)
    $('consultTimer').textContent = clock(now - since)
  }
  if (s.workStatus === 'sorting') {
    if (view.acw) {
      const left = view.acw.end - now
      $('acwTimer').textContent = `${clock(left)} left`
      $('acwBar').style.width = `${Math.max(0, Math.min(100, (left / view.acw.total) * 100))}%`
    } else {
      $('acwTimer').textContent = 'No time limit known'
      $('acwBar').style.width = '100%'
    }
  }
}
setInterval(tick, 250)

// --- commands ------------------------------------------------------------------------------------

const WHAT = {
  answer: 'Answer',
  rejectCall: 'Reject',
  hangup: 'Hang up',
  holdCall: 'Hold',
  retrieveCall: 'Resume',
  muteCall: 'Mute',
  unmute: 'Unmute',
  sendSatisfy: 'Survey',
  cancelConsult: 'Cancel consult',
  retrieveConsult: 'Back to customer',
  consultTransfer: 'Hand over',
  consultConference: 'Conference',
  completeACW: 'Done',
  completeACWToBusy: 'Done',
}
for (const id of [
  'btnAnswer',
  'btnReject',
  'btnHangup',
  'btnHold',
  'btnMute',
  'btnSatisfy',
  'btnCancelConsult',
  'btnRetrieveConsult',
  'btnConsultTransfer',
  'btnConference',
  'btnCompleteAcw',
  'btnAcwBusy',
]) {
  const b = $(id)
  b.onclick = () => {
    const cmd = b.dataset.cmd
    agent[cmd]().catch(fail(WHAT[cmd] ?? cmd))
  }
}

$('dialForm').onsubmit = (e) => {
  e.preventDefault()
  let userData
  try {
    userData = $('userData').value.trim() ? JSON.parse($('userData').value) : undefined
  } catch {
    return notice('Call data: not JSON, e.g. {"ticket":"T-42"}.')
  }
  agent.makeCall({ otherDN: $('dial').value, userData }).catch(fail('Call'))
}
$('btnDtmf').onclick = () => agent.sendDtmf({ dtmfDigits: $('dtmf').value }).then(() => ($('dtmf').value = ''), fail('Keypad'))

const target = () => ({ targetType: $('xferType').value, target: $('xferTarget').value })
$('btnTransfer').onclick = () => agent.singleTransfer(target()).catch(fail('Transfer'))
$('btnConsult').onclick = () => {
  const t = target()
  view.consulted = `${$('xferType').selectedOptions[0].textContent.toLowerCase()} ${t.target.trim()}`
  agent.initiateConsult(t).catch(fail('Consult'))
}
$('btnDelayAcw').onclick = () => agent.delayACW({ delayTime: Number($('acwDelay').value) }).catch(fail('More time'))

for (const b of document.querySelectorAll('[data-force]')) {
  b.onclick = () =>
    agent[b.dataset.force]({ targetAgentID: $('target').value }).then(
      () => notice(`${b.textContent}: done for agent ${$('target').value}.`, 'info'),
      fail(b.textContent),
    )
}
for (const b of document.querySelectorAll('[data-supervise]')) {
  b.onclick = () => agent[b.dataset.supervise]({ targetAgentID: $('target').value }).catch(fail(b.textContent))
}
for (const b of document.querySelectorAll('[data-query]')) {
  b.onclick = () =>
    agent
      ? agent[b.dataset.query]().then((r) => ($('result').textContent = JSON.stringify(r, null, 2)), fail(b.textContent))
      : notice('Sign in first.')
}
$('btnReset').onclick = () => agent?.resetLogout().catch(fail('Reset sign-out'))

// --- the web phone's devices ------------------------------------------------------------------------

async function fillDevices() {
  try {
    const devices = await agent.listAudioDevices()
    for (const [sel, kind] of [
      [$('mic'), 'audioinput'],
      [$('speaker'), 'audiooutput'],
    ]) {
      sel.length = 1
      for (const d of devices.filter((x) => x.kind === kind && x.deviceId !== 'default'))
        sel.add(new Option(d.label || `Device ${d.deviceId.slice(0, 6)}`, d.deviceId))
    }
  } catch {
    /* no web phone here */
  }
}
$('mic').onchange = () => agent.setAudioInput($('mic').value || undefined).catch(fail('Microphone'))
$('speaker').onchange = () => agent.setAudioOutput($('speaker').value || undefined).catch(fail('Speaker'))

// --- a reloaded page finds its session again ----------------------------------------------------------

async function resume() {
  const id = sessionStorage.getItem(STORE_KEY)
  if (!id) return render()
  $('agentId').value = id
  try {
    await ensureSession(id)
    if (agent.state.agentState === 0) sessionStorage.removeItem(STORE_KEY)
    else if (agent.state.phoneType === 'webrtc') void fillDevices()
  } catch (err) {
    fail('Reconnect')(err)
  }
  render()
}
void resume()
