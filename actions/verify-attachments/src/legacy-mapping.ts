import {ConfigError, parseSshTarget, type SshTarget} from '@circuitverse/shared';
import {parse as parseYaml} from 'yaml';

/** Where the legacy files are: a path on a host reached over SSH, or a key in a legacy bucket; both templates. */
export type LegacyLocation = {kind: 'ssh'; target: SshTarget; template: string; label: string} | {kind: 's3'; bucket: string; template: string; label: string};

/** One attachment's legacy data, as the `legacy-mapping` input describes it. */
export interface LegacyMapping {
  /** The app's table of records, in the database's search_path, e.g. `projects`. */
  table: string;
  /** Paperclip keeps `<name>_file_name` (and `_file_size`, `_content_type`, `_updated_at`); CarrierWave one column. */
  style: 'paperclip' | 'carrierwave';
  /** The Paperclip attachment name or the CarrierWave column, as written in the mapping. */
  legacyName: string;
  /** The column holding the legacy filename. */
  fileColumn: string;
  /** ActiveStorage's `record_type` and attachment `name` the record should have been migrated to. */
  recordType: string;
  name: string;
  files: LegacyLocation;
}

const input = 'legacy-mapping';
const keys = new Set(['table', 'paperclip', 'carrierwave', 'record_type', 'name', 'files']);
const identifier = /^[a-z_][a-z0-9_]{0,62}$/;
const recordType = /^[A-Z][A-Za-z0-9]*(::[A-Z][A-Za-z0-9]*)*$/;
const placeholders = new Set(['id', 'id_partition', 'filename', 'table', 'column']);
const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const example =
  'Write a YAML list of {table, carrierwave: column | paperclip: name, record_type, name, files}, e.g. "- {table: projects, carrierwave: image_preview, record_type: Project, name: circuit_preview, files: ssh://deploy@app.example.org/srv/app/public/uploads/project/image_preview/{id}/{filename}}".';

/** Parses the `legacy-mapping` input: a YAML list of attachments and where their legacy files are. */
export function parseLegacyMapping(text: string): LegacyMapping[] {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(input, `is not YAML (${(error as Error).message.split('\n')[0]})`, example);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new ConfigError(input, 'is not a list of attachments', example);
  return parsed.map((entry, index) => parseEntry(entry, index + 1));
}

function parseEntry(entry: unknown, number: number): LegacyMapping {
  const where = `entry ${number}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(input, `${where} is not a map`, example);
  const fields = entry as Record<string, unknown>;
  const unknown = Object.keys(fields).filter(key => !keys.has(key));
  if (unknown.length) throw new ConfigError(input, `${where} has the unknown key(s) ${unknown.join(', ')}`, example);
  const text = (key: string, pattern: RegExp, what: string): string => {
    const value = fields[key];
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new ConfigError(
        input,
        `${where} has ${value === undefined ? `no ${key}` : `an invalid ${key} (${JSON.stringify(value)})`}`,
        `Write ${key}: ${what}.`,
      );
    }
    return value;
  };
  if ((fields.paperclip === undefined) === (fields.carrierwave === undefined)) {
    throw new ConfigError(
      input,
      `${where} needs exactly one of paperclip and carrierwave`,
      'Write paperclip: <attachment name> (for its <name>_file_name column) or carrierwave: <column>.',
    );
  }
  const style = fields.paperclip === undefined ? 'carrierwave' : 'paperclip';
  const legacyName = text(
    style,
    identifier,
    style === 'paperclip' ? 'the has_attached_file name, e.g. avatar' : 'the mount_uploader column, e.g. image_preview',
  );
  const table = text('table', identifier, 'the table of the records, e.g. projects');
  return {
    table,
    style,
    legacyName,
    fileColumn: style === 'paperclip' ? `${legacyName}_file_name` : legacyName,
    recordType: text('record_type', recordType, "the model's class name, e.g. Project"),
    // ActiveStorage names can hold any character; CircuitVerse has "circuit_preview " with a trailing space.
    name: text('name', /^[^\n]{1,255}$/, 'the has_one_attached name, e.g. circuit_preview'),
    files: parseLocation(fields.files, where),
  };
}

function parseLocation(value: unknown, where: string): LegacyLocation {
  const fix = 'Write files: ssh://user@host[:port]/absolute/path/{id}/{filename} or s3://bucket/prefix/{id_partition}/{filename}.';
  if (typeof value !== 'string') throw new ConfigError(input, `${where} has ${value === undefined ? 'no files' : 'files that is not text'}`, fix);
  for (const [, name] of value.matchAll(/\{([^}]*)\}/g)) {
    if (!placeholders.has(name as string)) {
      throw new ConfigError(input, `${where} has the unknown placeholder {${name}} in files`, `Use ${[...placeholders].map(p => `{${p}}`).join(', ')}.`);
    }
  }
  if (!value.includes('{filename}')) throw new ConfigError(input, `${where} has files without {filename}`, fix);
  const ssh = /^ssh:\/\/([^/\s]+)(\/.*)$/.exec(value);
  if (ssh) {
    const target = parseSshTarget(ssh[1] as string, 'root');
    if (!target) throw new ConfigError(input, `${where} names an SSH host that is not one ("${ssh[1]}")`, fix);
    return {kind: 'ssh', target, template: ssh[2] as string, label: value};
  }
  const s3 = /^s3:\/\/([^/\s]+)\/(.+)$/.exec(value);
  if (s3) {
    if (!bucketPattern.test(s3[1] as string))
      throw new ConfigError(input, `${where} names an invalid bucket "${s3[1]}"`, 'A bucket name is 3 to 63 lower-case letters, digits, "." or "-".');
    return {kind: 's3', bucket: s3[1] as string, template: s3[2] as string, label: value};
  }
  throw new ConfigError(input, `${where} has files that is neither an ssh:// path nor an s3:// key ("${value}")`, fix);
}

/**
 * Paperclip's `:id_partition`, `("%09d" % id).scan(/\d{3}/).join("/")`: the id zero-padded to nine digits, in three
 * directories (`000/012/345`); digits past a multiple of three are dropped, as Paperclip drops them.
 */
export function idPartition(id: string): string {
  return (id.padStart(9, '0').match(/\d{3}/g) ?? []).join('/');
}

/**
 * The legacy file of one record: the template with its placeholders filled. A filename that would reach outside its
 * directory (a `/`, or `.`/`..`) is the database's data, not a path to follow: `undefined`.
 */
export function legacyPath(mapping: LegacyMapping, id: string, filename: string): string | undefined {
  if (filename.includes('/') || filename.includes('\0') || filename === '.' || filename === '..') return undefined;
  const values: Record<string, string> = {id, id_partition: idPartition(id), filename, table: mapping.table, column: mapping.legacyName};
  return mapping.files.template.replace(/\{([a-z_]+)\}/g, (_, name: string) => values[name] as string);
}
