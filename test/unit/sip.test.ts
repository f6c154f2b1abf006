import { describe, expect, it } from 'vitest'
import { DigestAuthenticator, digestResponse, parseDigest } from '../../server/switch/digest'
import { decodeAlaw, encodeAlaw } from '../../server/switch/g711'
import { gatewayBySource, gatewaysFromEnv, parseEdgeSource } from '../../server/switch/gateways'
import { normaliseSdp, offeredAudioCodecs } from '../../server/switch/sdp'
import { SipStreamFramer } from '../../server/switch/sipTcp'
import { nextHop } from '../../server/switch/sipWsServer'

const realm = 'cc.local'
const password = 'secret'

function answer(
  challenge: string,
  o: { nc?: string; uri?: string; method?: string; algorithm?: 'MD5' | 'SHA-256'; qop?: string } = {},
): string {
  const c = parseDigest(challenge.replace(/^WWW-Authenticate: /, ''))!
  const algorithm = o.algorithm ?? (c['algorithm'] as 'MD5' | 'SHA-256')
  const nc = o.nc ?? '00000001'
  const response = digestResponse({
    algorithm,
    username: '1_8001',
    realm,
    password,
    method: o.method ?? 'REGISTER',
    uri: o.uri ?? 'sip:cc.local',
    nonce: c['nonce']!,
    nc,
    cnonce: 'abc',
  })
  return `Digest username="1_8001", realm="${realm}", nonce="${c['nonce']}", uri="${o.uri ?? 'sip:cc.local'}", response="${response}", algorithm=${algorithm}, cnonce="abc", qop=${o.qop ?? 'auth'}, nc=${nc}`
}

describe('digest authentication', () => {
  const lookup = (u: string): string | undefined => (u === '1_8001' ? password : undefined)

  it('offers SHA-256 and MD5 with one nonce, and accepts either', async () => {
    const auth = new DigestAuthenticator(realm)
    const [sha, md5] = auth.challenges(false, ['SHA-256', 'MD5'])
    expect(sha).toMatch(/algorithm=SHA-256, qop="auth"/)
    expect(md5).toMatch(/algorithm=MD5/)
    expect(await auth.verify(answer(sha!), 'REGISTER', 'sip:cc.local', lookup)).toEqual({ ok: true, username: '1_8001' })
    expect(await auth.verify(answer(md5!, { nc: '00000002' }), 'REGISTER', 'sip:cc.local', lookup)).toEqual({
      ok: true,
      username: '1_8001',
    })
  })

  it('refuses a replayed nonce count, a digest for another Request-URI or method, and a digest without qop', async () => {
    const auth = new DigestAuthenticator(realm)
    const [ch] = auth.challenges(false, ['MD5'])
    const first = answer(ch!)
    expect((await auth.verify(first, 'REGISTER', 'sip:cc.local', lookup)).ok).toBe(true)
    expect(await auth.verify(first, 'REGISTER', 'sip:cc.local', lookup)).toEqual({ ok: false, reason: 'replay' })
    expect((await auth.verify(answer(ch!, { nc: '00000002' }), 'REGISTER', 'sip:cc.local', lookup)).ok).toBe(true)
    expect(await auth.verify(answer(ch!, { nc: '00000003' }), 'REGISTER', 'sip:other.example', lookup)).toEqual({
      ok: false,
      reason: 'uri',
    })
    expect(await auth.verify(answer(ch!, { nc: '00000004' }), 'INVITE', 'sip:cc.local', lookup)).toEqual({ ok: false, reason: 'response' })
    expect(await auth.verify(answer(ch!, { nc: '00000005' }).replace(/, qop=auth/, ''), 'REGISTER', 'sip:cc.local', lookup)).toEqual({
      ok: false,
      reason: 'qop',
    })
    expect(await auth.verify(answer(ch!).replace(/nonce="[^"]+"/, 'nonce="1.forged"'), 'REGISTER', 'sip:cc.local', lookup)).toEqual({
      ok: false,
      reason: 'nonce',
    })
  })
})

