import { createServer } from "node:http";

// The baseline: the least a Node HTTP server can do to answer a small JSON body.
const body = JSON.stringify({ status: "ok", version: "0.0.0", uptimeSeconds: 1 });
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object") process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
