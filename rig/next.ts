/**
 * imgflow/rig/next: a `next/image` loader. Next.js calls a loader synchronously with
 * `{ src, width, quality }` for each width of the srcset it builds, and uses the URL returned
 * (https://nextjs.org/docs/app/api-reference/config/next-config-js/images#loader-configuration).
 *
 *   // imgflow-loader.js, named by `images: { loader: 'custom', loaderFile: './imgflow-loader.js' }`
 *   import { imgflowLoader } from 'imgflow/rig/next';
 *   export default imgflowLoader({ server: 'https://img.example.com', baseUrl: 'https://www.example.com' });
 *
 * No format in the URL: the server picks AVIF, WebP, JPEG (or PNG for transparency) from the
 * browser's Accept header.
 */
import { loaderUrl, type LoaderOptions } from './_internal/loader-url.ts';

export type { LoaderOptions } from './_internal/loader-url.ts';

/** What next/image passes to a loader (`ImageLoaderProps`). */
export interface NextImageLoaderProps {
  src: string;
  width: number;
  quality?: number;
}

export function imgflowLoader(options: LoaderOptions): (props: NextImageLoaderProps) => string {
  return ({ src, width, quality }) => loaderUrl(options, { src, width, quality });
}
