import {createReadStream, createWriteStream} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {finished} from 'node:stream/promises';
import {compareKeys} from './key-order.js';

interface Head<T> {
  key: string;
  item: T;
  rest: AsyncIterator<T>;
}

/** A binary min-heap of the sources' current items, by key. */
class HeadHeap<T> {
  private readonly heads: Head<T>[] = [];

  get size(): number {
    return this.heads.length;
  }

  push(head: Head<T>): void {
    const heads = this.heads;
    heads.push(head);
    let index = heads.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (compareKeys((heads[parent] as Head<T>).key, head.key) <= 0) break;
      heads[index] = heads[parent] as Head<T>;
      index = parent;
    }
    heads[index] = head;
  }

  pop(): Head<T> | undefined {
    const heads = this.heads;
    const top = heads[0];
    const last = heads.pop();
    if (top === undefined || last === undefined || heads.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heads.length) break;
      const right = left + 1;
      const child = right < heads.length && compareKeys((heads[right] as Head<T>).key, (heads[left] as Head<T>).key) < 0 ? right : left;
      if (compareKeys((heads[child] as Head<T>).key, last.key) >= 0) break;
      heads[index] = heads[child] as Head<T>;
      index = child;
    }
    heads[index] = last;
    return top;
  }
}

async function spill<T>(items: T[], path: string): Promise<void> {
  const out = createWriteStream(path);
  for (const item of items) if (!out.write(`${JSON.stringify(item)}\n`)) await new Promise<void>(resolve => out.once('drain', () => resolve()));
  out.end();
  await finished(out);
}

async function* readSpilled<T>(path: string): AsyncGenerator<T> {
  for await (const line of createInterface({input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY})) yield JSON.parse(line) as T;
}

/**
 * Yields `items` in key order (S3's, see `compareKeys`) with at most `chunkItems` of them in memory: each full chunk
 * is sorted and written to a file under `directory`, and the files are merged. The files go when the stream ends.
 */
export async function* sortBySpilling<T>(
  items: AsyncIterable<T>,
  keyOf: (item: T) => string,
  options: {chunkItems: number; directory: string},
): AsyncGenerator<T> {
  const byKey = (a: T, b: T) => compareKeys(keyOf(a), keyOf(b));
  const directory = await mkdtemp(join(options.directory, 'verify-attachments-sort-'));
  try {
    let chunk: T[] = [];
    const files: string[] = [];
    for await (const item of items) {
      chunk.push(item);
      if (chunk.length < options.chunkItems) continue;
      const path = join(directory, `${files.length}.ndjson`);
      await spill(chunk.sort(byKey), path);
      files.push(path);
      chunk = [];
    }
    chunk.sort(byKey);
    const heap = new HeadHeap<T>();
    const sources: AsyncIterator<T>[] = [...files.map(path => readSpilled<T>(path)), chunk[Symbol.iterator]() as unknown as AsyncIterator<T>];
    for (const rest of sources) {
      const first = await rest.next();
      if (!first.done) heap.push({key: keyOf(first.value), item: first.value, rest});
    }
    for (let head = heap.pop(); head !== undefined; head = heap.pop()) {
      yield head.item;
      const next = await head.rest.next();
      if (!next.done) heap.push({key: keyOf(next.value), item: next.value, rest: head.rest});
    }
  } finally {
    await rm(directory, {recursive: true, force: true});
  }
}
