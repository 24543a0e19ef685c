// A FunctionStorage for the vendor SDK (@query-farm/vgi 0.36.1) on better-sqlite3, so the
// vendor-SDK bench worker runs on Node 20: the SDK's own FunctionStorageSqlite needs
// `bun:sqlite`. One file in WAL mode shared by every worker process of a run, like
// Silo's SqliteStorage, so process, combine and finalize may run in different processes.
// Written against the SDK's FunctionStorage interface (functions/storage.ts); statements
// are prepared once per process, as better-sqlite3 code usually does.
import Database from 'better-sqlite3';

const NS_WORKER = new TextEncoder().encode('worker');

/** Binds bytes as a BLOB parameter without copying. */
const blob = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const bytes = (buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

function workerKey(worker) {
  if (typeof worker !== 'number') return worker;
  const key = new Uint8Array(8);
  new DataView(key.buffer).setBigInt64(0, BigInt(worker), false);
  return key;
}

export class BetterSqliteFunctionStorage {
  constructor(path) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 30000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS function_state (
        scope_id BLOB NOT NULL, ns BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,
        PRIMARY KEY (scope_id, ns, key));
      CREATE TABLE IF NOT EXISTS function_state_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        scope_id BLOB NOT NULL, ns BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS function_state_log_lookup ON function_state_log (scope_id, ns, key, id);
      CREATE TABLE IF NOT EXISTS work_queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id BLOB NOT NULL, work_item BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS work_queue_execution ON work_queue (execution_id, id);
    `);
    const p = (sql) => this.db.prepare(sql);
    this.sql = {
      get: p('SELECT value FROM function_state WHERE scope_id = ? AND ns = ? AND key = ?'),
      put: p('INSERT OR REPLACE INTO function_state (scope_id, ns, key, value) VALUES (?, ?, ?, ?)'),
      append: p('INSERT INTO function_state_log (scope_id, ns, key, value) VALUES (?, ?, ?, ?)'),
      scan: p(
        'SELECT id, value FROM function_state_log WHERE scope_id = ? AND ns = ? AND key = ? AND id > ? ORDER BY id LIMIT ?',
      ),
      clearState: p('DELETE FROM function_state WHERE scope_id = ?'),
      clearLog: p('DELETE FROM function_state_log WHERE scope_id = ?'),
      collect: p('DELETE FROM function_state WHERE scope_id = ? AND ns = ? RETURNING value'),
      workerScan: p('SELECT key, value FROM function_state WHERE scope_id = ? AND ns = ?'),
      push: p('INSERT INTO work_queue (execution_id, work_item) VALUES (?, ?)'),
      pop: p(
        'DELETE FROM work_queue WHERE id = (SELECT id FROM work_queue WHERE execution_id = ? ORDER BY id LIMIT 1) RETURNING work_item',
      ),
      clearQueue: p('DELETE FROM work_queue WHERE execution_id = ?'),
    };
    this.pushAll = this.db.transaction((executionId, items) => {
      for (const item of items) this.sql.push.run(blob(executionId), blob(item));
    });
  }

  async stateGet(scopeId, ns, key) {
    const row = this.sql.get.get(blob(scopeId), blob(ns), blob(key));
    return row ? bytes(row.value) : null;
  }

  async statePut(scopeId, ns, key, value) {
    this.sql.put.run(blob(scopeId), blob(ns), blob(key), blob(value));
  }

  async stateAppend(scopeId, ns, key, item) {
    return Number(this.sql.append.run(blob(scopeId), blob(ns), blob(key), blob(item)).lastInsertRowid);
  }

  async stateLogScan(scopeId, ns, key, afterId = -1, limit = null) {
    // SQLite reads LIMIT -1 as "no limit".
    const rows = this.sql.scan.all(blob(scopeId), blob(ns), blob(key), afterId, limit ?? -1);
    return rows.map((row) => [Number(row.id), bytes(row.value)]);
  }

  async executionClear(scopeId) {
    return this.sql.clearState.run(blob(scopeId)).changes + this.sql.clearLog.run(blob(scopeId)).changes;
  }

  async workerPut(executionId, worker, state) {
    this.sql.put.run(blob(executionId), blob(NS_WORKER), blob(workerKey(worker)), blob(state));
  }

  async workerCollect(executionId) {
    return this.sql.collect.all(blob(executionId), blob(NS_WORKER)).map((row) => bytes(row.value));
  }

  async workerScan(executionId) {
    return this.sql.workerScan.all(blob(executionId), blob(NS_WORKER)).map((row) => {
      const key = bytes(row.key);
      const id = key.length === 8 ? Number(new DataView(key.buffer, key.byteOffset, 8).getBigInt64(0, false)) : 0;
      return [id, bytes(row.value)];
    });
  }

  async queuePush(executionId, items) {
    this.pushAll(executionId, items);
    return items.length;
  }

  async queuePop(executionId) {
    const row = this.sql.pop.get(blob(executionId));
    return row ? bytes(row.work_item) : null;
  }

  async queueClear(executionId) {
    return this.sql.clearQueue.run(blob(executionId)).changes;
  }

  close() {
    this.db.close();
  }
}
