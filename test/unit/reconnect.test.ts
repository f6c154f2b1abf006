import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_RECONNECT_MS, DEFAULT_RETRY_DELAYS_MS, DefaultReconnectPolicy } from '../../src/cti/ReconnectPolicy'

describe('DefaultReconnectPolicy', () => {
  it('retries at once, then backs off along the table', () => {
    const p = new DefaultReconnectPolicy({ random: () => 0 })
    const delays = [0, 1, 2, 3, 4, 5, 6, 9].map((retryCount) => p.nextRetryDelayMs({ retryCount, elapsedMs: 0 }))
    expect(delays).toEqual([0, 300, 1200, 2700, 4800, 7000, 7000, 7000])
  })
  it('adds jitter, never more than the base delay or the jitter cap', () => {
    const p = new DefaultReconnectPolicy({ random: () => 1 })
    expect(p.nextRetryDelayMs({ retryCount: 0, elapsedMs: 0 })).toBe(0)
    expect(p.nextRetryDelayMs({ retryCount: 1, elapsedMs: 0 })).toBe(600)
    expect(p.nextRetryDelayMs({ retryCount: 5, elapsedMs: 0 })).toBe(8000)
    const varied = new Set(Array.from({ length: 50 }, () => new DefaultReconnectPolicy().nextRetryDelayMs({ retryCount: 3, elapsedMs: 0 })))
    expect(varied.size).toBeGreaterThan(1)
  })
  it('gives up once the next attempt would pass the limit', () => {
    const p = new DefaultReconnectPolicy({ random: () => 0 })
    expect(p.nextRetryDelayMs({ retryCount: 20, elapsedMs: DEFAULT_MAX_RECONNECT_MS - 7000 })).toBe(7000)
    expect(p.nextRetryDelayMs({ retryCount: 20, elapsedMs: DEFAULT_MAX_RECONNECT_MS - 6999 })).toBeNull()
    expect(DEFAULT_RETRY_DELAYS_MS[0]).toBe(0)
  })
})
