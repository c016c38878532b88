// IPX as its README serves it (createIPX + ipxHttpStorage + createIPXNodeServer), from the
// scratch install the bench made. SHARP_FROM=<dir>: resolve `sharp` from <dir> instead of
// IPX's own dependency (see sharp-hook.mjs).
//   IPX_DIR=<install dir> [SHARP_FROM=<dir>] node ipx.mjs     prints the port
import { createServer } from 'node:http';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

if (process.env.SHARP_FROM) {
  register('./sharp-hook.mjs', import.meta.url, { data: { parentURL: pathToFileURL(`${process.env.SHARP_FROM}/package.json`).href } });
}
const ipxEntry = pathToFileURL(`${process.env.IPX_DIR}/node_modules/ipx/dist/index.mjs`).href;
const { createIPX, createIPXNodeServer, ipxHttpStorage } = await import(ipxEntry);
const ipx = createIPX({ httpStorage: ipxHttpStorage({ domains: ['127.0.0.1'] }) });
const server = createServer(createIPXNodeServer(ipx));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
