/**
 * Writes spec/fixtures/graphs/<graph>.png (each shipped graph on the photo-like test image) and
 * docs/graphs.png (a contact sheet of them all). Run after changing a shipped graph on purpose:
 *   node --import tsx spec/graphs/make-references.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { photoPng } from '../_helpers/photo.ts';
import { referenceDir, runShipped, shippedGraphNames } from './_shipped.ts';

const CELL = { width: 240, height: 160, label: 22 };
const COLUMNS = 4;

await mkdir(referenceDir, { recursive: true });
const names = await shippedGraphNames();
const tiles: { name: string; png: Buffer }[] = [{ name: 'input', png: await photoPng() }];
for (const name of names) {
  const png = await runShipped(name);
  await writeFile(join(referenceDir, `${name}.png`), png);
  tiles.push({ name, png });
  console.log(name);
}

const rows = Math.ceil(tiles.length / COLUMNS);
const cellHeight = CELL.height + CELL.label;
const composites = [];
for (const [i, tile] of tiles.entries()) {
  const left = (i % COLUMNS) * CELL.width;
  const top = Math.floor(i / COLUMNS) * cellHeight;
  const fitted = await sharp(tile.png).resize(CELL.width, CELL.height, { fit: 'contain', background: '#ffffff' }).png().toBuffer();
  const label = Buffer.from(`<svg width="${CELL.width}" height="${CELL.label}"><rect width="100%" height="100%" fill="#fff"/><text x="6" y="16" font-family="sans-serif" font-size="14">${tile.name}</text></svg>`);
  composites.push({ input: label, left, top }, { input: fitted, left, top: top + CELL.label });
}
const sheet = await sharp({ create: { width: COLUMNS * CELL.width, height: rows * cellHeight, channels: 3, background: '#ffffff' } })
  .composite(composites).png().toBuffer();
await writeFile(fileURLToPath(new URL('../../docs/graphs.png', import.meta.url)), sheet);
console.log('docs/graphs.png');
