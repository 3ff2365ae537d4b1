/**
 * Winograd's minimal filtering (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015): an
 * m×m tile of a 3×3 convolution's output, from the (m+2)×(m+2) tile d of input it reads and the filter g, is
 *
 *   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
 *
 * — (m+2)² multiplies instead of 9m²: 16 for 4 outputs with F(2×2, 3×3) (2.25× fewer), 36 for 16 with
 * F(4×4, 3×3) (4×). Over many channels the ⊙ becomes a sum over input channels, i.e. (m+2)² independent matrix
 * products [tiles × inC]·[inC × outC], while the transforms cost a few additions per value. The matrices come
 * from polynomial interpolation at the points 0, ±1 (F2) or 0, ±1, ±2 (F4), and ∞; they are exact in float64
 * arithmetic, and float32 rounding grows with the size of their entries (see `spec/tensor/winograd.spec.ts`).
 *
 * Gradients are the same products read backwards: ∂L/∂(Bᵀ d B) = ∂L/∂M ⊙ U and ∂L/∂U = Σ_tiles V ⊙ ∂L/∂M with
 * ∂L/∂M = A ∂L/∂Y Aᵀ; the filter's gradient is Gᵀ (∂L/∂U) G. The input's gradient is the convolution of the
 * output's gradient with the flipped filters, itself a Winograd convolution.
 */
export interface WinogradTransform {
  /** Output tile side m; the input tile is α = m + 2. */
  m: number;
  /** α×α: V = Bᵀ d B. */
  BT: number[][];
  /** α×3: U = G g Gᵀ. */
  G: number[][];
  /** m×α: Y = Aᵀ M A. */
  AT: number[][];
}

export const F2: WinogradTransform = {
  m: 2,
  BT: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ],
  G: [
    [1, 0, 0],
    [1 / 2, 1 / 2, 1 / 2],
    [1 / 2, -1 / 2, 1 / 2],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ],
};

export const F4: WinogradTransform = {
  m: 4,
  BT: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
  G: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
};

export function transpose(matrix: readonly number[][]): number[][] {
  return matrix[0].map((_, j) => matrix.map((row) => row[j]));
}

/** L · X · Lᵀ for a square X (plain numbers: what the emitted vector code computes, lane by lane). */
export function sandwich(L: readonly number[][], X: readonly number[][]): number[][] {
  const LX = L.map((row) => X[0].map((_, j) => row.reduce((s, l, k) => s + l * X[k][j], 0)));
  return L.map((_, i) => L.map((row) => LX[i].reduce((s, v, k) => s + v * row[k], 0)));
}
