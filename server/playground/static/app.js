// The playground: pick a graph, an image and parameters; the preview follows the controls.
import { buildForm } from './form.js';
import { buildRequest, runRequest } from './request.js';
import { snippets } from './snippets.js';

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 250;
const EXT_TYPES = new Map([['png', 'image/png'], ['jpg', 'image/jpeg'], ['webp', 'image/webp'], ['avif', 'image/avif']]);

const state = {
  config: undefined,
  graph: undefined,
  form: undefined,
  input: undefined, // {kind: 'url', url} | {kind: 'bytes', blob, name}
  beforeUrl: undefined,
  afterUrl: undefined,
  request: undefined,
  running: undefined, // AbortController of the request in flight
  timer: undefined,
  generation: 0,
};

function setStatus(text) { $('status').textContent = text; }
function setError(text) { $('error').textContent = text; }

function signing() {
  if (state.config.mode !== 'signed') return undefined;
  return { token: $('token').value.trim(), key: $('app-key').value };
}

// ---- graphs ----

function graphCard(g, index) {
  const id = `graph-${g.name}`;
  const input = document.createElement('input');
  Object.assign(input, { type: 'radio', name: 'graph', id, value: g.name });
  input.setAttribute('aria-describedby', `${id}-desc`);
  if (index === 0) input.tabIndex = 0;
  const label = document.createElement('label');
  label.htmlFor = id;
  label.className = 'graph-card';
  const img = document.createElement('img');
  Object.assign(img, { src: g.thumbnail, alt: '', loading: 'lazy', width: 120, height: 80, decoding: 'async' });
  const name = document.createElement('span');
  name.className = 'graph-name';
  name.textContent = g.name;
  const desc = document.createElement('span');
  desc.className = 'graph-desc';
  desc.id = `${id}-desc`;
  desc.textContent = g.description;
  label.append(img, name, desc);
  if (g.longRunning || g.work?.class === 'job') {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = 'job';
    badge.title = 'Runs as a job: the page shows its progress';
    label.append(badge);
  }
  input.addEventListener('change', () => selectGraph(g.name, true));
  const wrap = document.createElement('div');
  wrap.className = 'graph-option';
  wrap.append(input, label);
  return wrap;
}

function selectGraph(name, fromUser) {
  const g = state.config.graphs.find((x) => x.name === name);
  if (!g) return;
  state.graph = g;
  const radio = $(`graph-${name}`);
  if (radio && !radio.checked) radio.checked = true;
  $('graph-description').textContent = `${g.name}: ${g.description}`;
  state.form = buildForm($('params'), g.parameters, schedule);
  if (fromUser) history.replaceState(null, '', `#${encodeURIComponent(name)}`);
  schedule();
}

// ---- input ----

function showBefore(url) {
  if (state.beforeUrl?.startsWith('blob:')) URL.revokeObjectURL(state.beforeUrl);
  state.beforeUrl = url;
  const before = $('before');
  before.src = url;
  before.hidden = false;
  $('compare').dataset.empty = 'false';
}

function useBytes(blob, name) {
  if (!blob.type.startsWith('image/') && blob.type !== '') {
    $('input-status').textContent = `${name} is not an image (${blob.type}).`;
    return;
  }
  state.input = { kind: 'bytes', blob, name };
  $('input-status').textContent = `Using ${name} (${Math.round(blob.size / 1024)} KiB), sent as the request body.`;
  showBefore(URL.createObjectURL(blob));
  schedule(0);
}

function useUrl(url) {
  state.input = { kind: 'url', url };
  $('input-status').textContent = `Using ${url}: the server fetches it.`;
  showBefore(url);
  schedule(0);
}

async function useSample(sample) {
  const res = await fetch(sample.url);
  useBytes(await res.blob(), `the ${sample.title.toLowerCase()} sample`);
}

function setUpInputs() {
  const box = $('samples');
  for (const s of state.config.samples) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'sample';
    b.dataset.sample = s.name;
    const img = document.createElement('img');
    Object.assign(img, { src: s.url, alt: '', width: 96, height: 64 });
    b.append(img, document.createTextNode(s.title));
    b.addEventListener('click', () => useSample(s));
    box.append(b);
  }
  $('file').addEventListener('change', (e) => {
    const f = e.target.files?.[0];
    if (f) useBytes(f, f.name);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = [...(e.dataTransfer?.files ?? [])].find((x) => x.type.startsWith('image/'));
    if (f) useBytes(f, f.name);
  });
  drop.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); $('file').click(); }
  });
  document.addEventListener('paste', (e) => {
    const item = [...(e.clipboardData?.items ?? [])].find((x) => x.kind === 'file' && x.type.startsWith('image/'));
    const f = item?.getAsFile();
    if (f) useBytes(f, 'the pasted image');
  });
  $('url-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const url = $('url').value.trim();
    if (!/^https?:\/\//i.test(url)) {
      $('input-status').textContent = 'Enter an http(s) URL.';
      return;
    }
    useUrl(url);
  });
}

// ---- preview ----

function schedule(delay = DEBOUNCE_MS) {
  clearTimeout(state.timer);
  state.timer = setTimeout(preview, delay);
}

