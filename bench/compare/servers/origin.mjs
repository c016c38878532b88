// The one origin every peer fetches from: one JPEG with a Content-Length (like a static file
// server or S3), any path and query, and a count of GETs at /__count so the bench can check
// that every miss really fetched (and charge a server's CPU per request it really processed).
// Its own process, so serving bytes never competes with the bench's event loop.
//   node origin.mjs <image.jpg>    prints the port
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const jpeg = readFileSync(process.argv[2]);
let gets = 0;
const server = createServer((req, res) => {
  if (req.url === '/__count') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ gets }));
    return;
  }
  if (req.method === 'GET') gets++;
  res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length });
  res.end(req.method === 'HEAD' ? undefined : jpeg);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
