// A small markdown renderer for model cards (Hugging Face style README.md): YAML front matter,
// headings, paragraphs, lists, tables, fenced code, `code`, **bold** and http(s) links. Every
// text goes through the DOM builder (textContent), so a card can never inject HTML.
import { h } from './dom.js';

// Splits "---\nYAML\n---\nbody" into its front matter (or null) and the body.
export function splitFrontMatter(text) {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!match) return { frontMatter: null, body: text };
  return { frontMatter: match[1], body: text.slice(match[0].length) };
}

function inline(text) {
  const parts = [];
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    if (match[1] !== undefined) parts.push(h('code', {}, match[1]));
    else if (match[2] !== undefined) parts.push(h('strong', {}, match[2]));
    else parts.push(h('a', { href: match[4], rel: 'noopener noreferrer' }, match[3]));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

function tableCells(line) {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '')
    .split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

// The body's blocks as DOM nodes.
export function renderMarkdownBody(text) {
  const lines = text.split(/\r?\n/);
  const blocks = [];
  let paragraph = [];
  const flush = () => {
    if (paragraph.length) blocks.push(h('p', {}, inline(paragraph.join(' '))));
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (line.startsWith('```')) {
      flush();
      const code = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) code.push(lines[i]);
      blocks.push(h('pre', {}, h('code', {}, code.join('\n'))));
    } else if (heading) {
      flush();
      blocks.push(h(`h${Math.min(heading[1].length + 2, 6)}`, {}, inline(heading[2])));
    } else if (line.trim().startsWith('|')) {
      flush();
      const rows = [];
      for (; i < lines.length && lines[i].trim().startsWith('|'); i++) rows.push(tableCells(lines[i]));
      i--;
      const separator = rows.length > 1 && rows[1].every((cell) => /^:?-+:?$/.test(cell));
      const header = separator ? rows[0] : null;
      const body = separator ? rows.slice(2) : rows;
      blocks.push(h('table', { class: 'card-table' },
        header ? h('thead', {}, h('tr', {}, header.map((cell) => h('th', {}, inline(cell))))) : '',
        h('tbody', {}, body.map((row) => h('tr', {}, row.map((cell) => h('td', {}, inline(cell))))))));
    } else if (/^\s*[-*]\s+/.test(line)) {
      flush();
      const items = [];
      for (; i < lines.length && /^\s*[-*]\s+/.test(lines[i]); i++) {
        items.push(h('li', {}, inline(lines[i].replace(/^\s*[-*]\s+/, ''))));
      }
      i--;
      blocks.push(h('ul', {}, items));
    } else if (line.trim() === '') {
      flush();
    } else {
      paragraph.push(line.trim());
    }
  }
  flush();
  return blocks;
}

// A whole card: the front matter as a preformatted block, then the rendered body.
export function renderModelCard(text) {
  const { frontMatter, body } = splitFrontMatter(text);
  return [
    frontMatter !== null ? h('pre', { class: 'front-matter', 'data-testid': 'card-front-matter' }, frontMatter) : '',
    ...renderMarkdownBody(body),
  ];
}
