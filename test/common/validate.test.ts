import { describe, expect, it } from 'vitest';
/** Every request crossing the bridge, checked by its schema (REQUESTS) as main's IPC adapter does. */
import { LIMITS, parseRequest } from '../../main/common/ipc-contract';
import { errorOf } from '../support/result';

/** Values no request should ever accept in place of an object. */
const notObjects: unknown[] = [undefined, null, 0, NaN, 'text', true, [], [1, 2], () => 1, new Date(), new Map(), Symbol('x')];

describe('host (REQUESTS.host)', () => {
  it('accepts both scopes and the whole port range', () => {
    expect(parseRequest('host', { port: 60003, scope: 'lan' })).toEqual({ ok: true, value: { port: 60003, scope: 'lan' } });
    expect(parseRequest('host', { port: 1, scope: 'local' }).ok).toBe(true);
    expect(parseRequest('host', { port: 65535, scope: 'local' }).ok).toBe(true);
    expect(parseRequest('host', Object.assign(Object.create(null), { port: 5000, scope: 'lan' })).ok).toBe(true);
  });

  it.each([0, -1, 65536, 1.5, NaN, Infinity, -Infinity, '60003', null, undefined, 2 ** 53, [60003], { valueOf: () => 60003 }])(
    'refuses port %s',
    (port) => {
      expect(errorOf(parseRequest('host', { port, scope: 'lan' }))).toBe('The port must be a whole number from 1 to 65535.');
    },
  );

  it('"Encrypted only": on or off; anything else is refused', () => {
    expect(parseRequest('host', { port: 60003, scope: 'lan', encryptedOnly: true })).toEqual({ ok: true, value: { port: 60003, scope: 'lan', encryptedOnly: true } });
    expect(parseRequest('host', { port: 60003, scope: 'lan', encryptedOnly: false }).ok).toBe(true);
    for (const encryptedOnly of ['true', 1, null, {}, [true]]) {
      expect(errorOf(parseRequest('host', { port: 60003, scope: 'lan', encryptedOnly }))).toBe('“Encrypted only” must be on or off (true or false).');
    }
  });

  it('a room password is text of at most 256 characters', () => {
    expect(parseRequest('host', { port: 60003, scope: 'lan', password: 'open sesame' })).toEqual({ ok: true, value: { port: 60003, scope: 'lan', password: 'open sesame' } });
    expect(errorOf(parseRequest('host', { port: 60003, scope: 'lan', password: 'x'.repeat(257) }))).toBe('The password is too long: at most 256 characters.');
    expect(errorOf(parseRequest('host', { port: 60003, scope: 'lan', password: 42 }))).toBe('The password must be text.');
  });

  it('never lets port 0 (any free port, for tools) through from the window', () => {
    expect(errorOf(parseRequest('host', { port: 0, scope: 'lan' }))).toBe('The port must be a whole number from 1 to 65535.');
  });

  it('cleans the topic, and an empty one is no topic', () => {
    expect(parseRequest('host', { port: 60003, scope: 'lan', topic: '  Finals  ' })).toEqual({ ok: true, value: { port: 60003, scope: 'lan', topic: 'Finals' } });
    expect(errorOf(parseRequest('host', { port: 60003, scope: 'lan', topic: 'x'.repeat(201) }))).toMatch(/^The topic: /);
  });

  it('takes an optional room name as text of at most 200 characters (main cleans it and checks its bytes)', () => {
    expect(parseRequest('host', { port: 60003, scope: 'lan', name: 'Lab 3' })).toEqual({ ok: true, value: { port: 60003, scope: 'lan', name: 'Lab 3' } });
    expect(parseRequest('host', { port: 60003, scope: 'lan', name: 'x'.repeat(200) }).ok).toBe(true);
    expect(errorOf(parseRequest('host', { port: 60003, scope: 'lan', name: 'x'.repeat(201) }))).toBe('The room name is too long: at most 200 characters.');
    for (const name of [42, null, ['Lab'], { toString: () => 'Lab' }]) {
      expect(errorOf(parseRequest('host', { port: 60003, scope: 'lan', name }))).toBe('The room name must be text.');
    }
  });

  it.each(['LAN', 'public', '', null, 1, ['lan']])('refuses scope %s', (scope) => {
    expect(errorOf(parseRequest('host', { port: 60003, scope }))).toContain('scope');
  });

  it.each(notObjects)('refuses %s as the request', (value) => {
    expect(errorOf(parseRequest('host', value))).toBe('The host request must be a plain object.');
  });

  it('refuses extra fields, inherited fields, getters and foreign prototypes', () => {
    expect(errorOf(parseRequest('host', { port: 60003, scope: 'lan', admin: true }))).toContain('unexpected field “admin”');
    expect(errorOf(parseRequest('host', Object.create({ port: 60003, scope: 'lan' })))).toContain('plain object');
    class Request {
      port = 60003;
      scope = 'lan';
    }
    expect(errorOf(parseRequest('host', new Request()))).toContain('plain object');
    let reads = 0;
    const sneaky = {
      scope: 'lan',
      get port() {
        reads += 1;
        return reads === 1 ? 60003 : -1;
      },
    };
    expect(errorOf(parseRequest('host', sneaky))).toBe('The field “port” of the host request must be a plain value.');
    expect(reads).toBe(0);
    expect(errorOf(parseRequest('host', { port: 60003, scope: 'lan', [Symbol('x')]: 1 }))).toContain('unexpected field');
    expect(errorOf(parseRequest('host', { port: 60003, scope: 'lan', __proto__: { evil: 1 } }))).toContain('plain object');
    const polluted = JSON.parse('{"port":60003,"scope":"lan","__proto__":{"evil":1}}') as unknown;
    expect(errorOf(parseRequest('host', polluted))).toContain('unexpected field “__proto__”');
  });

  it('refuses a missing field', () => {
    expect(parseRequest('host', { scope: 'lan' }).ok).toBe(false);
    expect(parseRequest('host', { port: 60003 }).ok).toBe(false);
  });
});

