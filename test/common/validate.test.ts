import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../main/common/ipc-contract';
import {
  validateCopyText,
  validateForgetRecentHost,
  validateHostRequest,
  validateJoinRequest,
  validateNoArgument,
  validateOpenLink,
  validateSendRequest,
} from '../../main/common/validate';
import { errorOf } from '../support/result';

/** Values no request should ever accept in place of an object. */
const notObjects: unknown[] = [undefined, null, 0, NaN, 'text', true, [], [1, 2], () => 1, new Date(), new Map(), Symbol('x')];

describe('validateHostRequest', () => {
  it('accepts both scopes and the whole port range', () => {
    expect(validateHostRequest({ port: 60003, scope: 'lan' })).toEqual({ ok: true, value: { port: 60003, scope: 'lan' } });
    expect(validateHostRequest({ port: 1, scope: 'local' }).ok).toBe(true);
    expect(validateHostRequest({ port: 65535, scope: 'local' }).ok).toBe(true);
    expect(validateHostRequest(Object.assign(Object.create(null), { port: 5000, scope: 'lan' })).ok).toBe(true);
  });

  it.each([0, -1, 65536, 1.5, NaN, Infinity, -Infinity, '60003', null, undefined, 2 ** 53, [60003], { valueOf: () => 60003 }])(
    'refuses port %s',
    (port) => {
      expect(errorOf(validateHostRequest({ port, scope: 'lan' }))).toBe('The port must be a whole number from 1 to 65535.');
    },
  );

  it('"Encrypted only": true or false, kept only when true; anything else is refused', () => {
    expect(validateHostRequest({ port: 60003, scope: 'lan', encryptedOnly: true })).toEqual({ ok: true, value: { port: 60003, scope: 'lan', encryptedOnly: true } });
    expect(validateHostRequest({ port: 60003, scope: 'lan', encryptedOnly: false })).toEqual({ ok: true, value: { port: 60003, scope: 'lan' } });
    for (const encryptedOnly of ['true', 1, null, {}, [true]]) {
      expect(errorOf(validateHostRequest({ port: 60003, scope: 'lan', encryptedOnly }))).toBe('“Encrypted only” must be true or false.');
    }
  });

  it('lets port 0 through only when asked to', () => {
    expect(validateHostRequest({ port: 0, scope: 'lan' }, { allowAnyPort: true }).ok).toBe(true);
    expect(validateHostRequest({ port: -1, scope: 'lan' }, { allowAnyPort: true }).ok).toBe(false);
    // The sentence matches the rule in force: 0 is allowed here, so it says so.
    expect(errorOf(validateHostRequest({ port: -1, scope: 'lan' }, { allowAnyPort: true }))).toBe(
      'The port must be a whole number from 0 to 65535.',
    );
    expect(errorOf(validateHostRequest({ port: 0, scope: 'lan' }))).toBe('The port must be a whole number from 1 to 65535.');
  });

  it('takes an optional room name as text of at most 200 characters (main cleans it and checks its bytes)', () => {
    expect(validateHostRequest({ port: 60003, scope: 'lan', name: 'Lab 3' })).toEqual({ ok: true, value: { port: 60003, scope: 'lan', name: 'Lab 3' } });
    expect(validateHostRequest({ port: 60003, scope: 'lan', name: 'x'.repeat(200) }).ok).toBe(true);
    expect(errorOf(validateHostRequest({ port: 60003, scope: 'lan', name: 'x'.repeat(201) }))).toBe('The room name is too long: at most 200 characters.');
    for (const name of [42, null, ['Lab'], { toString: () => 'Lab' }]) {
      expect(errorOf(validateHostRequest({ port: 60003, scope: 'lan', name }))).toBe('The room name must be text.');
    }
  });

  it.each(['LAN', 'public', '', null, 1, ['lan']])('refuses scope %s', (scope) => {
    expect(errorOf(validateHostRequest({ port: 60003, scope }))).toContain('scope');
  });

  it.each(notObjects)('refuses %s as the request', (value) => {
    expect(errorOf(validateHostRequest(value))).toBe('The host request must be a plain object.');
  });

  it('refuses extra fields, inherited fields, getters and foreign prototypes', () => {
    expect(errorOf(validateHostRequest({ port: 60003, scope: 'lan', admin: true }))).toContain('unexpected field “admin”');
    expect(errorOf(validateHostRequest(Object.create({ port: 60003, scope: 'lan' })))).toContain('plain object');
    class Request {
      port = 60003;
      scope = 'lan';
    }
    expect(errorOf(validateHostRequest(new Request()))).toContain('plain object');
    let reads = 0;
    const sneaky = {
      scope: 'lan',
      get port() {
        reads += 1;
        return reads === 1 ? 60003 : -1;
      },
    };
    expect(errorOf(validateHostRequest(sneaky))).toBe('The field “port” of the host request must be a plain value.');
    expect(reads).toBe(0);
    expect(errorOf(validateHostRequest({ port: 60003, scope: 'lan', [Symbol('x')]: 1 }))).toContain('unexpected field');
    expect(errorOf(validateHostRequest({ port: 60003, scope: 'lan', __proto__: { evil: 1 } }))).toContain('plain object');
    const polluted = JSON.parse('{"port":60003,"scope":"lan","__proto__":{"evil":1}}') as unknown;
    expect(errorOf(validateHostRequest(polluted))).toContain('unexpected field “__proto__”');
  });

  it('refuses a missing field', () => {
    expect(validateHostRequest({ scope: 'lan' }).ok).toBe(false);
    expect(validateHostRequest({ port: 60003 }).ok).toBe(false);
  });
});

