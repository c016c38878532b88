/**
 * Scatter-style gradient loops in plain JS over channels-last Float32Arrays. tfjs-wasm runs
 * XNNPACK for convs and matmuls but its data-movement kernels (strided slice, pad, MaxPoolGrad)
 * are generic loops, slower here than these.
 */
import type { Shape } from './net-types.ts';

/**
 * Routes each window's dy to the first maximum of x in that window (valid padding). Channels
 * run innermost, so every window tap reads one contiguous run of x (about 30% faster at the
 * 253x253x64 pool of a 512 px dream than a loop over taps per channel; tfjs-wasm's own
 * MaxPoolGrad is slower still and picks another maximum on ties).
 */
export function maxPoolBackward(dy: Float32Array, x: Float32Array, [ih, iw, c]: Shape, size: number, stride: number): Float32Array {
  const oh = Math.floor((ih - size) / stride) + 1;
  const ow = Math.floor((iw - size) / stride) + 1;
  const dx = new Float32Array(ih * iw * c);
  const max = new Float32Array(c);
  const best = new Int32Array(c);
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      const base = (i * stride * iw + j * stride) * c;
      for (let ch = 0; ch < c; ch++) {
        max[ch] = x[base + ch];
        best[ch] = base + ch;
      }
      for (let ky = 0; ky < size; ky++) {
        for (let kx = ky === 0 ? 1 : 0; kx < size; kx++) {
          const at = base + (ky * iw + kx) * c;
          for (let ch = 0; ch < c; ch++) {
            const v = x[at + ch];
            if (v > max[ch]) {
              max[ch] = v;
              best[ch] = at + ch;
            }
          }
        }
      }
      const o = (i * ow + j) * c;
      for (let ch = 0; ch < c; ch++) dx[best[ch]] += dy[o + ch];
    }
  }
  return dx;
}

/**
 * col2im for a valid-padded strided conv: cols[(i*ow + j)][ky][kx][ci] is added to
 * dx[i*stride + ky][j*stride + kx][ci].
 */
export function col2im(cols: Float32Array, oh: number, ow: number, kh: number, kw: number, stride: number, [ih, iw, c]: Shape): Float32Array {
  const dx = new Float32Array(ih * iw * c);
  let src = 0;
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          let dst = ((i * stride + ky) * iw + j * stride + kx) * c;
          for (let ch = 0; ch < c; ch++) dx[dst++] += cols[src++];
        }
      }
    }
  }
  return dx;
}