describe('join (REQUESTS.join)', () => {
  it('takes what people type (the session reads it as an address)', () => {
    expect(parseRequest('join', { address: ' 192.168.1.20 ' })).toEqual({ ok: true, value: { address: ' 192.168.1.20 ' } });
    expect(parseRequest('join', { address: '[fe80::1]:4000' })).toEqual({ ok: true, value: { address: '[fe80::1]:4000' } });
  });

  it('refuses huge strings before parsing them', () => {
    expect(errorOf(parseRequest('join', { address: 'a'.repeat(LIMITS.maxAddressChars + 1) }))).toBe(
      'The address is too long: at most 300 characters.',
    );
    expect(errorOf(parseRequest('join', { address: 'a'.repeat(10_000_000) }))).toContain('too long');
  });

  it.each([1, null, undefined, ['10.0.0.5'], { toString: () => '10.0.0.5' }])('refuses address %s', (address) => {
    expect(errorOf(parseRequest('join', { address }))).toBe('The address must be text.');
  });

  it.each(notObjects)('refuses %s as the request', (value) => {
    expect(parseRequest('join', value).ok).toBe(false);
  });

  it('refuses extra fields', () => {
    expect(errorOf(parseRequest('join', { address: '10.0.0.5', port: 1 }))).toContain('unexpected field “port”');
  });
});

describe('send (REQUESTS.send)', () => {
  it('accepts text up to the limit, including several lines and the empty string', () => {
    expect(parseRequest('send', { text: 'hello\nworld' })).toEqual({ ok: true, value: { text: 'hello\nworld' } });
    expect(parseRequest('send', { text: '' }).ok).toBe(true);
    expect(parseRequest('send', { text: 'x'.repeat(LIMITS.maxSendChars) }).ok).toBe(true);
  });

  it('refuses text over the limit, non-text and junk', () => {
    expect(errorOf(parseRequest('send', { text: 'x'.repeat(LIMITS.maxSendChars + 1) }))).toBe(
      'The message is too long: at most 65,536 characters.',
    );
    expect(errorOf(parseRequest('send', { text: 42 }))).toBe('The message must be text.');
    expect(errorOf(parseRequest('send', { text: new String('x') }))).toBe('The message must be text.');
    expect(errorOf(parseRequest('send', { text: 'x', extra: 1 }))).toContain('unexpected field');
    expect(errorOf(parseRequest('send', 'hello'))).toContain('plain object');
  });
});

describe('copyText (REQUESTS.copyText)', () => {
  it('accepts short text and refuses the rest', () => {
    expect(parseRequest('copyText', '192.168.1.20:60003')).toEqual({ ok: true, value: '192.168.1.20:60003' });
    expect(errorOf(parseRequest('copyText', 'x'.repeat(LIMITS.maxCopyChars + 1)))).toContain('too long');
    expect(errorOf(parseRequest('copyText', { text: 'x' }))).toBe('The text to copy must be text.');
    expect(errorOf(parseRequest('copyText', undefined))).toBe('The text to copy must be text.');
  });
});

