import { type RecordBatch, tableFromArrays } from 'apache-arrow';
import { driveSink, type SinkCalls } from '../../../src/lifecycle';

const text = new TextEncoder();
const batches = (count: number): RecordBatch[] =>
  Array.from({ length: count }, (_, i) => tableFromArrays({ x: Int32Array.from([i]) }).batches[0]);
const firstX = (b: RecordBatch): number => b.getChildAt(0)!.get(0) as number;

/** Connections named by letter; `delay(name, x)` says how many timer turns a process call of batch `x` takes. */
function scripted(delay: (name: string, x: number) => number = () => 0) {
  const log: string[] = [];
  const calls: SinkCalls<string> = {
    init: async (name, executionId) => {
      log.push(`${name}:init:${executionId === null ? 'mint' : 'join'}`);
      await Promise.resolve();
      return executionId ?? text.encode('exec');
    },
    process: async (name, batch, batchIndex, executionId) => {
      const x = firstX(batch);
      for (let i = 0; i < delay(name, x); i++) await new Promise((resolve) => setImmediate(resolve));
      log.push(`${name}:process:${x}:${batchIndex ?? '-'}:${new TextDecoder().decode(executionId)}`);
      return text.encode(`${name}${x}`);
    },
  };
  return { log, calls };
}
const ids = (list: readonly Uint8Array[]): string[] => list.map((id) => new TextDecoder().decode(id));

describe('driveSink', () => {
  it('should combine on the connection that finished last, with the last state ids in completion order', async () => {
    // a's first batch is slow: b joins, sinks the rest and finishes first.
    const { log, calls } = scripted((name, x) => (name === 'a' && x === 0 ? 50 : 0));
    const outcome = await driveSink({
      batches: batches(4),
      connections: ['a', 'b'],
      batchesPerMorsel: 1,
      batchIndex: true,
      calls,
    });
    expect(ids(outcome.stateIds)).toEqual(['b3', 'a0']);
    expect(outcome.combiner).toBe('a');
    expect(outcome.used).toEqual(['a', 'b']);
    expect(log).toEqual([
      'a:init:mint',
      'b:init:join',
      'b:process:1:1:exec',
      'b:process:2:2:exec',
      'b:process:3:3:exec',
      'a:process:0:0:exec',
    ]);
  });

  it('should give consecutive batches of one morsel the same batch index and one connection', async () => {
    const { log, calls } = scripted();
    const outcome = await driveSink({
      batches: batches(5),
      connections: ['a', 'b'],
      batchesPerMorsel: 2,
      batchIndex: true,
      calls,
    });
    const processed = log.filter((l) => l.includes(':process:')).map((l) => l.split(':').slice(0, 4).join(':'));
    expect(processed.sort()).toEqual([
      'a:process:0:0',
      'a:process:1:0',
      'a:process:4:2',
      'b:process:2:1',
      'b:process:3:1',
    ]);
    expect(outcome.stateIds).toHaveLength(2);
  });

  it('should never init a connection that got no morsel, and combine on the primary when it sank everything', async () => {
    const { log, calls } = scripted();
    const outcome = await driveSink({
      batches: batches(2),
      connections: ['a', 'b', 'c'],
      batchesPerMorsel: 2,
      batchIndex: false,
      calls,
    });
    expect(log).toEqual(['a:init:mint', 'a:process:0:-:exec', 'a:process:1:-:exec']);
    expect([outcome.combiner, outcome.used, ids(outcome.stateIds)]).toEqual(['a', ['a'], ['a1']]);
  });

  it('should pull a streamed input one morsel at a time and stop every connection at the first failure', async () => {
    const { calls } = scripted();
    let read = 0;
    async function* input(): AsyncGenerator<RecordBatch> {
      for (const b of batches(6)) {
        read++;
        yield b;
      }
    }
    const failing: SinkCalls<string> = {
      ...calls,
      process: (name, batch, index, id) =>
        firstX(batch) === 2 ? Promise.reject(new Error('boom on 2')) : calls.process(name, batch, index, id),
    };
    await expect(
      driveSink({ batches: input(), connections: ['a', 'b'], batchesPerMorsel: 1, batchIndex: false, calls: failing }),
    ).rejects.toThrow('boom on 2');
    expect(read).toBeLessThan(6);
  });

  it('should stop taking morsels once stopped() says so, and report the minted execution first', async () => {
    const { calls } = scripted();
    const minted: string[] = [];
    let sunk = 0;
    const outcome = await driveSink({
      batches: batches(10),
      connections: ['a'],
      batchesPerMorsel: 1,
      batchIndex: false,
      calls,
      stopped: () => sunk >= 3,
      onBatch: () => sunk++,
      onMinted: (id) => minted.push(new TextDecoder().decode(id)),
    });
    expect([sunk, minted, ids(outcome.stateIds)]).toEqual([3, ['exec'], ['a2']]);
  });
});
