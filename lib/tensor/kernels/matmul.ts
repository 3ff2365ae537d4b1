import { emptyLike, NDArray } from '../ndarray';

/**
 * C = op(A)·op(B), with op(X) = Xᵀ when the flag is set: C[i,j] = Σ_k op(A)[i,k]·op(B)[k,j].
 * The reference loop: three nested loops, nothing clever, the ground truth the fast kernels are tested against.
 */
export function matmulReference(a: NDArray, b: NDArray, transA: boolean, transB: boolean): NDArray {
  const [m, k] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const n = transB ? b.shape[0] : b.shape[1];
  const out = emptyLike(a.dtype, [m, n]);
  const A = a.data;
  const B = b.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        sum += A[transA ? p * m + i : i * k + p] * B[transB ? j * k + p : p * n + j];
      }
      out.data[i * n + j] = sum;
    }
  }
  return out;
}
