import { FRAME_MS } from './audio'

/**
 * A drift-corrected periodic clock. It schedules one timer at a time against the monotonic clock,
 * runs the ticks that are due (catching up at most `maxCatchUp` after a stall, skipping the rest),
 * and owns exactly one timer, cleared by stop().
 */
export class MediaClock {
  private timer: NodeJS.Timeout | undefined
  private startedAt = 0
  private ticks = 0
  private ticking = false
  private readonly intervalMs: number
  private readonly maxCatchUp: number
  private readonly onTick: (tick: number) => void
  /** Ticks skipped after stalls longer than maxCatchUp intervals. */
  skipped = 0

  constructor(onTick: (tick: number) => void, opts: { intervalMs?: number; maxCatchUp?: number } = {}) {
    this.onTick = onTick
    this.intervalMs = opts.intervalMs ?? FRAME_MS
    this.maxCatchUp = opts.maxCatchUp ?? 5
  }

  get running(): boolean {
    return this.ticking
  }

  start(): void {
    if (this.ticking) return
    this.ticking = true
    this.startedAt = performance.now()
    this.ticks = 0
    this.schedule()
  }

  stop(): void {
    this.ticking = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule(): void {
    if (!this.ticking) return
    const nextAt = this.startedAt + (this.ticks + 1) * this.intervalMs
    const delay = Math.max(0, nextAt - performance.now())
    this.timer = setTimeout(this.run, delay)
  }

  private readonly run = (): void => {
    this.timer = undefined
    if (!this.ticking) return
    const due = Math.floor((performance.now() - this.startedAt) / this.intervalMs)
    let n = 0
    while (this.ticks < due && n < this.maxCatchUp && this.ticking) {
      this.onTick(this.ticks++)
      n++
    }
    if (this.ticks < due) {
      this.skipped += due - this.ticks
      this.ticks = due
    }
    this.schedule()
  }
}
