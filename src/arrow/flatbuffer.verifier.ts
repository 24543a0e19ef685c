/**
 * Bounded reading of an untrusted FlatBuffers buffer (the binary format of Arrow's IPC
 * metadata): every table, vtable, vector and string is checked to lie inside the buffer
 * before anything is read from it, and all the work is charged to a budget proportional to
 * the buffer's size.
 *
 * apache-arrow's generated readers trust the bytes: an out-of-range read yields zeros, and
 * a vector length is looped over as declared, so one corrupt uint32 (2^31 - 1 elements)
 * pins the event loop until the heap is exhausted. Everything those readers will visit is
 * walked here first, in time linear in the bytes received.
 */

/** Why a flatbuffer was refused; the caller adds the message context and offset. */
export class FlatbufferFault extends Error {
  constructor(
    /** What was wrong, e.g. `RecordBatch.nodes declares 2147483647 elements ...`. */
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'FlatbufferFault';
  }
}

/** A table whose vtable and inline part have been checked to lie inside the buffer. */
export interface FlatTable {
  /** Position of the table (its soffset to the vtable). */
  readonly pos: number;
  readonly vtable: number;
  readonly vtableSize: number;
  readonly inlineSize: number;
  /** Names the table in faults, e.g. `Schema.fields[2]`. */
  readonly path: string;
}

/** A vector whose elements have been checked to lie inside the buffer. */
interface FlatVector {
  /** Position of the first element. */
  readonly start: number;
  readonly length: number;
  readonly path: string;
}

/** Tables, vectors and strings nested deeper than this are refused (Arrow schemas are shallow). */
export const DEFAULT_MAX_DEPTH = 64;

/**
 * Fixed allowance on top of the size-proportional budget, so a tiny but valid buffer is
 * never refused for its work.
 */
const BUDGET_ALLOWANCE = 64;

/**
 * Reads one flatbuffer defensively. Each visited table costs 1, each vector 1 plus its
 * length, each string 1 plus a quarter of its bytes. A buffer whose objects do not overlap
 * cannot spend more than about its byte length, so the budget (the byte length plus a small
 * allowance) only stops buffers that reuse one object from many places — the way a few
 * hundred bytes could otherwise make a reader walk billions of elements.
 */
export class FlatbufferReader {
  private readonly view: DataView;
  private spent = 0;
  private readonly budget: number;

  constructor(
    readonly bytes: Uint8Array,
    /** Names the root table in faults. */
    private readonly rootName: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.budget = bytes.length + BUDGET_ALLOWANCE;
  }

  /** The root table (uoffset at position 0). */
  root(): FlatTable {
    if (this.bytes.length < 8)
      this.fail(`a ${this.rootName} flatbuffer needs at least 8 bytes, got ${this.bytes.length}`);
    return this.tableAt(this.view.getUint32(0, true), this.rootName);
  }

  /** Throws a {@link FlatbufferFault}. */
  fail(detail: string): never {
    throw new FlatbufferFault(detail);
  }

  /** The table a table field points to, or null when the field is absent; `path` names it in faults. */
  table(parent: FlatTable, field: number, name: string, path = `${parent.path}.${name}`): FlatTable | null {
    const target = this.offsetField(parent, field, name);
    return target === null ? null : this.tableAt(target, path);
  }

  /** A vector field of `elementSize`-byte elements (4 for tables and strings), or null when absent. */
  vector(parent: FlatTable, field: number, name: string, elementSize: number): FlatVector | null {
    const target = this.offsetField(parent, field, name);
    if (target === null) return null;
    const path = `${parent.path}.${name}`;
    this.need(target, 4, `the length of ${path}`);
    const length = this.view.getUint32(target, true);
    const room = Math.floor((this.bytes.length - target - 4) / elementSize);
    if (length > room) {
      this.fail(
        `${path} declares ${length} elements of ${elementSize} bytes at offset ${target}, but only ${this.bytes.length - target - 4} bytes follow in the ${this.bytes.length}-byte flatbuffer`,
      );
    }
    this.charge(1 + length, path);
    return { start: target + 4, length, path };
  }

  /** Element `index` of a vector of tables. */
  tableIn(vector: FlatVector, index: number): FlatTable {
    const slot = vector.start + 4 * index;
    return this.tableAt(slot + this.view.getUint32(slot, true), `${vector.path}[${index}]`);
  }

