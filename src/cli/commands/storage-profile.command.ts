/**
 * `silo storage profile [FILE]`: summarises the storage profiles worker processes logged
 * with `SILO_STORAGE_PROFILE=1` (one record per execution, written by its destructor) from
 * a log file or stdin: per execution and in total, calls, bytes and time per operation.
 */
import { readFileSync } from 'node:fs';
import { formatProfile, mergeProfiles, type StorageProfile } from '../../observability';
import { CliError } from '../cli.error';

/** One execution's profile, as its destructor logged it. */
interface ProfileRecord {
  readonly execution: string;
  readonly processes: number;
  readonly profile: StorageProfile;
}

/** The storage-profile records among log lines: JSON objects anywhere in a line (a `[worker 42] ` prefix is fine). */
function profileRecords(text: string): ProfileRecord[] {
  const records: ProfileRecord[] = [];
  for (const line of text.split('\n')) {
    const at = line.indexOf('{');
    if (at < 0 || !line.includes('storage_profile')) continue;
    try {
      const record = JSON.parse(line.slice(at)) as Partial<ProfileRecord> & { event?: string };
      if (record.event === 'storage_profile' && typeof record.execution === 'string' && record.profile)
        records.push(record as ProfileRecord);
    } catch {
      // Not a JSON log line.
    }
  }
  return records;
}

/**
 * The summary of `text`'s storage profiles.
 */
export function storageProfileCommand(text: string): string {
  const records = profileRecords(text);
  if (records.length === 0) {
    throw new CliError(
      'silo storage profile found no storage profile in its input. Run the workers with SILO_STORAGE_PROFILE=1 and JSON logs (SILO_LOG_FORMAT=json; the default when stderr is not a terminal), and pass their stderr (silo run -v shows it) as FILE or on stdin.',
    );
  }
  const total: StorageProfile = {};
  const parts: string[] = [];
  for (const r of records) {
    mergeProfiles(total, r.profile);
    parts.push(
      `execution ${r.execution} (${r.processes} process${r.processes === 1 ? '' : 'es'})\n${formatProfile(r.profile)}\n`,
    );
  }
  if (records.length > 1) parts.push(`all ${records.length} executions\n${formatProfile(total)}\n`);
  return parts.join('\n');
}

/**
 * Reads `file` (`-` or nothing: stdin) for {@link storageProfileCommand}.
 */
export async function storageProfileFromFile(file: string | undefined): Promise<string> {
  if (file !== undefined && file !== '-') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(
        `silo storage profile cannot read ${file}: ${(error as Error).message}. Pass a worker log file, or - for stdin.`,
      );
    }
    return storageProfileCommand(text);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return storageProfileCommand(Buffer.concat(chunks).toString('utf8'));
}
