// A pipeline run's DAG drawn as SVG: steps are boxes in columns (a step sits one column right of
// its furthest producer), edges are curves from producer to consumer named by the artifact.
// Box colours follow the step's status; a cache hit and the duration are written in the box.
import { formatMs } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const kNameFont = '600 13px system-ui, sans-serif';
const kInfoFont = '12px system-ui, sans-serif';
const kEdgeFont = '11px system-ui, sans-serif';
const kNodeHeight = 60;
const kColumnGap = 90;
const kRowGap = 22;
const kPadding = 12;
const kMargin = 16;

function s(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

let measureContext = null;
function textWidth(text, font) {
  measureContext ??= document.createElement('canvas').getContext('2d');
  measureContext.font = font;
  return measureContext.measureText(text).width;
}

// Longest-path layers: a step sits one column right of its furthest producer.
export function dagLayers(steps, edges) {
  const layer = new Map(steps.map((step) => [step.step, 0]));
  for (let pass = 0; pass < steps.length; pass++) {
    for (const e of edges) {
      if (layer.has(e.from) && layer.has(e.to) && layer.get(e.to) < layer.get(e.from) + 1) layer.set(e.to, layer.get(e.from) + 1);
    }
  }
  const columns = [];
  for (const step of steps) (columns[layer.get(step.step)] ??= []).push(step);
  return columns.filter(Boolean);
}

export function stepInfoLine(step) {
  const parts = [step.status];
  if (step.duration_ms !== null && step.duration_ms !== undefined) parts.push(formatMs(step.duration_ms));
  if (step.cached_from) parts.push('cache hit');
  if (step.attempts > 1) parts.push(`${step.attempts} attempts`);
  return parts.join(' · ');
}

// onSelect(stepName) is called when a box is clicked (or chosen with Enter).
export function dagSvg(steps, edges, onSelect) {
  const columns = dagLayers(steps, edges);
  const columnOf = new Map(columns.flatMap((column, index) => column.map((step) => [step.step, index])));
  // The gap right of a column holds the names of the edges that leave it.
  const gaps = columns.map((_, index) => Math.max(kColumnGap, ...edges
    .filter((e) => columnOf.get(e.from) === index)
    .map((e) => textWidth(e.artifact, kEdgeFont) + 36)));
  const boxes = new Map();
  let x = kMargin;
  let height = 0;
  for (const [index, column] of columns.entries()) {
    const width = Math.max(150, ...column.map((step) =>
      2 * kPadding + Math.max(textWidth(step.step, kNameFont), textWidth(stepInfoLine(step), kInfoFont))));
    column.forEach((step, row) => {
      const y = kMargin + row * (kNodeHeight + kRowGap);
      boxes.set(step.step, { x, y, width: Math.ceil(width), step });
      height = Math.max(height, y + kNodeHeight + kMargin);
    });
    x += Math.ceil(width) + Math.ceil(gaps[index]);
  }
  const totalWidth = x - Math.ceil(gaps[columns.length - 1] ?? 0) + kMargin;
  // One name per artifact leaving a step; several artifacts leaving it stack their names.
  const labelsOf = new Map();
  const edgeElements = edges.filter((e) => boxes.has(e.from) && boxes.has(e.to)).map((e) => {
    const labels = labelsOf.get(e.from) ?? labelsOf.set(e.from, []).get(e.from);
    const firstWithName = !labels.includes(e.artifact);
    if (firstWithName) labels.push(e.artifact);
    const from = boxes.get(e.from);
    const to = boxes.get(e.to);
    const x1 = from.x + from.width;
    const y1 = from.y + kNodeHeight / 2;
    const x2 = to.x - 4;
    const y2 = to.y + kNodeHeight / 2;
    const bend = Math.max((x2 - x1) / 2, 30);
    return s('g', { class: 'dag-edge', 'data-testid': 'dag-edge', 'data-from': e.from, 'data-to': e.to, 'data-artifact': e.artifact },
      s('title', {}, `${e.from} → ${e.to}: ${e.artifact}`),
      s('path', { d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`, 'marker-end': 'url(#dag-arrow)' }),
      firstWithName ? s('text', { x: x1 + 8, y: y1 - 6 - 12 * labels.indexOf(e.artifact), class: 'edge-label' }, e.artifact) : '');
  });
  const nodeElements = [...boxes.values()].map(({ x: left, y: top, width, step }) =>
    s('g', {
      class: `dag-node status-${step.status}${step.cached_from ? ' cache-hit' : ''}`,
      'data-testid': 'dag-node',
      'data-step': step.step,
      'data-status': step.status,
      transform: `translate(${left} ${top})`,
      tabindex: 0,
      role: 'button',
      'aria-label': `step ${step.step}: ${stepInfoLine(step)}`,
      onclick: () => onSelect(step.step),
      onkeydown: (event) => { if (event.key === 'Enter') onSelect(step.step); },
    },
    s('title', {}, `${step.step}: ${stepInfoLine(step)}`),
    s('rect', { width, height: kNodeHeight, rx: 6, ry: 6 }),
    s('rect', { class: 'status-bar', width: 5, height: kNodeHeight, rx: 2, ry: 2 }),
    s('text', { x: kPadding, y: 24, class: 'node-name' }, step.step),
    s('text', { x: kPadding, y: 44, class: 'node-info' }, stepInfoLine(step))));
  return s('svg', { class: 'dag-graph', 'data-testid': 'dag-graph', width: totalWidth, height, viewBox: `0 0 ${totalWidth} ${height}`, role: 'img', 'aria-label': 'pipeline run graph' },
    s('defs', {}, s('marker', { id: 'dag-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }))),
    edgeElements,
    nodeElements);
}
