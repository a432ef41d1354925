// An HTTP proxy that forwards every request to a target server unchanged (headers included, so
// SigV4 signatures still verify) except those whose URL matches a pattern: for those it reads
// part of the body and then drops the connection, as a network fault in the middle of an upload.
//   node web/tests/fault_proxy.mjs --target http://127.0.0.1:PORT --fail 'partNumber=2&'
// Prints "listening PORT" once ready, then "fault METHOD URL" for each request it cut and
// "forward METHOD URL" for each it passed on.
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    fail: { type: 'string' },
    port: { type: 'string', default: '0' },
  },
});
const target = new URL(values.target);
const failing = values.fail ? new RegExp(values.fail) : null;

const server = http.createServer((request, response) => {
  if (failing && failing.test(request.url)) {
    let received = 0;
    request.on('data', (chunk) => {
      received += chunk.length;
      if (received >= 64 * 1024) {
        console.log(`fault ${request.method} ${request.url}`);
        request.socket.destroy();
      }
    });
    request.on('end', () => request.socket.destroy());
    return;
  }
  console.log(`forward ${request.method} ${request.url}`);
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port,
      method: request.method,
      path: request.url,
      headers: request.headers,
    },
    (answer) => {
      response.writeHead(answer.statusCode, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on('error', () => request.socket.destroy());
  request.pipe(upstream);
});
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
