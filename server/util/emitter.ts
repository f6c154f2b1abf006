import { EventEmitter } from 'node:events'

/** Map of event name to listener argument tuple, e.g. `{ ended: [cause: string] }`. */
export type EventMap<E> = { [K in keyof E]: unknown[] }

/**
 * A small typed wrapper over node:events. `on` returns an unsubscribe function so owners can
 * keep and release their subscriptions explicitly.
 */
export class TypedEmitter<E extends EventMap<E>> {
  private readonly ee = new EventEmitter()

  constructor() {
    this.ee.setMaxListeners(50)
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): () => void {
    this.ee.on(event, listener as (...args: unknown[]) => void)
    return () => this.off(event, listener)
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): () => void {
    this.ee.once(event, listener as (...args: unknown[]) => void)
    return () => this.off(event, listener)
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): void {
    this.ee.off(event, listener as (...args: unknown[]) => void)
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.ee.listenerCount(event)
  }

  /** Resolves with the event's arguments, rejects after `timeoutMs`. */
  waitFor<K extends keyof E & string>(event: K, timeoutMs: number, what: string = event): Promise<E[K]> {
    return new Promise<E[K]>((resolve, reject) => {
      const listener = (...args: unknown[]): void => {
        clearTimeout(timer)
        resolve(args as E[K])
      }
      const timer = setTimeout(() => {
        this.ee.off(event, listener)
        reject(new Error(`timeout after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      this.ee.once(event, listener)
    })
  }

  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    this.ee.emit(event, ...args)
  }

  protected removeAllListeners(): void {
    this.ee.removeAllListeners()
  }
}
