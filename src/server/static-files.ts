// Serves the built renderer (out/renderer) read-only: GET/HEAD of regular files below the root, no directory
// listings, no way out of the root (encoded '..', backslashes, NUL, symlinks), strict security headers.
import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, resolve, sep } from 'node:path'
import { requestUrl } from './access'

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

/** Sent with every response, refusals included. */
export const securityHeaders: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer', // the first URL carries the token
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

export function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers })
  response.end(text)
}

/** The file below `root` that a URL path names, or null; `root` must be a real path. */
export async function resolveStaticPath(root: string, urlPath: string): Promise<string | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null // malformed escapes
  }
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').includes('..')) return null
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '')
  const candidate = resolve(root, relative)
  if (!candidate.startsWith(root + sep)) return null
  try {
    const real = await realpath(candidate)
    if (!real.startsWith(root + sep) || !(await stat(real)).isFile()) return null // folders: no listing
    return real
  } catch {
    return null
  }
}

/** Answers one request for a file of the built renderer; `extraHeaders` e.g. the session cookie. */
export async function serveStatic(root: string, request: IncomingMessage, response: ServerResponse, extraHeaders: Record<string, string> = {}): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, 'method not allowed', { Allow: 'GET, HEAD' })
  const urlPath = requestUrl(request)?.pathname ?? ''
  const path = await resolveStaticPath(root, urlPath)
  if (!path && urlPath === '/favicon.ico') return sendText(response, 204, '', extraHeaders) // browsers ask for it unprompted
  if (!path) return sendText(response, 404, 'not found', extraHeaders)
  const { size } = await stat(path)
  response.writeHead(200, {
    ...securityHeaders,
    ...extraHeaders,
    'Content-Type': contentTypes[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(size),
    'Cache-Control': path.endsWith('.html') ? 'no-store' : 'no-cache',
  })
  if (request.method === 'HEAD') return void response.end()
  createReadStream(path).on('error', () => response.destroy()).pipe(response)
}