describe('validateJoinRequest', () => {
  it('parses what people type, with the default port', () => {
    expect(validateJoinRequest({ address: ' 192.168.1.20 ' })).toEqual({
      ok: true,
      value: { address: '192.168.1.20', host: '192.168.1.20', port: 60003 },
    });
    expect(validateJoinRequest({ address: '[fe80::1]:4000' })).toMatchObject({ ok: true, value: { host: 'fe80::1', port: 4000 } });
    expect(validateJoinRequest({ address: 'box.lan:5' })).toMatchObject({ ok: true, value: { host: 'box.lan', port: 5 } });
  });

  it('explains a bad address with the parser’s sentence', () => {
    expect(errorOf(validateJoinRequest({ address: '' }))).toContain('Type the host’s address');
    expect(errorOf(validateJoinRequest({ address: '10.0.0.300' }))).toContain('0–255');
    expect(errorOf(validateJoinRequest({ address: '10.0.0.5:99999' }))).toContain('not a port');
  });

  it('refuses huge strings before parsing them', () => {
    expect(errorOf(validateJoinRequest({ address: 'a'.repeat(LIMITS.maxAddressChars + 1) }))).toBe(
      'The address is too long: at most 300 characters.',
    );
    expect(errorOf(validateJoinRequest({ address: 'a'.repeat(10_000_000) }))).toContain('too long');
  });

  it.each([1, null, undefined, ['10.0.0.5'], { toString: () => '10.0.0.5' }])('refuses address %s', (address) => {
    expect(errorOf(validateJoinRequest({ address }))).toBe('The address must be text.');
  });

  it.each(notObjects)('refuses %s as the request', (value) => {
    expect(validateJoinRequest(value).ok).toBe(false);
  });

  it('refuses extra fields', () => {
    expect(errorOf(validateJoinRequest({ address: '10.0.0.5', port: 1 }))).toContain('unexpected field “port”');
  });
});

describe('validateSendRequest', () => {
  it('accepts text up to the limit, including several lines and the empty string', () => {
    expect(validateSendRequest({ text: 'hello\nworld' })).toEqual({ ok: true, value: { text: 'hello\nworld' } });
    expect(validateSendRequest({ text: '' }).ok).toBe(true);
    expect(validateSendRequest({ text: 'x'.repeat(LIMITS.maxSendChars) }).ok).toBe(true);
  });

  it('refuses text over the limit, non-text and junk', () => {
    expect(errorOf(validateSendRequest({ text: 'x'.repeat(LIMITS.maxSendChars + 1) }))).toBe(
      'The message is too long: at most 65,536 characters.',
    );
    expect(errorOf(validateSendRequest({ text: 42 }))).toBe('The message must be text.');
    expect(errorOf(validateSendRequest({ text: new String('x') }))).toBe('The message must be text.');
    expect(errorOf(validateSendRequest({ text: 'x', extra: 1 }))).toContain('unexpected field');
    expect(errorOf(validateSendRequest('hello'))).toContain('plain object');
  });
});

describe('validateCopyText', () => {
  it('accepts short text and refuses the rest', () => {
    expect(validateCopyText('192.168.1.20:60003')).toEqual({ ok: true, value: '192.168.1.20:60003' });
    expect(errorOf(validateCopyText('x'.repeat(LIMITS.maxCopyChars + 1)))).toContain('too long');
    expect(errorOf(validateCopyText({ text: 'x' }))).toBe('The text to copy must be text.');
    expect(errorOf(validateCopyText(undefined))).toBe('The text to copy must be text.');
  });
});

describe('validateOpenLink', () => {
  it('accepts http and https links and returns them normalised', () => {
    expect(validateOpenLink('https://example.com/a?b=c#d')).toEqual({ ok: true, value: 'https://example.com/a?b=c#d' });
    expect(validateOpenLink('HTTP://Example.COM')).toEqual({ ok: true, value: 'http://example.com/' });
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
    expect(errorOf(validateOpenLink(url))).toBe('Only http and https links can be opened.');
  });

  it('refuses malformed, whitespace-laden, huge and non-text links', () => {
    expect(errorOf(validateOpenLink('not a url'))).toContain('spaces or control characters');
    expect(errorOf(validateOpenLink('example.com'))).toBe('That is not a valid link.');
    expect(errorOf(validateOpenLink(' https://example.com'))).toContain('control characters');
    expect(errorOf(validateOpenLink('https://exa\nmple.com'))).toContain('control characters');
    expect(errorOf(validateOpenLink('https://example.com/' + 'a'.repeat(LIMITS.maxUrlChars)))).toContain('too long');
    expect(errorOf(validateOpenLink(new URL('https://example.com')))).toBe('The link must be text.');
    expect(errorOf(validateOpenLink(['https://example.com']))).toBe('The link must be text.');
  });
});

describe('validateForgetRecentHost and validateNoArgument', () => {
  it('forget: trims, refuses empty, long and non-text', () => {
    expect(validateForgetRecentHost(' 10.0.0.5:60003 ')).toEqual({ ok: true, value: '10.0.0.5:60003' });
    expect(errorOf(validateForgetRecentHost('  '))).toBe('The address to forget is empty.');
    expect(errorOf(validateForgetRecentHost('a'.repeat(301)))).toContain('too long');
    expect(errorOf(validateForgetRecentHost(7))).toContain('must be text');
  });

  it('no-argument calls refuse any argument', () => {
    expect(validateNoArgument(undefined, 'Leaving')).toEqual({ ok: true, value: null });
    expect(errorOf(validateNoArgument({}, 'Leaving'))).toBe('Leaving takes no argument.');
    expect(errorOf(validateNoArgument(null, 'Leaving'))).toBe('Leaving takes no argument.');
  });
});
