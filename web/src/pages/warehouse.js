// Warehouse pages:
//   #/warehouse              collections with document and per-author counts
//   #/warehouse/<collection> a page of its documents beside a JSON preview of the chosen one
//                            (and the pipeline run that wrote it); the table fits the screen
import { api } from '../api.js';
import { h, table } from '../dom.js';
import { render, unavailable, errorBox } from '../ui.js';

export async function warehousePage() {
  const data = await api.warehouse();
  if (data.available === false) return unavailable('Warehouse', data);
  const collections = Object.entries(data.collections ?? {});
  render(
    h('h1', {}, 'Warehouse'),
    collections.length === 0
      ? h('p', {}, 'The warehouse is empty. Import the Handbook\'s export with `twin warehouse import DIR`.')
      : table(
          ['Collection', 'Documents', 'Authors'],
          collections.map(([name, c]) => [
            h('a', { href: `#/warehouse/${encodeURIComponent(name)}` }, name),
            String(c.documents),
            Object.entries(c.authors).map(([author, n]) => `${author} (${n})`).join(', '),
          ]),
          { 'data-testid': 'warehouse-table' },
        ),
  );
}

// Crawled links are data: only http(s) ones become links (never javascript: and the like).
function safeLink(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', title: url }, url) : (url ?? '');
}

function documentTitle(doc) {
  if (doc.content && typeof doc.content === 'object' && doc.content.Title) return doc.content.Title;
  if (doc.name) return doc.name;
  if (doc.first_name || doc.last_name) return `${doc.first_name ?? ''} ${doc.last_name ?? ''}`.trim();
  return doc._id;
}

const kWarehousePage = 50;

export async function warehouseCollectionPage(collection) {
  let skip = 0;
  let filter = '';
  let chosenRow = null;
  const listBox = h('div', { 'data-testid': 'warehouse-documents' });
  const previewBox = h('div', { 'data-testid': 'document-details' }, h('p', { class: 'muted' }, 'Choose a document to see it here.'));
  const showDocument = (item, row) => {
    chosenRow?.classList.remove('selected');
    chosenRow = row;
    row?.classList.add('selected');
    previewBox.replaceChildren(
      h('p', {}, `_id ${item._id}`,
        item.lineage ? [' · written by pipeline run ', h('a', { href: `#/pipeline-runs/${encodeURIComponent(item.lineage.run_id)}`, 'data-testid': 'document-run' }, item.lineage.run_id)] : ' · no lineage (imported, not written by a pipeline run)'),
      item.truncated ? h('p', { class: 'muted' }, 'Long text fields are cut to 500 characters in this preview.') : '',
      h('pre', { class: 'log json', 'data-testid': 'document-preview' }, JSON.stringify(item.document, null, 2)),
    );
  };
  const load = async () => {
    let page;
    try {
      page = await api.warehouseDocuments(collection, { limit: kWarehousePage, skip, filter });
    } catch (error) {
      listBox.replaceChildren(errorBox(error));
      return;
    }
    const last = Math.min(page.skip + page.documents.length, page.total);
    const rows = page.documents.map((item) => {
      const doc = item.document;
      const row = h('tr', {});
      const button = h('button', { onclick: () => showDocument(item, row), 'data-testid': 'show-document' }, 'JSON');
      row.append(...[
        h('span', { class: 'cell-text', title: documentTitle(doc) }, documentTitle(doc)),
        h('span', { class: 'cell-text' }, safeLink(doc.link)),
        doc.platform ?? '',
        h('span', { class: 'cell-text' }, doc.author_full_name ?? ''),
        item.lineage ? h('a', { href: `#/pipeline-runs/${encodeURIComponent(item.lineage.run_id)}` }, item.lineage.run_id.slice(0, 8)) : '',
        button,
      ].map((cell) => h('td', {}, cell)));
      return row;
    });
    listBox.replaceChildren(
      h('p', { class: 'muted' }, page.total === 0 ? 'No documents match.' : `Documents ${page.skip + 1}–${last} of ${page.total}`,
        ' ', page.skip > 0 ? h('button', { onclick: () => { skip = Math.max(skip - kWarehousePage, 0); load(); } }, 'Previous') : '',
        ' ', last < page.total ? h('button', { onclick: () => { skip += kWarehousePage; load(); } }, 'Next') : ''),
      page.documents.length === 0 ? '' : h('div', { class: 'table-box' }, h('table', { class: 'fit', 'data-testid': 'documents-table' },
        h('colgroup', {}, ['title', 'link', 'platform', 'author', 'run', 'action'].map((c) => h('col', { class: `col-${c}` }))),
        h('thead', {}, h('tr', {}, ['Title', 'Link', 'Platform', 'Author', 'Run', ''].map((name) => h('th', {}, name)))),
        h('tbody', {}, rows))),
    );
  };
  const filterInput = h('input', { type: 'text', size: 40, placeholder: '{"platform": "medium"}', 'aria-label': 'filter' });
  render(
    h('h1', {}, `Warehouse: ${collection}`),
    h('p', {}, h('a', { href: '#/warehouse' }, 'all collections')),
    h('form', {
      onsubmit: (event) => {
        event.preventDefault();
        filter = filterInput.value.trim();
        skip = 0;
        load();
      },
    }, 'Filter ', filterInput, ' ', h('button', { type: 'submit' }, 'Apply')),
    h('div', { class: 'split' },
      listBox,
      h('aside', { class: 'side-panel', 'data-testid': 'document-panel' }, h('h2', {}, 'Document'), previewBox)),
  );
  await load();
}
