// The one-line backend banner every engine command prints first (architecture: "the backend in use is always visible").
import type { EngineStatus } from '../shared/protocol'

export function backendBanner(status: EngineStatus): string {
  const requested = status.requestedBackend && status.requestedBackend !== status.backend ? ` (requested ${status.requestedBackend})` : ''
  const simd = status.backend === 'wasm' ? `, simd ${status.simd ? 'on' : 'off'}` : ''
  return `backend ${status.backend}${requested}, ${status.threads} thread${status.threads === 1 ? '' : 's'}${simd}`
}
