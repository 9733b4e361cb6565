// Starts PostGraphile (graphile.config.mjs) on HOST:PORT (default
// 127.0.0.1:0, a free port the kernel picks) and prints, once it listens,
//   postgraphile listening on http://127.0.0.1:PORT/graphql
// as its first line on standard output. GET /healthz answers 200 "ok" once
// the schema is built. TERM or INT close the server and exit.
// Run it with the Node 22 of node_modules/node (start.sh does).
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import preset from "./graphile.config.mjs";

const host = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT || 0);

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
// Build the schema before listening, so a listening server answers at once.
await pgl.getSchemaResult();

const handler = serv.createHandler();
const server = createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end("ok\n");
    return;
  }
  handler(req, res);
});
server.keepAliveTimeout = 90_000;
server.listen(port, host, () => {
  const addr = server.address();
  console.log(`postgraphile listening on http://${host}:${addr.port}/graphql (node ${process.version})`);
});

let stopping = false;
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 3000).unref(); // the pool's release can linger
    pgl.release().finally(() => process.exit(0));
  });
}
