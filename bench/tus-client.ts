// One tus upload from its own process, as `shoebox upload` and curl run: bench/tus-upload.ts
// starts it, so the client's work is not done in the bench's process (which holds the server's
// pipes and the test helpers). Prints one JSON line: the seconds from start to the last answer
// (Node's start-up not counted, as curl's is negligible), the answer, and with --cut, the
// fractions at which the proxy in front was told to cut the connection (a line "cut" on stdout,
// read by the bench).
//
// Run: node --import tsx bench/tus-client.ts <endpoint> <token> <file> <chunk-bytes> [--cut 0.4,0.7]
import { createReadStream, statSync } from 'node:fs';
import * as tus from 'tus-js-client';

const [endpoint, token, file, chunk, flag, cutList] = process.argv.slice(2);
const cuts = flag === '--cut' ? cutList!.split(',').map(Number) : [];
const size = statSync(file!).size;
const started = process.hrtime.bigint();
const upload = new tus.Upload(createReadStream(file!), {
  endpoint: endpoint!,
  chunkSize: Number(chunk),
  uploadSize: size,
  headers: { authorization: `Bearer ${token}` },
  metadata: { filename: file!.split('/').at(-1)! },
  retryDelays: [0, 200, 1000],
  onProgress(sent) {
    if (cuts.length && sent / size >= cuts[0]!) {
      process.stdout.write(`cut ${(sent / size).toFixed(3)}\n`);
      cuts.shift();
    }
  },
  onSuccess({ lastResponse }) {
    process.stdout.write(`${JSON.stringify({ seconds: Number(process.hrtime.bigint() - started) / 1e9, body: lastResponse.getBody() })}\n`);
  },
  onError(err) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  },
});
upload.start();
