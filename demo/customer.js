// The customer phone: the SDK's own web phone module (JsSIP inside), registered with a development
// identity of the contact center, calling a skill group.
const $ = (id) => document.getElementById(id)
const { WebPhone } = await import('/call-sdk/sobot-call-sdk-phone.js')

let phone
async function ensurePhone() {
  if (phone) return phone
  const cfg = await (await fetch('/dev/customers/phone', { method: 'POST' })).json()
  phone = new WebPhone(cfg, { wsUrl: `${location.origin.replace(/^http/, 'ws')}${cfg.sipPath}`, ringtone: false })
  await phone.register()
  phone.domain = cfg.domain
  return phone
}

async function refresh() {
  if (!phone) return
  const s = await phone.status()
  $('state').textContent = s.inCall ? 'talking' : s.registered ? 'registered' : 'not registered'
  $('state').className = `pill ${s.registered ? 'on' : 'off'}`
  $('info').textContent = s.stats
    ? `received ${s.stats.packetsReceived} packets · level ${s.stats.audioLevel.toFixed(3)} · quality ${s.stats.quality}`
    : '—'
}
setInterval(() => void refresh(), 1000)

$('btnCall').onclick = async () => {
  try {
    const p = await ensurePhone()
    await p.call(`sip:${$('to').value}@${p.domain}`, $('from').value.trim() || undefined)
  } catch (e) {
    $('info').textContent = `${e.errorCode ?? ''} ${e.errorMessage ?? e.message}`
  }
}
$('btnHangup').onclick = () => phone?.hangup()
for (const k of '123456789*0#') {
  const b = document.createElement('button')
  b.textContent = k
  b.onclick = () => phone?.sendDtmf(k)
  $('keypad').append(b)
}

$('btnSim').onclick = async () => {
  await fetch('/dev/customers/call', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: $('simTo').value }),
  })
}
setInterval(async () => {
  const { calls } = await (await fetch('/dev/customers')).json()
  $('simCalls').innerHTML = ''
  for (const c of calls.slice(-10).reverse()) {
    const li = document.createElement('li')
    li.textContent = `${c.direction} ${c.number} → ${c.to}: ${c.state}${c.dtmfReceived ? `, DTMF ${c.dtmfReceived}` : ''}, heard ${c.rmsLastSecond.toFixed(3)}`
    $('simCalls').append(li)
  }
}, 1000)
