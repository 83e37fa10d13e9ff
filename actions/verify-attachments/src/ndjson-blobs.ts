import {readFile} from 'node:fs/promises';
import {ConfigError, errorMessage} from '@circuitverse/shared';
import type {BlobRecord} from './blob.js';
import type {BlobSource} from './blob-source.js';

const expected = 'Write one JSON object per line: {key, byte_size, checksum, service_name, content_type, created_at, attachment_name?}.';

/** Reads a blobs file; each blob's id is its line number, so a seed draws the same sample from the same file. */
export async function openNdjsonBlobs(path: string): Promise<BlobSource> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError('blobs-file', `cannot be read (${errorMessage(error)})`, 'Give the path of an NDJSON file written by an earlier step.');
  }
  const blobs = parseBlobs(text);
  const byId = new Map(blobs.map(blob => [blob.id, blob]));
  const units = (records: BlobRecord[]) => records.map(blob => ({id: blob.id, stratum: blob.attachmentName}));
  return {
    label: path,
    stratified: blobs.some(blob => blob.attachmentName !== null),
    range: async () => (blobs.length ? {min: blobs[0]?.id ?? 1, max: blobs.at(-1)?.id ?? 1} : undefined),
    probe: async ids => units(ids.flatMap(id => byId.get(id) ?? [])),
    scan: async (min, max) => units(blobs.filter(blob => blob.id >= min && blob.id <= max)),
    read: async ids => ids.flatMap(id => byId.get(id) ?? []),
    createdSince: async since => blobs.filter(blob => Date.parse(blob.createdAt) >= since.getTime()),
    close: async () => {},
  };
}

/** Parses the file's lines; blank lines are skipped but still counted, so ids are line numbers. */
export function parseBlobs(text: string): BlobRecord[] {
  const blobs: BlobRecord[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `line ${index + 1}`;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line);
    } catch {
      throw new ConfigError('blobs-file', `${where} is not JSON`, expected);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new ConfigError('blobs-file', `${where} is not a JSON object`, expected);
    const field = (name: string, nullable: boolean): string | null => {
      const value = row[name];
      if (typeof value === 'string' && value !== '') return value;
      if (nullable && (value === null || value === undefined)) return null;
      throw new ConfigError('blobs-file', `${where}: ${name} must be a non-empty string${nullable ? ' or null' : ''}`, expected);
    };
    const byteSize = Number(row.byte_size);
    if (!Number.isSafeInteger(byteSize) || byteSize < 0) throw new ConfigError('blobs-file', `${where}: byte_size must be a whole number of bytes`, expected);
    const createdAt = field('created_at', false) as string;
    if (Number.isNaN(Date.parse(createdAt))) throw new ConfigError('blobs-file', `${where}: created_at is not a time ("${createdAt}")`, expected);
    blobs.push({
      id: index + 1,
      key: field('key', false) as string,
      byteSize,
      checksum: field('checksum', true),
      serviceName: field('service_name', false) as string,
      contentType: field('content_type', true),
      createdAt: new Date(createdAt).toISOString(),
      attachmentName: field('attachment_name', true),
    });
  });
  return blobs;
}
