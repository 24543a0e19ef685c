import { setFlagsFromString } from 'node:v8';
import { applyV8Flags } from '../../../src/transport';

jest.mock('node:v8', () => ({ setFlagsFromString: jest.fn() }));

describe('applyV8Flags', () => {
  let cpuUs = 0;

  beforeEach(() => {
    jest.useFakeTimers();
    cpuUs = 5_000_000;
    jest.spyOn(process, 'cpuUsage').mockImplementation(() => ({ user: cpuUs, system: 0 }));
    (setFlagsFromString as jest.Mock).mockClear();
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('should set the flags at once, and the later ones only after that much more CPU', () => {
    const heard: string[] = [];
    applyV8Flags(
      {
        flags: ['--interrupt-budget=270336', '--max-opt=3'],
        later: { afterCpuMs: 1000, flags: ['--interrupt-budget=67584'] },
      },
      (flags) => heard.push(flags.join(' ')),
    );
    expect(setFlagsFromString).toHaveBeenCalledWith('--interrupt-budget=270336 --max-opt=3');
    cpuUs += 900_000;
    jest.advanceTimersByTime(5000);
    expect(setFlagsFromString).toHaveBeenCalledTimes(1);
    cpuUs += 100_000;
    jest.advanceTimersByTime(1000);
    expect(setFlagsFromString).toHaveBeenLastCalledWith('--interrupt-budget=67584');
    cpuUs += 10_000_000;
    jest.advanceTimersByTime(10_000);
    expect(setFlagsFromString).toHaveBeenCalledTimes(2);
    expect(heard).toEqual(['--interrupt-budget=270336 --max-opt=3', '--interrupt-budget=67584']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('should set nothing for an empty plan and leave no timer', () => {
    applyV8Flags({ flags: [] });
    expect(setFlagsFromString).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('should cancel the later step when asked', () => {
    const cancel = applyV8Flags({ flags: ['--max-opt=1'], later: { afterCpuMs: 1, flags: ['--max-opt=4'] } });
    cancel();
    cpuUs += 10_000_000;
    jest.advanceTimersByTime(10_000);
    expect(setFlagsFromString).toHaveBeenCalledTimes(1);
  });
});
