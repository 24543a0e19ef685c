/**
 * `vgi-silo/arrow`: apache-arrow exactly as vgi-silo loads it. In an ES module,
 * `import ... from 'apache-arrow'` loads apache-arrow's ESM build, whose classes are a
 * second copy beside the CommonJS build vgi-silo (a CommonJS package) uses, and vgi-silo
 * cannot read types built with them (SILO305). Importing from here gives both the same
 * copy; in CommonJS code it is the same as importing `apache-arrow`.
 *
 * @example
 * ```ts
 * import { Field, Int64, Schema, tableFromArrays } from 'vgi-silo/arrow';
 * const output = new Schema([new Field('total', new Int64(), false)]);
 * ```
 */
export * from 'apache-arrow';
