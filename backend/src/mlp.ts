// A small multi-layer perceptron with softmax output, trained by mini-batch gradient descent (Adam).
// Pure TypeScript on Float64Array; deterministic for a given seed.

export type Activation = "relu" | "tanh";

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface MlpJson {
  sizes: number[];
  activation: Activation;
  weights: number[][];
  biases: number[][];
}

export class MLP {
  readonly sizes: number[];
  readonly activation: Activation;
  readonly W: Float64Array[];
  readonly b: Float64Array[];
  private readonly mW: Float64Array[];
  private readonly vW: Float64Array[];
  private readonly mb: Float64Array[];
  private readonly vb: Float64Array[];
  private readonly gW: Float64Array[];
  private readonly gb: Float64Array[];
  private readonly acts: Float64Array[];
  private readonly deltas: Float64Array[];
  private step = 0;

  constructor(sizes: number[], activation: Activation, seed: number) {
    this.sizes = sizes;
    this.activation = activation;
    const rand = mulberry32(seed);
    const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    this.W = [];
    this.b = [];
    for (let l = 1; l < sizes.length; l++) {
      const nIn = sizes[l - 1]!;
      const nOut = sizes[l]!;
      const scale = Math.sqrt(2 / nIn);
      this.W.push(Float64Array.from({ length: nIn * nOut }, () => gauss() * scale));
      this.b.push(new Float64Array(nOut));
    }
    const zerosLike = (arr: Float64Array[]) => arr.map((a) => new Float64Array(a.length));
    this.mW = zerosLike(this.W);
    this.vW = zerosLike(this.W);
    this.mb = zerosLike(this.b);
    this.vb = zerosLike(this.b);
    this.gW = zerosLike(this.W);
    this.gb = zerosLike(this.b);
    this.acts = sizes.map((n) => new Float64Array(n));
    this.deltas = sizes.map((n) => new Float64Array(n));
  }

  get parameterCount(): number {
    let n = 0;
    for (let l = 0; l < this.W.length; l++) n += this.W[l]!.length + this.b[l]!.length;
    return n;
  }

  /** Forward one sample (row `row` of X); returns the output probabilities (internal buffer). */
  forward(X: Float64Array, row: number): Float64Array {
    const nIn = this.sizes[0]!;
    const a0 = this.acts[0]!;
    for (let i = 0; i < nIn; i++) a0[i] = X[row * nIn + i]!;
    const L = this.W.length;
    for (let l = 0; l < L; l++) {
      const inp = this.acts[l]!;
      const out = this.acts[l + 1]!;
      const W = this.W[l]!;
      const b = this.b[l]!;
      const nI = this.sizes[l]!;
      const nO = this.sizes[l + 1]!;
      for (let o = 0; o < nO; o++) {
        let z = b[o]!;
        const base = o * nI;
        for (let i = 0; i < nI; i++) z += W[base + i]! * inp[i]!;
        out[o] = z;
      }
      if (l < L - 1) {
        if (this.activation === "relu") for (let o = 0; o < nO; o++) out[o] = Math.max(out[o]!, 0);
        else for (let o = 0; o < nO; o++) out[o] = Math.tanh(out[o]!);
      } else {
        let max = -Infinity;
        for (let o = 0; o < nO; o++) max = Math.max(max, out[o]!);
        let sum = 0;
        for (let o = 0; o < nO; o++) {
          out[o] = Math.exp(out[o]! - max);
          sum += out[o]!;
        }
        for (let o = 0; o < nO; o++) out[o] = out[o]! / sum;
      }
    }
    return this.acts[L]!;
  }

  /** One Adam step over the given rows; returns mean loss and correct count. */
  trainBatch(
    X: Float64Array,
    y: Int32Array,
    rows: Int32Array,
    start: number,
    end: number,
    lr: number,
    l2 = 1e-4,
  ): { loss: number; correct: number } {
    for (const g of this.gW) g.fill(0);
    for (const g of this.gb) g.fill(0);
    const L = this.W.length;
    let loss = 0;
    let correct = 0;
    for (let k = start; k < end; k++) {
      const row = rows[k]!;
      const p = this.forward(X, row);
      const target = y[row]!;
      loss -= Math.log(Math.max(p[target]!, 1e-12));
      let best = 0;
      for (let o = 1; o < p.length; o++) if (p[o]! > p[best]!) best = o;
      if (best === target) correct++;
      const dOut = this.deltas[L]!;
      for (let o = 0; o < p.length; o++) dOut[o] = p[o]! - (o === target ? 1 : 0);
      for (let l = L - 1; l >= 0; l--) {
        const nI = this.sizes[l]!;
        const nO = this.sizes[l + 1]!;
        const inp = this.acts[l]!;
        const d = this.deltas[l + 1]!;
        const W = this.W[l]!;
        const gW = this.gW[l]!;
        const gb = this.gb[l]!;
        for (let o = 0; o < nO; o++) {
          const dv = d[o]!;
          if (dv === 0) continue;
          gb[o] = gb[o]! + dv;
          const base = o * nI;
          for (let i = 0; i < nI; i++) gW[base + i] = gW[base + i]! + dv * inp[i]!;
        }
        if (l > 0) {
          const dPrev = this.deltas[l]!;
          for (let i = 0; i < nI; i++) {
            let s = 0;
            for (let o = 0; o < nO; o++) s += W[o * nI + i]! * d[o]!;
            const a = inp[i]!;
            dPrev[i] = this.activation === "relu" ? (a > 0 ? s : 0) : s * (1 - a * a);
          }
        }
      }
    }
    const n = end - start;
    this.step++;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - b1 ** this.step;
    const c2 = 1 - b2 ** this.step;
    const update = (param: Float64Array, grad: Float64Array, m: Float64Array, v: Float64Array, decay: number) => {
      for (let i = 0; i < param.length; i++) {
        const g = grad[i]! / n + decay * param[i]!;
        m[i] = b1 * m[i]! + (1 - b1) * g;
        v[i] = b2 * v[i]! + (1 - b2) * g * g;
        param[i] = param[i]! - (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + 1e-8);
      }
    };
    for (let l = 0; l < L; l++) {
      update(this.W[l]!, this.gW[l]!, this.mW[l]!, this.vW[l]!, l2);
      update(this.b[l]!, this.gb[l]!, this.mb[l]!, this.vb[l]!, 0);
    }
    return { loss: loss / Math.max(n, 1), correct };
  }

  evaluate(X: Float64Array, y: Int32Array, n: number): { loss: number; accuracy: number; predictions: Int32Array } {
    let loss = 0;
    let correct = 0;
    const predictions = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const p = this.forward(X, r);
      loss -= Math.log(Math.max(p[y[r]!]!, 1e-12));
      let best = 0;
      for (let o = 1; o < p.length; o++) if (p[o]! > p[best]!) best = o;
      predictions[r] = best;
      if (best === y[r]) correct++;
    }
    return { loss: n ? loss / n : 0, accuracy: n ? correct / n : 0, predictions };
  }

  toJSON(): MlpJson {
    return {
      sizes: this.sizes,
      activation: this.activation,
      weights: this.W.map((w) => Array.from(w)),
      biases: this.b.map((b) => Array.from(b)),
    };
  }

  static fromJSON(j: MlpJson): MLP {
    const m = new MLP(j.sizes, j.activation, 1);
    for (const [l, w] of j.weights.entries()) m.W[l]!.set(w);
    for (const [l, b] of j.biases.entries()) m.b[l]!.set(b);
    return m;
  }
}
