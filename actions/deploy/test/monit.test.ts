import {ConfigError} from '@circuitverse/shared';
import {describe, expect, it} from 'vitest';
import {type MonitSettings, type MonitStatus, parseMonitStatus, planMonitChecks, renderMonitCheck} from '../src/monit.js';

// As Monit 5.33 prints it with -B.
const status = `Monit 5.33.0 uptime: 3m

Program 'web-container'
  status                       OK
  monitoring status            Monitored
  monitoring mode              active
  last exit value              0

Remote Host 'web'
  status                       Connection failed
  monitoring status            Not monitored
  port response time           FAILED to [127.0.0.1]:15000/up type TCP/IP protocol HTTP

System 'host1'
  status                       OK
  monitoring status            Monitored
`;

describe('parseMonitStatus', () => {
  it.each<[string, number, string, MonitStatus]>([
    [
      'the checks, with their type and monitoring',
      0,
      status,
      {
        kind: 'answers',
        checks: [
          {name: 'web-container', type: 'Program', monitoring: 'Monitored'},
          {name: 'web', type: 'Remote Host', monitoring: 'Not monitored'},
          {name: 'host1', type: 'System', monitoring: 'Monitored'},
        ],
      },
    ],
    ['no monit command', 0, '#no-monit\n', {kind: 'absent'}],
    [
      'a daemon without its HTTP interface, in its own words',
      1,
      'Monit: the monit HTTP interface is not enabled, please add the "set httpd" statement\n',
      {kind: 'silent', said: 'Monit: the monit HTTP interface is not enabled, please add the "set httpd" statement'},
    ],
    ['a failure with nothing said', 1, '', {kind: 'silent', said: 'exit 1'}],
  ])('%s', (_, code, output, expected) => {
    expect(parseMonitStatus(code, output)).toEqual(expected);
  });
});

const answers = (...names: string[]): MonitStatus => ({
  kind: 'answers',
  checks: [{name: 'host1', type: 'System', monitoring: 'Monitored'}, ...names.map(name => ({name, type: 'Program', monitoring: 'Monitored'}))],
});
const convention: MonitSettings = {checks: 'convention', writeCheck: false};

describe('planMonitChecks', () => {
  it.each<[string, MonitSettings, MonitStatus, string[]]>([
    [
      'by the convention: the service and service-…, not a longer name or the host',
      convention,
      answers('web', 'web-container', 'webhook', 'db'),
      ['web', 'web-container'],
    ],
    ['by name, exactly those', {checks: ['puma'], writeCheck: false}, answers('puma', 'web'), ['puma']],
    ['with the written checks not there yet: none, the write makes them', {checks: 'convention', writeCheck: true}, answers('db'), []],
    [
      'by name, with the written checks once there',
      {checks: ['puma'], writeCheck: true},
      answers('puma', 'web', 'web-container'),
      ['puma', 'web', 'web-container'],
    ],
  ])('%s', (_, settings, found, expected) => {
    expect(planMonitChecks('web', settings, found, 'host1')).toEqual(expected);
  });

  const someOff: MonitStatus = {
    kind: 'answers',
    checks: [
      {name: 'web', type: 'Remote Host', monitoring: 'Not monitored'},
      {name: 'web-container', type: 'Program', monitoring: 'Not monitored'},
      {name: 'web-sidekiq', type: 'Program', monitoring: 'Monitored'},
      {name: 'puma', type: 'Program', monitoring: 'Not monitored'},
      {name: 'db', type: 'Program', monitoring: 'Initializing'},
    ],
  };
  it.each<[string, MonitSettings, boolean, string[]]>([
    ['by the convention, monitored only: not those the operator turned off', convention, true, ['web-sidekiq']],
    ['by the convention, for the post step: all of them', convention, false, ['web', 'web-container', 'web-sidekiq']],
    ['by name, monitored only: an initializing one is monitored', {checks: ['puma', 'db'], writeCheck: false}, true, ['db']],
    ['by name, for the post step: all of them', {checks: ['puma', 'db'], writeCheck: false}, false, ['puma', 'db']],
    ['by name, monitored only: the written checks stay, the deploy rewrites them', {checks: ['puma'], writeCheck: true}, true, ['web', 'web-container']],
    ['by the convention with the written checks, monitored only', {checks: 'convention', writeCheck: true}, true, ['web', 'web-container', 'web-sidekiq']],
  ])('%s', (_, settings, monitoredOnly, expected) => {
    expect(planMonitChecks('web', settings, someOff, 'host1', {monitoredOnly})).toEqual(expected);
  });

  it('by the convention, monitored only, with every check turned off: none, and no refusal', () => {
    const allOff: MonitStatus = {kind: 'answers', checks: [{name: 'web', type: 'Program', monitoring: 'Not monitored'}]};
    expect(planMonitChecks('web', convention, allOff, 'host1', {monitoredOnly: true})).toEqual([]);
  });

  it.each<[string, MonitSettings, MonitStatus, string]>([
    [
      'no monit command',
      convention,
      {kind: 'absent'},
      'Input "monit" is set, but host1 has no monit command. Install Monit there with its HTTP interface on (set httpd unixsocket … or port …, which monit unmonitor talks to), or leave monit out.',
    ],
    [
      'a daemon that does not answer',
      convention,
      {kind: 'silent', said: 'Cannot create socket to [/run/monit.sock] -- No such file or directory'},
      'Input "monit" is set, but Monit on host1 does not answer (Cannot create socket to [/run/monit.sock] -- No such file or directory). Install Monit there with its HTTP interface on (set httpd unixsocket … or port …, which monit unmonitor talks to), or leave monit out.',
    ],
    [
      'nothing by the convention',
      convention,
      answers('db'),
      'Input "monit" is true, but host1\'s Monit has no check named web or web-… (it has db). Name the checks in the input, rename them after the service, or set monit-check: write for the deploy to write its own.',
    ],
    [
      'a name Monit does not have',
      {checks: ['puma', 'sidekiq'], writeCheck: false},
      answers('puma'),
      'Input "monit" names sidekiq, which host1\'s Monit does not have (it has puma). Name checks from monit summary on that host.',
    ],
  ])('refuses %s, naming the input', (_, settings, found, message) => {
    const refuse = () => planMonitChecks('web', settings, found, 'host1');
    expect(refuse).toThrow(ConfigError);
    expect(refuse).toThrow(message);
  });
});

describe('renderMonitCheck', () => {
  it('checks the health path through the HAProxy listener and the named container running', () => {
    expect(renderMonitCheck('web', {port: 15123, healthPath: '/up?full=1'}, 'web-v2-a1b2c3').split('\n')).toEqual([
      '# Written by circuitverse/deploy (monit-check: write) after each switch of web; deploys unmonitor these meanwhile.',
      'check host web with address 127.0.0.1',
      '  if failed port 15123 protocol http request "/up?full=1" with timeout 5 seconds then alert',
      `check program web-container with path "/bin/sh -c 'docker inspect --format {{.State.Running}} web-v2-a1b2c3 | grep -qx true'"`,
      '  if status != 0 then alert',
      '',
    ]);
  });
});
