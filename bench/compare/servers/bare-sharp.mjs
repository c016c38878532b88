// The floor for imgflow's uncached path: node:http, a keep-alive GET of the input, one sharp
// pipeline, the bytes back. No framework, no validation, no cache, no logging. sharp's
// operation cache off as imgflow has it (inputs differ on every request).
//   node bare-sharp.mjs          prints the port
//   GET /resize?w=400&f=webp|avif|jpeg&input=URL    GET /blur?sigma=4&input=URL (JPEG)
import http from 'node:http';
import sharp from 'sharp';

sharp.cache(false);
const agent = new http.Agent({ keepAlive: true });

function fetchInput(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`origin ${res.statusCode}`))));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const pipelines = {
  resize: (src, q) => sharp(src).resize(Number(q.get('w'))).toFormat(q.get('f') ?? 'webp'),
  blur: (src, q) => sharp(src).blur(Number(q.get('sigma'))).jpeg({ quality: 80 }),
};

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/healthz') return res.end('ok');
  const pipeline = pipelines[url.pathname.slice(1)];
  if (!pipeline) return res.writeHead(404).end();
  try {
    const src = await fetchInput(url.searchParams.get('input'));
    const { data, info } = await pipeline(src, url.searchParams).toBuffer({ resolveWithObject: true });
    res.writeHead(200, { 'content-type': `image/${info.format}`, 'content-length': data.length }).end(data);
  } catch (err) {
    res.writeHead(502, { 'content-type': 'text/plain' }).end(String(err));
  }
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
// An orderly exit on SIGTERM, so `node --cpu-prof` writes its profile (bench/miss-attribution.ts).
process.once('SIGTERM', () => process.exit(0));
