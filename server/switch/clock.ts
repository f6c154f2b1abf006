import { FRAME_MS } from './audio.js';

/**
 * A drift-corrected periodic clock. It schedules one timer at a time against the monotonic clock,
 * runs the ticks that are due (catching up at most `maxCatchUp` after a stall, skipping the rest),
 * and owns exactly one timer, cleared by stop().
 */
export class MediaClock {
  #timer: NodeJS.Timeout | undefined;
  #start = 0;
  #ticks = 0;
  #running = false;
  readonly #intervalMs: number;
  readonly #maxCatchUp: number;
  readonly #onTick: (tick: number) => void;
  /** Ticks skipped after stalls longer than maxCatchUp intervals. */
  skipped = 0;

  constructor(onTick: (tick: number) => void, opts: { intervalMs?: number; maxCatchUp?: number } = {}) {
    this.#onTick = onTick;
    this.#intervalMs = opts.intervalMs ?? FRAME_MS;
    this.#maxCatchUp = opts.maxCatchUp ?? 5;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#start = performance.now();
    this.#ticks = 0;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (!this.#running) return;
    const nextAt = this.#start + (this.#ticks + 1) * this.#intervalMs;
    const delay = Math.max(0, nextAt - performance.now());
    this.#timer = setTimeout(this.#run, delay);
  }

  readonly #run = (): void => {
    this.#timer = undefined;
    if (!this.#running) return;
    const due = Math.floor((performance.now() - this.#start) / this.#intervalMs);
    let n = 0;
    while (this.#ticks < due && n < this.#maxCatchUp && this.#running) {
      this.#onTick(this.#ticks++);
      n++;
    }
    if (this.#ticks < due) {
      this.skipped += due - this.#ticks;
      this.#ticks = due;
    }
    this.#schedule();
  };
}
