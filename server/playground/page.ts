/** The playground's one HTML page: a shell the modules fill in from /playground/config. */
import { createHash } from 'node:crypto';
import type { Assets } from './assets.ts';

export interface Page {
  html: string;
  /** Content-Security-Policy allowing exactly the inline import map and the same-origin modules. */
  csp: string;
}

export function renderPage(assets: Assets): Page {
  const importMap = JSON.stringify({ imports: assets.importMap() });
  const mapHash = createHash('sha256').update(importMap).digest('base64');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>imgflow playground</title>
<link rel="stylesheet" href="${assets.url('style.css')}">
<link rel="icon" href="${assets.url('icon.svg')}" type="image/svg+xml">
<script type="importmap">${importMap}</script>
<script type="module" src="${assets.url('app.js')}"></script>
</head>
<body>
<a class="skip" href="#result-heading">Skip to the result</a>
<header class="top">
  <h1><img src="${assets.url('icon.svg')}" alt="" width="28" height="28"> imgflow playground</h1>
  <nav aria-label="Links"><a href="/docs">API docs</a> <a href="/graphs">Catalogue (JSON)</a> <a href="/healthz">Health</a></nav>
</header>
<p id="mode" class="mode" role="status"></p>
<main class="layout">
  <div class="controls">
    <section aria-labelledby="graph-heading">
      <h2 id="graph-heading">1. Graph</h2>
      <div id="graphs" class="graphs" role="radiogroup" aria-labelledby="graph-heading"><p>Loading the catalogue...</p></div>
      <p id="graph-description" class="description" aria-live="polite"></p>
    </section>
    <section aria-labelledby="input-heading">
      <h2 id="input-heading">2. Image</h2>
      <div id="samples" class="samples" role="group" aria-label="Sample images"></div>
      <div id="drop" class="drop" tabindex="0" aria-describedby="drop-help">
        <label for="file">Upload an image</label> <input id="file" type="file" accept="image/*">
        <p id="drop-help">or drop one here, or paste one (Ctrl+V / Cmd+V)</p>
      </div>
      <form id="url-form" class="url-form">
        <label for="url">Image URL</label>
        <input id="url" type="url" inputmode="url" placeholder="https://example.com/photo.jpg">
        <button type="submit">Use URL</button>
      </form>
      <p id="input-status" class="hint" aria-live="polite"></p>
    </section>
    <section aria-labelledby="params-heading">
      <h2 id="params-heading">3. Parameters</h2>
      <form id="params" class="params" novalidate></form>
      <div class="row">
        <label for="format">Format</label>
        <select id="format"><option>png</option><option>jpg</option><option>webp</option><option>avif</option></select>
        <button type="button" id="reset">Reset to defaults</button>
      </div>
    </section>
    <section id="signing" aria-labelledby="signing-heading" hidden>
      <h2 id="signing-heading">Signing</h2>
      <p class="hint">This server requires signed URLs. The page never sees an app secret: paste an admin token (JWT) and it asks the server to sign each request. The token stays in this tab's memory.</p>
      <label for="token">Admin token</label>
      <input id="token" type="password" autocomplete="off" spellcheck="false">
      <label for="app-key">Application</label>
      <select id="app-key"></select>
    </section>
  </div>
  <div class="output">
    <section aria-labelledby="result-heading">
      <h2 id="result-heading" tabindex="-1">Result</h2>
      <div id="compare" class="compare" data-empty="true">
        <img id="before" alt="Input image" hidden>
        <div class="after-clip"><img id="after" alt="Processed image (live preview)" hidden></div>
        <p class="placeholder">Choose an image to see the preview.</p>
      </div>
      <label for="split" class="split-label">Before / after</label>
      <input id="split" type="range" min="0" max="100" value="100" aria-describedby="split-help">
      <p id="split-help" class="hint">Left: the input; right: the result. 100 shows only the result.</p>
      <div id="progress-box" class="progress-box" hidden>
        <label for="progress">Job progress</label>
        <progress id="progress" max="1" value="0"></progress> <span id="progress-text"></span>
      </div>
      <p id="status" class="status" role="status" aria-live="polite"></p>
      <p id="error" class="error" role="alert"></p>
      <div class="row actions">
        <a id="download" class="button" download hidden>Download</a>
        <button type="button" id="copy-url" disabled>Copy URL</button>
      </div>
      <label for="request-url">Request</label>
      <output id="request-url" class="code"></output>
    </section>
    <section aria-labelledby="snippets-heading">
      <h2 id="snippets-heading">Embed it</h2>
      <div id="snippets"></div>
    </section>
  </div>
</main>
</body>
</html>
`;
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'sha256-${mapHash}'`,
    "style-src 'self'",
    // The "before" image may come straight from the URL the user typed.
    "img-src 'self' blob: data: http: https:",
    "connect-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
  return { html, csp };
}
