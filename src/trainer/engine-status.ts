// The engine's status: the tfjs backend in use (started on first need) and the versions of what it runs on; shared by
// the status call (service.ts) and the CLI's banners and `flowmo info`.
import { createRequire } from 'node:module'
import { version as flowmoVersion } from '../../package.json'
import type { EngineStatus, EngineVersions } from '../shared/protocol'
import { backendInfo, initBackend } from './backend'

/** Backend in use (initialised on first need) plus versions; shared by the status call and `flowmo info`. */
export async function engineStatus(requestedBackend?: string): Promise<EngineStatus> {
  const info = backendInfo() ?? (await initBackend(requestedBackend)) // initBackend shares one start between racing calls
  return {
    backend: info.name,
    requestedBackend: info.requested,
    threads: info.threads,
    simd: info.simd,
    versions: engineVersions(info.tfjsVersion),
    notices: info.notices,
    pid: process.pid,
  }
}

function engineVersions(tfjs: string): EngineVersions {
  return {
    flowmo: flowmoVersion,
    tfjs,
    onnxruntime: packageVersion('onnxruntime-node'),
    node: process.versions.node,
    electron: process.versions.electron ?? null,
  }
}

function packageVersion(name: string): string | null {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version
  } catch {
    return null // not installed
  }
}
