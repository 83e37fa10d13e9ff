import {InputReader} from '@circuitverse/shared';
import {catchConfigError} from '@circuitverse/testkit';
import {describe, expect, it} from 'vitest';
import {type ContainerSettings, dockerRunOptions, parseCpus, parseMemory, parseStopSignal, readContainerSettings} from '../src/container-settings.js';

function read(inputs: Record<string, string>): ContainerSettings {
  const environment = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]));
  return readContainerSettings(new InputReader(environment));
}

const mib = 1024 ** 2;

describe('container settings', () => {
  it('sets nothing by default', () => {
    expect(read({})).toEqual({
      network: undefined,
      addHosts: [],
      volumes: [],
      memoryBytes: undefined,
      cpus: undefined,
      labels: new Map(),
      logDriver: undefined,
      logOptions: new Map(),
      user: undefined,
    });
  });

  it.each([
    ['bridge', undefined],
    ['host', 'host'],
    ['none', 'none'],
    ['circuitverse_net', 'circuitverse_net'],
    ['app.net-1', 'app.net-1'],
  ])('reads network %s', (network, expected) => {
    expect(read({network}).network).toBe(expected);
  });

  it.each([
    ['db:10.0.0.5', 'db:10.0.0.5'],
    ['db.internal:host-gateway', 'db.internal:host-gateway'],
    ['redis:::1', 'redis:::1'],
    ['redis:[2001:db8::1]', 'redis:2001:db8::1'],
    ['redis=2001:db8::1', 'redis:2001:db8::1'],
    ['db=10.0.0.5', 'db:10.0.0.5'],
    ['pg-1.example.com:192.168.1.10', 'pg-1.example.com:192.168.1.10'],
  ])('reads add-hosts %s as %s', (entry, expected) => {
    expect(read({'add-hosts': entry}).addHosts).toEqual([expected]);
  });

  it('reads add-hosts separated by newlines and commas', () => {
    expect(read({'add-hosts': 'db:host-gateway, redis:10.0.0.6\n\ncache:10.0.0.7'}).addHosts).toEqual(['db:host-gateway', 'redis:10.0.0.6', 'cache:10.0.0.7']);
  });

  it.each([
    ['/srv/uploads:/rails/public/uploads'],
    ['/srv/uploads:/rails/public/uploads:ro'],
    ['/srv/uploads:/rails/public/uploads:rw,Z'],
    ['/srv/uploads:/rails/public/uploads:z'],
    ['rails_storage:/rails/storage'],
    ['ab:/data'],
    ['/var/run/docker.sock:/var/run/docker.sock'],
    ['/:/host:ro'],
    ['/srv/.cache:/home/app/.cache'],
  ])('reads volume %s', line => {
    expect(read({volumes: line}).volumes).toEqual([line]);
  });

  it('reads volumes one per line, options kept whole', () => {
    expect(read({volumes: '/srv/a:/a:ro,z\n\n# comment\n  store:/b  \r\n'}).volumes).toEqual(['/srv/a:/a:ro,z', 'store:/b']);
  });

  it.each([
    ['512m', 512 * mib],
    ['512M', 512 * mib],
    ['512mb', 512 * mib],
    ['768MiB', 768 * mib],
    ['1g', 1024 * mib],
    ['1.5G', 1536 * mib],
    ['2GB', 2048 * mib],
    ['6291456', 6 * mib],
    ['6291456b', 6 * mib],
    ['6144k', 6 * mib],
  ])('reads memory %s', (memory, bytes) => {
    expect(read({memory}).memoryBytes).toBe(bytes);
  });

  it.each([
    ['1.5', '1.5'],
    ['2', '2'],
    ['0.25', '0.25'],
    ['0.01', '0.01'],
    ['01.50', '1.5'],
    ['2.000', '2'],
    ['0.125', '0.125'],
  ])('reads cpus %s as %s', (cpus, expected) => {
    expect(read({cpus}).cpus).toBe(expected);
  });

  it('reads labels and log options in their order', () => {
    const settings = read({
      labels: 'com.example.team=platform\norg.opencontainers.image.source=https://github.com/CircuitVerse/CircuitVerse\nempty=',
      'log-driver': 'json-file',
      'log-options': 'max-size=10m\nmax-file=3\ntag={{.Name}}',
    });
    expect([...settings.labels]).toEqual([
      ['com.example.team', 'platform'],
      ['org.opencontainers.image.source', 'https://github.com/CircuitVerse/CircuitVerse'],
      ['empty', ''],
    ]);
    expect(settings.logDriver).toBe('json-file');
    expect([...settings.logOptions]).toEqual([
      ['max-size', '10m'],
      ['max-file', '3'],
      ['tag', '{{.Name}}'],
    ]);
  });

  it.each(['json-file', 'local', 'journald', 'syslog', 'fluentd', 'gelf', 'none'])('reads log-driver %s', driver => {
    expect(read({'log-driver': driver}).logDriver).toBe(driver);
  });

  it.each(['rails', '_app', 'app-user', '1000', '1000:1000', 'rails:rails', 'rails:1000'])('reads user %s', user => {
    expect(read({user}).user).toBe(user);
  });

  it.each([
    // network
    ['network', 'container:db', "cannot join another container's network"],
    ['network', '--privileged', 'is not a network name'],
    ['network', 'my net', 'is not a network name'],
    ['network', '$(reboot)', 'is not a network name'],
    ['network', 'a\nb', 'is not a network name'],
    ['network', '-net', 'is not a network name'],
    // add-hosts
    ['add-hosts', 'db', 'is not name:address'],
    ['add-hosts', ':10.0.0.5', 'is not name:address'],
    ['add-hosts', 'db_1:10.0.0.5', 'is not name:address'],
    ['add-hosts', '-db:10.0.0.5', 'is not name:address'],
    ['add-hosts', 'db-:10.0.0.5', 'is not name:address'],
    ['add-hosts', 'a b:10.0.0.5', 'is not name:address'],
    ['add-hosts', '$(x):10.0.0.5', 'is not name:address'],
    ['add-hosts', '--privileged:10.0.0.5', 'is not name:address'],
    ['add-hosts', `${'a'.repeat(64)}:10.0.0.5`, 'is not name:address'],
    ['add-hosts', 'db:10.0.0.256', 'is not an IP address or host-gateway'],
    ['add-hosts', 'db:010.0.0.5', 'is not an IP address or host-gateway'],
    ['add-hosts', 'db:example.com', 'is not an IP address or host-gateway'],
    ['add-hosts', 'db:fe80::1%eth0', 'is not an IP address or host-gateway'],
    ['add-hosts', 'db:', 'is not an IP address or host-gateway'],
    ['add-hosts', 'db:10.0.0.5 --privileged', 'is not an IP address or host-gateway'],
    ['add-hosts', 'db:$(x)', 'is not an IP address or host-gateway'],
    // volumes
    ['volumes', '/srv/data', 'is not source:target[:options]'],
    ['volumes', '/srv/data:', 'is not source:target[:options]'],
    ['volumes', '/srv/a:/a:ro:extra', 'is not source:target[:options]'],
    ['volumes', 'srv/data:/data', 'neither a plain absolute path nor a volume name'],
    ['volumes', './data:/data', 'neither a plain absolute path nor a volume name'],
    ['volumes', 'x:/data', 'neither a plain absolute path nor a volume name'],
    ['volumes', '--privileged:/data', 'neither a plain absolute path nor a volume name'],
    ['volumes', '-v:/data', 'neither a plain absolute path nor a volume name'],
    ['volumes', '/srv/../etc:/data', 'neither a plain absolute path nor a volume name'],
    ['volumes', '/srv/./data:/data', 'neither a plain absolute path nor a volume name'],
    ['volumes', '/srv//data:/data', 'neither a plain absolute path nor a volume name'],
    ['volumes', '/srv/data/:/data', 'neither a plain absolute path nor a volume name'],
    ['volumes', '/srv/my data:/data', 'neither a plain absolute path nor a volume name'],
    ['volumes', '/srv/$(x):/data', 'neither a plain absolute path nor a volume name'],
    ['volumes', '/srv/a,b:/data', 'neither a plain absolute path nor a volume name'],
    ['volumes', '/srv/data:data', 'not a plain absolute path below /'],
    ['volumes', '/srv/data:/', 'not a plain absolute path below /'],
    ['volumes', '/srv/data:/rails/../etc', 'not a plain absolute path below /'],
    ['volumes', '/srv/data:--privileged', 'not a plain absolute path below /'],
    ['volumes', '/srv/data:/data:shared', 'has options other than ro or rw'],
    ['volumes', '/srv/data:/data:ro,rw', 'has options other than ro or rw'],
    ['volumes', '/srv/data:/data:z,Z', 'has options other than ro or rw'],
    ['volumes', '/srv/data:/data:ro,', 'has options other than ro or rw'],
    ['volumes', '/srv/data:/data:', 'has options other than ro or rw'],
    ['volumes', '/srv/a:/data\n/srv/b:/data', 'mounts two volumes at /data'],
    // memory
    ['memory', '512', "below Docker's minimum of 6 MiB"],
    ['memory', '5m', "below Docker's minimum of 6 MiB"],
    ['memory', '0', "below Docker's minimum of 6 MiB"],
    ['memory', '512x', 'is not a size'],
    ['memory', '-1', 'is not a size'],
    ['memory', '1t', 'is not a size'],
    ['memory', '512 m', 'is not a size'],
    ['memory', '512ib', 'is not a size'],
    ['memory', '1g --privileged', 'is not a size'],
    ['memory', '9'.repeat(30), 'is too large'],
    // cpus
    ['cpus', '0', 'is not a number of CPUs'],
    ['cpus', '0.001', 'is not a number of CPUs'],
    ['cpus', '1.2345', 'is not a number of CPUs'],
    ['cpus', '-1', 'is not a number of CPUs'],
    ['cpus', '.5', 'is not a number of CPUs'],
    ['cpus', '1,5', 'is not a number of CPUs'],
    ['cpus', '99999', 'is not a number of CPUs'],
    ['cpus', 'all', 'is not a number of CPUs'],
    // labels
    ['labels', 'circuitverse.deploy.service=other', "one of the action's own labels"],
    ['labels', 'Team=platform', 'has an invalid key'],
    ['labels', '-l=x', 'has an invalid key'],
    ['labels', 'a b=x', 'has an invalid key'],
    ['labels', 'team', 'is not KEY=VALUE'],
    ['labels', 'team=a\nteam=b', 'sets "team" twice'],
    // logging
    ['log-driver', 'JSON-file', 'is not a logging driver name'],
    ['log-driver', '--privileged', 'is not a logging driver name'],
    ['log-driver', 'json-file;reboot', 'is not a logging driver name'],
    ['log-options', 'max size=10m', 'has an invalid key'],
    ['log-options', '--x=1', 'has an invalid key'],
    // user
    ['user', 'root; reboot', 'is not user[:group]'],
    ['user', '-u', 'is not user[:group]'],
    ['user', 'Rails', 'is not user[:group]'],
    ['user', '1000:', 'is not user[:group]'],
    ['user', 'a:b:c', 'is not user[:group]'],
    ['user', '$(id)', 'is not user[:group]'],
  ])('refuses %s %j', (input, value, problem) => {
    const error = catchConfigError(() => read({[input]: value}));
    expect(error.input).toBe(input);
    expect(error.message).toContain(`Input "${input}"`);
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('\n');
  });

  it.each([
    [
      'network',
      'container:db',
      `Input "network" cannot join another container's network ("container:db"): the app's port could not be published. Use bridge, host, none or a network made with docker network create.`,
    ],
    [
      'add-hosts',
      'db:10.0.0.256',
      'Input "add-hosts" has an address that is not an IP address or host-gateway ("db:10.0.0.256"). Give an IPv4 or IPv6 address, or host-gateway for the host itself, such as db:host-gateway.',
    ],
    [
      'volumes',
      '/srv/../etc:/data',
      `Input "volumes" has a source that is neither a plain absolute path nor a volume name ("/srv/../etc:/data"). Use an absolute host path of letters, digits, "_", "." and "-" (no ".."), or a volume name of two or more such characters.`,
    ],
    ['memory', '512', `Input "memory" is 512 B ("512"), below Docker's minimum of 6 MiB. Give at least 6m; a number without a unit is bytes.`],
    [
      'labels',
      'circuitverse.deploy.version=v1',
      `Input "labels" sets "circuitverse.deploy.version", one of the action's own labels. Use a key outside circuitverse.deploy., such as com.example.team.`,
    ],
  ])('says exactly what is wrong with %s %j', (input, value, message) => {
    expect(catchConfigError(() => read({[input]: value})).message).toBe(message);
  });

  it('quotes a long value cut short, on one line', () => {
    const message = catchConfigError(() => read({network: `${'n'.repeat(100)}\n--privileged`})).message;
    expect(message).toContain(`("${'n'.repeat(80)}…")`);
  });
});

