// Native open dialogs for the Open panel (checkpoints, exported ONNX folders, config files, images, image folders):
// the user's choice is granted to the engine (TrainerHost.allowRoots) before its paths reach the renderer.
import type { OpenDialogOptions } from 'electron'
import { pickKinds, type PickKind, type PickReport } from '../shared/payloads/desktop'
import { RpcError } from '../shared/rpc'

/** What main needs from electron's `dialog.showOpenDialog` (a fake in tests). */
export type ShowOpenDialog = (options: OpenDialogOptions) => Promise<{ canceled: boolean; filePaths: string[] }>

const imageExtensions = ['png', 'jpg', 'jpeg', 'webp']

/** The dialog for each kind, as Electron's dialog.showOpenDialog takes it. */
export const dialogOptions: Readonly<Record<PickKind, OpenDialogOptions>> = {
  checkpoint: {
    title: 'Open a FlowMo checkpoint',
    properties: ['openFile'],
    filters: [{ name: 'Checkpoints', extensions: ['safetensors', 'pth', 'pt', 'ckpt'] }],
  },
  'onnx-folder': { title: 'Open an exported ONNX folder (flowmo.json, encoder.onnx, decoder.onnx)', properties: ['openDirectory'] },
  config: { title: 'Open a config file', properties: ['openFile'], filters: [{ name: 'Config', extensions: ['json', 'yaml', 'yml'] }] },
  images: { title: 'Open images', properties: ['openFile', 'multiSelections'], filters: [{ name: 'Images', extensions: imageExtensions }] },
  'image-folder': { title: 'Open a folder of images', properties: ['openDirectory'] },
  folder: { title: 'Choose a folder', properties: ['openDirectory', 'createDirectory'] },
  'json-files': { title: 'Open JSON files', properties: ['openFile', 'multiSelections'], filters: [{ name: 'JSON', extensions: ['json'] }] },
}

export function isPickKind(kind: unknown): kind is PickKind {
  return typeof kind === 'string' && (pickKinds as readonly string[]).includes(kind)
}

/** Shows the dialog for `kind`; the chosen paths are granted to the engine and returned as it resolved them. */
export async function pickFiles(
  kind: unknown, show: ShowOpenDialog, grant: (paths: readonly string[]) => Promise<string[]>,
): Promise<PickReport> {
  if (!isPickKind(kind)) throw new RpcError(`unknown pick kind: ${String(kind)}`, 'invalid-request')
  const { canceled, filePaths } = await show(dialogOptions[kind])
  if (canceled || filePaths.length === 0) return { paths: [] }
  return { paths: await grant(filePaths) }
}
