// kubectl's `get --watch -o json` writes one JSON document after another, each over many
// lines. This splits that stream into parsed values, whatever the chunk boundaries, by
// counting braces outside strings.

export interface JsonStream {
  push(chunk: string): void;
}

export function jsonStream(onValue: (value: unknown) => void): JsonStream {
  let buf = '';
  let scanned = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  return {
    push(chunk) {
      buf += chunk;
      let i = scanned;
      while (i < buf.length) {
        const c = buf[i];
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{') {
          if (depth === 0) start = i;
          depth += 1;
        } else if (c === '}' && depth > 0) {
          depth -= 1;
          if (depth === 0) {
            const doc = buf.slice(start, i + 1);
            buf = buf.slice(i + 1);
            i = 0;
            start = -1;
            onValue(JSON.parse(doc));
            continue;
          }
        }
        i += 1;
      }
      // Text between documents (line breaks) is dropped; a document in progress is kept.
      if (depth === 0) buf = '';
      scanned = buf.length;
    },
  };
}
