/**
 * What every benchmark writes into bench/RESULTS.md: a description of the machine it ran
 * on, and its own `## …` section, replaced on each `--write` run.
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** `nproc`, `free -h`, the node version and the load average (a busy machine skews every figure). */
export function machine(): string {
  const run = (command: string) => {
    try {
      return execSync(command, { encoding: 'utf8' }).trimEnd();
    } catch {
      return `(${command} unavailable)`;
    }
  };
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return [
    '```',
    `$ nproc\n${run('nproc')}`,
    `$ free -h\n${run('free -h')}`,
    `$ node --version\n${process.version}`,
    `$ uptime\n${run('uptime')}`,
    `(${cpu})`,
    '```',
  ].join('\n');
}

/**
 * Replaces the section that starts with `heading` (up to the next `## ` heading) in the
 * results file at `path` with `section`, or appends it when the file has no such section.
 */
export function writeSection(path: string, heading: string, section: string): void {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n\n';
  const start = current.indexOf(heading);
  let updated: string;
  if (start < 0) {
    updated = `${current.trimEnd()}\n\n${section}`;
  } else {
    const rest = current.indexOf('\n## ', start + 1);
    updated = current.slice(0, start) + section + (rest < 0 ? '' : `\n${current.slice(rest + 1)}`);
  }
  writeFileSync(path, updated);
}
