import type { Directory, IvrKey, IvrNode, IvrTree, SkillGroup } from '../acd/directory'
import { PcmSource } from '../switch/fileSource'
import type { Call, DtmfLogEntry } from '../switch/b2bua'
import type { Prompts } from './prompts'

/**
 * The IVR (stringee-pcc-guide.txt, "IVR"): the server has answered the customer; each node plays its
 * prompt (an uploaded greeting in "play" mode, text to speech in "talk" mode, after `sched` ms of
 * silence) and waits `keypressTimeout` seconds for a key (RFC 4733 or SIP INFO DTMF from the
 * customer's leg). The key's entry at the node decides:
 *
 *   2 route to a queue, 3 forward to a phone number, 4 go to another node, 6 stop (hang up).
 *
 * Without a key before the timeout the node plays again, `loopCount` times in all; then the node's
 * EMPTY_KEY entry applies. A key with no entry takes the node's INVALID_KEY entry; without one the
 * node plays again (counting as one of its loops). A node with no usable entry left stops the call.
 * With `bargeIn` a key interrupts the prompt; without it keys pressed during the prompt are ignored.
 *
 * This module only walks the tree; what an outcome means for the call is the router's business.
 */
export type IvrOutcome =
  | { kind: 'queue'; queue: SkillGroup }
  | { kind: 'forward'; number: string; from: string | null }
  | { kind: 'stop'; why: string }
  /** The call ended while in the IVR. */
  | { kind: 'gone' }

/** Nodes visited in one call at most: a tree whose keys lead round in circles cannot hold a call forever. */
export const MAX_IVR_NODE_VISITS = 50

export interface IvrRun {
  call: { companyId: string; sw: Call; attachedData: Record<string, unknown> }
  tree: IvrTree
  dir: Directory
  prompts: Prompts
  /** Aborted when the call ends (or the server closes). */
  signal: AbortSignal
  /** Called with each key the customer pressed (also kept in attachedData.ivr). */
  onKey?: (key: string, node: IvrNode) => void
}

class Aborted extends Error {}

/** Digits from the customer's leg, in order, with a bounded wait for the next one. */
class KeyBuffer {
  private readonly keys: string[] = []
  private waiter: ((k: string) => void) | undefined
  private readonly off: () => void

  constructor(sw: Call) {
    this.off = sw.on('dtmf', (e: DtmfLogEntry) => {
      if (e.leg !== sw.customer) return
      if (this.waiter) {
        const w = this.waiter
        this.waiter = undefined
        w(e.digit)
      } else this.keys.push(e.digit)
    })
  }

  clear(): void {
    this.keys.length = 0
  }

  /**
   * The next key; undefined after timeoutMs (Infinity: no limit) or once `until` settles. Rejects
   * with Aborted on abort. One wait at a time.
   */
  next(timeoutMs: number, signal: AbortSignal, until?: Promise<unknown>): Promise<string | undefined> {
    const queued = this.keys.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      let settled = false
      const finish = (): boolean => {
        if (settled) return false
        settled = true
        if (timer) clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        this.waiter = undefined
        return true
      }
      const onAbort = (): void => {
        if (finish()) reject(new Aborted())
      }
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort)
      this.waiter = (k) => {
        if (finish()) resolve(k)
      }
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => finish() && resolve(undefined), timeoutMs)
      until?.then(
        () => finish() && resolve(undefined),
        () => finish() && resolve(undefined),
      )
    })
  }

  close(): void {
    this.off()
  }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Aborted())
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new Aborted())
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e instanceof Error ? e : new Error(String(e)))
      },
    )
  })
}

/** Walks the tree from its root until an outcome. Never rejects. */
export async function runIvr(run: IvrRun): Promise<IvrOutcome> {
  const { call, dir, signal } = run
  const keys = new KeyBuffer(call.sw)
  try {
    let node = run.tree.rootNodeId ? dir.ivrNodes.get(run.tree.rootNodeId) : undefined
    if (!node) return { kind: 'stop', why: `IVR tree ${run.tree.id} has no root node` }
    for (let visits = 1; ; visits++) {
      if (visits > MAX_IVR_NODE_VISITS) return { kind: 'stop', why: `more than ${MAX_IVR_NODE_VISITS} IVR nodes visited` }
      const entry = await collect(run, node, keys)
      if (!entry) return { kind: 'stop', why: `no key and no EMPTY_KEY entry at node ${node.id}` }
      switch (entry.action) {
        case 2: {
          const queue = entry.queueId ? dir.queues.get(entry.queueId) : undefined
          if (!queue || queue.companyId !== call.companyId) return { kind: 'stop', why: `key ${entry.id} routes to a missing queue` }
          return { kind: 'queue', queue }
        }
        case 3:
          if (!entry.toPhoneNumber) return { kind: 'stop', why: `key ${entry.id} forwards to no number` }
          return { kind: 'forward', number: entry.toPhoneNumber, from: entry.fromNumberCalloutToAgent }
        case 4: {
          const next = entry.nextNodeId ? dir.ivrNodes.get(entry.nextNodeId) : undefined
          if (!next || next.companyId !== call.companyId) return { kind: 'stop', why: `key ${entry.id} leads to a missing node` }
          node = next
          continue
        }
        case 6:
          return { kind: 'stop', why: `key ${entry.key} at node ${node.id} stops the call` }
        default:
          return { kind: 'stop', why: `action ${entry.action} is not supported` }
      }
    }
  } catch (err) {
    if (err instanceof Aborted || signal.aborted) return { kind: 'gone' }
    return { kind: 'stop', why: `the IVR failed: ${String(err)}` }
  } finally {
    keys.close()
  }
}

/** Plays a node up to loopCount times; resolves with the entry that applies (undefined: none). */
async function collect(run: IvrRun, node: IvrNode, keys: KeyBuffer): Promise<IvrKey | undefined> {
  const { call, dir, signal } = run
  const customer = call.sw.customer
  if (!customer) throw new Aborted()
  const samples = await abortable(
    node.playMode === 'play'
      ? run.prompts.greeting(call.companyId, node.playContent).then((s) => s ?? run.prompts.chime)
      : run.prompts.speech(node.playContent, { voice: node.voice, speed: node.speed }),
    signal,
  )
  for (let loop = 0; loop < Math.max(1, node.loopCount); loop++) {
    keys.clear()
    const prompt = new PcmSource(samples, { leadInMs: node.sched })
    call.sw.play(customer, prompt)
    let key: string | undefined
    try {
      if (node.bargeIn) {
        key = await keys.next(Infinity, signal, prompt.ended)
      } else {
        await abortable(prompt.ended, signal)
        keys.clear()
      }
    } finally {
      prompt.stop()
    }
    key ??= await keys.next(node.keypressTimeout * 1000, signal)
    if (key === undefined) continue
    const pressed = (call.attachedData.ivr ??= []) as string[]
    if (Array.isArray(pressed)) pressed.push(key)
    run.onKey?.(key, node)
    const entry = dir.ivrKey(node.id, key) ?? dir.ivrKey(node.id, 'INVALID_KEY')
    if (entry) return entry
  }
  return dir.ivrKey(node.id, 'EMPTY_KEY')
}
