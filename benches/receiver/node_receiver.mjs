// Benchmark anchor: a Node `http` receiver doing the same verify + parse as
// the bare hyper anchor (HMAC-SHA256 in constant time, JSON.parse, the
// connector id compared), storing nothing. Usage:
//   ERPOPS_BENCH_SECRET=… ERPOPS_BENCH_CONNECTOR=… node node_receiver.mjs 18082
import crypto from 'node:crypto';
import http from 'node:http';

const secret = process.env.ERPOPS_BENCH_SECRET;
const connector = process.env.ERPOPS_BENCH_CONNECTOR;
const port = Number(process.argv[2] || 18082);
const LIMIT = 64 * 1024;

http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > LIMIT) { res.writeHead(413).end(); req.destroy(); return; }
    chunks.push(c);
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const header = String(req.headers['x-erpops-signature'] || '');
    const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
    const mac = crypto.createHmac('sha256', secret).update(body).digest();
    if (!m || !crypto.timingSafeEqual(mac, Buffer.from(m[1], 'hex'))) {
      res.writeHead(401).end(); return;
    }
    let event;
    try { event = JSON.parse(body.toString('utf8')); } catch { res.writeHead(422).end(); return; }
    if (!event || event.connector_id !== connector) { res.writeHead(422).end(); return; }
    res.writeHead(202, { 'Content-Type': 'application/json' });
    res.end('{"status":"accepted"}');
  });
}).listen(port, '127.0.0.1');
