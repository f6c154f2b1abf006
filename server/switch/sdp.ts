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
