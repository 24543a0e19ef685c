import { StderrLogger } from '../../../../src/providers/logging';
import { executionLogger } from '../../../../src/container/execution-container';

describe('StderrLogger', () => {
  const execution = {
    executionId: Uint8Array.from([0x9f, 0x1c, 0, 1, 2, 3, 4, 5]),
    functionName: 'top_k',
    schemaName: 'main',
    attachId: new Uint8Array(0),
    workerPath: 'w',
  };

  it('should write one JSON object per line, with the execution id on every line of an execution', () => {
    const lines: string[] = [];
    const root = new StderrLogger('info', { format: 'json', write: (l) => lines.push(l) });
    const log = executionLogger(root, execution);
    log.info('merging', { runs: 3 });
    log.debug('below the threshold');
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'info',
      msg: 'merging',
      runs: 3,
      function: 'top_k',
      execution: '9f1c000102030405',
      pid: process.pid,
    });
  });

  it('should write readable lines for a terminal, tagged with the execution', () => {
    const lines: string[] = [];
    const log = executionLogger(
      new StderrLogger('debug', { format: 'pretty', write: (l) => lines.push(l) }),
      execution,
    );
    log.warn('slow storage', { ms: 12 });
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[9f1c0001… top_k\] slow storage ms=12\n$/);
  });

  it('should take its threshold from SILO_LOG_LEVEL', () => {
    const saved = process.env.SILO_LOG_LEVEL;
    process.env.SILO_LOG_LEVEL = 'WARN';
    try {
      const lines: string[] = [];
      const log = new StderrLogger(undefined, { format: 'json', write: (l) => lines.push(l) });
      log.info('hidden');
      log.warn('shown');
      expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['shown']);
    } finally {
      if (saved === undefined) delete process.env.SILO_LOG_LEVEL;
      else process.env.SILO_LOG_LEVEL = saved;
    }
  });
});
