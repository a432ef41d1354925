// Qdrant's own JavaScript client (@qdrant/js-client-rest, pinned in package.json), unchanged,
// against `twin server`'s Qdrant API: collections, upserts in both forms, search and query with
// filters, scroll through every page, count, retrieve, payload updates, deletes, errors. The
// server logs every exchange (--qdrant-log), and the run ends by checking each one against
// Qdrant's published OpenAPI schemas (../shared/data/qdrant-openapi/, v1.11 and v1.19).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QdrantClient } from '@qdrant/js-client-rest';
import { startTwinServer } from './twin_server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const schemas = ['openapi-v1.11.json', 'openapi-v1.19.json'].map((name) =>
  resolve(root, '..', 'shared', 'data', 'qdrant-openapi', name));

const token = 'qdrant-test-key';
const exchanges = join(mkdtempSync(join(tmpdir(), 'twin-qdrant-log-')), 'exchanges.jsonl');
const server = await startTwinServer({
  env: { TWIN_SERVER_TOKEN: token },
  args: ['--qdrant-log', exchanges],
});
let failed = false;
let passed = 0;
async function step(name, fn) {
  await fn();
  passed += 1;
  console.log(`ok ${passed} - ${name}`);
}

// The client warns that an api key over http is insecure; keep the output readable.
const warn = console.warn;
console.warn = () => {};
try {
  assert.ok(server.qdrantUrl, 'twin server printed no Qdrant API address');
  const client = new QdrantClient({ url: server.qdrantUrl, apiKey: token });
  const name = 'js_client_points';

  await step('without the key the server refuses', async () => {
    const anonymous = new QdrantClient({ url: server.qdrantUrl });
    await assert.rejects(anonymous.getCollections(), (error) => error.status === 401);
  });

  await step('create, exists, get and list a collection', async () => {
    assert.equal(await client.createCollection(name, { vectors: { size: 4, distance: 'Cosine' } }), true);
    assert.deepEqual(await client.collectionExists(name), { exists: true });
    assert.deepEqual(await client.collectionExists('nosuch'), { exists: false });
    const info = await client.getCollection(name);
    assert.equal(info.status, 'green');
    assert.equal(info.points_count, 0);
    assert.deepEqual(info.config.params.vectors, { size: 4, distance: 'Cosine' });
    const { collections } = await client.getCollections();
    assert.ok(collections.some((c) => c.name === name));
    await assert.rejects(client.createCollection(name, { vectors: { size: 4, distance: 'Cosine' } }),
      (error) => error.status === 409);
  });

  // 30 points: ids 1..20 through the points form, 21..30 through the batch form.
  const vectorOf = (i) => [Math.cos(i / 5), Math.sin(i / 5), (i % 3) / 3, 0.1];
  const payloadOf = (i) => ({ n: i, parity: i % 2 ? 'odd' : 'even', tags: i % 5 === 0 ? ['five'] : [], nested: { level: i % 4 } });
  await step('upsert in the points form and the batch form', async () => {
    const points = Array.from({ length: 20 }, (_, k) => ({ id: k + 1, vector: vectorOf(k + 1), payload: payloadOf(k + 1) }));
    const first = await client.upsert(name, { wait: true, points });
    assert.equal(first.status, 'completed');
    const ids = Array.from({ length: 10 }, (_, k) => k + 21);
    const second = await client.upsert(name, {
      wait: true,
      batch: { ids, vectors: ids.map(vectorOf), payloads: ids.map(payloadOf) },
    });
    assert.equal(second.status, 'completed');
    const uuid = '5c56c793-69f3-4fbf-87e6-c4bf54c28c26';
    await client.upsert(name, { wait: true, points: [{ id: uuid, vector: [1, 0, 0, 0], payload: { n: 100, parity: 'even' } }] });
    assert.equal((await client.count(name, { exact: true })).count, 31);
  });

  await step('search and query with filters', async () => {
    const filter = { must: [{ key: 'parity', match: { value: 'odd' } }], must_not: [{ key: 'n', range: { gt: 15 } }] };
    const hits = await client.search(name, { vector: vectorOf(7), limit: 5, filter, with_payload: true });
    assert.equal(hits.length, 5);
    assert.equal(hits[0].id, 7);
    assert.ok(hits.every((h) => h.payload.parity === 'odd' && h.payload.n <= 15));
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score);
    const { points } = await client.query(name, { query: vectorOf(12), limit: 3, filter: { must: [{ key: 'nested.level', match: { any: [0, 2] } }] }, with_payload: true });
    assert.equal(points.length, 3);
    assert.ok(points.every((p) => [0, 2].includes(p.payload.nested.level)));
    assert.equal(points[0].id, 12);
    const byId = await client.query(name, { query: 12, limit: 2 });
    assert.equal(byId.points.length, 2);
    assert.ok(byId.points.every((p) => p.id !== 12));
    const should = await client.search(name, { vector: vectorOf(3), limit: 50, filter: { should: [{ key: 'tags', match: { value: 'five' } }, { has_id: [3] }] } });
    assert.deepEqual(should.map((h) => h.id).sort((a, b) => a - b), [3, 5, 10, 15, 20, 25, 30]);
  });

  await step('scroll through every page', async () => {
    const seen = [];
    let offset;
    let pages = 0;
    do {
      const page = await client.scroll(name, { limit: 7, offset, with_payload: true, with_vector: true });
      for (const point of page.points) {
        seen.push(point.id);
        assert.equal(point.vector.length, 4);
      }
      offset = page.next_page_offset ?? undefined;
      pages += 1;
    } while (offset !== undefined);
    assert.equal(pages, 5);
    assert.equal(seen.length, 31);
    assert.equal(new Set(seen).size, 31);
    assert.deepEqual(seen.slice(0, 30), Array.from({ length: 30 }, (_, k) => k + 1));
    const filtered = await client.scroll(name, { limit: 100, filter: { must: [{ key: 'parity', match: { value: 'even' } }] } });
    assert.equal(filtered.points.length, 16);
  });

  await step('count and retrieve', async () => {
    assert.equal((await client.count(name, { filter: { must: [{ key: 'n', range: { gte: 10, lt: 20 } }] } })).count, 10);
    const records = await client.retrieve(name, { ids: [3, 1, 999], with_payload: true, with_vector: false });
    assert.deepEqual(records.map((r) => r.id), [3, 1]);
    assert.equal(records[0].payload.n, 3);
  });

  await step('set and delete payload', async () => {
    await client.setPayload(name, { payload: { reviewed: true }, points: [1, 2], wait: true });
    await client.deletePayload(name, { keys: ['tags'], filter: { must: [{ key: 'n', match: { value: 5 } }] }, wait: true });
    const [one, five] = await client.retrieve(name, { ids: [1, 5], with_payload: true });
    assert.equal(one.payload.reviewed, true);
    assert.equal(one.payload.n, 1);
    assert.equal(five.payload.tags, undefined);
  });

  await step('delete points by id and by filter', async () => {
    await client.delete(name, { wait: true, points: [1, 2, 3] });
    await client.delete(name, { wait: true, filter: { must: [{ key: 'n', range: { gte: 25 } }] } });
    assert.equal((await client.count(name, { exact: true })).count, 31 - 3 - 6 - 1);
  });

  await step('bad input answers 400 and 404 in Qdrant\'s envelope, storing nothing', async () => {
    await assert.rejects(client.upsert(name, { wait: true, points: [{ id: 500, vector: [1, 2, 3] }] }),
      (error) => error.status === 400);
    await assert.rejects(client.search('nosuch', { vector: [1, 0, 0, 0], limit: 1 }),
      (error) => error.status === 404 && /doesn't exist/.test(JSON.stringify(error.data)));
    await assert.rejects(client.search(name, { vector: [1, 0, 0, 0], limit: 1, filter: { must: [{ key: 'n', range: { gt: 'x' } }] } }),
      (error) => error.status === 400);
    assert.equal((await client.count(name, { exact: true })).count, 21);
  });

  await step('delete the collection', async () => {
    assert.equal(await client.deleteCollection(name), true);
    assert.deepEqual(await client.collectionExists(name), { exists: false });
    await assert.rejects(client.getCollection(name), (error) => error.status === 404);
  });

  await step('every exchange conforms to Qdrant\'s OpenAPI schemas', async () => {
    const present = schemas.filter((path) => existsSync(path));
    assert.equal(present.length, schemas.length, `missing ${schemas.join(', ')}`);
    const report = execFileSync('python3', [join(root, 'tests', 'vectors', 'check_qdrant_exchanges.py'), exchanges, ...present],
      { encoding: 'utf8' });
    console.log(report.trim().split('\n').at(-1));
  });
} catch (error) {
  failed = true;
  console.warn = warn;
  console.error(error.stdout ?? '', error);
} finally {
  console.warn = warn;
  const code = await server.stop();
  if (code !== 0) {
    console.error(`twin server exited with ${code}`);
    failed = true;
  }
}
console.log(`${passed} passed, ${failed ? 1 : 0} failed`);
process.exit(failed ? 1 : 0);
