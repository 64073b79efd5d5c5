// Who may use the web-mode server: the random access token (URL query on first load, then an HttpOnly
// SameSite=Strict cookie), the Host header of loopback binds (DNS rebinding), and the Origin of WebSocket upgrades.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** Cookies ignore ports: one name per port keeps two servers on one host from overwriting each other's token. */
export const tokenCookieFor = (port: number): string => `flowmo_token_${port}`

/** 256 random bits, URL-safe. */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Constant-time comparison (hashes first, so lengths do not leak either). */
export function tokensMatch(offered: string | undefined, token: string): boolean {
  if (offered === undefined) return false
  const digest = (text: string) => createHash('sha256').update(text).digest()
  return timingSafeEqual(digest(offered), digest(token))
}


export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

export type Admission = { readonly ok: true; readonly viaQuery: boolean } | { readonly ok: false; readonly status: 400 | 401 | 403; readonly reason: string }

/** The request's URL, or null when it does not parse (e.g. `GET //[x`): refuse it, never throw. */
export function requestUrl(request: IncomingMessage): URL | null {
  try {
    return new URL(request.url ?? '/', 'http://placeholder')
  } catch {
    return null
  }
}

const loopbackNames = ['127.0.0.1', 'localhost', '[::1]']

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

/** Checks one request (page, asset or upgrade) against the server's token, host names and, for upgrades, Origin. */
export class AccessGate {
  constructor(
    readonly token: string,
    private readonly loopbackOnly: boolean, // bound to a loopback address: only loopback Host headers
  ) {}

  private hosts: string[] = [] // Host headers accepted on a loopback bind
  private cookieName = tokenCookieFor(0)

  /** Set once the server listens (port 0 picks a free one); `address` as it appears in URLs, e.g. 127.0.0.1. */
  listeningOn(port: number, address: string): void {
    this.hosts = [...new Set([...loopbackNames, address])].map((name) => `${name}:${port}`.toLowerCase())
    this.cookieName = tokenCookieFor(port)
  }

  /** The Set-Cookie value that lets the page's assets and WebSocket through after the first, token-carrying load. */
  sessionCookie(): string {
    return `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`
  }

  admit(request: IncomingMessage): Admission {
    if (!this.hostAllowed(request.headers.host)) return { ok: false, status: 403, reason: 'unexpected Host header' }
    const url = requestUrl(request)
    if (!url) return { ok: false, status: 400, reason: 'malformed request URL' }
    const query = url.searchParams.get('token') ?? undefined
    if (tokensMatch(query, this.token)) return { ok: true, viaQuery: true }
    if (tokensMatch(cookieValue(request.headers.cookie, this.cookieName), this.token)) return { ok: true, viaQuery: false }
    return { ok: false, status: 401, reason: 'missing or wrong access token: open the URL printed by `flowmo serve`' }
  }

  /** A WebSocket upgrade also needs the page's own origin: another web page the user visits must not drive the engine. */
  admitUpgrade(request: IncomingMessage): Admission {
    const admission = this.admit(request)
    if (!admission.ok) return admission
    const origin = request.headers.origin
    const own = `http://${request.headers.host ?? ''}`.toLowerCase()
    if (origin?.toLowerCase() !== own) return { ok: false, status: 403, reason: `WebSocket from origin ${origin ?? '(none)'} refused` }
    return admission
  }

  private hostAllowed(host: string | undefined): boolean {
    if (!this.loopbackOnly) return host !== undefined
    return host !== undefined && this.hosts.includes(host.toLowerCase())
  }
}
