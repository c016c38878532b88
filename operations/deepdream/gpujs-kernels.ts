/**
 * gpu.js kernel sources for the dream's tensor ops. Sources are strings so TypeScript tooling
 * never rewrites what gpu.js parses. Every tensor is a flat channels-last array ([h][w][c]); one
 * thread per output value; everything is gather-style, since gpu.js has no scatter or atomics.
 * Shapes arrive as constants, so each distinct shape compiles its own kernel.
 */

/** Conv with bias and optional ReLU. Constants: IH IW CI OH OW CO KH KW S PT PL RELU. */
export const conv2d = `function(x, w, b) {
  const i = this.thread.x;
  const co = i % this.constants.CO;
  const ox = Math.floor(i / this.constants.CO) % this.constants.OW;
  const oy = Math.floor(i / (this.constants.CO * this.constants.OW));
  let sum = b[co];
  for (let ky = 0; ky < this.constants.KH; ky++) {
    const iy = oy * this.constants.S + ky - this.constants.PT;
    if (iy >= 0 && iy < this.constants.IH) {
      for (let kx = 0; kx < this.constants.KW; kx++) {
        const ix = ox * this.constants.S + kx - this.constants.PL;
        if (ix >= 0 && ix < this.constants.IW) {
          const xBase = (iy * this.constants.IW + ix) * this.constants.CI;
          const wBase = (ky * this.constants.KW + kx) * this.constants.CI;
          for (let ci = 0; ci < this.constants.CI; ci++) {
            sum += x[xBase + ci] * w[(wBase + ci) * this.constants.CO + co];
          }
        }
      }
    }
  }
  if (this.constants.RELU > 0 && sum < 0) {
    sum = 0;
  }
  return sum;
}`;

/** Input gradient of a conv: a transposed correlation. Same constants as conv2d. */
export const conv2dBackwardInput = `function(dy, w) {
  const i = this.thread.x;
  const ci = i % this.constants.CI;
  const ix = Math.floor(i / this.constants.CI) % this.constants.IW;
  const iy = Math.floor(i / (this.constants.CI * this.constants.IW));
  let sum = 0;
  for (let ky = 0; ky < this.constants.KH; ky++) {
    const ty = iy + this.constants.PT - ky;
    const oy = Math.floor(ty / this.constants.S);
    if (ty >= 0 && oy * this.constants.S == ty && oy < this.constants.OH) {
      for (let kx = 0; kx < this.constants.KW; kx++) {
        const tx = ix + this.constants.PL - kx;
        const ox = Math.floor(tx / this.constants.S);
        if (tx >= 0 && ox * this.constants.S == tx && ox < this.constants.OW) {
          const gBase = (oy * this.constants.OW + ox) * this.constants.CO;
          const wBase = ((ky * this.constants.KW + kx) * this.constants.CI + ci) * this.constants.CO;
          for (let co = 0; co < this.constants.CO; co++) {
            sum += dy[gBase + co] * w[wBase + co];
          }
        }
      }
    }
  }
  return sum;
}`;

export const reluBackward = `function(dy, y) {
  const i = this.thread.x;
  if (y[i] > 0) {
    return dy[i];
  }
  return 0;
}`;

/** Max pool, valid padding. Constants: IH IW C OW K S. */
export const maxPool = `function(x) {
  const i = this.thread.x;
  const c = i % this.constants.C;
  const ox = Math.floor(i / this.constants.C) % this.constants.OW;
  const oy = Math.floor(i / (this.constants.C * this.constants.OW));
  let m = x[((oy * this.constants.S) * this.constants.IW + ox * this.constants.S) * this.constants.C + c];
  for (let ky = 0; ky < this.constants.K; ky++) {
    for (let kx = 0; kx < this.constants.K; kx++) {
      const v = x[((oy * this.constants.S + ky) * this.constants.IW + ox * this.constants.S + kx) * this.constants.C + c];
      if (v > m) {
        m = v;
      }
    }
  }
  return m;
}`;

/** Each input pixel sums dy of the windows whose first maximum it is. Constants: IH IW C OH OW K S. */
export const maxPoolBackward = `function(dy, x) {
  const i = this.thread.x;
  const c = i % this.constants.C;
  const ix = Math.floor(i / this.constants.C) % this.constants.IW;
  const iy = Math.floor(i / (this.constants.C * this.constants.IW));
  let sum = 0;
  for (let ky = 0; ky < this.constants.K; ky++) {
    const ty = iy - ky;
    const oy = Math.floor(ty / this.constants.S);
    if (ty >= 0 && oy * this.constants.S == ty && oy < this.constants.OH) {
      for (let kx = 0; kx < this.constants.K; kx++) {
        const tx = ix - kx;
        const ox = Math.floor(tx / this.constants.S);
        if (tx >= 0 && ox * this.constants.S == tx && ox < this.constants.OW) {
          let bestY = oy * this.constants.S;
          let bestX = ox * this.constants.S;
          let m = x[(bestY * this.constants.IW + bestX) * this.constants.C + c];
          for (let wy = 0; wy < this.constants.K; wy++) {
            for (let wx = 0; wx < this.constants.K; wx++) {
              const v = x[((oy * this.constants.S + wy) * this.constants.IW + ox * this.constants.S + wx) * this.constants.C + c];
              if (v > m) {
                m = v;
                bestY = oy * this.constants.S + wy;
                bestX = ox * this.constants.S + wx;
              }
            }
          }
          if (bestY == iy && bestX == ix) {
            sum += dy[(oy * this.constants.OW + ox) * this.constants.C + c];
          }
        }
      }
    }
  }
  return sum;
}`;

