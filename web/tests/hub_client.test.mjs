// The npm `@huggingface/hub` client, unchanged (only hubUrl set), against a real `twin server`:
// whoAmI, createRepo and its 409, uploadFiles with small files, a file over the LFS threshold and
// a multipart one, the same upload again sending no file bytes, listFiles (paged), paths-info,
// fileDownloadInfo, downloadFile whole and ranged, modelInfo / datasetInfo, a byte-identical
// snapshotDownload, a deletion commit, a stale parentCommit refused, and deleteRepo. The client's
// own `fetch` option only watches the traffic (and asks for small tree pages), it changes nothing.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as hub from '@huggingface/hub';
import { startTwinServer } from './twin_server.mjs';

// The client logs each download to the console; keep the test output readable.
console.debug = () => {};

const accessToken = 'hf_twin_node_test_token';
const server = await startTwinServer({ env: { TWIN_SERVER_TOKEN: accessToken } });
const hubUrl = server.url;
const cacheDir = mkdtempSync(join(tmpdir(), 'twin-hub-cache-'));
let failed = false;

// Every request the client makes, with the bytes it sent to upload URLs.
const traffic = [];
const watching = async (url, init = {}) => {
  let target = String(url);
  // Small tree pages, so listFiles has to follow the Link header.
  if (target.includes('/tree/') && !target.includes('cursor=')) target += '&limit=2';
  const entry = { method: init.method ?? 'GET', url: target, uploaded: 0 };
  if (target.includes('/hub-lfs/') && entry.method === 'PUT') {
    entry.uploaded = init.body?.size ?? init.body?.byteLength ?? 0;
  }
  traffic.push(entry);
  return fetch(target, init);
};
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

