import {catchConfigError} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {idPartition, legacyPath, parseLegacyMapping} from '../src/legacy-mapping.js';

const carrierwave = `
- table: projects
  carrierwave: image_preview
  record_type: Project
  name: circuit_preview
  files: ssh://deploy@app-1:2222/srv/circuitverse/public/uploads/project/{column}/{id}/{filename}
`;
const paperclip = `
- table: users
  paperclip: profile_picture
  record_type: User
  name: profile_picture
  files: s3://circuitverse-legacy/system/{table}/profile_pictures/{id_partition}/original/{filename}
`;

describe('legacy-mapping', () => {
  it('reads a CarrierWave column on a host and a Paperclip attachment in a bucket', () => {
    const [projects] = parseLegacyMapping(carrierwave);
    expect(projects).toEqual({
      table: 'projects',
      style: 'carrierwave',
      legacyName: 'image_preview',
      fileColumn: 'image_preview',
      recordType: 'Project',
      name: 'circuit_preview',
      files: {
        kind: 'ssh',
        target: {user: 'deploy', host: 'app-1', port: 2222, label: 'deploy@app-1:2222'},
        template: '/srv/circuitverse/public/uploads/project/{column}/{id}/{filename}',
        label: 'ssh://deploy@app-1:2222/srv/circuitverse/public/uploads/project/{column}/{id}/{filename}',
      },
    });
    const [users] = parseLegacyMapping(paperclip);
    expect(users).toMatchObject({style: 'paperclip', fileColumn: 'profile_picture_file_name', files: {kind: 's3', bucket: 'circuitverse-legacy'}});
  });

  it('keeps a name with a trailing space, as CircuitVerse renamed rows to', () => {
    const [entry] = parseLegacyMapping(carrierwave.replace('name: circuit_preview', 'name: "circuit_preview "'));
    expect(entry?.name).toBe('circuit_preview ');
  });

  it.each([
    ['not YAML', '- [', /^is not YAML/],
    ['not a list', 'table: projects', /^is not a list of attachments$/],
    ['an unknown key', carrierwave.replace('table:', 'tabel:'), /^entry 1 has the unknown key\(s\) tabel$/],
    [
      'both styles',
      carrierwave.replace('carrierwave: image_preview', 'carrierwave: image_preview\n  paperclip: x'),
      /exactly one of paperclip and carrierwave/,
    ],
    ['a table that is not a name', carrierwave.replace('table: projects', 'table: "projects; DROP TABLE users"'), /^entry 1 has an invalid table/],
    ['a record type that is not a class', carrierwave.replace('record_type: Project', 'record_type: project'), /^entry 1 has an invalid record_type/],
    ['an unknown placeholder', carrierwave.replace('{id}', '{record_id}'), /^entry 1 has the unknown placeholder \{record_id\} in files$/],
    ['no filename', carrierwave.replace('/{filename}', ''), /^entry 1 has files without \{filename\}$/],
    ['a relative path', carrierwave.replace('ssh://deploy@app-1:2222/srv', 'srv'), /^entry 1 has files that is neither an ssh:\/\/ path nor an s3:\/\/ key/],
    ['a bad bucket', paperclip.replace('circuitverse-legacy', 'Legacy_Bucket'), /^entry 1 names an invalid bucket "Legacy_Bucket"$/],
  ])('refuses %s, naming the input', (_, text, problem) => {
    const error = catchConfigError(() => parseLegacyMapping(text));
    expect(error.input).toBe('legacy-mapping');
    expect(error.problem).toMatch(problem);
  });

  it.each([
    ['1', '000/000/001'],
    ['12345', '000/012/345'],
    // ("%09d" % id).scan(/\d{3}/): past nine digits Paperclip drops the rest, so ids collide there.
    ['1234567890', '123/456/789'],
  ])("splits id %s as Paperclip's :id_partition does: %s", (id, partition) => {
    expect(idPartition(id)).toBe(partition);
  });

  it('fills the template, and refuses a filename that would leave its directory', () => {
    const [projects] = parseLegacyMapping(carrierwave);
    const [users] = parseLegacyMapping(paperclip);
    if (!projects || !users) throw new Error('no mapping');
    expect(legacyPath(projects, '42', "it's a preview.png")).toBe("/srv/circuitverse/public/uploads/project/image_preview/42/it's a preview.png");
    expect(legacyPath(users, '1234', 'me.png')).toBe('system/users/profile_pictures/000/001/234/original/me.png');
    for (const filename of ['../../etc/passwd', '..', '.', 'a/b.png']) expect(legacyPath(projects, '1', filename)).toBeUndefined();
  });
});