/** Average pool, stride 1, same padding, padding excluded from the count. Constants: H W C K P. */
export const avgPool = `function(x) {
  const i = this.thread.x;
  const c = i % this.constants.C;
  const ox = Math.floor(i / this.constants.C) % this.constants.W;
  const oy = Math.floor(i / (this.constants.C * this.constants.W));
  let sum = 0;
  let n = 0;
  for (let ky = 0; ky < this.constants.K; ky++) {
    const iy = oy + ky - this.constants.P;
    for (let kx = 0; kx < this.constants.K; kx++) {
      const ix = ox + kx - this.constants.P;
      if (iy >= 0 && iy < this.constants.H && ix >= 0 && ix < this.constants.W) {
        sum += x[(iy * this.constants.W + ix) * this.constants.C + c];
        n += 1;
      }
    }
  }
  return sum / n;
}`;

/** Each pixel gathers dy / count from every window that read it. Constants: H W C K P. */
export const avgPoolBackward = `function(dy) {
  const i = this.thread.x;
  const c = i % this.constants.C;
  const ix = Math.floor(i / this.constants.C) % this.constants.W;
  const iy = Math.floor(i / (this.constants.C * this.constants.W));
  let sum = 0;
  for (let ky = 0; ky < this.constants.K; ky++) {
    const oy = iy - ky + this.constants.P;
    for (let kx = 0; kx < this.constants.K; kx++) {
      const ox = ix - kx + this.constants.P;
      if (oy >= 0 && oy < this.constants.H && ox >= 0 && ox < this.constants.W) {
        const ny = Math.min(this.constants.H - 1, oy - this.constants.P + this.constants.K - 1) - Math.max(0, oy - this.constants.P) + 1;
        const nx = Math.min(this.constants.W - 1, ox - this.constants.P + this.constants.K - 1) - Math.max(0, ox - this.constants.P) + 1;
        sum += dy[(oy * this.constants.W + ox) * this.constants.C + c] / (ny * nx);
      }
    }
  }
  return sum;
}`;

/** Channels of a then b. Constants: CA CB. */
export const concat2 = `function(a, b) {
  const i = this.thread.x;
  const c = i % (this.constants.CA + this.constants.CB);
  const p = Math.floor(i / (this.constants.CA + this.constants.CB));
  if (c < this.constants.CA) {
    return a[p * this.constants.CA + c];
  }
  return b[p * this.constants.CB + c - this.constants.CA];
}`;

/** Channels B..B+N of x. Constants: C B N. */
export const sliceChannels = `function(x) {
  const i = this.thread.x;
  const c = i % this.constants.N;
  const p = Math.floor(i / this.constants.N);
  return x[p * this.constants.C + this.constants.B + c];
}`;

export const add = `function(a, b) {
  const i = this.thread.x;
  return a[i] + b[i];
}`;

/** Bilinear with half-pixel centres. Constants: IH IW C OH OW. */
export const resize = `function(x) {
  const i = this.thread.x;
  const c = i % this.constants.C;
  const ox = Math.floor(i / this.constants.C) % this.constants.OW;
  const oy = Math.floor(i / (this.constants.C * this.constants.OW));
  const sy = Math.max(0, (oy + 0.5) * this.constants.IH / this.constants.OH - 0.5);
  const sx = Math.max(0, (ox + 0.5) * this.constants.IW / this.constants.OW - 0.5);
  const y0 = Math.floor(sy);
  const x0 = Math.floor(sx);
  const y1 = Math.min(y0 + 1, this.constants.IH - 1);
  const x1 = Math.min(x0 + 1, this.constants.IW - 1);
  const fy = sy - y0;
  const fx = sx - x0;
  const top = x[(y0 * this.constants.IW + x0) * this.constants.C + c] * (1 - fx) + x[(y0 * this.constants.IW + x1) * this.constants.C + c] * fx;
  const bottom = x[(y1 * this.constants.IW + x0) * this.constants.C + c] * (1 - fx) + x[(y1 * this.constants.IW + x1) * this.constants.C + c] * fx;
  return top * (1 - fy) + bottom * fy;
}`;

export const copy = `function(x) {
  return x[this.thread.x];
}`;
