// Access rules of web mode: token strength and comparison, the session cookie, Host and Origin checks.
import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { AccessGate, cookieValue, isLoopback, newAccessToken, tokenCookieFor, tokensMatch } from '../../src/server/access'

const tokenCookie = tokenCookieFor(8000)

const request = (url: string, headers: Record<string, string>) => ({ url, headers }) as unknown as IncomingMessage

describe('access', () => {
  it('makes distinct tokens of at least 128 bits, URL-safe', () => {
    const tokens = new Set(Array.from({ length: 100 }, newAccessToken))
    expect(tokens.size).toBe(100)
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(Buffer.from(token, 'base64url').byteLength * 8).toBeGreaterThanOrEqual(128)
    }
  })

  it('compares tokens exactly, whatever their lengths', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true)
    expect(tokensMatch('abd', 'abc')).toBe(false)
    expect(tokensMatch('ab', 'abc')).toBe(false)
    expect(tokensMatch('', 'abc')).toBe(false)
    expect(tokensMatch(undefined, 'abc')).toBe(false)
  })

  it('sets an HttpOnly, SameSite=Strict cookie named after the port and reads it back among others', () => {
    const gate = new AccessGate('t0k', true)
    gate.listeningOn(8000, '127.0.0.1')
    const cookie = gate.sessionCookie()
    expect(cookie).toMatch(/^flowmo_token_8000=t0k;/)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookieValue(`${tokenCookieFor(8001)}=other; ${cookie.split(';')[0]}; b=2`, tokenCookie)).toBe('t0k')
    expect(cookieValue('a=1', tokenCookie)).toBeUndefined()
    expect(cookieValue(undefined, tokenCookie)).toBeUndefined()
  })

  it('admits by query or cookie; refuses a wrong token (401) and a foreign Host on loopback (403)', () => {
    const gate = new AccessGate('secret', true)
    gate.listeningOn(8000, '127.0.0.1')
    const host = { host: '127.0.0.1:8000' }
    expect(gate.admit(request('/?token=secret', host))).toEqual({ ok: true, viaQuery: true })
    expect(gate.admit(request('/assets/x.js', { ...host, cookie: `${tokenCookie}=secret` }))).toEqual({ ok: true, viaQuery: false })
    expect(gate.admit(request('/?token=wrong', host))).toMatchObject({ ok: false, status: 401 })
    expect(gate.admit(request('/', { ...host, cookie: `${tokenCookie}=wrong` }))).toMatchObject({ ok: false, status: 401 })
    expect(gate.admit(request('/?token=secret', { host: 'evil.example:8000' }))).toMatchObject({ ok: false, status: 403 }) // DNS rebinding
    expect(gate.admit(request('/?token=secret', { host: 'localhost:8000' }))).toMatchObject({ ok: true })
  })

  it('admits a WebSocket upgrade only from its own origin', () => {
    const gate = new AccessGate('secret', true)
    gate.listeningOn(8000, '127.0.0.1')
    const upgrade = (origin?: string) =>
      gate.admitUpgrade(request('/rpc', { host: '127.0.0.1:8000', cookie: `${tokenCookie}=secret`, ...(origin ? { origin } : {}) }))
    expect(upgrade('http://127.0.0.1:8000')).toMatchObject({ ok: true })
    expect(upgrade('http://evil.example')).toMatchObject({ ok: false, status: 403 })
    expect(upgrade('http://127.0.0.1:8001')).toMatchObject({ ok: false, status: 403 })
    expect(upgrade()).toMatchObject({ ok: false, status: 403 })
  })

  it('treats 127.x, ::1 and localhost as loopback, nothing else', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true)
    expect(['0.0.0.0', '::', '192.168.1.4', 'example.com'].some(isLoopback)).toBe(false)
  })
})
