import fs from 'node:fs';
import { median } from '../bench/load';

/** A process's resident memory (VmRSS), sampled at a fixed interval, with the time of each sample. */
export class RssSeries {
  readonly samples: Array<{ at: number; bytes: number }> = [];
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly pid: number,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }
  private sample(): void {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (m) this.samples.push({ at: performance.now(), bytes: Number(m[1]) * 1024 });
    } catch {
      // the process is gone
    }
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

export interface Flatness {
  /** Median RSS of each fifth of the run, in bytes. */
  fifths: number[];
  /** Median of the last fifth over the median of the second (the first is warm-up), minus 1. */
  growth: number;
  /** The medians of the second to fifth fifths rise at every step by more than 1 % of the second's. */
  climbing: boolean;
  min: number;
  max: number;
  flat: boolean;
}

/** Growth allowed from the second fifth to the last. */
export const MAX_GROWTH = 0.1;
/** A step between fifths' medians that counts as rising, as a share of the second fifth's median. */
export const CLIMB_STEP = 0.01;

/**
 * Memory is flat when, with the first fifth of the run taken as warm-up, the median RSS of the last fifth is at most
 * 10 % above the median of the second fifth, and the medians of the second to fifth fifths do not climb at every
 * step by more than 1 % (a steady leak that a 10 % budget would only catch in a longer run).
 */
export function flatness(samples: Array<{ at: number; bytes: number }>): Flatness {
  const start = samples[0]?.at ?? 0;
  const span = (samples.at(-1)?.at ?? 0) - start;
  const fifths = [0, 1, 2, 3, 4].map((i) =>
    median(samples.filter((s) => s.at - start >= (i * span) / 5 && (i === 4 ? true : s.at - start < ((i + 1) * span) / 5)).map((s) => s.bytes)),
  );
  const base = fifths[1];
  const growth = fifths[4] / base - 1;
  const climbing = [2, 3, 4].every((i) => fifths[i] - fifths[i - 1] > CLIMB_STEP * base);
  const bytes = samples.map((s) => s.bytes);
  return {
    fifths,
    growth,
    climbing,
    min: Math.min(...bytes),
    max: Math.max(...bytes),
    flat: Number.isFinite(growth) && growth <= MAX_GROWTH && !climbing,
  };
}
