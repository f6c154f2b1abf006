import { describe, expect, it } from 'vitest'
import { mos, quality } from '../../src/phone/quality'

describe('voice quality (E-model)', () => {
  it('rates a clean local call e', () => {
    expect(mos(2, 0.5, 0)).toBeGreaterThan(4.3)
    expect(quality(mos(2, 0.5, 0))).toBe('e')
  })
  it('falls as delay, jitter and loss grow', () => {
    const clean = mos(20, 2, 0)
    expect(mos(300, 2, 0)).toBeLessThan(clean)
    expect(mos(20, 60, 0)).toBeLessThan(clean)
    expect(mos(20, 2, 0.05)).toBeLessThan(clean)
  })
  it("maps MOS to the spec's a..e", () => {
    expect([4.2, 3.8, 3.3, 2.8, 1.5].map(quality)).toEqual(['e', 'd', 'c', 'b', 'a'])
    expect(quality(mos(800, 80, 0.3))).toBe('a')
    // One-way 230 ms and 5 % loss: R ≈ 66, MOS ≈ 3.4.
    expect(quality(mos(300, 30, 0.05))).toBe('c')
  })
})
