/** Output formats: URL extensions, MIME types and Accept negotiation. */
import type { OutputFormat } from '../operations/define.ts';
import { errors } from '../runtime/errors.ts';

// Keyed by the URL's extension: a Map, so `.constructor` is an unsupported format like any other.
const byExtension = new Map<string, OutputFormat>([
  ['jpg', 'jpeg'], ['jpeg', 'jpeg'], ['png', 'png'], ['webp', 'webp'], ['avif', 'avif'], ['tif', 'tiff'], ['tiff', 'tiff'], ['gif', 'gif'],
]);

export const mimeTypes: Record<OutputFormat, string> = {
  jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif', tiff: 'image/tiff', gif: 'image/gif',
};

export const extensions = [...byExtension.keys()];

export function formatFromExtension(ext: string): OutputFormat {
  const format = byExtension.get(ext.toLowerCase());
  if (!format) throw errors.IMGFLOW_ERR_FORMAT_UNSUPPORTED({ extension: ext, supported: extensions }, undefined, ext, extensions.join(', '));
  return format;
}

function acceptsFrom(accept: string | undefined): (mime: string) => boolean {
  const a = (accept ?? '').toLowerCase();
  return (mime: string) => new RegExp(`(^|[ ,])${mime.replace('/', '\\/').replace('*', '\\*')}(?![^,]*;\\s*q=0(\\.0*)?\\s*(,|$))`).test(a);
}

/** Without an extension: the best format the client says it takes (avif > webp > jpeg). */
export function negotiateFormat(accept: string | undefined): OutputFormat {
  const accepts = acceptsFrom(accept);
  if (accepts('image/avif')) return 'avif';
  if (accepts('image/webp')) return 'webp';
  return 'jpeg';
}

/**
 * The format for a negotiated result with transparency, when `format` would flatten it: PNG
 * if the client takes it (image/png, image/* or *\/*); undefined when only JPEG is acceptable.
 */
export function negotiateAlphaFormat(accept: string | undefined, format: OutputFormat): OutputFormat | undefined {
  if (format !== 'jpeg') return undefined;
  const accepts = acceptsFrom(accept);
  return accepts('image/png') || accepts('image/*') || accepts('*/*') ? 'png' : undefined;
}

/** `name.ext` -> parts; the last dot splits, so graph names never contain one. */
export function splitGraphFile(file: string): { graph: string; ext?: string } {
  const dot = file.lastIndexOf('.');
  return dot <= 0 ? { graph: file } : { graph: file.slice(0, dot), ext: file.slice(dot + 1) };
}
