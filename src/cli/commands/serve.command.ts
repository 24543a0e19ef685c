/**
 * `silo serve <entry> [--unix PATH] [worker flags...]`: runs the worker entry, which
 * serves itself (stdio by default, a unix socket with `--unix`). The entry's stdio is this
 * process's stdio, signals are forwarded, and its exit status becomes ours.
 */
import { spawn } from 'node:child_process';
import { resolveEntryCommand } from '../entry-command';

/**
 * Runs the entry until it exits; resolves with its exit code (128 + n after signal n).
 */
export async function serveCommand(entry: string, workerArgs: readonly string[]): Promise<number> {
  const { command } = resolveEntryCommand(entry, workerArgs);
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 0)));
    });
  } finally {
    for (const s of signals) process.removeListener(s, forward);
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 1;
}
