// readJsonLines: lines split across read chunks and multi-byte characters come back whole, empty lines are skipped but
// counted for line numbers, a torn tail is cut off the file; parseJsonLine names the file and line of a damaged line.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseJsonLine, readJsonLines } from '../../src/trainer/jsonl-file'

const tmp = mkdtempSync(join(tmpdir(), 'flowmo-jsonl-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('readJsonLines', () => {
  it('gives back every complete line, across 4 MiB read chunks and multi-byte characters, and cuts a torn tail', async () => {
    const path = join(tmp, 'j.jsonl')
    const long = 'é'.repeat(3 << 20) // 6 MiB of UTF-8: a line spanning two chunks, a character split between them
    const lines = [JSON.stringify({ a: 1 }), JSON.stringify({ long }), '', JSON.stringify({ b: 'ü' })]
    writeFileSync(path, `${lines.join('\n')}\n{"torn":`)
    const seen: [string, number][] = []
    expect(await readJsonLines(path, (line, i) => seen.push([line, i]))).toBe(3)
    expect(seen).toEqual([[lines[0], 0], [lines[1], 1], [lines[3], 3]])
    expect(readFileSync(path, 'utf8')).toBe(`${lines.join('\n')}\n`)
  })

  it('leaves a complete file as it is; parseJsonLine names file and line', async () => {
    const path = join(tmp, 'ok.jsonl')
    writeFileSync(path, '{"x":1}\n')
    expect(await readJsonLines(path, () => undefined)).toBe(1)
    expect(readFileSync(path, 'utf8')).toBe('{"x":1}\n')
    expect(() => parseJsonLine('{"x":', path, 6)).toThrow(new RegExp(`^${path} line 7: not valid JSON \\(.*\\); delete the file to start over$`))
  })
})
