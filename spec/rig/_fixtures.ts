import { buildSignedUrl } from '../../rig/sign.ts';
import type { ParamValue } from '../../rig/sign.ts';

export const config = { server: 'https://imgflow.example.com', key: 'key', secret: 'secret' };
export const cover = { src: 'https://a.com/b.png', width: 1600, height: 900 };
export const block = { type: 'media', cover };
export const base = { block, config, graph: 'passthrough', params: {} };

/** The URL rig should produce for the cover at width x height. */
export function coverUrl(width: number, height: number, options: { graph?: string; ext?: string; src?: string; params?: Record<string, ParamValue> } = {}): Promise<string> {
  return buildSignedUrl({
    ...config,
    graph: options.graph ?? 'passthrough',
    ext: 'ext' in options ? options.ext : 'png',
    params: { ...options.params, input: options.src ?? cover.src, width, height },
  });
}

export function media(query: string, selector: string, url: string): string {
  return `@media ${query} {\n  ${selector} {\n    background-image: url('${url}');\n  }\n}`;
}
