// The grammar of docker/distribution's reference package (reference/regexp.go), kept to what users write.
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const repositoryPattern = new RegExp(`^(?:(${domain})/)?(${pathComponent}(?:/${pathComponent})*)$`);
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;

export interface ImageRef {
  /** The registry host, e.g. `ghcr.io` or `127.0.0.1:5000`; `docker.io` when the name has none. */
  registry: string;
  /** Repository as written, without tag or digest. */
  repository: string;
  tag?: string;
  digest?: string;
}

// A first component is a registry only when it looks like a host; otherwise `circuitverse/app` is on Docker Hub.
// As in Docker's splitDockerDomain, upper case makes it a host too: a Docker Hub path is lower case.
function splitRegistry(repository: string): string {
  const match = repositoryPattern.exec(repository);
  const first = match?.[1];
  const looksLikeHost = (text: string) =>
    text.includes('.') || text.includes(':') || text === 'localhost' || text.startsWith('[') || text !== text.toLowerCase();
  if (first && looksLikeHost(first)) return first;
  return 'docker.io';
}

/** True when the text is a repository name with no tag or digest. */
export function isRepository(text: string): boolean {
  return text.length <= 255 && repositoryPattern.test(text);
}

/** True when the text is a valid tag. */
export function isTag(text: string): boolean {
  return tagPattern.test(text);
}

/** Parses `repository[:tag][@digest]`; `undefined` when it is not a valid reference. */
export function parseImageRef(text: string): ImageRef | undefined {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!isTag(tag)) return undefined;
  }
  if (!isRepository(rest)) return undefined;
  return {registry: splitRegistry(rest), repository: rest, ...(tag === undefined ? {} : {tag}), ...(digest === undefined ? {} : {digest})};
}
