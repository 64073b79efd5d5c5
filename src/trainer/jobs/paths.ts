// The file policy for job and run requests: inputs must be readable (assertReadable), outputs must lie under an
// allowed root (they may not exist yet). Returns real paths.
import { assertReadable } from '../files'
import { RpcError } from '../../shared/rpc'

export const readable = (path: string): Promise<string> => assertReadable(path)

export async function readableOrUndefined(path: string | undefined): Promise<string | undefined> {
  return path === undefined ? undefined : assertReadable(path)
}

/** An output file or folder: allowed by the policy, existing or not. */
export async function writableTarget(path: string): Promise<string> {
  try {
    return await assertReadable(path)
  } catch (e) {
    if (e instanceof RpcError && e.code === 'not-found') return path // inside a root, not made yet
    throw e
  }
}
