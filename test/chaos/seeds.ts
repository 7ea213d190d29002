/** The seeds to run: SEED=n for one, else SEEDS=n (1..n) with `fallback` seeds by default. */
export function seedsFromEnv(fallback: number): number[] {
  if (process.env.SEED) return [Number(process.env.SEED)];
  const count = Number(process.env.SEEDS || fallback);
  return Array.from({ length: count }, (_, i) => i + 1);
}
