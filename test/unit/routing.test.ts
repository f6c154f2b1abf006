import { describe, expect, it } from 'vitest'
import { encodeWav } from '../../server/api/wav'
import { MAX_ANSWER_TIMEOUT_S, MIN_ANSWER_TIMEOUT_S, parseAgentListAnswer } from '../../server/calls/agentList'
import { BEEP_MS, Prompts } from '../../server/calls/prompts'
import { checkRange, checkTimezone, DEFAULT_BUSINESS_HOURS, isOpen, localTime } from '../../server/calls/schedule'
import { FRAME_SAMPLES } from '../../server/switch/audio'
import { parsePcmWav, PcmSource } from '../../server/switch/fileSource'

describe('PcmSource and 8 kHz WAV files', () => {
  it('reads a greeting WAV and plays it once in 20 ms frames, then silence; ended resolves', async () => {
    const samples = Int16Array.from({ length: 400 }, (_, i) => i + 1)
    expect([...parsePcmWav(encodeWav(samples, 8000))]).toEqual([...samples])
    const src = new PcmSource(samples)
    const frame = new Int16Array(FRAME_SAMPLES)
    let ended = false
    void src.ended.then(() => (ended = true))
    src.read(frame)
    expect(frame[0]).toBe(1)
    src.read(frame)
    expect(frame[0]).toBe(161)
    src.read(frame) // 320..399, then silence
    expect(frame[79]).toBe(400)
    expect(frame[80]).toBe(0)
    await Promise.resolve()
    expect(ended).toBe(true)
    expect(src.done).toBe(true)
    src.read(frame)
    expect(frame.every((s) => s === 0)).toBe(true)
  })

  it('loops, and leads in with silence', () => {
    const src = new PcmSource(Int16Array.from([5, 6, 7]), { loop: true, leadInMs: 0.5 }) // 4 samples of silence
    const frame = new Int16Array(10)
    src.read(frame)
    expect([...frame]).toEqual([0, 0, 0, 0, 5, 6, 7, 5, 6, 7])
    expect(src.done).toBe(false)
    src.stop()
    src.read(frame)
    expect(frame.every((s) => s === 0)).toBe(true)
  })

  it('refuses what is not 8 kHz mono PCM16', () => {
    expect(() => parsePcmWav(encodeWav(new Int16Array(10), 16000))).toThrow(/not 8 kHz mono PCM16/)
    expect(() => parsePcmWav(encodeWav(new Int16Array(10), 8000, { channels: 2 }))).toThrow(/not 8 kHz mono/)
    expect(() => parsePcmWav(Buffer.from('not a wav file at all'))).toThrow(/RIFF/)
  })
})

describe('business hours', () => {
  const monday10utc = Date.UTC(2025, 5, 2, 10, 0) // Monday 2 June 2025, 10:00 UTC
  it('is open Monday to Friday 08:00-18:00 UTC by default', () => {
    expect(isOpen(DEFAULT_BUSINESS_HOURS, monday10utc)).toBe(true)
    expect(isOpen(DEFAULT_BUSINESS_HOURS, Date.UTC(2025, 5, 2, 18, 0))).toBe(false) // the end is exclusive
    expect(isOpen(DEFAULT_BUSINESS_HOURS, Date.UTC(2025, 5, 2, 7, 59))).toBe(false)
    expect(isOpen(DEFAULT_BUSINESS_HOURS, Date.UTC(2025, 5, 7, 10, 0))).toBe(false) // Saturday
  })

  it("reads the clock in the company's time zone, with closed dates and ranges to 24:00", () => {
    const hours = {
      timezone: 'Asia/Ho_Chi_Minh',
      week: { ...DEFAULT_BUSINESS_HOURS.week, mon: ['13:00-24:00'] },
      closedDates: ['2025-06-03'],
    }
    expect(localTime(monday10utc, 'Asia/Ho_Chi_Minh')).toEqual({ day: 'mon', date: '2025-06-02', minute: 17 * 60 })
    expect(isOpen(hours, monday10utc)).toBe(true) // 17:00 in Ho Chi Minh City
    expect(isOpen(hours, Date.UTC(2025, 5, 2, 16, 59))).toBe(true) // 23:59 there
    expect(isOpen(hours, Date.UTC(2025, 5, 3, 3, 0))).toBe(false) // Tuesday 10:00 there, a closed date
    expect(isOpen(hours, Date.UTC(2025, 5, 4, 3, 0))).toBe(true) // Wednesday 10:00 there
  })

  it('checks time zones and ranges', () => {
    expect(checkTimezone('Europe/Paris')).toBeUndefined()
    expect(checkTimezone('Europe/Atlantis')).toMatch(/not an IANA time zone/)
    expect(checkRange('08:00-18:00')).toBeUndefined()
    expect(checkRange('00:00-24:00')).toBeUndefined()
    expect(checkRange('18:00-08:00')).toMatch(/ends before it starts/)
    expect(checkRange('08:00-08:00')).toMatch(/ends before it starts/)
    expect(checkRange('24:00-24:00')).toMatch(/not a range/)
    expect(checkRange('8-18')).toMatch(/not a range/)
  })
})

