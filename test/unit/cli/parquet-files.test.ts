/**
 * Without DuckDB for Node.js installed, Parquet in and out is a coded error that names
 * the npm command installing the tested version (the rest is tested through real
 * workers in test/integration/cli/silo-run-streaming.test.ts).
 */
describe('Parquet without DuckDB', () => {
  afterEach(() => jest.resetModules());

  it('should say how to install DuckDB for --input and --out', async () => {
    jest.doMock('@duckdb/node-api', () => {
      throw Object.assign(new Error("Cannot find module '@duckdb/node-api'"), { code: 'MODULE_NOT_FOUND' });
    });
    const { openParquetStream, ParquetWriter } = await import('../../../src/cli/parquet-files');
    const { DUCKDB_PACKAGE } = await import('../../../src/duckdb');
    await expect(openParquetStream('trips.parquet', 'input file "trips.parquet"')).rejects.toThrow(
      `[SILO358] --input "trips.parquet": Parquet is read and written through DuckDB for Node.js, which is not installed. Install it with: npm install --save-dev ${DUCKDB_PACKAGE}`,
    );
    const { Schema } = await import('apache-arrow');
    await expect(ParquetWriter.open('out.parquet', new Schema([]))).rejects.toThrow(
      /^\[SILO358\] --out "out\.parquet": Parquet is read and written through DuckDB/,
    );
  });
});
