/**
 * Dense linear algebra for the GP: symmetric positive-definite matrices as row-major n×n
 * Float64Arrays, their Cholesky factor, triangular solves and the inverse. n is the number of trials
 * (hundreds), so the loops keep their inner products on contiguous rows: L is stored row by row and
 * the inverse is built through U = L⁻ᵀ, whose rows are L⁻¹'s columns. Inner products use four
 * accumulators (`dot`): a single one is bound by the latency of floating-point addition.
 */

/** Σ_k a[ao + k]·b[bo + k] for k < len, in a fixed order. */
export function dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ao + k]! * b[bo + k]!;
    s1 += a[ao + k + 1]! * b[bo + k + 1]!;
    s2 += a[ao + k + 2]! * b[bo + k + 2]!;
    s3 += a[ao + k + 3]! * b[bo + k + 3]!;
  }
  for (; k < len; k++) s0 += a[ao + k]! * b[bo + k]!;
  return s0 + s1 + (s2 + s3);
}

/** dot2's results: PAIR[0] = dot(a, ao, c, co, len), PAIR[1] = dot(b, bo, c, co, len). */
const PAIR = new Float64Array(2);

/**
 * Two dot products against the same `c`, each summed exactly as `dot` sums it (same accumulators, same
 * order), loading c once for both.
 */
function dot2(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  c: Float64Array,
  co: number,
  len: number,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t0 = 0;
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    const c0 = c[co + k]!;
    const c1 = c[co + k + 1]!;
    const c2 = c[co + k + 2]!;
    const c3 = c[co + k + 3]!;
    s0 += a[ao + k]! * c0;
    s1 += a[ao + k + 1]! * c1;
    s2 += a[ao + k + 2]! * c2;
    s3 += a[ao + k + 3]! * c3;
    t0 += b[bo + k]! * c0;
    t1 += b[bo + k + 1]! * c1;
    t2 += b[bo + k + 2]! * c2;
    t3 += b[bo + k + 3]! * c3;
  }
  for (; k < len; k++) {
    const ck = c[co + k]!;
    s0 += a[ao + k]! * ck;
    t0 += b[bo + k]! * ck;
  }
  PAIR[0] = s0 + s1 + (s2 + s3);
  PAIR[1] = t0 + t1 + (t2 + t3);
}

/**
 * The lower Cholesky factor L of `a` (a = L·Lᵀ), in a new array; the upper triangle is zero.
 * Undefined when a pivot is not positive (callers add jitter and retry: `choleskyJittered`).
 */
export function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  // Rows two at a time: row j of L is read once for both (dot2); every entry is the same sum as one row
  // at a time would compute, in the same order, so the factor is bit for bit the same.
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const ri = i * n;
    const rk = ri + n;
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      dot2(l, ri, l, rk, l, rj, j);
      l[ri + j] = (a[ri + j]! - PAIR[0]!) / l[rj + j]!;
      l[rk + j] = (a[rk + j]! - PAIR[1]!) / l[rj + j]!;
    }
    const sii = a[ri + i]! - dot(l, ri, l, ri, i);
    if (!(sii > 0)) return undefined;
    l[ri + i] = Math.sqrt(sii);
    l[rk + i] = (a[rk + i]! - dot(l, rk, l, ri, i)) / l[ri + i]!;
    const skk = a[rk + i + 1]! - dot(l, rk, l, rk, i + 1);
    if (!(skk > 0)) return undefined;
    l[rk + i + 1] = Math.sqrt(skk);
  }
  for (; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      const s = a[ri + j]! - dot(l, ri, l, rj, j);
      if (i === j) {
        if (!(s > 0)) return undefined;
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j]!;
      }
    }
  }
  return l;
}

const JITTERS = [0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1];

/**
 * Cholesky of a + δ·m·I for the smallest δ in 0, 1e-10, 1e-8, … 1 (m: the mean diagonal) that
 * works; `a` is modified only by the jitter on its diagonal, which is also returned. Undefined only
 * for a matrix with non-finite entries.
 */
