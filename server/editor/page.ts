/** The editor's HTML page, naming the hashed files of the committed build. */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EDITOR_ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets');

export interface EditorManifest {
  script: string;
  style: string;
}

export async function readManifest(): Promise<EditorManifest> {
  const m = JSON.parse(await readFile(join(EDITOR_ASSETS_DIR, 'manifest.json'), 'utf8')) as Partial<EditorManifest>;
  if (typeof m.script !== 'string' || typeof m.style !== 'string') throw new Error('server/editor/assets/manifest.json: expected {script, style} (npm run build:editor)');
  return { script: m.script, style: m.style };
}

export function editorPage(m: EditorManifest): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>imgflow editor</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/editor/assets/${m.style}">
</head>
<body>
<div id="root"></div>
<script type="module" src="/editor/assets/${m.script}"></script>
</body>
</html>
`;
}
