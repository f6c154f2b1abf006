/**
 * The switch's first line against malformed SIP (RFC 3261 §8.2.2, §16.3): what sip.js's core assumes
 * of every message it is given. A message that fails gets a hand-built 400 when it carries what a
 * response needs (Via, From, To, Call-ID, CSeq), and is dropped otherwise: sip.js's own response
 * builder throws on a request without those headers, so it never sees one.
 */
import { IncomingRequestMessage, IncomingResponseMessage } from 'sip.js/lib/core/index.js'

/** Largest SIP message the switch reads (a WebSocket frame, or a TCP message's headers and body). */
export const MAX_SIP_MESSAGE_BYTES = 64 * 1024

export type SipCheck = { ok: true } | { ok: false; why: string }

/** Checks a parsed message for what every later step reads without checking. */
export function checkSipMessage(msg: IncomingRequestMessage | IncomingResponseMessage): SipCheck {
  if (!msg.via || !msg.viaBranch) return { ok: false, why: 'Via' }
  if (!msg.from) return { ok: false, why: 'From' }
  if (!msg.to) return { ok: false, why: 'To' }
  if (!msg.callId) return { ok: false, why: 'Call-ID' }
  const cseq = msg.parseHeader('cseq') as { value?: number; method?: string } | undefined
  if (!cseq || !Number.isInteger(cseq.value) || !cseq.method) return { ok: false, why: 'CSeq' }
  if (msg instanceof IncomingRequestMessage) {
    if (!msg.ruri) return { ok: false, why: 'Request-URI' }
    if (cseq.method !== msg.method) return { ok: false, why: 'CSeq method' }
    const maxForwards = msg.getHeader('max-forwards')
    if (maxForwards !== undefined && !/^\s*\d{1,3}\s*$/.test(maxForwards)) return { ok: false, why: 'Max-Forwards' }
  } else if (!msg.statusCode || msg.statusCode < 100 || msg.statusCode > 699) {
    return { ok: false, why: 'status' }
  }
  const length = msg.getHeader('content-length')
  if (length !== undefined) {
    // The body as received must hold what Content-Length announces (the parser cuts what is more).
    const raw = msg.data ?? ''
    const start = raw.indexOf('\r\n\r\n')
    const available = start < 0 ? 0 : Buffer.byteLength(raw.slice(start + 4))
    if (!/^\s*\d{1,9}\s*$/.test(length) || Number(length) > available) return { ok: false, why: 'Content-Length' }
  }
  return { ok: true }
}

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id' }

/**
 * A 400 for a request that could not be read, built from its raw lines, or undefined when it lacks
 * what a response must echo (then the request is dropped). Responses and ACKs are never answered.
 */
export function badRequestReply(raw: string, why: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? ''
  const lines = head.split(/\r?\n/)
  const method = /^([A-Za-z]+) \S+ SIP\/2\.0$/.exec(lines[0] ?? '')?.[1]
  if (!method || method.toUpperCase() === 'ACK') return undefined // nothing answers an ACK
  const found: Record<string, string[]> = {}
  for (const line of lines.slice(1)) {
    const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line)
    if (!m) continue
    const name = COMPACT[m[1]!.toLowerCase()] ?? m[1]!.toLowerCase()
    if (['via', 'from', 'to', 'call-id', 'cseq'].includes(name)) (found[name] ??= []).push(m[2]!.trim())
  }
  if (!found['via'] || !found['from'] || !found['to'] || !found['call-id'] || !found['cseq']) return undefined
  const reason = `Bad Request (${why})`.replace(/[\r\n]/g, ' ')
  return [
    `SIP/2.0 400 ${reason}`,
    ...found['via'].map((v) => `Via: ${v}`),
    `From: ${found['from'][0]}`,
    `To: ${found['to'][0]}`,
    `Call-ID: ${found['call-id'][0]}`,
    `CSeq: ${found['cseq'][0]}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
}
