// The Vertical Pod Autoscaler recommender's decaying histogram
// (vertical-pod-autoscaler/pkg/recommender/util/histogram.go, decaying_histogram.go):
// exponentially growing buckets, samples weighted by 2^(age / half-life) so that a day-old
// sample counts half, and a percentile that answers the end of the bucket it falls in.

export interface HistogramOptions {
  maxValue: number;
  firstBucketSize: number;
  ratio: number;
}

/** VPA's defaults: CPU in cores from 0.01 to 1000, memory in bytes from 10 MB to 1 TB, 5 % apart. */
export const CPU_HISTOGRAM: HistogramOptions = { maxValue: 1000, firstBucketSize: 0.01, ratio: 1.05 };
export const MEMORY_HISTOGRAM: HistogramOptions = { maxValue: 1e12, firstBucketSize: 1e7, ratio: 1.05 };
export const HALF_LIFE_MS = 24 * 3_600_000;

export class DecayingHistogram {
  private readonly o: HistogramOptions;
  private readonly weights: Float64Array;
  private readonly referenceMs: number;
  private readonly halfLifeMs: number;
  private total = 0;

  /** `referenceMs`: the time at which a sample weighs its full weight (now, for a recommendation) */
  constructor(o: HistogramOptions, referenceMs: number, halfLifeMs = HALF_LIFE_MS) {
    this.o = o;
    this.referenceMs = referenceMs;
    this.halfLifeMs = halfLifeMs;
    const n = Math.ceil(Math.log((o.maxValue * (o.ratio - 1)) / o.firstBucketSize + 1) / Math.log(o.ratio)) + 1;
    this.weights = new Float64Array(n);
  }

  get numBuckets(): number {
    return this.weights.length;
  }

  bucketStart(i: number): number {
    return i === 0 ? 0 : (this.o.firstBucketSize * (this.o.ratio ** i - 1)) / (this.o.ratio - 1);
  }

  findBucket(value: number): number {
    if (value < this.o.firstBucketSize) return 0;
    const b = Math.floor(Math.log((value * (this.o.ratio - 1)) / this.o.firstBucketSize + 1) / Math.log(this.o.ratio));
    return Math.min(this.weights.length - 1, b);
  }

  addSample(value: number, weight: number, atMs: number): void {
    const w = weight * 2 ** ((atMs - this.referenceMs) / this.halfLifeMs);
    const b = this.findBucket(value);
    this.weights[b]! += w;
    this.total += w;
  }

  get totalWeight(): number {
    return this.total;
  }

  isEmpty(): boolean {
    return this.total <= 0;
  }

  /** The value below which `p` of the weight lies: the end of that bucket, as VPA answers. */
  percentile(p: number): number {
    if (this.isEmpty()) return 0;
    const threshold = p * this.total;
    let sum = 0;
    let b = 0;
    for (; b < this.weights.length; b++) {
      sum += this.weights[b]!;
      if (sum >= threshold) break;
    }
    b = Math.min(b, this.weights.length - 1);
    return b < this.weights.length - 1 ? this.bucketStart(b + 1) : this.bucketStart(b);
  }
}