  /** A string field's byte length (checked, terminator included), or null when absent. */
  string(parent: FlatTable, field: number, name: string): number | null {
    const target = this.offsetField(parent, field, name);
    if (target === null) return null;
    const path = `${parent.path}.${name}`;
    this.need(target, 4, `the length of ${path}`);
    const length = this.view.getUint32(target, true);
    if (length > this.bytes.length - target - 5) {
      this.fail(
        `${path} declares a ${length}-byte string at offset ${target}, past the end of the ${this.bytes.length}-byte flatbuffer`,
      );
    }
    if (this.bytes[target + 4 + length] !== 0)
      this.fail(`${path}: the string at offset ${target} is not zero-terminated`);
    this.charge(1 + Math.ceil(length / 4), path);
    return length;
  }

  /** A uint8 (or bool, or union type) field, `fallback` when absent. */
  uint8(table: FlatTable, field: number, fallback: number): number {
    const at = this.fieldPosition(table, field, 1);
    return at === null ? fallback : this.view.getUint8(at);
  }

  /** An int16 field (Arrow enums such as `MetadataVersion`), `fallback` when absent. */
  int16(table: FlatTable, field: number, fallback: number): number {
    const at = this.fieldPosition(table, field, 2);
    return at === null ? fallback : this.view.getInt16(at, true);
  }

  /** An int32 field, `fallback` when absent. */
  int32(table: FlatTable, field: number, fallback: number): number {
    const at = this.fieldPosition(table, field, 4);
    return at === null ? fallback : this.view.getInt32(at, true);
  }

  /** An int64 field as a number; a value outside the safe-integer range is a fault. */
  int64(table: FlatTable, field: number, fallback: number, name: string): number {
    const at = this.fieldPosition(table, field, 8);
    return at === null ? fallback : this.int64At(at, `${table.path}.${name}`);
  }

  /** The int64 at `at` (a struct member inside a checked vector). */
  int64At(at: number, what: string): number {
    const value = this.view.getBigInt64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
      this.fail(`${what} is ${value}, beyond the range this reader handles`);
    return Number(value);
  }

  private charge(units: number, path: string): void {
    this.spent += units;
    if (this.spent > this.budget) {
      this.fail(
        `reading ${path} would visit more objects than a ${this.bytes.length}-byte flatbuffer can hold: its offsets point many times at the same data`,
      );
    }
  }

  private tableAt(pos: number, path: string): FlatTable {
    this.need(pos, 4, `the table ${path}`);
    const vtable = pos - this.view.getInt32(pos, true);
    if (vtable < 0 || vtable > this.bytes.length - 4)
      this.fail(`the vtable of ${path} (table at offset ${pos}) points to offset ${vtable}, outside the flatbuffer`);
    const vtableSize = this.view.getUint16(vtable, true);
    const inlineSize = this.view.getUint16(vtable + 2, true);
    // apache-arrow reads these as signed int16: anything >= 0x8000 would be negative there.
    if (vtableSize < 4 || vtableSize % 2 !== 0 || vtableSize >= 0x8000 || vtable + vtableSize > this.bytes.length) {
      this.fail(`the vtable of ${path} at offset ${vtable} declares an impossible size of ${vtableSize} bytes`);
    }
    if (inlineSize < 4 || inlineSize >= 0x8000 || pos + inlineSize > this.bytes.length) {
      this.fail(
        `${path} at offset ${pos} declares ${inlineSize} bytes of fields, past the end of the ${this.bytes.length}-byte flatbuffer`,
      );
    }
    this.charge(1, path);
    return { pos, vtable, vtableSize, inlineSize, path };
  }

  /** Where field `field` (of `size` bytes) sits, or null when the vtable omits it. */
  private fieldPosition(table: FlatTable, field: number, size: number): number | null {
    const slot = 4 + 2 * field;
    if (slot + 2 > table.vtableSize) return null;
    const offset = this.view.getUint16(table.vtable + slot, true);
    if (offset === 0) return null;
    if (offset >= 0x8000 || offset + size > table.inlineSize) {
      this.fail(
        `field ${field} of ${table.path} sits at offset ${offset}, outside the table's ${table.inlineSize} bytes`,
      );
    }
    return table.pos + offset;
  }

  /** The absolute target of an offset field, checked to leave room for a length or soffset. */
  private offsetField(table: FlatTable, field: number, name: string): number | null {
    const at = this.fieldPosition(table, field, 4);
    if (at === null) return null;
    const target = at + this.view.getUint32(at, true);
    if (target > this.bytes.length - 4)
      this.fail(`${table.path}.${name} points to offset ${target}, outside the ${this.bytes.length}-byte flatbuffer`);
    return target;
  }

  private need(pos: number, size: number, what: string): void {
    if (pos < 0 || pos + size > this.bytes.length)
      this.fail(`${what} at offset ${pos} lies outside the ${this.bytes.length}-byte flatbuffer`);
  }
}
