/**
 * A queue's `get_list_agents_url` (stringee-pcc-guide.txt, Step 5): when a call enters the queue,
 * the server POSTs {queueId, calls: [{callId, from, to}], projectId} (every call waiting in the queue,
 * the new one included) and expects the version-2 answer: per call, the agents to offer it to, in
 * order, each with its routing_type and answer_timeout.
 *
 * The request times out after AGENT_LIST_TIMEOUT_MS (the guide gives no figure; a caller should not
 * wait longer than this for a CRM). A failure (network, non-2xx, timeout) or an answer that is not
 * the documented shape makes the call fall back to group routing. Each call's request runs on its own:
 * a slow webhook delays only the calls it was asked about.
 */
export const AGENT_LIST_TIMEOUT_MS = 3000
/** The answer is read up to this size; a larger one is nonsense. */
export const AGENT_LIST_MAX_BYTES = 256 * 1024
/** An answer_timeout is kept within the queue API's bounds for wait_agent_answer_timeout. */
export const MIN_ANSWER_TIMEOUT_S = 3
export const MAX_ANSWER_TIMEOUT_S = 600

export interface ListedAgent {
  stringeeUserId: string
  phoneNumber: string | undefined
  routingType: 1 | 2
  answerTimeoutS: number
}

export interface AgentListRequest {
  queueId: string
  projectId: number
  calls: { callId: string; from: string; to: string }[]
}

export type AgentListResult = { ok: true; calls: Map<string, ListedAgent[]> } | { ok: false; reason: string }

/**
 * Reads a version-2 answer. Returns the agents per call id; throws with a reason when the answer is
 * not the documented shape. Unknown extra fields are ignored, as the REST API ignores them.
 */
export function parseAgentListAnswer(body: unknown): Map<string, ListedAgent[]> {
  const obj = (v: unknown, what: string): Record<string, unknown> => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} is not an object`)
    return v as Record<string, unknown>
  }
  const root = obj(body, 'the answer')
  if (root.version !== 2) throw new Error(`version is ${JSON.stringify(root.version)?.slice(0, 20)}, not 2`)
  if (!Array.isArray(root.calls)) throw new Error('calls is not an array')
  const out = new Map<string, ListedAgent[]>()
  root.calls.forEach((c: unknown, i: number) => {
    const call = obj(c, `calls[${i}]`)
    if (typeof call.callId !== 'string' || !call.callId) throw new Error(`calls[${i}].callId is not a string`)
    if (!Array.isArray(call.agents)) throw new Error(`calls[${i}].agents is not an array`)
    const agents = call.agents.map((a: unknown, j: number): ListedAgent => {
      const at = `calls[${i}].agents[${j}]`
      const x = obj(a, at)
      if (typeof x.stringee_user_id !== 'string' || !x.stringee_user_id) throw new Error(`${at}.stringee_user_id is not a string`)
      if (x.routing_type !== 1 && x.routing_type !== 2) throw new Error(`${at}.routing_type is not 1 or 2`)
      if (typeof x.answer_timeout !== 'number' || !Number.isFinite(x.answer_timeout) || x.answer_timeout <= 0)
        throw new Error(`${at}.answer_timeout is not a positive number`)
      if (
        x.phone_number !== undefined &&
        x.phone_number !== null &&
        (typeof x.phone_number !== 'string' || !/^\+?[0-9]{2,20}$/.test(x.phone_number))
      ) {
        throw new Error(`${at}.phone_number is not a phone number`)
      }
      // routing_type 2 without phone_number: the agent's own phone_number is rung.
      return {
        stringeeUserId: x.stringee_user_id,
        phoneNumber: typeof x.phone_number === 'string' ? x.phone_number : undefined,
        routingType: x.routing_type,
        answerTimeoutS: Math.min(MAX_ANSWER_TIMEOUT_S, Math.max(MIN_ANSWER_TIMEOUT_S, Math.round(x.answer_timeout))),
      }
    })
    out.set(call.callId, agents)
  })
  return out
}

/** POSTs the request and reads the answer; never rejects. `signal` aborts it (the call ended, the server closes). */
export async function fetchAgentList(
  url: string,
  req: AgentListRequest,
  opts: { timeoutMs?: number; signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<AgentListResult> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? AGENT_LIST_TIMEOUT_MS)
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout
  try {
    const res = await (opts.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ queueId: req.queueId, calls: req.calls, projectId: req.projectId }),
      redirect: 'error',
      signal,
    })
    if (res.status < 200 || res.status >= 300) {
      await res.body?.cancel().catch(() => {})
      return { ok: false, reason: `HTTP ${res.status}` }
    }
    const text = await readLimited(res, AGENT_LIST_MAX_BYTES)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return { ok: false, reason: 'the answer is not JSON' }
    }
    return { ok: true, calls: parseAgentListAnswer(body) }
  } catch (err) {
    if (timeout.aborted) return { ok: false, reason: `no answer within ${opts.timeoutMs ?? AGENT_LIST_TIMEOUT_MS} ms` }
    return { ok: false, reason: (err as Error).message || String(err) }
  }
}

async function readLimited(res: Response, max: number): Promise<string> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => {})
      throw new Error(`the answer is larger than ${max} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}
