/**
 * The script-tag entry: defines window.SobotClient. Loaded from a contact center's
 * /call-sdk/sobot-call-sdk.js, the SDK talks to the origin it was loaded from, as Sobot's does, and
 * loads the web phone (sobot-call-sdk-phone.js, JsSIP inside) from beside itself when it is needed.
 */
import { Agent as AgentBase, setDefaultServer } from './agent/Agent'
import { SobotError } from './errors'
import { PROTOCOL_VERSION } from './protocol/wire'
import { allowedCommands } from './model/callRules'
import type { PhoneModule } from './phone/types'

const script = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null
const phoneUrl = script?.src ? new URL('sobot-call-sdk-phone.js', script.src).href : undefined
if (script?.src) setDefaultServer(new URL(script.src).origin)

class Agent extends AgentBase {
  protected override loadPhone(): Promise<PhoneModule> {
    if (!phoneUrl)
      return Promise.reject(
        new SobotError('WEBRTC_UNSUPPORTED', 'The web phone is loaded from beside the SDK script; load the SDK with a script tag.'),
      )
    return import(/* @vite-ignore */ phoneUrl) as Promise<PhoneModule>
  }
}

const SobotClient = { agent: Agent, SobotError, PROTOCOL_VERSION, allowedCommands }
;(globalThis as unknown as { SobotClient: typeof SobotClient }).SobotClient = SobotClient
