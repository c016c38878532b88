/**
 * The workloads of issue 14's table, as the URL each peer is asked for. A workload with
 * `unique` puts a fresh ?v= on the input URL of every request (unique.lua), so no result cache
 * can answer: every request fetches and processes, which the origin's GET count confirms.
 */
import type { PeerKey } from './peers.ts';

export interface Workload {
  id: string;
  title: string;
  /** Misses (fresh input URL per request) or one URL over and over. */
  unique: boolean;
  /** 'hit' connections (64) or 'miss' connections (8): the issue's figures use both. */
  connections: 'miss' | 'hit';
  /** If-None-Match with the ETag of the warm-up response. */
  conditional?: boolean;
  /** Path (and query) per peer; {n} is where unique.lua puts its number. */
  paths: Partial<Record<PeerKey, (origin: string) => string>>;
}

const e = encodeURIComponent;
/** The input's URL with its unique part left as {n} (not encoded: unique.lua replaces it). */
const input = (origin: string, v = '{n}') => `${e(`${origin}/test.jpg?v=`)}${v}`;

export const workloads: Workload[] = [
  {
    id: 'webp',
    title: 'uncached resize -> 400 px webp',
    unique: true,
    connections: 'miss',
    paths: {
      imgflow: (o) => `/graph/resize.webp?width=400&input=${input(o)}`,
      ipx: (o) => `/w_400,f_webp/${o}/test.jpg?v={n}`,
      'ipx-published': (o) => `/w_400,f_webp/${o}/test.jpg?v={n}`,
      bare: (o) => `/resize?w=400&f=webp&input=${input(o)}`,
    },
  },
  {
    id: 'avif',
    title: 'uncached resize -> 400 px AVIF',
    unique: true,
    connections: 'miss',
    paths: {
      imgflow: (o) => `/graph/resize.avif?width=400&input=${input(o)}`,
      ipx: (o) => `/w_400,f_avif/${o}/test.jpg?v={n}`,
      'ipx-published': (o) => `/w_400,f_avif/${o}/test.jpg?v={n}`,
      bare: (o) => `/resize?w=400&f=avif&input=${input(o)}`,
    },
  },
  {
    // imgflow's gaussianblur keeps std-dev-y at its default 1.5: the issue's anisotropic case.
    // IPX's blur_4 and bare sharp's blur(4) are isotropic; all three write a full-size JPEG
    // (IPX's progressive, as it ships).
    id: 'blur',
    title: 'gaussianblur std-dev-x=4 vs blur_4, full size JPEG',
    unique: true,
    connections: 'miss',
    paths: {
      imgflow: (o) => `/graph/gaussianblur.jpg?std-dev-x=4&input=${input(o)}`,
      ipx: (o) => `/blur_4/${o}/test.jpg?v={n}`,
      'ipx-published': (o) => `/blur_4/${o}/test.jpg?v={n}`,
      bare: (o) => `/blur?sigma=4&input=${input(o)}`,
    },
  },
  {
    // Curves and vignette are gpu.js kernels (CPU mode without a GPU); sharp has no curves
    // (tone tables), so there is no bare equivalent: the figure is absolute.
    id: 'kernel',
    title: 'kernel graph nashville, full size JPEG',
    unique: true,
    connections: 'miss',
    paths: {
      imgflow: (o) => `/graph/nashville.jpg?input=${input(o)}`,
    },
  },
  {
    id: 'hit',
    title: 'cached hit (resize 400 px webp)',
    unique: false,
    connections: 'hit',
    paths: {
      imgflow: (o) => `/graph/resize.webp?width=400&input=${input(o, 'hit')}`,
      nginx: (o) => `/graph/resize.webp?width=400&input=${input(o, 'hit')}`,
    },
  },
  {
    id: '304',
    title: 'If-None-Match -> 304',
    unique: false,
    connections: 'hit',
    conditional: true,
    paths: {
      imgflow: (o) => `/graph/resize.webp?width=400&input=${input(o, 'hit')}`,
      nginx: (o) => `/graph/resize.webp?width=400&input=${input(o, 'hit')}`,
    },
  },
];
