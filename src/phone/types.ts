import type { PhoneConfig } from '../protocol/wire'

/** The web phone's identity (the contract's, in src/protocol/wire.ts): the login result hands it over. */
export type { PhoneConfig }

export interface PhoneStats {
  /** Round trip to the contact center's media, ms. */
  ping: number
  jitter: number
  /** Lost / expected packets since the previous report, 0..1. */
  lossFraction: number
  quality: 'a' | 'b' | 'c' | 'd' | 'e'
}

/** What getPhoneStats() reports: the phone's state and, during a call, its media statistics. */
export interface PhoneStatus {
  registered: boolean
  ringing: boolean
  ringtonePlaying: boolean
  inCall: boolean
  /** The CTI call the phone's session belongs to. */
  callID?: string
  stats?: PhoneStats & {
    packetsReceived: number
    packetsSent: number
    /** 0..1, the remote audio's current level. */
    audioLevel: number
    /** Grows while audio is heard (W3C totalAudioEnergy). */
    totalAudioEnergy: number
  }
}

export interface PhoneCallbacks {
  /** Every few seconds while a call is up. */
  onStats?(s: PhoneStats): void
  /** The phone lost its registration (or could not renew it). */
  onUnregistered?(reason: string): void
}

export interface PhoneOptions extends PhoneCallbacks {
  wsUrl: string
  inputDeviceId?: string
  outputDeviceId?: string
  /** Extra microphone constraints (echoCancellation, noiseSuppression, autoGainControl, ...). */
  audioConstraints?: MediaTrackConstraints
  /** Play a ringtone while an incoming call rings (default true). */
  ringtone?: boolean
}

export interface AudioDevice {
  deviceId: string
  label: string
  kind: 'audioinput' | 'audiooutput'
}

/** The web phone as the facade sees it (the implementation lives in the lazily loaded chunk). */
export interface WebPhoneLike {
  register(timeoutMs?: number): Promise<void>
  answer(): Promise<void>
  readonly ringing: boolean
  status(): Promise<PhoneStatus>
  setInputDevice(deviceId: string | undefined): Promise<void>
  setOutputDevice(deviceId: string | undefined): Promise<void>
  close(): void
}

export interface PhoneModule {
  WebPhone: new (cfg: PhoneConfig, opts: PhoneOptions) => WebPhoneLike
  preflight(inputDeviceId?: string, constraints?: MediaTrackConstraints): Promise<void>
  listAudioDevices(): Promise<AudioDevice[]>
}