describe('get_list_agents_url answers', () => {
  const agent = { stringee_user_id: 'agent_1', phone_number: '84909992666', routing_type: 2, answer_timeout: 15 }
  it('reads the documented version-2 answer, in order, with timeouts kept within bounds', () => {
    const calls = parseAgentListAnswer({
      version: 2,
      calls: [
        { callId: 'c1', agents: [agent, { stringee_user_id: 'agent_2', routing_type: 1, answer_timeout: 1 }] },
        { callId: 'c2', agents: [{ ...agent, answer_timeout: 100_000 }], extra: true },
      ],
    })
    expect(calls.get('c1')).toEqual([
      { stringeeUserId: 'agent_1', phoneNumber: '84909992666', routingType: 2, answerTimeoutS: 15 },
      { stringeeUserId: 'agent_2', phoneNumber: undefined, routingType: 1, answerTimeoutS: MIN_ANSWER_TIMEOUT_S },
    ])
    expect(calls.get('c2')![0]!.answerTimeoutS).toBe(MAX_ANSWER_TIMEOUT_S)
  })

  it('refuses anything else, saying what is wrong', () => {
    const bad: [unknown, RegExp][] = [
      [null, /not an object/],
      [[], /not an object/],
      [{ version: 1, calls: [] }, /version/],
      [{ version: '2', calls: [] }, /version/],
      [{ version: 2 }, /calls is not an array/],
      [{ version: 2, calls: [{ agents: [] }] }, /callId/],
      [{ version: 2, calls: [{ callId: 'c', agents: {} }] }, /agents is not an array/],
      [{ version: 2, calls: [{ callId: 'c', agents: [{ ...agent, routing_type: 3 }] }] }, /routing_type/],
      [{ version: 2, calls: [{ callId: 'c', agents: [{ ...agent, answer_timeout: '15' }] }] }, /answer_timeout/],
      [{ version: 2, calls: [{ callId: 'c', agents: [{ ...agent, answer_timeout: 0 }] }] }, /answer_timeout/],
      [{ version: 2, calls: [{ callId: 'c', agents: [{ ...agent, stringee_user_id: '' }] }] }, /stringee_user_id/],
      [{ version: 2, calls: [{ callId: 'c', agents: [{ ...agent, phone_number: 'call me' }] }] }, /phone_number/],
    ]
    for (const [answer, why] of bad) expect(() => parseAgentListAnswer(answer), JSON.stringify(answer)).toThrow(why)
  })
})

describe('prompts', () => {
  const greetings = { fileOf: () => '/nonexistent/greeting.wav' }
  it('without text to speech, a spoken prompt is the chime; a beep is a beep', async () => {
    const p = new Prompts({ greetings, tts: 'off' })
    expect(await p.ttsEngine()).toBe('chime')
    expect(await p.speech('Hello')).toBe(p.chime)
    expect(p.beep.length).toBe((8000 * BEEP_MS) / 1000)
  })

  it('falls back to the chime when espeak-ng is missing, and a missing greeting is undefined', async () => {
    const logged: string[] = []
    const p = new Prompts({ greetings, espeakCommand: '/nonexistent/espeak-ng', log: (m) => logged.push(m) })
    expect(await p.ttsEngine()).toBe('chime')
    expect(await p.speech('Hello')).toBe(p.chime)
    expect(await p.greeting('demo', 'missing.wav')).toBeUndefined()
    expect(logged.join('\n')).toMatch(/missing\.wav of demo cannot be played/)
  })
})
