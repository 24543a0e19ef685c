import { classValidatorRulesExist, validateDecorated } from '../../../src/common/class-validator.lazy';

describe('validateDecorated', () => {
  it('should pass everything without class-validator while no class declares a rule, then apply the rules once one does', async () => {
    // Each test file runs in its own global context: no decorator ran here yet.
    expect(classValidatorRulesExist()).toBe(false);
    expect(validateDecorated({ n: -1 }, { forbidUnknownValues: false })).toEqual([]);

    const { Min } = await import('class-validator');
    class Args {
      @Min(0) n = -1;
    }
    expect(classValidatorRulesExist()).toBe(true);
    const errors = validateDecorated(new Args(), { forbidUnknownValues: false });
    expect(errors.map((e) => e.property)).toEqual(['n']);
    expect(validateDecorated(Object.assign(new Args(), { n: 3 }), { forbidUnknownValues: false })).toEqual([]);
  });
});
