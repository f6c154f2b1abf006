/** Minimal logger interface every module accepts; the default discards everything. */
export interface Logger {
  debug(msg: string, ...args: unknown[]): void
  info(msg: string, ...args: unknown[]): void
  warn(msg: string, ...args: unknown[]): void
  error(msg: string, ...args: unknown[]): void
}

const noop = (): void => undefined
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop }

/** Console logger with a prefix; `debug` only when `verbose`. */
export function consoleLogger(prefix: string, verbose = false): Logger {
  const stamp = (): string => new Date().toISOString().slice(11, 23)
  return {
    debug: verbose ? (m, ...a) => console.debug(`${stamp()} [${prefix}] ${m}`, ...a) : noop,
    info: (m, ...a) => console.info(`${stamp()} [${prefix}] ${m}`, ...a),
    warn: (m, ...a) => console.warn(`${stamp()} [${prefix}] ${m}`, ...a),
    error: (m, ...a) => console.error(`${stamp()} [${prefix}] ${m}`, ...a),
  }
}
