// A Linear weight [out, in] stored transposed ([in, out], the layout Gemm/MatMul reads without a Transpose node),
// and the name of the graph value that holds it: the export (trace-ops.ts) writes it as an initializer, the
// weight-fed validation graphs (inference/weight-fed-model.ts) take it as an input and feed it transposed.

/** The graph input or initializer holding parameter `key`'s 2-D weight transposed (see `TraceOps.linear`). */
export const transposedName = (key: string): string => `${key}.T`

/** [rows, cols] → [cols, rows], in tiles so both sides stay in cache. */
export function transpose2d(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length)
  const tile = 64
  for (let r0 = 0; r0 < rows; r0 += tile) {
    for (let c0 = 0; c0 < cols; c0 += tile) {
      for (let r = r0; r < Math.min(r0 + tile, rows); r++) {
        for (let c = c0; c < Math.min(c0 + tile, cols); c++) out[c * rows + r] = w[r * cols + c]
      }
    }
  }
  return out
}
