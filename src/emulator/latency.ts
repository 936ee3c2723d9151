/**
 * Per-request latency: log-normal (the usual shape of service latency: a tight body, a long tail),
 * fixed by its median and 99th percentile, drawn from a seeded PRNG so that a run repeats.
 * Off unless configured: tests that do not want time to pass get none.
 */
export interface LatencyModel {
  medianMs: number;
  p99Ms: number;
  /** PRNG seed (default 1). */
  seed?: number;
}

/** z such that Φ(z) = 0.99. */
const Z99 = 2.3263478740408408;

/** Throws an error naming the field and the fix when a model cannot describe a latency. */
export function validateLatencyModel(model: LatencyModel): void {
  if (!(Number.isFinite(model.medianMs) && model.medianMs > 0)) {
    throw new Error(`latency.medianMs must be a number of milliseconds > 0 (got ${String(model.medianMs)})`);
  }
  if (!(Number.isFinite(model.p99Ms) && model.p99Ms >= model.medianMs)) {
    throw new Error(`latency.p99Ms must be a number of milliseconds >= latency.medianMs (got ${String(model.p99Ms)})`);
  }
  if (model.seed !== undefined && !Number.isInteger(model.seed)) throw new Error(`latency.seed must be an integer (got ${String(model.seed)})`);
}

/** mulberry32: a small, fast 32-bit PRNG; plenty for latency draws. Returns values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Latency {
  private model?: LatencyModel;
  private random: () => number = Math.random;

  set(model: LatencyModel | undefined): void {
    if (model) validateLatencyModel(model);
    this.model = model && { ...model };
    this.random = seededRandom(model?.seed ?? 1);
  }

  get current(): LatencyModel | undefined {
    return this.model && { ...this.model };
  }

  /** The next request's latency in ms (0 when off). */
  sample(): number {
    const model = this.model;
    if (!model) return 0;
    const sigma = Math.log(model.p99Ms / model.medianMs) / Z99;
    // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
    const u = 1 - this.random();
    const v = this.random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return model.medianMs * Math.exp(sigma * z);
  }
}
