import { toSobotError, type SobotError } from '../errors'

/** The callbacks every public method accepts, besides returning a Promise. */
export interface Callbacks<R> {
  success?: (result: R) => void
  error?: (cause: SobotError) => void
}

function report(where: string, err: unknown): void {
  // An application callback that throws must not change the SDK's result or state.
  console.error(`[sobot-call-sdk] ${where} threw:`, err)
}

/**
 * The one adapter between Promises (inside) and callbacks (the facade): runs the task, calls
 * success or error exactly once, and returns a Promise of the same result. When an error callback
 * is given, the returned Promise is marked handled so callback-only code sees no unhandled rejection.
 */
export function settle<R>(cb: Callbacks<R> | undefined, task: () => Promise<R>): Promise<R> {
  let p: Promise<R>
  try {
    p = task()
  } catch (e) {
    p = Promise.reject(e)
  }
  const out = p.then(
    (res) => {
      if (cb?.success) {
        try {
          cb.success(res)
        } catch (e) {
          report('success callback', e)
        }
      }
      return res
    },
    (e: unknown) => {
      const err = toSobotError(e)
      if (cb?.error) {
        try {
          cb.error(err)
        } catch (e2) {
          report('error callback', e2)
        }
      }
      throw err
    },
  )
  if (cb?.error) out.catch(() => {})
  return out
}

export { report as reportListenerError }
