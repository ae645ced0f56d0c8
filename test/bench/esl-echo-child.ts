// The floor under the concurrent-calls benchmark (esl.bench.ts): a process that answers every
// Event Socket command at once with `+OK` and does nothing else. The round trip to it is what two
// Node processes on this machine take to wake each other, with no ESL work on either side.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

const REPLY = 'Content-Type: command/reply\nReply-Text: +OK\n\n';
const server = createServer((socket) => {
  socket.setNoDelay(true);
  let buf = '';
  socket.on('data', (chunk: Buffer) => {
    buf += chunk.toString('latin1');
    let end: number;
    while ((end = buf.indexOf('\n\n')) !== -1) {
      buf = buf.slice(end + 2);
      socket.write(REPLY);
    }
  });
  socket.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
