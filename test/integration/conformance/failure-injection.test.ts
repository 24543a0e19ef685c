import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Field, Int32, Schema, tableFromArrays } from 'apache-arrow';
import { UserCodeError, batchFromColumns } from 'vgi-silo';
import {
  CrashOnCombineFunction,
  CrashOnFinalizeFunction,
  HangOnProcessFunction,
} from '../../../samples/conformance/failure-injection.functions';
import { conformanceWorker, userError } from '../../unit/conformance/support';

const input = tableFromArrays({ x: Int32Array.from([1, 2, 3]) });

describe('crash_on_process', () => {
  it('should kill its own worker process with SIGKILL on the first process call', () => {
    const repo = join(__dirname, '../../..');
    const child = spawnSync(
      process.execPath,
      [
        '-r',
        join(repo, 'test/support/register-ts.js'),
        join(repo, 'test/fixtures/conformance/crash-on-process.child.ts'),
      ],
      {
        cwd: repo,
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(child.error).toBeUndefined();
    expect(child.stdout).toBe('running\n');
    expect(child.signal).toBe(process.platform === 'win32' ? 'SIGABRT' : 'SIGKILL');
    expect(child.status).toBeNull();
  });
});

describe('crash_on_combine', () => {
  it('should raise RuntimeError from combine after buffering the input', async () => {
    const worker = await conformanceWorker({ only: [CrashOnCombineFunction] });
    const error = await userError(
      worker.run('crash_on_combine', { input, sinkConnections: 2, batchSize: 2, chaos: true }),
    );
    expect([error.exceptionType, error.exceptionMessage, error.hook]).toEqual([
      'RuntimeError',
      'Intentional exception during combine()',
      'CrashOnCombineFunction#combine',
    ]);
  });
});

describe('crash_on_finalize', () => {
  it('should raise ValueError from the first finalize tick after a normal combine', async () => {
    const worker = await conformanceWorker({ only: [CrashOnFinalizeFunction] });
    const error = await userError(worker.run('crash_on_finalize', { input, chaos: true }));
    expect([error.exceptionType, error.exceptionMessage, error.hook]).toEqual([
      'ValueError',
      'Intentional exception during finalize()',
      'CrashOnFinalizeFunction#finalize',
    ]);
  });
});

describe('hang_on_process', () => {
  it('should sleep in process until the execution is destroyed, then stop', async () => {
    const worker = await conformanceWorker({ only: [HangOnProcessFunction] });
    const schema = new Schema([new Field('x', new Int32(), true)]);
    const bind = {
      functionName: 'hang_on_process',
      schemaPath: ['main'],
      arguments: { positional: [], named: {} },
      inputSchema: schema,
    };
    const bound = await worker.dispatcher.bind(bind);
    const { executionId } = await worker.dispatcher.initSink({ bind, outputSchema: bound.outputSchema });
    const started = Date.now();
    const call = worker.dispatcher.process({
      functionName: 'hang_on_process',
      schemaPath: ['main'],
      executionId,
      batch: batchFromColumns(schema, { x: [1] }),
    });
    const settled = call.then(
      () => 'returned',
      (e: unknown) => e,
    );
    expect(await Promise.race([settled, sleep(150).then(() => 'still sleeping')])).toBe('still sleeping');

    await worker.dispatcher.destroy({ executionId });
    const outcome = await settled;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcome).toBeInstanceOf(UserCodeError);
    expect((outcome as UserCodeError).exceptionMessage).toContain('The operation was aborted');
  });
});
