/**
 * Sample images the playground offers as inputs, drawn with sharp when the server starts
 * (a few tens of milliseconds), so the project ships no binary images and needs no network:
 * a landscape (soft gradients, for colour filters), shapes (hard edges, for blurs and edge
 * detection) and a texture (fine detail and noise).
 */
import { createHash } from 'node:crypto';
import sharp, { type Sharp } from 'sharp';

export interface Sample {
  name: string;
  title: string;
  bytes: Buffer;
  /** Content hash, part of the URL, so it can be cached for a year. */
  hash: string;
  width: number;
  height: number;
}

const W = 640;
const H = 427;

const landscape = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#1d3b72"/><stop offset="0.55" stop-color="#f28c38"/><stop offset="1" stop-color="#ffd27a"/></linearGradient>
    <linearGradient id="lake" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f5a25d"/><stop offset="1" stop-color="#243b5e"/></linearGradient>
    <radialGradient id="sun"><stop offset="0" stop-color="#fff7d6"/><stop offset="1" stop-color="#ffb347"/></radialGradient>
  </defs>
  <rect width="${W}" height="${H}" fill="url(#sky)"/>
  <circle cx="430" cy="230" r="58" fill="url(#sun)"/>
  <path d="M0 260 L90 170 L160 230 L260 120 L360 250 L450 190 L560 260 L640 200 L640 300 L0 300Z" fill="#3d2c4e"/>
  <path d="M0 285 L120 220 L220 275 L330 215 L470 285 L580 235 L640 270 L640 310 L0 310Z" fill="#24304a"/>
  <rect y="300" width="${W}" height="${H - 300}" fill="url(#lake)"/>
  <g fill="#fff3c4" opacity="0.6"><rect x="380" y="320" width="100" height="3"/><rect x="400" y="340" width="60" height="3"/><rect x="410" y="362" width="40" height="2"/></g>
  <path d="M0 427 L0 380 Q80 350 160 392 T320 400 T480 396 T640 404 L640 427Z" fill="#13201a"/>
</svg>`;

const shapes = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
  <rect width="${W}" height="${H}" fill="#f4f1ea"/>
  <rect x="40" y="40" width="180" height="180" fill="#e63946"/>
  <circle cx="330" cy="140" r="100" fill="#2a9d8f"/>
  <polygon points="470,230 560,40 620,230" fill="#f4a261"/>
  <rect x="60" y="260" width="520" height="40" fill="#264653"/>
  <g fill="#1d3557">${Array.from({ length: 16 }, (_, i) => `<rect x="${60 + i * 33}" y="320" width="16" height="80"/>`).join('')}</g>
  <circle cx="330" cy="140" r="40" fill="#f4f1ea"/>
</svg>`;

/** Gradients, a sinusoid and LCG noise: detail everywhere. */
function texture(): Buffer {
  const buf = Buffer.alloc(W * H * 3);
  let seed = 2024;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) % 48;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 3;
      const n = (Math.sin(x * 0.09) * Math.cos(y * 0.07) + 1) * 60;
      buf[i] = ((x * 200) / W + n + rnd()) & 255;
      buf[i + 1] = ((y * 220) / H + rnd()) & 255;
      buf[i + 2] = (((x + y) * 160) / (W + H) + n + rnd()) & 255;
    }
  }
  return buf;
}

async function sample(name: string, title: string, image: Sharp): Promise<Sample> {
  const bytes = await image.jpeg({ quality: 85 }).toBuffer();
  return { name, title, bytes, hash: createHash('sha256').update(bytes).digest('hex').slice(0, 10), width: W, height: H };
}

export async function makeSamples(): Promise<Sample[]> {
  return Promise.all([
    sample('landscape', 'Landscape', sharp(Buffer.from(landscape))),
    sample('shapes', 'Shapes', sharp(Buffer.from(shapes))),
    sample('texture', 'Texture', sharp(texture(), { raw: { width: W, height: H, channels: 3 } })),
  ]);
}
