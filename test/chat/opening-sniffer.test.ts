import { describe, expect, it } from 'vitest';
import { classifyOpening, MAX_OPENING_BYTES } from '../../main/chat/opening-sniffer';

const b = (text: string) => Buffer.from(text, 'latin1');

describe('classifyOpening', () => {
  it.each([
    'GET /', 'POST /', 'HEAD /', 'PUT /', 'DELETE /', 'OPTIONS ', 'PATCH /', 'TRACE /', 'CONNECT ',
    'GET http', 'POST http', 'HEAD http', 'PRI * HTTP/2',
  ])('%j: undecided for every proper prefix, http once complete', (opening) => {
    for (let n = 1; n < opening.length; n++) {
      expect(classifyOpening(b(opening.slice(0, n))), `prefix ${JSON.stringify(opening.slice(0, n))}`).toBe('undecided');
    }
    expect(classifyOpening(b(opening))).toBe('http');
    expect(classifyOpening(b(`${opening}index.html HTTP/1.1\r\n`))).toBe('http');
  });

  it('a real request line is http', () => {
    expect(classifyOpening(b('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe('http');
    expect(classifyOpening(b('CONNECT example.com:443 HTTP/1.1\r\n'))).toBe('http');
    expect(classifyOpening(b('OPTIONS * HTTP/1.1\r\n'))).toBe('http');
  });

  it('TLS handshake record: undecided after 0x16, tls after 0x16 0x03', () => {
    expect(classifyOpening(Buffer.from([0x16]))).toBe('undecided');
    expect(classifyOpening(Buffer.from([0x16, 0x03]))).toBe('tls');
    expect(classifyOpening(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]))).toBe('tls');
    expect(classifyOpening(Buffer.from([0x16, 0x41]))).toBe('chat');
  });

  it.each(['GEThello', 'GET hello', 'Get /', 'get /', 'GETTING there', 'POSTED', 'hello', 'G\n', 'PUTTY', 'PRI vate', ' GET /', '\x03'])(
    '%j is chat', (text) => {
      expect(classifyOpening(b(text))).toBe('chat');
    });

  it('nothing yet is undecided', () => {
    expect(classifyOpening(Buffer.alloc(0))).toBe('undecided');
  });

  it('MAX_OPENING_BYTES covers the longest opening', () => {
    expect(MAX_OPENING_BYTES).toBe('PRI * HTTP/2'.length);
  });
});