function showProgress(status) {
  $('progress-box').hidden = false;
  $('progress').value = status.progress ?? 0;
  const pct = Math.round((status.progress ?? 0) * 100);
  const where = status.state === 'queued' && status.position !== undefined ? `, ${status.position} ahead` : '';
  $('progress-text').textContent = `${status.state} ${pct}%${where}`;
}

async function preview() {
  if (!state.graph || !state.input) return;
  state.running?.abort();
  const controller = new AbortController();
  state.running = controller;
  const generation = ++state.generation;
  const ext = $('format').value;
  const params = state.form.values();
  setError('');
  setStatus('Updating preview...');
  $('compare').setAttribute('aria-busy', 'true');
  $('progress-box').hidden = true;
  try {
    const request = await buildRequest({ graph: state.graph.name, ext, params, input: state.input, signing: signing(), signal: controller.signal });
    const t0 = performance.now();
    const result = await runRequest(request, { signal: controller.signal, onProgress: showProgress });
    if (generation !== state.generation) return;
    const url = URL.createObjectURL(result.blob);
    // Swap only once the new image is decoded: the previous one stays until then.
    const after = $('after');
    const next = new Image();
    next.src = url;
    await next.decode().catch(() => undefined);
    if (generation !== state.generation) { URL.revokeObjectURL(url); return; }
    if (state.afterUrl) URL.revokeObjectURL(state.afterUrl);
    state.afterUrl = url;
    after.src = url;
    after.hidden = false;
    after.dataset.generation = String(generation);
    state.request = request;
    const download = $('download');
    download.href = url;
    download.download = `${state.graph.name}.${ext}`;
    download.hidden = false;
    $('copy-url').disabled = false;
    $('request-url').textContent = `${request.method} ${location.origin}${request.url}`;
    setStatus(`Preview updated in ${Math.round(performance.now() - t0)} ms (${Math.round(result.blob.size / 1024)} KiB ${EXT_TYPES.get(ext) ?? result.type}).`);
    if (!$('progress-box').hidden) $('progress-text').textContent = 'succeeded 100%';
    renderSnippets(request, ext, params);
  } catch (err) {
    if (err.name === 'AbortError' || generation !== state.generation) return;
    setStatus('');
    setError(err.message);
  } finally {
    if (generation === state.generation) $('compare').removeAttribute('aria-busy');
  }
}

// ---- output ----

function renderSnippets(request, ext, params) {
  const list = snippets({ origin: location.origin, graph: state.graph.name, ext, params, input: state.input, mode: state.config.mode, key: $('app-key').value || state.config.keys[0], request });
  const box = $('snippets');
  box.replaceChildren();
  list.forEach((s, i) => {
    const id = `snippet-${i}`;
    const h = document.createElement('h3');
    h.textContent = s.title;
    h.id = `${id}-title`;
    const pre = document.createElement('pre');
    const code = document.createElement('code');
    code.id = id;
    code.textContent = s.code;
    pre.append(code);
    pre.tabIndex = 0;
    pre.setAttribute('aria-labelledby', h.id);
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.textContent = 'Copy';
    copy.setAttribute('aria-label', `Copy ${s.title}`);
    copy.addEventListener('click', () => copyText(s.code, copy));
    box.append(h, pre, copy);
  });
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Without clipboard permission: select it in a temporary field and ask the browser to copy.
    const area = document.createElement('textarea');
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  const was = button.textContent;
  button.textContent = 'Copied';
  setTimeout(() => { button.textContent = was; }, 1500);
}

function setUpOutput() {
  const split = $('split');
  const apply = () => $('compare').style.setProperty('--split', `${split.value}%`);
  split.addEventListener('input', apply);
  apply();
  $('copy-url').addEventListener('click', () => {
    if (state.request) copyText(`${location.origin}${state.request.url}`, $('copy-url'));
  });
  $('format').addEventListener('change', () => schedule(0));
  $('reset').addEventListener('click', () => state.form?.reset());
}

function setUpMode() {
  const { mode, keys } = state.config;
  const text = {
    open: 'Open mode: this server processes unsigned requests.',
    'signed+unsigned': 'This server accepts unsigned requests as well as signed ones.',
    signed: 'Signed mode: requests are signed by the server for an admin token (see Signing).',
  };
  $('mode').textContent = text[mode] ?? mode;
  if (mode !== 'signed') return;
  $('signing').hidden = false;
  for (const k of keys) {
    const o = document.createElement('option');
    o.value = o.textContent = k;
    $('app-key').append(o);
  }
  $('token').addEventListener('change', () => schedule(0));
  $('app-key').addEventListener('change', () => schedule(0));
}

async function start() {
  const res = await fetch('/playground/config');
  state.config = await res.json();
  setUpMode();
  const box = $('graphs');
  box.replaceChildren(...state.config.graphs.map(graphCard));
  setUpInputs();
  setUpOutput();
  const wanted = decodeURIComponent(location.hash.slice(1));
  const first = state.config.graphs.find((g) => g.name === wanted) ?? state.config.graphs.find((g) => g.name === 'gaussianblur') ?? state.config.graphs[0];
  if (first) selectGraph(first.name, false);
  document.body.dataset.ready = 'true';
}

start().catch((err) => setError(`The playground could not start: ${err.message}`));
