/**
 * imgflow/rig/astro: an Astro external image service. Astro calls `getURL(options, imageConfig)`
 * for every <Image>/<Picture> and getImage() (https://docs.astro.build/en/reference/image-service-reference/);
 * the service's config comes from astro.config:
 *
 *   image: { service: { entrypoint: 'imgflow/rig/astro', config: { server: 'https://img.example.com', baseUrl: 'https://www.example.com' } } }
 *
 * Mapped: width, height, quality (a number, or Astro's low/mid/high/max), format, fit and position.
 */
import { loaderUrl, type LoaderOptions } from './_internal/loader-url.ts';

export type { LoaderOptions } from './_internal/loader-url.ts';

/** The parts of Astro's ImageTransform this service reads. */
export interface AstroImageTransform {
  src: string | { src: string; width?: number; height?: number; format?: string };
  width?: number;
  height?: number;
  quality?: number | string;
  format?: string;
  fit?: string;
  position?: string;
  [option: string]: unknown;
}

export interface AstroImageConfig {
  service: { entrypoint?: string; config: LoaderOptions };
  [option: string]: unknown;
}

/** Astro's quality presets, as its own sharp service reads them. */
const QUALITY = new Map<string, number>([['low', 25], ['mid', 50], ['high', 80], ['max', 100]]);

function quality(q: number | string | undefined): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  return QUALITY.get(q) ?? (Number.isFinite(Number(q)) ? Number(q) : undefined);
}

const service = {
  getURL(options: AstroImageTransform, imageConfig: AstroImageConfig): string {
    const src = typeof options.src === 'string' ? options.src : options.src.src;
    return loaderUrl(imageConfig.service.config, {
      src,
      width: options.width,
      height: options.height,
      quality: quality(options.quality),
      format: options.format,
      fit: options.fit,
      position: options.position,
    });
  },
};

export default service;
