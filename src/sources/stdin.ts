/** Standard input as one item. */
import type { SourceEvent } from './types.js';

export async function* stdinSource(stream: NodeJS.ReadableStream, filename = '<stdin>'): AsyncGenerator<SourceEvent> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  yield { kind: 'item', path: filename, content: Buffer.concat(chunks) };
}
