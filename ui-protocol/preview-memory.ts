/**
 * The node images a started network keeps from its last preview run, so that an edit re-runs
 * only the node it changes and what lies downstream (a designer tuning a resize after a dream
 * does not wait for the dream again). Node keys (runtime/node-keys.ts) say when an image still
 * holds. One byte budget for every graph: past it, the graphs run least recently give theirs
 * up; a run that alone exceeds it keeps nothing.
 */
import type { NodeMemo } from '../runtime/index.ts';
import type { RawImage } from '../operations/index.ts';

export interface RunMemo extends NodeMemo {
  /** The run finished (or failed at a node): its images replace the graph's. Not called for an aborted run. */
  commit(): void;
}

export interface PreviewMemory {
  begin(graph: string, inputKey: string): RunMemo;
  drop(graph: string): void;
  readonly bytes: number;
  readonly graphs: number;
}

interface Kept { images: Map<string, RawImage>; bytes: number }

const sizeOf = (images: Map<string, RawImage>) => {
  let bytes = 0;
  for (const img of new Set(images.values())) bytes += img.data.byteLength;
  return bytes;
};

export function createPreviewMemory(maxBytes: number): PreviewMemory {
  // Insertion order is recency: a commit deletes and re-inserts its graph.
  const kept = new Map<string, Kept>();
  let total = 0;
  const drop = (graph: string) => {
    const k = kept.get(graph);
    if (!k) return;
    total -= k.bytes;
    kept.delete(graph);
  };
  return {
    begin(graph, inputKey) {
      const before = kept.get(graph)?.images;
      const next = new Map<string, RawImage>();
      return {
        inputKey,
        get(key) {
          const img = before?.get(key);
          if (img) next.set(key, img);
          return img;
        },
        set(key, img) { if (maxBytes > 0) next.set(key, img); },
        commit() {
          drop(graph);
          const bytes = sizeOf(next);
          if (maxBytes <= 0 || bytes > maxBytes) return;
          for (const other of kept.keys()) {
            if (total + bytes <= maxBytes) break;
            drop(other);
          }
          kept.set(graph, { images: next, bytes });
          total += bytes;
        },
      };
    },
    drop,
    get bytes() { return total; },
    get graphs() { return kept.size; },
  };
}