describe('SDP from the SIP world', () => {
  const plain = [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    'm=audio 4000 RTP/AVP 8 101',
    'a=rtpmap:101 telephone-event/8000',
    'a=rtcp:4001',
    'a=sendrecv',
    '',
  ].join('\r\n')

  it('drops a=rtcp and gives every m-section a mid', () => {
    const out = normaliseSdp(plain)
    expect(out).not.toMatch(/a=rtcp:/)
    expect(out).toMatch(/a=sendrecv\r\na=mid:0\r\n$/)
    expect(normaliseSdp(out)).toBe(out)
  })

  it('names the offered codecs, static payload types included', () => {
    expect(offeredAudioCodecs(plain)).toEqual(['PCMA', 'TELEPHONE-EVENT'])
    expect(offeredAudioCodecs(plain.replace('RTP/AVP 8 101', 'RTP/AVP 18'))).toEqual(['PT18'])
  })

  it('encodes and decodes A-law within its quantisation', () => {
    const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(Math.sin(i / 5) * 12000))
    const back = decodeAlaw(encodeAlaw(pcm))
    for (let i = 0; i < pcm.length; i++) expect(Math.abs(back[i]! - pcm[i]!)).toBeLessThanOrEqual(Math.abs(pcm[i]!) / 16 + 16)
    expect(encodeAlaw(Int16Array.from([0]))[0]).toBe(0xd5)
  })
})

describe('SIP over TCP', () => {
  const msg = (body = ''): string =>
    `OPTIONS sip:cc.local SIP/2.0\r\nCall-ID: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`

  it('cuts a stream into messages by Content-Length, across chunks, skipping keep-alives', () => {
    const f = new SipStreamFramer()
    const stream = Buffer.from('\r\n\r\n' + msg('abc') + msg())
    const a = f.push(stream.subarray(0, 30))
    const b = f.push(stream.subarray(30))
    expect(a).toEqual({ ok: true, messages: [] })
    expect(b).toEqual({ ok: true, messages: [msg('abc'), msg()] })
    expect(f.pings).toBe(1)
  })

  it('refuses a message without Content-Length or larger than the limit', () => {
    expect(new SipStreamFramer().push(Buffer.from('OPTIONS sip:x SIP/2.0\r\nCall-ID: x\r\n\r\n'))).toEqual({
      ok: false,
      why: 'no Content-Length',
    })
    expect(new SipStreamFramer().push(Buffer.from(msg().replace('Content-Length: 0', 'Content-Length: 9999999')))).toEqual({
      ok: false,
      why: 'message too large',
    })
    expect(new SipStreamFramer().push(Buffer.alloc(70_000, 'a'))).toEqual({ ok: false, why: 'headers too large' })
  })

  it('sends a request to its first Route and a response to its Via', () => {
    expect(nextHop('BYE sip:a@10.0.0.9:5070 SIP/2.0\r\nRoute: <sip:127.0.0.1:5062;transport=tcp;lr>\r\n\r\n')).toEqual({
      host: '127.0.0.1',
      port: 5062,
    })
    expect(nextHop('BYE sip:a@10.0.0.9:5070 SIP/2.0\r\n\r\n')).toEqual({ host: '10.0.0.9', port: 5070 })
    expect(nextHop('SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:5062;branch=z9hG4bK1;received=127.0.0.3;rport=40000\r\n\r\n')).toEqual({
      host: '127.0.0.3',
      port: 40000,
    })
  })
})

describe('gateways', () => {
  it('are trusted by the source address the edge reports, or by a verified certificate', () => {
    const gws = gatewaysFromEnv('udp:203.0.113.5:5060,tcp:198.51.100.7')
    expect(gws.map((g) => g.name)).toEqual(['pstn', 'gateway2'])
    expect(gatewayBySource(gws, parseEdgeSource('udp:203.0.113.5:41000'), undefined)?.name).toBe('pstn')
    expect(gatewayBySource(gws, parseEdgeSource('udp:203.0.113.6:5060'), undefined)).toBeUndefined()
    expect(gatewayBySource(gws, undefined, undefined)).toBeUndefined()
    const tls = [{ name: 'pstn', address: 'tls:carrier.example', tlsSubject: 'carrier.example' }]
    expect(gatewayBySource(tls, parseEdgeSource('tls:192.0.2.1:5061'), 'carrier.example')?.name).toBe('pstn')
    expect(gatewayBySource(tls, parseEdgeSource('udp:192.0.2.1:5061'), 'carrier.example')).toBeUndefined()
    expect(() => gatewaysFromEnv('[{"name":"x"}]')).toThrow(/address or a username/)
  })
})
