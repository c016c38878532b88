/**
 * imgflow/rig/nuxt: a Nuxt Image provider. Nuxt Image calls a provider's
 * `getImage(src, { modifiers, ...providerOptions })` and uses the `url` it returns
 * (https://image.nuxt.com/advanced/custom-provider). Modifiers mapped: width, height, quality,
 * fit (cover, contain, fill, inside, outside), position and format; others are left out.
 *
 *   // nuxt.config.ts
 *   image: { providers: { imgflow: { provider: '~/providers/imgflow.ts', options: { baseURL: 'https://img.example.com' } } } }
 *   // providers/imgflow.ts (Nuxt Image 1)
 *   export { getImage } from 'imgflow/rig/nuxt';
 *   // providers/imgflow.ts (Nuxt Image 2)
 *   import { defineProvider } from '@nuxt/image/runtime';
 *   import { getImage } from 'imgflow/rig/nuxt';
 *   export default defineProvider({ getImage });
 */
import type { ParamValue } from './sign.ts';
import { loaderUrl } from './_internal/loader-url.ts';

export interface NuxtModifiers {
  width?: number | string;
  height?: number | string;
  quality?: number | string;
  fit?: string;
  position?: string;
  format?: string;
  [modifier: string]: unknown;
}

/** The provider's options (from nuxt.config) with the modifiers Nuxt Image adds. */
export interface NuxtProviderOptions {
  modifiers?: NuxtModifiers;
  /** The imgflow server (Nuxt Image's name for a provider's base URL). */
  baseURL?: string;
  graph?: string;
  key?: string;
  secret?: string;
  /** Resolves a relative src (`/photos/a.jpg`): your site's origin. */
  srcBase?: string;
  params?: Readonly<Record<string, ParamValue>>;
  [option: string]: unknown;
}

const num = (v: number | string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

export function getImage(src: string, options: NuxtProviderOptions = {}): { url: string } {
  const { modifiers = {}, baseURL, graph, key, secret, srcBase, params } = options;
  if (!baseURL) throw new TypeError('Expected the imgflow server as the provider option baseURL');
  const format = typeof modifiers.format === 'string' && modifiers.format !== 'auto' ? modifiers.format : undefined;
  return {
    url: loaderUrl({ server: baseURL, graph, key, secret, baseUrl: srcBase, params }, {
      src,
      width: num(modifiers.width),
      height: num(modifiers.height),
      quality: num(modifiers.quality),
      fit: modifiers.fit,
      position: modifiers.position,
      format,
    }),
  };
}
