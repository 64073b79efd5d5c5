// What the page keeps across a reload (localStorage, per origin): the open model and image paths, the selected image,
// section and inspector tab. The engine holds runs itself; uploaded images' bytes are kept in kept-uploads.ts.

const PREFIX = 'flowmo.'

/** The value stored under `key`, or `fallback` when there is none or it does not parse. */
export function remembered<T>(key: string, fallback: T): T {
  try {
    const text = globalThis.localStorage?.getItem(PREFIX + key)
    return text === null || text === undefined ? fallback : (JSON.parse(text) as T)
  } catch {
    return fallback
  }
}

export function remember(key: string, value: unknown): void {
  try {
    globalThis.localStorage?.setItem(PREFIX + key, JSON.stringify(value))
  } catch {
    // storage full or disabled: the page still works, it just forgets on reload
  }
}
