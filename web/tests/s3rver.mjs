// Starts @20minutes/s3rver (a local S3 server that verifies SigV4) with its command-line
// options: the published package ships its CLI module but no bin script.
//   node web/tests/s3rver.mjs -d DIR -a 127.0.0.1 -p PORT [--silent]
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
await require('@20minutes/s3rver/lib/cli.js').parseAsync(process.argv);