describe('parseMemory, parseCpus and parseStopSignal', () => {
  it('names the input they are given', () => {
    expect(catchConfigError(() => parseMemory('roles (worker.memory)', '1x')).message).toBe(
      'Input "roles (worker.memory)" is not a size ("1x"). Write a number with a unit b, k, m or g, such as 512m or 1.5g.',
    );
    expect(catchConfigError(() => parseCpus('roles (worker.cpus)', '0')).input).toBe('roles (worker.cpus)');
    expect(catchConfigError(() => parseStopSignal('roles (worker.stop-signal)', 'STOP')).message).toBe(
      'Input "roles (worker.stop-signal)" is not a stop signal ("STOP"). Use one of HUP, INT, QUIT, KILL, USR1, USR2, TERM, TSTP, WINCH, such as TERM or SIGTERM.',
    );
  });

  it.each([
    ['SIGTERM', 'SIGTERM'],
    ['TERM', 'SIGTERM'],
    ['term', 'SIGTERM'],
    ['15', 'SIGTERM'],
    ['SIGQUIT', 'SIGQUIT'],
    ['INT', 'SIGINT'],
    ['2', 'SIGINT'],
    ['tstp', 'SIGTSTP'],
    ['20', 'SIGTSTP'],
    ['USR1', 'SIGUSR1'],
    ['12', 'SIGUSR2'],
    ['HUP', 'SIGHUP'],
    ['9', 'SIGKILL'],
    ['SIGWINCH', 'SIGWINCH'],
  ])('reads stop signal %s as %s', (text, signal) => {
    expect(parseStopSignal('stop-signal', text)).toBe(signal);
  });

  it.each(['STOP', 'SIGSTOP', '19', '0', '99', 'SIG', 'SIGSIGTERM', 'TERM;reboot', '-TERM', '--privileged', ''])('refuses stop signal %j', text => {
    expect(catchConfigError(() => parseStopSignal('stop-signal', text)).input).toBe('stop-signal');
  });
});

