// Ways to use the current request elsewhere: the URL, curl, `imgflow sign`, and rig's
// <picture>, srcset and CSS breakpoints. Secrets are never in the page: snippets read them
// from the environment.

const shellQuote = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;
const js = (v) => JSON.stringify(v);

/** [{ title, code }] for: origin, graph, ext, params (Map), input, mode, key, url (the request's). */
export function snippets({ origin, graph, ext, params, input, mode, key, request }) {
  const abs = `${origin}${request.url}`;
  const out = [];
  out.push({ title: 'Request URL', code: request.method === 'GET' ? abs : `POST ${abs}\n(the image is the request body)` });
  out.push({
    title: 'curl',
    code: request.method === 'GET'
      ? `curl -o ${graph}.${ext} ${shellQuote(abs)}`
      : `curl --data-binary @photo.jpg -o ${graph}.${ext} ${shellQuote(abs)}`,
  });
  const inputUrl = input.kind === 'url' ? input.url : 'https://example.com/photo.jpg';
  const args = [`${graph}.${ext}`, `input=${inputUrl}`, ...[...params].map(([k, v]) => `${k}=${v}`)].map(shellQuote).join(' ');
  out.push({
    title: 'imgflow sign (signed URL for an app)',
    code: `npx imgflow sign ${args} \\\n  --key ${shellQuote(key || 'mysite')} --secret "$IMGFLOW_SECRET" --server ${shellQuote(origin)}`,
  });
  const paramsObj = Object.fromEntries(params);
  const setup = `import { picture, srcset, breakpoints } from 'imgflow/rig';

// On your server or at build time: the secret signs URLs and must not reach browsers.
const config = { server: ${js(origin)}, key: ${js(key || 'mysite')}, secret: process.env.IMGFLOW_SECRET };
const block = { cover: { src: ${js(inputUrl)}, width: 2000, height: 1333 } }; // the original's real size
const options = { block, config, graph: ${js(graph)}, params: ${js(paramsObj)} };`;
  out.push({ title: 'rig: <picture> with avif/webp/jpeg sources', code: `${setup}\n\nconst html = await picture({ ...options, breakpoints: [480, 960, 1440], sizes: '100vw', alt: '' });` });
  out.push({ title: 'rig: srcset', code: `${setup}\n\nconst { src, srcset: set, sizes } = await srcset({ ...options, ext: ${js(ext)}, breakpoints: [480, 960, 1440], sizes: '100vw' });\n// <img src="\${src}" srcset="\${set}" sizes="\${sizes}" alt="">` });
  out.push({ title: 'rig: CSS background per breakpoint', code: `${setup}\n\nconst css = await breakpoints({ ...options, ext: ${js(ext)}, property: 'width', selector: '.hero', breakpoints: [576, 992, 1400] });` });
  if (mode !== 'open') out[0].title += ' (signed for this page by the server)';
  return out;
}
