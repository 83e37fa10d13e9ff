import {ConfigError, type InputReader, isRepository, isTag, type Logger} from '@circuitverse/shared';
import type {RegistryCredentials} from './registry.js';

export interface BuildImageInputs {
  image: string;
  context: string;
  /** Dockerfile path; `undefined` means `Dockerfile` inside the context. */
  file: string | undefined;
  target: string | undefined;
  buildArgs: Map<string, string>;
  secrets: Map<string, string>;
  tags: string[];
  labels: Map<string, string>;
  /** `undefined` means the event decides: no push on pull requests. */
  push: boolean | undefined;
  registryUsername: string | undefined;
  registryPassword: string | undefined;
  cacheFrom: string[];
}

/** The registry login, when the inputs give one. */
export function registryCredentials(inputs: BuildImageInputs): RegistryCredentials | undefined {
  const {registryUsername: username, registryPassword: password} = inputs;
  return username === undefined || password === undefined ? undefined : {username, password};
}

const labelKey = {pattern: /^[A-Za-z0-9][A-Za-z0-9._/-]*$/, description: 'letters, digits, ".", "_", "/" or "-", such as org.example.team'};
const secretId = {pattern: /^[A-Za-z0-9_.-]+$/, description: 'letters, digits, "_", "." or "-", as used in RUN --mount=type=secret,id=...'};

/** Parses and checks every input; masks secrets before anything else can log them. */
export function readInputs(reader: InputReader, logger: Logger): BuildImageInputs {
  const registryPassword = reader.optional('registry-password');
  if (registryPassword) logger.mask(registryPassword);
  const secrets = reader.keyValues('secrets', {key: secretId, secret: true});
  for (const value of secrets.values()) logger.mask(value);

  const image = reader.required('image', 'the image repository without a tag, e.g. ghcr.io/circuitverse/circuitverse');
  if (!isRepository(image)) {
    throw new ConfigError(
      'image',
      `is not an image repository ("${image}")`,
      'Use lower case [registry/]path/name without a tag or digest, e.g. ghcr.io/circuitverse/circuitverse.',
    );
  }
  const tags = reader.list('tags');
  const badTag = tags.find(tag => !isTag(tag));
  if (badTag !== undefined) {
    throw new ConfigError('tags', `has an invalid tag "${badTag}"`, 'A tag is up to 128 letters, digits, "_", "." or "-", not starting with "." or "-".');
  }
  const registryUsername = reader.optional('registry-username');
  if ((registryUsername === undefined) !== (registryPassword === undefined)) {
    const missing = registryUsername === undefined ? 'registry-username' : 'registry-password';
    throw new ConfigError(missing, 'is missing while its partner is set', 'Set both registry-username and registry-password, or neither.');
  }
  return {
    image,
    context: reader.optional('context') ?? '.',
    file: reader.optional('file'),
    target: reader.optional('target'),
    buildArgs: reader.keyValues('build-args'),
    secrets,
    tags,
    labels: reader.keyValues('labels', {key: labelKey}),
    push: reader.optional('push') === undefined ? undefined : reader.boolean('push', true),
    registryUsername,
    registryPassword,
    cacheFrom: reader.list('cache-from'),
  };
}
