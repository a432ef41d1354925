// Text shown readably, without the DOM (so Node.js tests it too): JSON previews indented with
// real characters for their \u escapes, even when cut; a failed step's error split into its
// message and the output tail it quotes.

// JSON escapes (\u00e9, surrogate pairs such as \ud83d\ude80) turned back into the characters
// they stand for, for text that is JSON but cannot be parsed whole (a cut preview). An escaped
// backslash (\\u...) is left alone.
export function unescapeJsonText(text) {
  return text.replace(/(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})/g, (_, backslashes, hex) => {
    const code = parseInt(hex, 16);
    // A quote or a control character stays escaped, so the text still reads as JSON.
    if (code < 0x20 || code === 0x22 || code === 0x5c) return `${backslashes}\\u${hex}`;
    return backslashes + String.fromCharCode(code);
  });
}

// Text that is JSON shown indented with real characters; other text as it is.
export function readableText(text, truncated = false) {
  if (!truncated) {
    try {
      return { json: true, text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      // not JSON: shown as it is
    }
  }
  const trimmed = text.trimStart();
  const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[');
  return { json: looksJson, text: looksJson ? indentJsonText(unescapeJsonText(text)) : text };
}

// Indents JSON text that may be cut anywhere (so JSON.parse refuses it): a line break after
// every { [ and , outside strings, and before every } ].
export function indentJsonText(text) {
  let out = '';
  let depth = 0;
  let inString = false;
  const newline = () => `\n${'  '.repeat(Math.max(depth, 0))}`;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '{' || c === '[') {
      depth++;
      out += c + newline();
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline() + c;
    } else if (c === ',') {
      out += c + newline();
    } else if (c === ':') {
      out += ': ';
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}


// A failed step's error says where its log is on the server's disk and, after "its output ended
// with:", the last lines the command wrote. The page shows the message without the host path
// and those lines as a block.
export function splitStepError(error) {
  const marker = error.indexOf('its output ended with:');
  const head = marker < 0 ? error : error.slice(0, marker);
  const summary = head.replace(/\s*\(log: [^)]*\)/, '').replace(/[;:,\s]+$/, '');
  if (marker < 0) return { summary, tail: '' };
  const lines = error.slice(marker + 'its output ended with:'.length).split('\n');
  return { summary, tail: lines.map((line) => line.replace(/^ {4}/, '')).join('\n').trim() };
}
