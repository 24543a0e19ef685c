/**
 * The shape `@BufferingFunction()` options must have, as class-validator rules. Loaded by
 * `options.schema.ts` only for options its own check cannot vouch for, so a worker whose
 * options are well-formed never loads class-validator for them.
 */
import {
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { SQL_IDENTIFIER } from './sql-identifier';

export class ExampleSchema {
  @IsString() sql!: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional() @IsString() expectedOutput?: string;
}

export class RequiredSecretSchema {
  @IsString() @Matches(/\S/, { message: 'must not be blank' }) type!: string;
  @IsOptional() @IsString() scope?: string;
  @IsOptional() @IsString() name?: string;
}

export class CardinalitySchema {
  @IsOptional() @IsInt() @Min(0) estimate?: number;
  @IsOptional() @IsInt() @Min(0) max?: number;
}

/**
 * The shape `@BufferingFunction()` options must have, as class-validator rules. Name
 * syntax is checked separately (it has its own code, SILO107).
 */
export class BufferingFunctionOptionsSchema {
  @IsString() @MaxLength(255) name!: string;
  @IsOptional() @IsString() schema?: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @ArrayUnique({ message: 'must not repeat a value' })
  categories?: string[];
  @IsOptional() @IsObject() tags?: Record<string, string>;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) examples?: ExampleSchema[];
  @IsOptional() @IsBoolean() sinkOrderDependent?: boolean;
  @IsOptional() @IsBoolean() sourceOrderDependent?: boolean;
  @IsOptional() @IsBoolean() requiresInputBatchIndex?: boolean;
  @IsOptional() @IsBoolean() projectionPushdown?: boolean;
  @IsOptional() @IsBoolean() filterPushdown?: boolean;
  @IsOptional() @IsBoolean() autoApplyFilters?: boolean;
  @IsOptional() @IsInt() @Min(1) @Max(99999) maxWorkers?: number;
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @Matches(SQL_IDENTIFIER, { each: true, message: 'must hold DuckDB setting names (letters, digits, underscores)' })
  requiredSettings?: string[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) requiredSecrets?: RequiredSecretSchema[];
  @IsOptional() @IsIn(['consistent', 'volatile', 'consistentWithinQuery']) stability?: string;
  @IsOptional() @ValidateNested() cardinality?: CardinalitySchema;
}

function instantiate<T extends object>(cls: new () => T, plain: Record<string, unknown>): T {
  return Object.assign(new cls(), plain);
}

/** Nested plain objects become schema instances so @ValidateNested can check them. */
function toSchema(options: Record<string, unknown>): BufferingFunctionOptionsSchema {
  const copy: Record<string, unknown> = { ...options };
  const nest = <T extends object>(value: unknown, cls: new () => T): unknown =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? instantiate(cls, value as Record<string, unknown>)
      : value;
  if (Array.isArray(copy.examples)) copy.examples = copy.examples.map((e) => nest(e, ExampleSchema));
  if (Array.isArray(copy.requiredSecrets))
    copy.requiredSecrets = copy.requiredSecrets.map((s) => nest(s, RequiredSecretSchema));
  copy.cardinality = nest(copy.cardinality, CardinalitySchema);
  delete copy.args;
  delete copy.state;
  return instantiate(BufferingFunctionOptionsSchema, copy);
}

/**
 * class-validator's verdict on `@BufferingFunction()` options.
 */
export function validateOptionsWithClassValidator(options: Record<string, unknown>): ValidationError[] {
  return validateSync(toSchema(options), { forbidUnknownValues: false });
}
