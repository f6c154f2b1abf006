/**
 * Injected by esbuild into the Node build of JsSIP in place of the browser globals it uses
 * (`RTCPeerConnection`, `RTCSessionDescription`, `window.RTCPeerConnection`, `navigator`).
 * Nothing here is installed on globalThis. The peer connection itself comes from the per-call
 * `pcConfig.createPeerConnection` factory, so this file has no dependencies and the real
 * implementation (werift-based SimPeerConnection) lives in normal, typed source.
 */
type Factory = (config: Record<string, unknown>) => object

export class RTCPeerConnection {
  constructor(config?: { createPeerConnection?: Factory } & Record<string, unknown>) {
    const factory = config?.createPeerConnection
    if (typeof factory !== 'function') {
      throw new Error('JsSIP node build: pass pcConfig.createPeerConnection (see src/sim/simulator.ts)')
    }
    return factory(config ?? {}) as RTCPeerConnection
  }
}

export class RTCSessionDescription {
  readonly type: string
  readonly sdp: string
  constructor(init: { type: string; sdp: string }) {
    this.type = init.type
    this.sdp = init.sdp
  }
}

export const window = { RTCPeerConnection }

export const navigator = {
  mediaDevices: {
    getUserMedia: (): Promise<never> => Promise.reject(new Error('JsSIP node build has no getUserMedia: pass options.mediaStream')),
  },
}
