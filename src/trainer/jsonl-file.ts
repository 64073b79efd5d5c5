// Reading a JSON-lines journal line by line, never as one string (a 50 000-image eval journal with Inception features
// is over a gigabyte, past Node's string limit). A last line without its '\n' is a write cut short by a kill: it is
// cut off the file, so the next append starts on a fresh line.
import { createReadStream } from 'node:fs'
import { truncate } from 'node:fs/promises'

const NEWLINE = 0x0a

/** Calls `onLine` with each complete, non-empty line (without '\n') and its 0-based line number; returns how many. */
export async function readJsonLines(path: string, onLine: (line: string, lineIndex: number) => void): Promise<number> {
  let pending: Buffer[] = [] // the bytes of the line being read, across chunks
  let completeBytes = 0 // end of the last complete line
  let readBytes = 0
  let lines = 0
  let lineIndex = 0
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      const line = pending.length === 0 ? chunk.toString('utf8', start, nl) : Buffer.concat([...pending, chunk.subarray(start, nl)]).toString('utf8')
      pending = []
      completeBytes = readBytes + nl + 1
      if (line.length > 0) {
        onLine(line, lineIndex)
        lines++
      }
      lineIndex++
      start = nl + 1
    }
    if (start < chunk.length) pending.push(chunk.subarray(start))
    readBytes += chunk.length
  }
  if (completeBytes < readBytes) await truncate(path, completeBytes)
  return lines
}

/** JSON.parse of one journal line; a damaged line is an error naming the file and the line number. */
export function parseJsonLine<T>(text: string, path: string, lineIndex: number, reviver?: (key: string, value: unknown) => unknown): T {
  try {
    return JSON.parse(text, reviver) as T
  } catch (e) {
    throw new Error(`${path} line ${lineIndex + 1}: not valid JSON (${(e as Error).message}); delete the file to start over`)
  }
}
