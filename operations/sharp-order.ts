/**
 * Where each step sits in sharp's fixed pipeline (sharp 0.35 src/pipeline.cc, read top to
 * bottom). sharp applies its operations in this order whatever order they are called in, so
 * the compiler fuses graph nodes into one pipeline only while these numbers strictly increase;
 * otherwise the next node starts a new pipeline from raw pixels.
 */
export const slot = {
  trim: 2,
  extractPre: 3,
  flatten: 5,
  greyscale: 7,
  resize: 8,
  flip: 9,
  flop: 10,
  rotate: 12,
  extractPost: 13,
  extend: 15,
  threshold: 16,
  blur: 17,
  convolve: 19,
  recomb: 20,
  modulate: 21,
  sharpen: 22,
  composite: 23,
  gammaOut: 24,
  linear: 25,
  normalise: 26,
  clahe: 27,
  tint: 30,
  ensureAlpha: 31,
  negate: 34,
} as const;

/**
 * A crop's place: sharp extracts before resizing unless a resize precedes it in the same
 * pipeline, and a rotate called before a pre-resize extract runs before it (rotateBeforePreExtract).
 */
export function extractSlot(before: readonly string[]): number {
  return before.includes('resize') || (before.length === 1 && before[0] === 'rotate') ? slot.extractPost : slot.extractPre;
}

/**
 * True when `before` holds a post-resize extract. sharp then reports the extract's size as the
 * output's (src/pipeline.cc, the info object), whatever follows: a step that changes the size
 * after one (extend) must start a new pipeline, or the raw pixels would be read with the wrong size.
 */
export function hasPostExtract(before: readonly string[]): boolean {
  const at = before.indexOf('crop');
  return at >= 0 && extractSlot(before.slice(0, at)) === slot.extractPost;
}
