/** Small, dependency-free SDP helpers for the single-audio-m-line sessions this switch handles. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'
const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive']

/** Direction of the first audio m-section (session-level attribute as fallback; default sendrecv). */
export function audioDirection(sdp: string): Direction {
  const lines = sdp.split(/\r?\n/)
  let sessionDir: Direction | undefined
  let inAudio = false
  let seenMedia = false
  for (const line of lines) {
    if (line.startsWith('m=')) {
      if (inAudio) break
      seenMedia = true
      inAudio = line.startsWith('m=audio')
      continue
    }
    const m = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.exec(line)
    if (!m) continue
    if (!seenMedia) sessionDir = m[1] as Direction
    else if (inAudio) return m[1] as Direction
  }
  return sessionDir ?? 'sendrecv'
}

/** Replaces the direction attribute of every m-section (adds one when absent). */
export function setDirection(sdp: string, dir: Direction): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n'
  const lines = sdp.split(/\r?\n/)
  const out: string[] = []
  let inMedia = false
  let hadDir = false
  const flush = (): void => {
    if (inMedia && !hadDir) out.push(`a=${dir}`)
  }
  for (const line of lines) {
    if (line.startsWith('m=')) {
      flush()
      inMedia = true
      hadDir = false
      out.push(line)
      continue
    }
    if (/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.test(line)) {
      if (!inMedia) continue // drop session-level direction; media-level wins
      hadDir = true
      out.push(`a=${dir}`)
      continue
    }
    if (line === '' && inMedia) {
      flush()
      inMedia = false
    }
    out.push(line)
  }
  flush()
  let result = out.join(eol)
  if (!result.endsWith(eol)) result += eol
  return result
}

export function reverseDirection(d: Direction): Direction {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d
}

export function includesSend(d: Direction): boolean {
  return d === 'sendrecv' || d === 'sendonly'
}
export function includesRecv(d: Direction): boolean {
  return d === 'sendrecv' || d === 'recvonly'
}
export function isDirection(s: string): s is Direction {
  return (DIRECTIONS as readonly string[]).includes(s)
}

/**
 * What werift needs of an SDP from the SIP world: no `a=rtcp:PORT` (RFC 3605; werift 0.24 throws on
 * it in ipAddressFromSdp) and an `a=mid` on every m-section (a plain RTP/AVP offer has none, and
 * werift then fails with "mid not assigned"): a missing mid gets the m-section's index, which is
 * what werift's own offers use.
 */
export function normaliseSdp(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n'
  const sections: string[][] = [[]]
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) sections.push([])
    if (/^a=rtcp:/.test(line)) continue
    sections[sections.length - 1]!.push(line)
  }
  const out: string[] = [...sections[0]!]
  sections.slice(1).forEach((lines, i) => {
    if (!lines.some((l) => l.startsWith('a=mid:'))) {
      const end = lines.length && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length
      lines.splice(end, 0, `a=mid:${i}`)
    }
    out.push(...lines)
  })
  return out.join(eol)
}

/** The audio codecs an SDP's first audio m-section offers, as upper-case encoding names (PCMU, PCMA, G722, ...). */
export function offeredAudioCodecs(sdp: string): string[] {
  const lines = sdp.split(/\r?\n/)
  const m = lines.findIndex((l) => l.startsWith('m=audio'))
  if (m < 0) return []
  const pts = lines[m]!.split(' ').slice(3)
  const names = new Map<string, string>([
    ['0', 'PCMU'],
    ['8', 'PCMA'],
    ['9', 'G722'],
  ])
  for (const l of lines.slice(m + 1)) {
    if (l.startsWith('m=')) break
    const r = /^a=rtpmap:(\d+)\s+([^/\s]+)/.exec(l)
    if (r) names.set(r[1]!, r[2]!.toUpperCase())
  }
  return pts.map((pt) => names.get(pt) ?? `PT${pt}`)
}
