// All dot products between the rows of two float64 row-major matrices, C = A·Bᵀ, register-blocked 4×4 and cache-blocked over B:
// the one dense product the Fréchet distance (Vᵀ Σ2 V) and KID (kernel matrices) need.

const chunkRows = 32 // rows of B kept hot in cache while every row of A passes over them

/** Dot products of a_i with b_j for i in [i0, i0 + 4), j in [j0, j0 + 4), written into c (plain locals: no allocation in the loop). */
function block4x4(a: Float64Array, b: Float64Array, c: Float64Array, i0: number, j0: number, len: number, cols: number): void {
  const a0 = i0 * len
  const b0 = j0 * len
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0
  let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0
  for (let k = 0; k < len; k++) {
    const x0 = a[a0 + k], x1 = a[a0 + len + k], x2 = a[a0 + 2 * len + k], x3 = a[a0 + 3 * len + k]
    const y0 = b[b0 + k], y1 = b[b0 + len + k], y2 = b[b0 + 2 * len + k], y3 = b[b0 + 3 * len + k]
    s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3
    s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3
    s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3
    s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3
  }
  const c0 = i0 * cols + j0
  c[c0] = s00; c[c0 + 1] = s01; c[c0 + 2] = s02; c[c0 + 3] = s03
  c[c0 + cols] = s10; c[c0 + cols + 1] = s11; c[c0 + cols + 2] = s12; c[c0 + cols + 3] = s13
  c[c0 + 2 * cols] = s20; c[c0 + 2 * cols + 1] = s21; c[c0 + 2 * cols + 2] = s22; c[c0 + 2 * cols + 3] = s23
  c[c0 + 3 * cols] = s30; c[c0 + 3 * cols + 1] = s31; c[c0 + 3 * cols + 2] = s32; c[c0 + 3 * cols + 3] = s33
}

function dot(a: Float64Array, ai: number, b: Float64Array, bj: number, len: number): number {
  let s = 0
  for (let k = 0; k < len; k++) s += a[ai + k] * b[bj + k]
  return s
}

/** C[i, j] = a_i · b_j for A [rowsA, len] and B [rowsB, len]; returns C [rowsA, rowsB]. */
export function rowDots(a: Float64Array, rowsA: number, b: Float64Array, rowsB: number, len: number): Float64Array {
  if (a.length !== rowsA * len || b.length !== rowsB * len) {
    throw new Error(`rowDots: got ${a.length} and ${b.length} values for [${rowsA}, ${len}] and [${rowsB}, ${len}]`)
  }
  const c = new Float64Array(rowsA * rowsB)
  const [fullA, fullB] = [rowsA - (rowsA % 4), rowsB - (rowsB % 4)]
  for (let j0 = 0; j0 < fullB; j0 += chunkRows) {
    const jEnd = Math.min(fullB, j0 + chunkRows)
    for (let i = 0; i < fullA; i += 4) for (let j = j0; j < jEnd; j += 4) block4x4(a, b, c, i, j, len, rowsB)
  }
  for (let i = 0; i < rowsA; i++) {
    for (let j = i < fullA ? fullB : 0; j < rowsB; j++) c[i * rowsB + j] = dot(a, i * len, b, j * len, len)
  }
  return c
}