describe('openLink (REQUESTS.openLink)', () => {
  it('accepts http and https links and returns them normalised', () => {
    expect(parseRequest('openLink', 'https://example.com/a?b=c#d')).toEqual({ ok: true, value: 'https://example.com/a?b=c#d' });
    expect(parseRequest('openLink', 'HTTP://Example.COM')).toEqual({ ok: true, value: 'http://example.com/' });
  });

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>1</script>',
    'smb://server/share',
    'ms-settings:',
    'vbscript:msgbox',
    'tincan://x',
    'ftp://example.com',
  ])('refuses %s', (url) => {
    expect(errorOf(parseRequest('openLink', url))).toBe('Only http and https links can be opened.');
  });

  it('refuses malformed, whitespace-laden, huge and non-text links', () => {
    expect(errorOf(parseRequest('openLink', 'not a url'))).toContain('spaces or control characters');
    expect(errorOf(parseRequest('openLink', 'example.com'))).toBe('That is not a valid link.');
    expect(errorOf(parseRequest('openLink', ' https://example.com'))).toContain('control characters');
    expect(errorOf(parseRequest('openLink', 'https://exa\nmple.com'))).toContain('control characters');
    expect(errorOf(parseRequest('openLink', 'https://example.com/' + 'a'.repeat(LIMITS.maxUrlChars)))).toContain('too long');
    expect(errorOf(parseRequest('openLink', new URL('https://example.com')))).toBe('The link must be text.');
    expect(errorOf(parseRequest('openLink', ['https://example.com']))).toBe('The link must be text.');
  });
});

describe('forgetRecentHost and the calls without an argument', () => {
  it('forget: trims, refuses empty, long and non-text', () => {
    expect(parseRequest('forgetRecentHost', ' 10.0.0.5:60003 ')).toEqual({ ok: true, value: '10.0.0.5:60003' });
    expect(errorOf(parseRequest('forgetRecentHost', '  '))).toBe('The address to forget is empty.');
    expect(errorOf(parseRequest('forgetRecentHost', 'a'.repeat(301)))).toContain('too long');
    expect(errorOf(parseRequest('forgetRecentHost', 7))).toContain('must be text');
  });

  it('no-argument calls refuse any argument', () => {
    expect(parseRequest('leave', undefined)).toEqual({ ok: true, value: undefined });
    expect(errorOf(parseRequest('leave', {}))).toBe('Leaving takes no argument.');
    expect(errorOf(parseRequest('leave', null))).toBe('Leaving takes no argument.');
    expect(errorOf(parseRequest('getSnapshot', 0))).toBe('Reading the state takes no argument.');
  });
});

describe('sendPassword and removePerson (REQUESTS.sendPassword, REQUESTS.removePerson)', () => {
  it('a password is one line of text, not blank, at most 256 characters, with remember on or off', () => {
    expect(parseRequest('sendPassword', { password: 'open sesame', remember: true })).toEqual({ ok: true, value: { password: 'open sesame', remember: true } });
    expect(errorOf(parseRequest('sendPassword', { password: '   ', remember: false }))).toBe('Type the room’s password.');
    expect(errorOf(parseRequest('sendPassword', { password: 'a\nb', remember: false }))).toBe('A password is one line.');
    expect(errorOf(parseRequest('sendPassword', { password: 'x'.repeat(257), remember: false }))).toBe('The password is too long: at most 256 characters.');
    expect(errorOf(parseRequest('sendPassword', { password: 'ok', remember: 'yes' }))).toBe('“remember” must be on or off (true or false).');
    expect(errorOf(parseRequest('sendPassword', { password: 'ok', remember: true, extra: 1 }))).toMatch(/extra/);
  });

  it('removing names one person by address or name, and says whether to ban', () => {
    expect(parseRequest('removePerson', { peer: '10.0.0.5:50123', ban: false })).toEqual({ ok: true, value: { peer: '10.0.0.5:50123', ban: false } });
    expect(errorOf(parseRequest('removePerson', { peer: 'x'.repeat(LIMITS.maxAddressChars + 1), ban: false }))).toMatch(/^The address is too long/);
    expect(errorOf(parseRequest('removePerson', { peer: '10.0.0.5:50123', ban: 1 }))).toBe('“ban” must be on or off (true or false).');
    expect(parseRequest('reconnectNow', undefined).ok).toBe(true);
    expect(parseRequest('reconnectNow', { now: true }).ok).toBe(false);
  });
});
