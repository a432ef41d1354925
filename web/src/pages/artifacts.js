// Artifact pages:
//   #/artifacts                    every artifact with its latest version
//   #/artifacts/<name>/<version>   one version: hash, size, lineage, metadata, a preview (JSON
//                                  indented, with real characters for its \u escapes) and the
//                                  list of the artifact's versions
import { api } from '../api.js';
import { h, table } from '../dom.js';
import { render, unavailable, formatBytes, jsonBlock } from '../ui.js';
import { readableText } from '../text.js';

const kListedVersions = 30;

export async function artifactsPage() {
  const data = await api.artifacts();
  if (data.available === false) return unavailable('Artifacts', data);
  render(
    h('h1', {}, 'Artifacts'),
    table(
      ['Artifact', 'Versions', 'Latest', 'Materializer', 'Size', 'Created'],
      data.artifacts.map((a) => [
        h('a', { href: `#/artifacts/${encodeURIComponent(a.name)}/${a.latest.version}` }, a.name),
        String(a.versions),
        `v${a.latest.version}`,
        a.latest.materializer,
        `${a.latest.size} B`,
        a.latest.created_at,
      ]),
      { 'data-testid': 'artifacts-table' },
    ),
  );
}

// The newest kListedVersions versions, each with its producing run (one request per version:
// the API has no list of versions).
async function versionList(name, current) {
  const { artifacts = [] } = await api.artifactsNamed(name);
  const latest = artifacts.find((a) => a.name === name)?.latest.version ?? current;
  const numbers = [];
  for (let v = latest; v >= 1 && numbers.length < kListedVersions; v--) numbers.push(v);
  const details = await Promise.all(numbers.map((v) => api.artifactVersion(name, v).catch(() => null)));
  return table(['Version', 'Created', 'Size', 'Content hash', 'Produced by'],
    details.filter(Boolean).map((d) => {
      const v = d.version;
      const link = h('a', { href: `#/artifacts/${encodeURIComponent(name)}/${v.version}`, 'aria-current': v.version === Number(current) ? 'page' : null }, `v${v.version}`);
      return [link, v.created_at.replace('T', ' ').slice(0, 19), formatBytes(v.size), h('code', {}, v.content_hash.slice(0, 12)),
        d.producer ? h('a', { href: `#/pipeline-runs/${d.producer.run_id}` }, d.producer_run?.name ?? d.producer.run_id) : ''];
    }),
    { 'data-testid': 'artifact-versions' });
}

export async function artifactPage(name, version) {
  const data = await api.artifactVersion(name, version);
  const v = data.version;
  const versionsBox = h('div', {}, h('p', { class: 'muted' }, 'loading...'));
  let preview = h('p', { class: 'muted' }, 'No preview (binary content).');
  if (data.preview !== undefined) {
    const readable = readableText(data.preview, data.preview_truncated);
    preview = h('pre', { class: `log preview${readable.json ? ' json' : ''}`, 'data-testid': 'artifact-preview' },
      readable.text, data.preview_truncated ? '\n… (cut: download the whole artifact)' : '');
  }
  render(
    h('h1', {}, `Artifact: ${v.name} v${v.version}`),
    h('div', { class: 'columns' },
      h('section', {},
        table(['Field', 'Value'], [
          ['content hash', h('code', { title: v.content_hash }, v.content_hash.slice(0, 16))],
          ['size', formatBytes(v.size)],
          ['materializer', v.materializer],
          ['created', v.created_at],
          ['produced by', data.producer ? [h('a', { href: `#/pipeline-runs/${data.producer.run_id}` }, data.producer_run?.name ?? data.producer.run_id), ` / ${data.producer.step}`] : ''],
          ['used by', data.consumers.length ? data.consumers.map((c) => [h('a', { href: `#/pipeline-runs/${c.run_id}` }, `${c.step}`), ' ']) : 'none'],
        ], { 'data-testid': 'artifact-table' }),
        h('p', {}, h('a', { href: api.artifactDownloadUrl(v.name, v.version), download: `${v.name}-v${v.version}` }, 'Download')),
        h('h2', {}, 'Metadata'),
        jsonBlock(v.metadata)),
      h('section', {}, h('h2', { class: 'first' }, 'Versions'), versionsBox)),
    h('h2', {}, 'Preview'),
    preview,
  );
  versionsBox.replaceChildren(await versionList(name, version));
}
