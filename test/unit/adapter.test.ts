import { describe, expect, it, vi } from 'vitest'
import { settle } from '../../src/agent/adapter'
import { SobotError } from '../../src/errors'

describe('callback / Promise adapter', () => {
  it('calls success once and resolves with the same result', async () => {
    const success = vi.fn()
    const error = vi.fn()
    await expect(settle({ success, error }, async () => ({ status: 'success' }))).resolves.toEqual({ status: 'success' })
    expect(success).toHaveBeenCalledExactlyOnceWith({ status: 'success' })
    expect(error).not.toHaveBeenCalled()
  })
  it('calls error once with status, errorCode and errorMessage, and rejects with the same', async () => {
    const error = vi.fn()
    const p = settle({ error }, async () => {
      throw new SobotError('NOT_LOGGED_IN')
    })
    await expect(p).rejects.toMatchObject({ status: 'error', errorCode: 'NOT_LOGGED_IN', errorMessage: expect.any(String) })
    expect(error).toHaveBeenCalledOnce()
    expect(error.mock.calls[0]![0]).toMatchObject({ status: 'error', errorCode: 'NOT_LOGGED_IN' })
  })
  it('turns a synchronous throw and foreign errors into catalogue errors', async () => {
    await expect(
      settle(undefined, () => {
        throw new TypeError('boom')
      }),
    ).rejects.toMatchObject({ errorCode: 'SERVER_ERROR' })
  })
  it('survives a callback that throws', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    await expect(
      settle(
        {
          success: () => {
            throw new Error('app bug')
          },
        },
        async () => 1,
      ),
    ).resolves.toBe(1)
    expect(spy).toHaveBeenCalled()
    spy.mockRestore()
  })
  it('does not leave an unhandled rejection when only callbacks are used', async () => {
    const unhandled = vi.fn()
    process.on('unhandledRejection', unhandled)
    const error = vi.fn()
    settle({ error }, async () => {
      throw new SobotError('TIMEOUT')
    })
    await new Promise((r) => setTimeout(r, 20))
    process.off('unhandledRejection', unhandled)
    expect(error).toHaveBeenCalledOnce()
    expect(unhandled).not.toHaveBeenCalled()
  })
})
