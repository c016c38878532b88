/**
 * Time left in a dream, from the steps measured so far: the current octave's time per pixel
 * (its steps all have one size, and a step's cost per pixel changes between octaves as
 * per-call overhead and row bands weigh differently) times the pixels of the steps left.
 */
export class StepClock {
  private octave = -1;
  private ms = 0;
  private pixels = 0;

  /** One step of `pixels` pixels in octave `octave` took `ms` milliseconds. */
  record(octave: number, pixels: number, ms: number): void {
    if (octave !== this.octave) {
      this.octave = octave;
      this.ms = 0;
      this.pixels = 0;
    }
    this.ms += ms;
    this.pixels += pixels;
  }

  /** Seconds for `pixelsLeft` more pixels of steps; undefined before the first step. */
  etaSeconds(pixelsLeft: number): number | undefined {
    return this.pixels > 0 ? (pixelsLeft * this.ms) / this.pixels / 1000 : undefined;
  }
}
