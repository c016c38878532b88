import { createRandom } from '../_internal/random.ts';

/** mulberry32 (operations/_internal/random.ts), so a dream is the same for the same seed. */
export { createRandom };

/** Integer in [-n, n]. */
export function randomShift(random: () => number, n: number): number {
  return Math.floor(random() * (2 * n + 1)) - n;
}
