/** `--cluster URL` and `--room NAME`: what is accepted, and the sentence for what is not. */
import { describe, expect, it } from 'vitest';
import { CLUSTER_ENV, parseServerArgs, UsageError } from '../../main/headless/cli';
import { ClusterOptionError, describeTarget, parseClusterUrl, parseRoomName } from '../../main/headless/cluster/options';

describe('parseClusterUrl', () => {
  it.each([
    ['redis://127.0.0.1:6379', { tls: false, host: '127.0.0.1', port: 6379, username: undefined, password: undefined, db: 0 }],
    ['redis://redis.lan', { tls: false, host: 'redis.lan', port: 6379, username: undefined, password: undefined, db: 0 }],
    ['rediss://cache.example.org:6380/3', { tls: true, host: 'cache.example.org', port: 6380, username: undefined, password: undefined, db: 3 }],
    ['redis://:s3cret@10.0.0.9:7000/', { tls: false, host: '10.0.0.9', port: 7000, username: undefined, password: 's3cret', db: 0 }],
    ['redis://tincan:p%40ss%3Aword@[::1]:6379/15', { tls: false, host: '::1', port: 6379, username: 'tincan', password: 'p@ss:word', db: 15 }],
    ['REDIS://h:1', { tls: false, host: 'h', port: 1, username: undefined, password: undefined, db: 0 }],
    ['redis://u:a:b@h', { tls: false, host: 'h', port: 6379, username: 'u', password: 'a:b', db: 0 }],
  ])('%s', (text, expected) => {
    expect(parseClusterUrl(text)).toEqual(expected);
  });

  it.each([
    ['', /--cluster must be a Redis URL/],
    ['127.0.0.1:6379', /must be a Redis URL/],
    ['http://127.0.0.1:6379', /must start with redis:\/\/ or rediss:\/\/, not http:\/\//],
    ['redis://', /needs a host/],
    ['redis://:6379', /needs a host/],
    ['redis://h:', /port "", which is not a number from 1 to 65535/],
    ['redis://h:0', /port "0"/],
    ['redis://h:65536', /port "65536"/],
    ['redis://h:abc', /port "abc"/],
    ['redis://h:6379/x', /"\/x" where only a database number/],
    ['redis://h:6379/1/2', /"\/1\/2" where only a database number/],
    ['redis://h:6379?db=1', /takes no \?query or #fragment/],
    ['redis://h:6379#x', /takes no \?query/],
    ['redis://[zz::]:1', /invalid IPv6 address \[zz::\]/],
    ['redis://::1:6379', /IPv6 address without \[brackets\]/],
    ['redis://bad_host!:1', /invalid host name "bad_host!"/],
    ['redis://h o:1', /must be a Redis URL/],
    ['redis://user@h:1', /a login but no password/],
    ['redis://u:%zz@h:1', /badly encoded password/],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseClusterUrl(text)).toThrow(ClusterOptionError);
    expect(() => parseClusterUrl(text)).toThrow(message);
  });

  it('never repeats a password in an error, nor in the logged form', () => {
    for (const text of ['redis://u:hunter2@h:99999', 'redis://:hunter2@h/x', 'redis://hunter2@h:1']) {
      let message = '';
      try {
        parseClusterUrl(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^--cluster /);
      expect(message).not.toContain('hunter2');
      expect(message).toContain('***@');
    }
    expect(describeTarget(parseClusterUrl('rediss://me:hunter2@[::1]:7000/2'))).toBe('rediss://me:***@[::1]:7000/2');
    expect(describeTarget(parseClusterUrl('redis://h'))).toBe('redis://h:6379/0');
  });
});

describe('parseRoomName', () => {
  it('takes letters, digits, dots, dashes and underscores, up to 64', () => {
    expect(parseRoomName('lobby')).toBe('lobby');
    expect(parseRoomName('Conf-2026_hall.B')).toBe('Conf-2026_hall.B');
    expect(parseRoomName('x'.repeat(64))).toBe('x'.repeat(64));
  });

  it.each(['', 'a b', 'a{b}', 'a:b', 'ü', 'x'.repeat(65), 'a\nb'])('refuses %j', (name) => {
    expect(() => parseRoomName(name)).toThrow(/--room must be 1 to 64 letters, digits, dots, dashes or underscores/);
  });
});

describe('tincan-server cluster options', () => {
  it('--cluster, --room, --cluster-backlog and --cluster-lease', () => {
    const options = parseServerArgs(['--cluster', 'redis://10.1.2.3:6380/1', '--room', 'hall', '--cluster-backlog', '5000', '--cluster-lease', '4']);
    expect(options?.cluster).toEqual({
      target: { tls: false, host: '10.1.2.3', port: 6380, username: undefined, password: undefined, db: 1 },
      room: 'hall',
      backlog: 5000,
      leaseMs: 4000,
    });
    expect(parseServerArgs([])?.cluster).toBeNull();
    expect(parseServerArgs(['--cluster', 'redis://h'])?.cluster).toMatchObject({ room: 'tincan', backlog: 100_000, leaseMs: 10_000 });
  });

  it(`takes the URL from ${CLUSTER_ENV} when --cluster is not given (and --cluster wins)`, () => {
    expect(parseServerArgs([], { [CLUSTER_ENV]: 'redis://:pw@envhost:1' })?.cluster?.target).toMatchObject({ host: 'envhost', password: 'pw' });
    expect(parseServerArgs(['--cluster', 'redis://arghost'], { [CLUSTER_ENV]: 'redis://envhost' })?.cluster?.target.host).toBe('arghost');
    expect(() => parseServerArgs([], { [CLUSTER_ENV]: 'http://x' })).toThrow(new RegExp(`^${CLUSTER_ENV} must start with redis://`));
  });

  it.each([
    [['--room', 'hall'], /--room only means something with --cluster URL/],
    [['--cluster-lease', '3'], /--cluster-lease only means something with --cluster/],
    [['--cluster', 'redis://h', '--room', 'no spaces'], /--room must be/],
    [['--cluster', 'redis://h', '--cluster-backlog', '10'], /--cluster-backlog must be from 100 to 100000000 \(got 10\)/],
    [['--cluster', 'redis://h', '--cluster-lease', '0'], /--cluster-lease must be from 1 to 600 \(got 0\)/],
    [['--cluster', 'redis://h', '--cluster-lease', '1.5'], /--cluster-lease must be a whole number/],
    [['--cluster'], /--cluster/],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseServerArgs(argv)).toThrow(UsageError);
    expect(() => parseServerArgs(argv)).toThrow(message);
  });
});
