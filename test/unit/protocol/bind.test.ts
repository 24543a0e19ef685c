import { Field, Struct } from 'apache-arrow';
import { field, makeRowsBatch, schemaOf, serializeBatch, wire } from '../../../src/arrow';
import {
  bindArguments,
  decodeBindArguments,
  decodeBindRequest,
  decodeSecrets,
  encodeBindArguments,
  encodeBindRequest,
} from '../../../src/protocol';

describe('bind arguments (§4.8)', () => {
  it('should decode the captured args struct into positional and named values', () => {
    const schema = schemaOf([
      field(
        'args',
        wire.struct([
          field('positional_0', wire.float64(), true),
          field('positional_1', wire.utf8(), true),
          field('named_verbose', wire.utf8(), true),
        ]),
        true,
      ),
    ]);
    const bytes = serializeBatch(
      makeRowsBatch(schema, [{ args: { positional_0: 2, positional_1: 'lbl', named_verbose: 'yes' } }]),
    );
    const args = decodeBindArguments(bytes);
    expect(args.positional).toEqual([2, 'lbl']);
    expect(args.named).toEqual({ verbose: 'yes' });
    expect(args.types.positional.map(String)).toEqual(['Float64', 'Utf8']);
    expect(String(args.types.named.verbose)).toBe('Utf8');
  });

  it('should treat a struct without children and a null row as no arguments', () => {
    const bytes = encodeBindArguments(bindArguments([]));
    expect(decodeBindArguments(bytes)).toEqual({ positional: [], named: {}, types: { positional: [], named: {} } });
    const emptyStruct = schemaOf([new Field('args', new Struct([]), true)]);
    expect(decodeBindArguments(serializeBatch(makeRowsBatch(emptyStruct, [{ args: null }]))).positional).toEqual([]);
  });

  it('should keep int64 arguments as bigint and omitted named arguments absent', () => {
    const args = decodeBindArguments(
      encodeBindArguments(
        bindArguments([{ type: wire.int64(), value: 10000n }], { count: { type: wire.int64(), value: 5n } }),
      ),
    );
    expect(args.positional).toEqual([10000n]);
    expect(args.named).toEqual({ count: 5n });
    expect('sleep_ms' in args.named).toBe(false);
  });
});

describe('bind settings and secrets', () => {
  it('should decode settings into an object keyed by DuckDB setting name', () => {
    const settings = makeRowsBatch(
      schemaOf([field('threads', wire.int64(), true), field('TimeZone', wire.utf8(), true)]),
      [{ threads: 4n, TimeZone: 'UTC' }],
    );
    const bind = decodeBindRequest(encodeBindRequest({ functionName: 'f', settings }));
    expect(bind.settings).toEqual({ threads: 4n, TimeZone: 'UTC' });
  });

  it('should identify secrets by their type child, else field metadata, else the column name', () => {
    const secrets = makeRowsBatch(
      schemaOf([
        field(
          'my_s3',
          wire.struct([
            field('type', wire.utf8(), true),
            field('provider', wire.utf8(), true),
            field('name', wire.utf8(), true),
            field('scope', wire.utf8(), true),
            field('key_id', wire.utf8(), true),
          ]),
          true,
        ),
        field('secret_0', wire.struct([field('token', wire.utf8(), true)]), true, {
          secret_type: 'acme',
          scope: 'https://api',
        }),
        field('gcs', wire.struct([field('key', wire.utf8(), true)]), true),
      ]),
      [
        {
          my_s3: { type: 's3', provider: 'config', name: 'my_s3', scope: 's3://a\ns3://b', key_id: 'AKIA' },
          secret_0: { token: 't' },
          gcs: { key: 'k' },
        },
      ],
    );
    const decoded = decodeSecrets(serializeBatch(secrets));
    expect(decoded).toEqual([
      {
        column: 'my_s3',
        type: 's3',
        name: 'my_s3',
        provider: 'config',
        scope: ['s3://a', 's3://b'],
        values: { key_id: 'AKIA' },
      },
      { column: 'secret_0', type: 'acme', name: null, provider: null, scope: ['https://api'], values: { token: 't' } },
      { column: 'gcs', type: 'gcs', name: null, provider: null, scope: [], values: { key: 'k' } },
    ]);
    expect(decodeSecrets(null)).toEqual([]);
  });
});
