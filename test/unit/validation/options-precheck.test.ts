import { validateOptions } from '../../../src/validation/options.schema';
import { validateOptionsWithClassValidator } from '../../../src/validation/options-schema.classes';

/** Options that are valid, and single-option variants that break or stretch each rule. */
const VALID = {
  name: 'top_k',
  schema: 'main',
  description: 'keeps the k largest',
  categories: ['ranking', 'aggregate'],
  tags: { team: 'data' },
  examples: [{ sql: 'SELECT 1', description: 'one', expectedOutput: '1' }],
  sinkOrderDependent: false,
  sourceOrderDependent: true,
  requiresInputBatchIndex: false,
  projectionPushdown: true,
  filterPushdown: false,
  autoApplyFilters: true,
  maxWorkers: 99999,
  requiredSettings: ['threads'],
  requiredSecrets: [{ type: 's3', scope: 's3://bucket', name: 'mine' }],
  stability: 'volatile',
  cardinality: { estimate: 0, max: 10 },
};

const VARIANTS: Record<string, unknown>[] = [
  {},
  { name: undefined },
  { name: 'x'.repeat(255) },
  { name: 'x'.repeat(256) },
  { name: 7 },
  { schema: null },
  { schema: 3 },
  { categories: ['a', 'a'] },
  { categories: 'a' },
  { categories: [1] },
  { tags: [] },
  { tags: null },
  { tags: 'x' },
  { examples: [{}] },
  { examples: [{ sql: 1 }] },
  { examples: [5] },
  { examples: [[{ sql: 'x' }]] },
  { examples: {} },
  { sinkOrderDependent: 'yes' },
  { maxWorkers: 0 },
  { maxWorkers: 100000 },
  { maxWorkers: 1.5 },
  { maxWorkers: '4' },
  { maxWorkers: null },
  { requiredSettings: ['no-dashes'] },
  { requiredSettings: ['ok', ''] },
  { requiredSecrets: [{ type: '  ' }] },
  { requiredSecrets: [{ type: 's3', scope: 1 }] },
  { requiredSecrets: [{}] },
  { stability: 'sometimes' },
  { cardinality: { estimate: -1 } },
  { cardinality: { max: 2.5 } },
  { cardinality: [] },
  { cardinality: 3 },
  { unknownOption: 1, args: 'ignored', state: 'ignored' },
];

describe('validateOptions', () => {
  it.each(VARIANTS.map((v) => [JSON.stringify(v), v]))(
    "should give class-validator's verdict for the options with %s",
    (_label, variant) => {
      const options = { ...VALID, ...(variant as Record<string, unknown>) };
      const classValidatorErrors = validateOptionsWithClassValidator(options);
      const violations = validateOptions(options);
      expect(violations.length === 0).toBe(classValidatorErrors.length === 0);
    },
  );

  it("should report each broken rule with its dotted path and class-validator's message", () => {
    expect(validateOptions({ name: 'f', maxWorkers: 0, examples: [{ sql: 1 }] })).toEqual([
      { option: 'examples.0.sql', constraint: 'must be a string' },
      { option: 'maxWorkers', constraint: 'must not be less than 1' },
    ]);
  });
});
