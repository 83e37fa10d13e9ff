import {readFileSync} from 'node:fs';
import {join} from 'node:path';

/** What sandbox/up started, for the demo and the benchmarks (tests read it through testkit's findSandbox). */
export function readSandbox() {
  return JSON.parse(readFileSync(join(process.env.CV_SANDBOX_DIR ?? '/var/lib/cv-sandbox', 'sandbox.json'), 'utf8'));
}
