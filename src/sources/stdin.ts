/** Standard input as one item. */
import type { SourceEvent } from './types.js';

/** `maxFileSize`: more bytes than this are not kept (read to the end, then skipped as too large, like a file). */
export async function* stdinSource(stream: NodeJS.ReadableStream, filename = '<stdin>', maxFileSize?: number): AsyncGenerator<SourceEvent> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (maxFileSize === undefined || size <= maxFileSize) chunks.push(b);
    else chunks.length = 0;
  }
  if (maxFileSize !== undefined && size > maxFileSize) {
    yield { kind: 'skip', path: filename, reason: 'too-large', detail: `skipped: too large (${size} bytes > --max-file-size ${maxFileSize})` };
    return;
  }
  yield { kind: 'item', path: filename, content: Buffer.concat(chunks) };
}
