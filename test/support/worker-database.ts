/**
 * Points this test file at its jest worker's own database (test/support/global-setup.ts made one per worker): files of
 * one worker run one after another on it, files of different workers never share one.
 */
const worker = process.env.JEST_WORKER_ID ?? '1';
const url = process.env[`LAPHUB_TEST_DB_URL_${worker}`];
if (!url) throw new Error(`no test database for jest worker ${worker}: run the tests with jest (globalSetup)`);
process.env.LAPHUB_TEST_DB_URL = url;
