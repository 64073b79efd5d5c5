// Uploaded images kept across a reload: their bytes (they have no path to open again) in the page's IndexedDB, which
// holds photos where localStorage's few megabytes do not. Per origin, like remembered.ts; a failure only forgets.
import type { UploadedFile } from '../../../../shared/protocol'

const DB = 'flowmo'
const STORE = 'uploads'
const KEY = 'inspector' // one record: the open uploads, in the order they were opened

function database(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(STORE)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

async function transact<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await database()
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = use(db.transaction(STORE, mode).objectStore(STORE))
      request.onsuccess = () => resolve(request.result as T)
      request.onerror = () => reject(request.error)
    })
  } finally {
    db.close()
  }
}

/** Replaces the kept uploads. */
export async function keepUploads(files: readonly UploadedFile[]): Promise<void> {
  await transact('readwrite', (s) => s.put(files.map(({ name, bytes }) => ({ name, bytes })), KEY)).catch(() => undefined)
}

/** The kept uploads; none when there are none or the store cannot be read. */
export async function keptUploads(): Promise<UploadedFile[]> {
  return (await transact<UploadedFile[] | undefined>('readonly', (s) => s.get(KEY)).catch(() => undefined)) ?? []
}
