// Model registry pages:
//   #/models                 registered models with their latest versions and aliases
//   #/models/<name>          versions with stage and aliases, controls to move a version to a
//                            stage and to set or remove an alias (the MLflow registry API), and
//                            the chosen version's files and model card
import { api } from '../api.js';
import { h, table, formatTime } from '../dom.js';
import { renderModelCard } from '../markdown.js';
import { render, errorBox, formatBytes } from '../ui.js';

const kStages = ['None', 'Staging', 'Production', 'Archived'];

export async function modelsPage() {
  const { models } = await api.models();
  render(
    h('h1', {}, 'Models'),
    models.length === 0
      ? h('p', {}, 'No registered models yet.')
      : table(
          ['Name', 'Latest versions', 'Aliases', 'Updated'],
          models.map((m) => [
            h('a', { href: `#/models/${encodeURIComponent(m.name)}` }, m.name),
            m.latest_versions.map((v) => `v${v.version} (${v.current_stage})`).join(', '),
            m.aliases.map((a) => `${a.alias} → v${a.version}`).join(', '),
            formatTime(m.last_updated_timestamp),
          ]),
          { 'data-testid': 'models-table' },
        ),
  );
}

function stageControl(name, v, onChanged, messageBox) {
  const select = h('select', { 'aria-label': `stage of v${v.version}`, 'data-testid': `stage-${v.version}` },
    kStages.map((stage) => h('option', { value: stage, selected: stage === v.current_stage }, stage)));
  const archive = h('input', { type: 'checkbox', 'aria-label': `archive other ${name} versions in that stage` });
  return h('span', { class: 'control' }, select, ' ',
    h('label', { title: 'archive the versions now in that stage' }, archive, 'archive others'), ' ',
    h('button', {
      'data-testid': `set-stage-${v.version}`,
      onclick: async () => {
        try {
          await api.transitionStage(name, v.version, select.value, archive.checked);
          await onChanged(`v${v.version} moved to ${select.value}`);
        } catch (error) {
          messageBox.replaceChildren(errorBox(error));
        }
      },
    }, 'Move'));
}

function aliasControl(name, v, onChanged, messageBox) {
  const input = h('input', { type: 'text', size: 10, placeholder: 'champion', 'aria-label': `alias for v${v.version}`, 'data-testid': `alias-input-${v.version}` });
  const chips = v.aliases.map((alias) => h('span', { class: 'badge alias', 'data-testid': 'alias' }, alias, ' ',
    h('button', {
      class: 'chip-remove', 'aria-label': `remove alias ${alias}`, title: `remove alias ${alias}`,
      onclick: async () => {
        try {
          await api.deleteAlias(name, alias);
          await onChanged(`alias ${alias} removed`);
        } catch (error) {
          messageBox.replaceChildren(errorBox(error));
        }
      },
    }, '×')));
  return h('span', { class: 'control' }, chips, ' ',
    h('form', {
      class: 'inline',
      onsubmit: async (event) => {
        event.preventDefault();
        const alias = input.value.trim();
        if (!alias) return;
        try {
          await api.setAlias(name, alias, v.version);
          await onChanged(`alias ${alias} → v${v.version}`);
        } catch (error) {
          messageBox.replaceChildren(errorBox(error));
        }
      },
    }, input, h('button', { type: 'submit', 'data-testid': `add-alias-${v.version}` }, 'Add alias')));
}

export async function modelPage(name, status = '') {
  const { model, versions } = await api.model(name);
  const detail = h('section', { 'data-testid': 'version-detail' });
  const messageBox = h('div', { 'data-testid': 'model-message', class: 'muted' }, status);
  const reload = (message) => modelPage(name, message);
  const showVersion = async (v) => {
    const card = (await api.modelCard(name, v.version)) || v.model_card || '';
    const files = v.files ?? [];
    detail.replaceChildren(
      h('h2', {}, `Version ${v.version}`),
      files.length === 0
        ? h('p', { class: 'muted' }, `No files in twin's artifact store; source: ${v.source}`)
        : table(
            ['File', 'Size', 'SHA-256'],
            files.map((f) => [
              h('a', { href: api.modelFileUrl(name, v.version, f.path), download: f.path.split('/').pop(), 'data-testid': 'model-file' }, f.path),
              formatBytes(f.size),
              h('code', {}, f.sha256.slice(0, 16)),
            ]),
            { 'data-testid': 'files-table' },
          ),
      h('h3', {}, 'Model card'),
      h('div', { class: 'model-card', 'data-testid': 'model-card' },
        card ? renderModelCard(card) : h('p', { class: 'muted' }, '(this version has no model card)')),
    );
  };
  render(
    h('h1', {}, `Model: ${model.name}`),
    model.description ? h('p', {}, model.description) : '',
    messageBox,
    h('div', { class: 'scroll' }, table(
      ['Version', 'Stage', 'Aliases', 'Source', 'Run', 'Files', 'Created', ''],
      versions.map((v) => [
        `v${v.version}`,
        stageControl(name, v, reload, messageBox),
        aliasControl(name, v, reload, messageBox),
        h('span', { class: 'source', title: v.source }, v.source),
        v.run_id ? h('a', { href: `#/runs/${v.run_id}` }, v.run_id.slice(0, 8)) : '',
        String((v.files ?? []).filter((f) => f.path !== 'README.md').length),
        formatTime(v.creation_timestamp),
        h('button', { onclick: () => showVersion(v), 'data-testid': `show-version-${v.version}` }, 'Card & files'),
      ]),
      { 'data-testid': 'versions-table' },
    )),
    detail,
  );
  const newest = versions[versions.length - 1];
  if (newest) await showVersion(newest);
  else detail.replaceChildren(h('p', {}, 'No versions yet.'));
}
