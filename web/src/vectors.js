// The vector store pages of the dashboard:
//   #/vectors           collections with point counts, vector sizes and distances
//   #/vectors/<name>    a search box (the text is embedded by the server's model), a page of
//                       points in id order, and the payload of the one chosen
import { api } from './api.js';
import { h, table } from './dom.js';

export async function vectorsPage({ render, unavailable }) {
  const data = await api.vectors();
  if (data.available === false) return unavailable('Vectors', data);
  render(
    h('h1', {}, 'Vector collections'),
    h('p', { class: 'muted' }, `Store: ${data.store}`, data.model ? ` · embedding model: ${data.model}` : ''),
    data.collections.length === 0
      ? h('p', {}, 'No collections yet. The feature_engineering pipeline fills them: twin pipeline run feature_engineering --config configs/feature_engineering.yaml')
      : table(
          ['Collection', 'Points', 'Vectors', 'Distance'],
          data.collections.map((c) => [
            h('a', { href: `#/vectors/${encodeURIComponent(c.name)}` }, c.name),
            String(c.points),
            c.vector_size ? String(c.vector_size) : 'none',
            c.distance ?? '',
          ]),
          { 'data-testid': 'vector-collections' },
        ),
  );
}

function pointRow(point, show) {
  const p = point.payload ?? {};
  const text = typeof p.content === 'string' ? p.content : JSON.stringify(p);
  return [
    String(point.id),
    point.score === undefined ? '' : point.score.toFixed(4),
    p.author_full_name ?? '',
    h('span', { class: 'excerpt' }, text.length > 160 ? `${text.slice(0, 160)}…` : text),
    h('button', { onclick: () => show(point), 'data-testid': 'show-point' }, 'Payload'),
  ];
}

export async function vectorCollectionPage(name, { render, errorBox }) {
  const payloadBox = h('div', { 'data-testid': 'point-payload' }, h('p', { class: 'muted' }, 'Choose a point to see its payload.'));
  const show = (point) => payloadBox.replaceChildren(
    h('p', {}, `id ${point.id}`, point.truncated ? ' · long strings are cut to 500 characters' : ''),
    h('pre', { class: 'log' }, JSON.stringify(point.payload, null, 2)),
  );
  const resultsBox = h('div', { 'data-testid': 'vector-points' });
  const offsets = [];
  let offset = null;
  const loadPage = async () => {
    let page;
    try {
      page = await api.vectorPoints(name, { limit: 20, offset });
    } catch (error) {
      resultsBox.replaceChildren(errorBox(error));
      return;
    }
    resultsBox.replaceChildren(
      h('p', { class: 'muted' }, `${page.total} points`),
      h('div', { class: 'scroll' }, table(['ID', '', 'Author', 'Content', ''], page.points.map((p) => pointRow(p, show)), { 'data-testid': 'points-table' })),
      h('p', {},
        offsets.length ? h('button', { onclick: () => { offset = offsets.pop(); loadPage(); } }, 'Previous') : '',
        ' ',
        page.next_page_offset !== null ? h('button', { onclick: () => { offsets.push(offset); offset = page.next_page_offset; loadPage(); } }, 'Next') : ''),
    );
  };
  const searchInput = h('input', { type: 'search', size: 60, placeholder: 'a question about the documents', 'aria-label': 'search text' });
  const search = async (event) => {
    event.preventDefault();
    const text = searchInput.value.trim();
    if (!text) return loadPage();
    try {
      const result = await api.vectorSearch(name, text, 10);
      resultsBox.replaceChildren(
        h('p', { class: 'muted' }, `Nearest points to “${text}” (${result.model})`),
        h('div', { class: 'scroll' }, table(['ID', 'Score', 'Author', 'Content', ''], result.points.map((p) => pointRow(p, show)), { 'data-testid': 'search-results' })),
        h('p', {}, h('button', { onclick: () => loadPage() }, 'Back to all points')),
      );
    } catch (error) {
      resultsBox.replaceChildren(errorBox(error));
    }
  };
  render(
    h('h1', {}, `Vectors: ${name}`),
    h('p', {}, h('a', { href: '#/vectors' }, 'all collections')),
    h('form', { onsubmit: search }, 'Search ', searchInput, ' ', h('button', { type: 'submit' }, 'Search')),
    resultsBox,
    h('h2', {}, 'Payload'),
    payloadBox,
  );
  await loadPage();
}
