/**
 * A function as discovery would find it, built from a FunctionInfo round trip: what the
 * CLI's argument parsing and the client's argument binding receive.
 */
import { wire } from '../../../src/arrow';
import { type DiscoveredFunction, describeFunction } from '../../../src/client';
import { type ArgumentDescriptor, decodeFunctionInfo, encodeFunctionInfo } from '../../../src/protocol';

/** `top_k(k int64, data TABLE, by := utf8, ratio := float64, verbose := bool, tag := binary, small := int32, anything := any)`. */
export function topKLike(extra: readonly ArgumentDescriptor[] = []): DiscoveredFunction {
  return describeFunction(
    decodeFunctionInfo(
      encodeFunctionInfo({
        name: 'top_k',
        arguments: [
          { name: 'k', kind: 'positional', type: wire.int64(), doc: 'How many rows' },
          { name: 'data', kind: 'table' },
          { name: 'by', kind: 'named', type: wire.utf8(), default: 'score' },
          { name: 'ratio', kind: 'named', type: wire.float64() },
          { name: 'verbose', kind: 'named', type: wire.bool() },
          { name: 'tag', kind: 'named', type: wire.binary() },
          { name: 'small', kind: 'named', type: wire.int32() },
          { name: 'anything', kind: 'named', type: wire.null(), anyType: true },
          ...extra,
        ],
      }),
    ),
  );
}
