import { HarmCategory } from '../entities/enums';

export interface HarmAssessment {
  victimCount: number;
  estimatedLossUsd: number;
  vulnerableVictims: boolean;
  ongoingHarm: boolean;
  categories: HarmCategory[];
}

/**
 * The harm score (0–100) by which cases and requests for assistance are prioritised (§A.5: "prioritize cases based on
 * harm to victims"):
 *
 *   min(100, round(12·log10(1 + victims) + 8·log10(1 + lossUsd / 1000))
 *            + 15 if the victims include vulnerable people + 10 if the harm is ongoing
 *            + 5 for each category beyond the first)
 *
 * Logarithms keep one huge case from dwarfing the rest: a million victims give 72 points, $1bn of loss 48.
 */
export function harmScore(a: HarmAssessment): number {
  const victims = 12 * Math.log10(1 + Math.max(0, a.victimCount));
  const loss = 8 * Math.log10(1 + Math.max(0, a.estimatedLossUsd) / 1000);
  const extras = (a.vulnerableVictims ? 15 : 0) + (a.ongoingHarm ? 10 : 0) + 5 * Math.max(0, new Set(a.categories).size - 1);
  return Math.min(100, Math.round(victims + loss) + extras);
}