export function choleskyJittered(
  a: Float64Array,
  n: number,
): { l: Float64Array; jitter: number } | undefined {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += a[i * n + i]!;
  mean = n > 0 ? Math.abs(mean / n) || 1 : 1;
  let added = 0;
  for (const delta of JITTERS) {
    const jitter = delta * mean;
    for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + (jitter - added);
    added = jitter;
    const l = cholesky(a, n);
    if (l) return { l, jitter };
  }
  return undefined;
}

/** Solves L·x = b (forward substitution) into `out` (may alias b). */
export function solveLower(
  l: Float64Array,
  n: number,
  b: ArrayLike<number>,
  out: Float64Array,
): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    out[i] = (b[i]! - dot(l, ri, out, 0, i)) / l[ri + i]!;
  }
  return out;
}

/** Solves Lᵀ·x = b (back substitution) into `out` (may alias b). */
export function solveUpperT(
  l: Float64Array,
  n: number,
  b: ArrayLike<number>,
  out: Float64Array,
): Float64Array {
  // Column-oriented: once x[i] is known, remove its share from every earlier equation.
  if (out !== b) for (let i = 0; i < n; i++) out[i] = b[i]!;
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = out[i]! / l[ri + i]!;
    out[i] = xi;
    for (let k = 0; k < i; k++) out[k] = out[k]! - l[ri + k]! * xi;
  }
  return out;
}

/** x = (L·Lᵀ)⁻¹·b. */
export function solveCholesky(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(n);
  solveLower(l, n, b, out);
  return solveUpperT(l, n, out, out);
}

/** (L·Lᵀ)⁻¹ as a full symmetric n×n matrix. */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  // U = L⁻ᵀ is upper triangular; row j of U is column j of L⁻¹: L·(U row j)ᵀ = e_j.
  const u = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    u[rj + j] = 1 / l[rj + j]!;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      u[rj + i] = -dot(l, ri + j, u, rj + j, i - j) / l[ri + i]!;
    }
  }
  // (L·Lᵀ)⁻¹ = L⁻ᵀ·L⁻¹ = U·Uᵀ; entry (i, j), i ≤ j, is the dot product of rows i and j of U from j on.
  // Rows i and i + 1 together (dot2: row j of U read once for both), the same sums as one at a time.
  const inv = new Float64Array(n * n);
  const put = (i: number, j: number, v: number): void => {
    inv[i * n + j] = v;
    inv[j * n + i] = v;
  };
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const ri = i * n;
    const rk = ri + n;
    put(i, i, dot(u, ri + i, u, ri + i, n - i));
    for (let j = i + 1; j < n; j++) {
      const rj = j * n;
      dot2(u, ri + j, u, rk + j, u, rj + j, n - j);
      put(i, j, PAIR[0]!);
      put(i + 1, j, PAIR[1]!);
    }
  }
  if (i < n) put(i, i, dot(u, i * n + i, u, i * n + i, n - i));
  return inv;
}

/**
 * The factor of [[A, B], [Bᵀ, C]] from A's factor `l` (n×n), the cross block `b` (m rows of n, row r
 * is Bᵀ's row) and C (m×m): the GP's pending trials join the fitted ones this way in O(n²·m).
 */
export function extendCholesky(
  l: Float64Array,
  n: number,
  b: Float64Array,
  c: Float64Array,
  m: number,
): Float64Array {
  const size = n + m;
  const out = new Float64Array(size * size);
  for (let i = 0; i < n; i++) out.set(l.subarray(i * n, i * n + i + 1), i * size);
  const row = new Float64Array(n);
  for (let r = 0; r < m; r++) {
    solveLower(l, n, b.subarray(r * n, r * n + n), row);
    out.set(row, (n + r) * size);
  }
  // The Schur complement C − L21·L21ᵀ, factored in place after the first n columns.
  for (let i = 0; i < m; i++) {
    const ri = (n + i) * size;
    for (let j = 0; j <= i; j++) {
      const rj = (n + j) * size;
      const s = c[i * m + j]! - dot(out, ri, out, rj, n + j);
      if (i === j) out[ri + n + i] = Math.sqrt(Math.max(s, 1e-12 * (c[i * m + i]! || 1)));
      else out[ri + n + j] = s / out[rj + n + j]!;
    }
  }
  return out;
}
