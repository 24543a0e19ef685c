import { SiloError, messages } from '../../errors';

/** One secret DuckDB resolved for a bind. */
export interface Secret {
  /** The secret's name (or the column name DuckDB sent it under). */
  readonly name: string;
  /** DuckDB secret type (`s3`, `http`, ...), when known. */
  readonly type?: string;
  /** Key/value pairs of the secret (`key_id`, `secret`, `region`, ...). */
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * The secrets of the current bind, injected with `SECRETS`. Values are never written to
 * storage in plaintext.
 *
 * @example
 * ```ts
 * constructor(@Inject(SECRETS) private readonly secrets: Secrets) {}
 * const s3 = this.secrets.byType('s3');
 * const key = s3?.values.key_id;
 * ```
 */
export class Secrets {
  private readonly list: readonly Secret[];

  constructor(secrets: readonly Secret[] = []) {
    this.list = secrets;
  }

  /** Every secret, in the order DuckDB sent them. */
  all(): readonly Secret[] {
    return this.list;
  }

  /** The secret with this name. */
  get(name: string): Secret | undefined {
    return this.list.find((s) => s.name === name);
  }

  /** The first secret of this DuckDB type. */
  byType(type: string): Secret | undefined {
    return this.list.find((s) => s.type === type);
  }

  /** The secret with this name, or an error saying how to provide it. */
  require(name: string): Secret {
    const found = this.get(name);
    if (!found) {
      throw new SiloError(
        'SILO508',
        messages.secretNotProvided(
          name,
          this.list.map((s) => s.name),
        ),
      );
    }
    return found;
  }
}
