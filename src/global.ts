/**
 * The script-tag entry: defines window.SobotClient. Loaded from a contact center's
 * /call-sdk/sobot-call-sdk.js, the SDK talks to the origin it was loaded from, as Sobot's does.
 */
import { Agent, setDefaultServer } from './agent/Agent'
import { SobotError } from './errors'
import { PROTOCOL_VERSION } from './cti/protocol'

const script = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null
if (script?.src) setDefaultServer(new URL(script.src).origin)

const SobotClient = { agent: Agent, SobotError, PROTOCOL_VERSION }
;(globalThis as unknown as { SobotClient: typeof SobotClient }).SobotClient = SobotClient
