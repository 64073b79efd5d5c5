// The desktop app's own bridge (`window.flowmoDesktop`, not a TrainerApi call): native open dialogs, and the
// main-only message by which main lets the engine read what the user chose there (files.ts `allowRoot`).

/**
 * What a native open dialog picks: checkpoint files, an exported ONNX folder, a config file, images, an image folder,
 * any folder (a run folder, an export folder, the parent of a new output folder) or JSON files (sweeps, ratings).
 */
export type PickKind = 'checkpoint' | 'onnx-folder' | 'config' | 'images' | 'image-folder' | 'folder' | 'json-files'

export const pickKinds: readonly PickKind[] = ['checkpoint', 'onnx-folder', 'config', 'images', 'image-folder', 'folder', 'json-files']

/** The chosen paths as the engine resolved them (real paths, now readable); empty when the user cancelled. */
export interface PickReport {
  readonly paths: readonly string[]
}

/** `window.flowmoDesktop`, present only in the Electron app. */
export interface DesktopBridge {
  pickFiles(kind: PickKind): Promise<PickReport>
}

/** main → engine over the utility-process port only; the renderer's calls never produce this kind. */
export interface HostGrant {
  readonly kind: 'host-grant'
  readonly id: number
  readonly paths: readonly string[]
}

/** engine → main: the real paths now allowed, or why not. */
export type HostGrantReply =
  | { readonly kind: 'host-grant-reply'; readonly id: number; readonly ok: true; readonly paths: readonly string[] }
  | { readonly kind: 'host-grant-reply'; readonly id: number; readonly ok: false; readonly message: string }

export const isHostGrant = (m: unknown): m is HostGrant =>
  typeof m === 'object' && m !== null && (m as HostGrant).kind === 'host-grant' && typeof (m as HostGrant).id === 'number' && Array.isArray((m as HostGrant).paths)

export const isHostGrantReply = (m: unknown): m is HostGrantReply =>
  typeof m === 'object' && m !== null && (m as HostGrantReply).kind === 'host-grant-reply' && typeof (m as HostGrantReply).id === 'number'