try {
  const me = await hub.whoAmI({ accessToken, hubUrl });
  assert.equal(me.type, 'user');
  assert.equal(me.name, 'twin');
  await assert.rejects(hub.whoAmI({ accessToken: 'hf_wrong', hubUrl }), (error) => {
    assert.equal(error.statusCode, 401);
    return true;
  });

  const repo = 'team/twin-model';
  const created = await hub.createRepo({ repo, accessToken, hubUrl });
  assert.equal(created.repoUrl, `${hubUrl.replace('127.0.0.1', '127.0.0.1')}/team/twin-model`);
  await assert.rejects(hub.createRepo({ repo, accessToken, hubUrl }), (error) => {
    assert.equal(error.statusCode, 409);
    assert.equal(error.data.url, created.repoUrl);
    return true;
  });

  const readme = '---\nlicense: mit\n---\n# twin model\nFine-tuned on my writing.\n';
  const config = JSON.stringify({ hidden_size: 8 });
  const lfsBytes = randomBytes(11 * 1024 * 1024);  // over the 10 MiB LFS threshold, one PUT
  const multipartBytes = randomBytes(40 * 1024 * 1024);  // past the 16 MiB chunk: 3 parts
  const files = [
    { path: 'README.md', content: new Blob([readme]) },
    { path: 'config.json', content: new Blob([config]) },
    { path: 'weights/model.bin', content: new Blob([lfsBytes]) },
    { path: 'weights/big.safetensors', content: new Blob([multipartBytes]) },
  ];
  const first = await hub.uploadFiles({ repo, accessToken, hubUrl, files, fetch: watching });
  assert.match(first.commit.oid, /^[0-9a-f]{40}$/);
  const puts = traffic.filter((t) => t.method === 'PUT');
  assert.equal(puts.filter((t) => t.url.includes('/part/')).length, 3, 'three multipart parts');
  assert.equal(puts.filter((t) => !t.url.includes('/part/')).length, 1, 'one basic LFS upload');
  assert.ok(traffic.some((t) => t.url.includes('/complete?')), 'the multipart completion');
  assert.equal(puts.reduce((n, t) => n + t.uploaded, 0), lfsBytes.length + multipartBytes.length);

  // The same files again: the LFS objects are stored, so no byte of them is sent.
  traffic.length = 0;
  const again = await hub.uploadFiles({ repo, accessToken, hubUrl, files, fetch: watching });
  assert.equal(traffic.filter((t) => t.method === 'PUT').length, 0, 'no upload the second time');
  assert.notEqual(again.commit.oid, first.commit.oid);

  // listFiles, recursive, over pages of two entries linked by the Link header.
  traffic.length = 0;
  const listed = [];
  for await (const entry of hub.listFiles({ repo, recursive: true, accessToken, hubUrl, fetch: watching })) {
    listed.push(entry);
  }
  assert.ok(traffic.filter((t) => t.url.includes('/tree/')).length >= 3, 'paged');
  assert.deepEqual(listed.map((e) => `${e.type}:${e.path}`).sort(), [
    'directory:weights', 'file:README.md', 'file:config.json', 'file:weights/big.safetensors',
    'file:weights/model.bin',
  ]);
  const lfsEntry = listed.find((e) => e.path === 'weights/model.bin');
  assert.equal(lfsEntry.lfs.oid, sha256(lfsBytes));
  assert.equal(lfsEntry.size, lfsBytes.length);
  const readmeEntry = listed.find((e) => e.path === 'README.md');
  assert.equal(readmeEntry.lfs, undefined);
  // A regular file's oid is its git blob id, as git would compute it.
  const gitBlob = createHash('sha1').update(`blob ${Buffer.byteLength(readme)}\0`).update(readme).digest('hex');
  assert.equal(readmeEntry.oid, gitBlob);
  const top = [];
  for await (const entry of hub.listFiles({ repo, accessToken, hubUrl })) top.push(entry.path);
  assert.deepEqual(top.sort(), ['README.md', 'config.json', 'weights']);

  const info = await hub.fileDownloadInfo({ repo, path: 'weights/model.bin', accessToken, hubUrl });
  assert.equal(info.size, lfsBytes.length);
  assert.equal(info.etag, `"${sha256(lfsBytes)}"`);
  assert.equal(await hub.fileDownloadInfo({ repo, path: 'missing.txt', accessToken, hubUrl }), null);
  const head = await fetch(`${hubUrl}/${repo}/resolve/main/weights/model.bin`, {
    method: 'HEAD', headers: { Authorization: `Bearer ${accessToken}` },
  });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('x-repo-commit'), again.commit.oid);
  assert.equal(head.headers.get('x-linked-size'), String(lfsBytes.length));
  assert.equal(head.headers.get('x-linked-etag'), `"${sha256(lfsBytes)}"`);
  assert.equal(head.headers.get('content-length'), String(lfsBytes.length));
  const revisionMissing = await fetch(`${hubUrl}/${repo}/resolve/nobranch/README.md`, {
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  assert.equal(revisionMissing.status, 404);
  assert.equal(revisionMissing.headers.get('x-error-code'), 'RevisionNotFound');
  const repoMissing = await fetch(`${hubUrl}/team/nothing/resolve/main/README.md`, {
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  assert.equal(repoMissing.headers.get('x-error-code'), 'RepoNotFound');

  const whole = await hub.downloadFile({ repo, path: 'weights/big.safetensors', accessToken, hubUrl });
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(multipartBytes), 'whole download');
  const small = await hub.downloadFile({ repo, path: 'README.md', accessToken, hubUrl });
  assert.equal(await small.text(), readme);
  const ranged = await whole.slice(1000, 5000).arrayBuffer();
  assert.ok(Buffer.from(ranged).equals(multipartBytes.subarray(1000, 5000)), 'ranged download');

  const model = await hub.modelInfo({ name: repo, accessToken, hubUrl, additionalFields: ['sha', 'siblings'] });
  assert.equal(model.name, repo);
  assert.equal(model.sha, again.commit.oid);
  assert.deepEqual(model.siblings.map((s) => s.rfilename).sort(), [
    'README.md', 'config.json', 'weights/big.safetensors', 'weights/model.bin',
  ]);
  const byCommit = await hub.modelInfo({ name: repo, accessToken, hubUrl, revision: first.commit.oid, additionalFields: ['sha'] });
  assert.equal(byCommit.sha, first.commit.oid);

  // snapshotDownload into a Hugging Face cache folder, byte-identical.
  const snapshot = await hub.snapshotDownload({ repo, accessToken, hubUrl, cacheDir });
  assert.ok(snapshot.endsWith(join('models--team--twin-model', 'snapshots', again.commit.oid)));
  assert.equal(readFileSync(join(cacheDir, 'models--team--twin-model', 'refs', 'main'), 'utf8'), again.commit.oid);
  const snapshotFiles = [];
  const walk = (folder) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else snapshotFiles.push(relative(snapshot, path));
    }
  };
  walk(snapshot);
  assert.deepEqual(snapshotFiles.sort(), ['README.md', 'config.json', 'weights/big.safetensors', 'weights/model.bin']);
  assert.ok(readFileSync(join(snapshot, 'weights/big.safetensors')).equals(multipartBytes));
  assert.ok(readFileSync(join(snapshot, 'weights/model.bin')).equals(lfsBytes));
  assert.equal(readFileSync(join(snapshot, 'README.md'), 'utf8'), readme);
  assert.ok(realpathSync(join(snapshot, 'weights/model.bin')).includes(join('blobs', sha256(lfsBytes))));

  // A deletion commit, then a commit on the stale parent refused with 412.
  const deleted = await hub.deleteFile({ repo, path: 'config.json', accessToken, hubUrl, parentCommit: again.commit.oid });
  const afterDelete = await hub.modelInfo({ name: repo, accessToken, hubUrl, additionalFields: ['sha', 'siblings'] });
  assert.equal(afterDelete.sha, deleted.commit.oid);
  assert.ok(!afterDelete.siblings.some((s) => s.rfilename === 'config.json'));
  await assert.rejects(
    hub.uploadFiles({ repo, accessToken, hubUrl, parentCommit: again.commit.oid, files: [{ path: 'late.txt', content: new Blob(['late']) }] }),
    (error) => {
      assert.equal(error.statusCode, 412);
      return true;
    });
  const unchanged = await hub.modelInfo({ name: repo, accessToken, hubUrl, additionalFields: ['sha'] });
  assert.equal(unchanged.sha, deleted.commit.oid, 'the refused commit recorded nothing');

  // A dataset repo.
  const dataset = { type: 'dataset', name: 'team/instruct' };
  await hub.createRepo({ repo: dataset, accessToken, hubUrl });
  const rows = '{"instruction": "a", "output": "b"}\n';
  const pushed = await hub.uploadFiles({ repo: dataset, accessToken, hubUrl, files: [{ path: 'train.jsonl', content: new Blob([rows]) }] });
  const data = await hub.datasetInfo({ name: 'team/instruct', accessToken, hubUrl, additionalFields: ['sha', 'siblings'] });
  assert.equal(data.sha, pushed.commit.oid);
  assert.deepEqual(data.siblings.map((s) => s.rfilename), ['train.jsonl']);
  const row = await hub.downloadFile({ repo: dataset, path: 'train.jsonl', accessToken, hubUrl });
  assert.equal(await row.text(), rows);

  await hub.deleteRepo({ repo, accessToken, hubUrl });
  await assert.rejects(hub.modelInfo({ name: repo, accessToken, hubUrl }), (error) => {
    assert.equal(error.statusCode, 404);
    return true;
  });
  await hub.deleteRepo({ repo: dataset, accessToken, hubUrl });
  console.log('hub client test: ok');
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
  const code = await server.stop();
  if (code !== 0) {
    console.error(`twin server exited with ${code}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
