import { SiloError, messages } from '../errors';

/**
 * Refuses TypeScript's standard (TC39) decorator call shape: Silo, tsyringe and
 * class-validator rely on legacy decorators and emitted metadata.
 */
export function assertLegacyDecoratorCall(decorator: string, args: readonly unknown[]): void {
  const context = args[1];
  if (args.length === 2 && typeof context === 'object' && context !== null && 'kind' in context) {
    throw new SiloError('SILO303', messages.standardDecorators(decorator));
  }
}
