/**
 * Long fuzz run of the request loop: mutated requests of every method (bit flips, hostile
 * uint32 lengths, truncation, splices) served in-process; each must be answered or its
 * connection closed within the deadline, and a fresh connection served afterwards.
 *
 *   node -r ./test/support/register-ts.js bench/fuzz.ts --inputs 100000 --seed 1 [--deadline-ms 250] [--keep-open]
 *
 * By default the client closes its side after each input; with `--keep-open` the
 * connection stays open as DuckDB's pipe does, and inputs cut short wait for the read
 * timeout (40 ms here) instead.
 *
 * Prints the inputs, the outcomes (answered / closed / timeouts: an input that misses the
 * deadline is served again, up to 3 times, so a busy machine is not mistaken for a
 * hostile input), the worst time to an answer or close and the most CPU time one input
 * took (what decoding it cost, whatever else the machine runs), with the inputs; exits 1 if any input timed out or left the
 * handler unable to serve a fresh connection.
 */
import { fuzz, fuzzTarget } from '../test/fixtures/wire/request-fuzzer';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} takes a whole number, got "${process.argv[at + 1]}"`);
  return value;
}

async function main(): Promise<void> {
  const inputs = option('inputs', 10_000);
  const seed = option('seed', 1);
  const deadlineMs = option('deadline-ms', 250);
  const target = await fuzzTarget();
  const started = performance.now();
  const report = await fuzz(target, {
    inputs,
    seed,
    deadlineMs,
    endInput: !process.argv.includes('--keep-open'),
    onProgress: (soFar) => {
      if (soFar.inputs % 10_000 !== 0) return;
      const { answered, closed, timeout } = soFar.outcomes;
      process.stderr.write(
        `${soFar.inputs} inputs, ${((performance.now() - started) / 1000).toFixed(1)} s: answered ${answered}, closed ${closed}, timeouts ${timeout} (${soFar.retried} met the deadline on a retry), worst ${soFar.worstMs.toFixed(1)} ms, worst CPU ${soFar.worstCpuMs.toFixed(1)} ms\n`,
      );
    },
  });
  await target.close();
  const { answered, closed, timeout } = report.outcomes;
  const mode = process.argv.includes('--keep-open') ? 'connections kept open' : 'client EOF after each input';
  console.log(
    `inputs:   ${report.inputs} (seed ${seed}, deadline ${deadlineMs} ms, ${mode}, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  console.log(
    `outcomes: answered ${answered}, closed ${closed}, timeouts ${timeout} (each timeout is served up to 3 times; ${report.retried} met the deadline on a retry)`,
  );
  console.log(`worst:    ${report.worstMs.toFixed(1)} ms to an answer or close (${report.worst})`);
  console.log(`worst decode CPU: ${report.worstCpuMs.toFixed(1)} ms (${report.worstCpu})`);
  console.log(`unserved fresh connections afterwards: ${report.unserved.length}`);
  for (const how of [...report.timeouts, ...report.unserved].slice(0, 20)) console.log(`  ${how}`);
  process.exitCode = timeout > 0 || report.unserved.length > 0 ? 1 : 0;
}

void main();
