import { PcmSource } from '../switch/fileSource'
import { Recorder } from '../switch/recorder'
import type { CallLog } from './history'
import type { CcCall } from './model'
import type { Prompts } from './prompts'

/**
 * Voicemail: a queue that is full (maximum_queue_size), a caller who waited too long
 * (maximum_queue_wait_time), or a closed queue (schedule 2, with enable_voicemail) sends the caller
 * here. The caller hears a beep, then the customer's side alone (one channel, 8 kHz PCM16 WAV) is
 * recorded until the caller hangs up or VOICEMAIL_MAX_SECONDS (ServerConfig.routing) have passed,
 * when the server hangs up. The file becomes the call's recording (GET /v1/call/recording/{id});
 * the call record says have_voice_mail true and status 2 (missed: no agent met the call).
 */
export const VOICEMAIL_MAX_SECONDS = 120

export interface VoicemailDeps {
  prompts: Prompts
  history: CallLog
  maxSeconds: number
  log: (msg: string) => void
}

/**
 * Takes the message. Resolves when the recording is stored (after the call ended); never rejects.
 * `onRecording` is called when recording starts (the call then counts as having a voicemail).
 */
export async function takeVoicemail(call: CcCall, d: VoicemailDeps, onRecording: () => void): Promise<void> {
  const sw = call.sw
  const customer = sw.customer
  if (sw.ended || !customer?.participant) return
  const ended = new Promise<void>((resolve) => {
    if (sw.ended) resolve()
    else sw.once('ended', () => resolve())
  })
  const beep = new PcmSource(d.prompts.beep)
  sw.play(customer, beep)
  await Promise.race([beep.ended, ended])
  if (sw.ended || !customer.participant) return
  // The caller hears nothing more: the mix of the other legs, of which there are none.
  sw.play(customer, undefined)
  let rec: Recorder
  try {
    rec = await Recorder.open(d.history.recordingFile(call.logged), 1)
  } catch (err) {
    d.log(`call ${call.id}: the voicemail cannot be recorded: ${String(err)}`)
    await sw.hangup('error')
    return
  }
  if (sw.ended) {
    await rec.close().catch(() => undefined)
    return
  }
  const detach = sw.mixer.attach(rec, [customer.participant])
  onRecording()
  const limit = setTimeout(() => void sw.hangup('server-hangup'), d.maxSeconds * 1000)
  try {
    await ended
  } finally {
    clearTimeout(limit)
    detach()
  }
  try {
    const { durationMs } = await rec.close()
    d.history.recorded(call.logged, Math.round(durationMs))
  } catch (err) {
    d.log(`call ${call.id}: the voicemail could not be written: ${String(err)}`)
  }
}
