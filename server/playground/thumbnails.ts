/**
 * A small picture of what each graph does: the graph with its defaults on the landscape sample,
 * made on first request, one at a time (a page of thumbnails must not crowd out real
 * requests), and kept per graph revision. Graphs with a long-running stage (DeepDream) get
 * a drawn placeholder instead: a thumbnail must never cost half a minute of CPU.
 */
import sharp from 'sharp';
import type { Runtime } from '../../runtime/index.ts';

export interface Thumbnail {
  bytes: Buffer;
  type: string;
}

const BOX = { width: 240, height: 160 };

/** True when the graph dreams: seconds to minutes of CPU per image. */
export function isLongRunning(runtime: Runtime, graph: string): boolean {
  return [...runtime.plan(graph).nodes.values()].some((n) => n.component.op.name === 'deepdream');
}

function placeholder(text: string): Thumbnail {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${BOX.width}" height="${BOX.height}" viewBox="0 0 ${BOX.width} ${BOX.height}"><rect width="100%" height="100%" fill="#2b2f3a"/><g fill="none" stroke="#8fa3bf" stroke-width="6"><circle cx="120" cy="70" r="34"/><path d="M120 48v22l14 10"/></g><text x="120" y="138" fill="#c9d4e5" font-family="sans-serif" font-size="15" text-anchor="middle">${text}</text></svg>`;
  return { bytes: Buffer.from(svg), type: 'image/svg+xml' };
}

export function createThumbnails(runtime: Runtime, sample: () => Promise<Buffer>) {
  const made = new Map<string, { revision: string; thumbnail: Promise<Thumbnail> }>();
  let queue: Promise<unknown> = Promise.resolve();
  let small: Promise<Buffer> | undefined;

  async function make(graph: string): Promise<Thumbnail> {
    if (isLongRunning(runtime, graph)) return placeholder('runs as a long job');
    small ??= sample().then((bytes) => sharp(bytes).resize(BOX.width * 2, BOX.height * 2, { fit: 'inside' }).jpeg({ quality: 90 }).toBuffer());
    try {
      const prepared = runtime.prepare(graph, {});
      const result = await runtime.evaluate(prepared, { input: await small, format: 'png', timeoutMs: 20_000 });
      const bytes = await sharp(result.bytes).resize(BOX.width, BOX.height, { fit: 'cover' }).webp({ quality: 80 }).toBuffer();
      return { bytes, type: 'image/webp' };
    } catch {
      // A graph whose defaults do not fit the sample (a crop larger than it...) still gets a tile.
      return placeholder('no preview with defaults');
    }
  }

  return {
    /** The thumbnail of the graph's current revision (404s propagate for unknown graphs). */
    get(graph: string): Promise<Thumbnail> {
      const revision = runtime.revision(graph);
      const known = made.get(graph);
      if (known?.revision === revision) return known.thumbnail;
      const thumbnail = queue.then(() => make(graph));
      queue = thumbnail.catch(() => undefined);
      made.set(graph, { revision, thumbnail });
      return thumbnail;
    },
  };
}
