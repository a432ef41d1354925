// The dashboard's text helpers (web/src/text.js) in Node.js: JSON previews made readable, also
// when cut mid-way, and a failed step's error split into its message and output tail.
import assert from 'node:assert/strict';
import { unescapeJsonText, indentJsonText, readableText, splitStepError } from '../src/text.js';

// Whole JSON: parsed and indented; escapes become characters.
const whole = readableText('{"title":"Rocket \\ud83d\\ude80","tags":["caf\\u00e9"]}');
assert.equal(whole.json, true);
assert.equal(whole.text, '{\n  "title": "Rocket 🚀",\n  "tags": [\n    "café"\n  ]\n}');

// Cut JSON (a 64 KB preview of a larger artifact): indented as far as it goes, escapes
// replaced, an escaped quote or backslash kept as JSON writes it.
const cut = readableText('[{"a":"x\\u00e9 \\"q\\" \\\\u0041","b":[1,2', true);
assert.equal(cut.json, true);
assert.equal(cut.text, '[\n  {\n    "a": "xé \\"q\\" \\\\u0041",\n    "b": [\n      1,\n      2');
assert.equal(unescapeJsonText('\\u0022 \\u000a \\u005c'), '\\u0022 \\u000a \\u005c');
// A comma or brace inside a string is text, not structure.
assert.equal(indentJsonText('{"k":"a,{b}"}'), '{\n  "k": "a,{b}"\n}');

// Text that is not JSON stays as it is.
assert.deepEqual(readableText('HELLO WORLD\n'), { json: false, text: 'HELLO WORLD\n' });

// The orchestrator's message for a failed command: the host log path goes, the tail is kept.
const error = 'step load_raw_data: command exited with code 3 (log: /srv/p/.twin/logs/9640/load_raw_data.log); its output ended with:\n    loading\n    boom: cannot reach db';
assert.deepEqual(splitStepError(error), { summary: 'step load_raw_data: command exited with code 3', tail: 'loading\nboom: cannot reach db' });
assert.deepEqual(splitStepError('step crawl_links: no link could be crawled'), { summary: 'step crawl_links: no link could be crawled', tail: '' });
console.log('dashboard text helpers: ok');