describe('docker run options', () => {
  const full: ContainerSettings = {
    network: 'circuitverse',
    addHosts: ['db:host-gateway', 'redis:::1'],
    volumes: ['/srv/uploads:/rails/public/uploads', 'rails_storage:/rails/storage:ro'],
    memoryBytes: 512 * mib,
    cpus: '1.5',
    labels: new Map([
      ['com.example.team', 'platform'],
      ['com.example.note', 'a b $(x)'],
    ]),
    logDriver: 'json-file',
    logOptions: new Map([
      ['max-size', '10m'],
      ['max-file', '3'],
    ]),
    user: '1000:1000',
  };

  it('gives every flag and value its own argv item, in a fixed order', () => {
    expect(dockerRunOptions(full, {stopSignal: 'SIGTERM', stopTimeoutSeconds: 30})).toEqual([
      '--network',
      'circuitverse',
      '--add-host',
      'db:host-gateway',
      '--add-host',
      'redis:::1',
      '--volume',
      '/srv/uploads:/rails/public/uploads',
      '--volume',
      'rails_storage:/rails/storage:ro',
      '--user',
      '1000:1000',
      '--memory',
      '536870912',
      '--memory-swap',
      '536870912',
      '--cpus',
      '1.5',
      '--oom-score-adj',
      '500',
      '--stop-signal',
      'SIGTERM',
      '--stop-timeout',
      '30',
      '--log-driver',
      'json-file',
      '--log-opt',
      'max-size=10m',
      '--log-opt',
      'max-file=3',
      '--label',
      'com.example.team=platform',
      '--label',
      'com.example.note=a b $(x)',
    ]);
  });

  it('lets a container override memory and cpus', () => {
    const options = dockerRunOptions(full, {memoryBytes: 1024 * mib, cpus: '0.5'});
    expect(options.slice(options.indexOf('--memory'), options.indexOf('--cpus') + 2)).toEqual([
      '--memory',
      '1073741824',
      '--memory-swap',
      '1073741824',
      '--cpus',
      '0.5',
    ]);
    expect(options).not.toContain('--stop-signal');
  });

  it('always lowers the OOM priority, and adds nothing else unasked', () => {
    expect(dockerRunOptions(read({}), {})).toEqual(['--oom-score-adj', '500']);
    expect(dockerRunOptions(read({}), {memoryBytes: 256 * mib})).toEqual(['--memory', '268435456', '--memory-swap', '268435456', '--oom-score-adj', '500']);
  });

  it('builds options from read inputs in which no value can pass for a flag', () => {
    const options = dockerRunOptions(
      read({
        network: 'host',
        'add-hosts': 'db:10.0.0.5',
        volumes: '/srv/a:/a:ro',
        memory: '1g',
        cpus: '2',
        labels: 'team=--privileged',
        'log-driver': 'local',
        'log-options': 'max-size=-1',
        user: 'rails',
      }),
      {stopSignal: parseStopSignal('stop-signal', 'QUIT'), stopTimeoutSeconds: 0},
    );
    const values = options.filter((_, index) => index % 2 === 1);
    expect(options.filter((_, index) => index % 2 === 0).every(flag => flag.startsWith('--'))).toBe(true);
    expect(values.filter(value => value.startsWith('-'))).toEqual([]);
  });

  it.each([-1, 1.5, Number.NaN])('refuses a stop timeout of %d seconds', seconds => {
    expect(() => dockerRunOptions(full, {stopTimeoutSeconds: seconds})).toThrow('Not a stop timeout');
  });
});
