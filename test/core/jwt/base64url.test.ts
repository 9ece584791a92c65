// The verifier's base64url decoder: the bytes Buffer decodes for every valid unpadded input, -1 for any byte
// outside the alphabet or an impossible length, correct when decoding in place.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64url } from '../../../core/jwt/base64url.js';

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

function decode(text: string): Buffer | -1 {
  const out = Buffer.alloc(text.length);
  const length = decodeBase64url(ascii(text), 0, text.length, out, 0);
  return length < 0 ? -1 : out.subarray(0, length);
}

describe('decodeBase64url', () => {
  it('decodes every byte string exactly as Buffer encodes it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64url');
        expect(decode(text)).toEqual(Buffer.from(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes only the given range, into the given offset', () => {
    const src = ascii(`xx.${Buffer.from('hello').toString('base64url')}.yy`);
    const out = Buffer.alloc(16, 0);
    expect(decodeBase64url(src, 3, src.length - 3, out, 4)).toBe(5);
    expect(out.subarray(4, 9).toString()).toBe('hello');
    expect(out.subarray(0, 4)).toEqual(Buffer.alloc(4));
  });

  it('decodes in place to the start of its own buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(40), (bytes, offset) => {
        const text = Buffer.from(bytes).toString('base64url');
        const buffer = Buffer.concat([Buffer.alloc(offset, 0x2e), ascii(text)]);
        const length = decodeBase64url(buffer, offset, buffer.length, buffer, 0);
        expect(buffer.subarray(0, length)).toEqual(Buffer.from(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['+', 'the base64 62 character'],
    ['/', 'the base64 63 character'],
    ['=', 'padding'],
    ['.', 'a JWS separator'],
    [' ', 'a space'],
    ['\x00', 'NUL'],
    ['\x7f', 'DEL'],
    ['\x80', 'a byte above ASCII'],
    ['\xc1', "a byte whose low 7 bits are 'A'"],
    ['\xff', 'byte 255'],
  ])('refuses %j (%s) at any position', (bad) => {
    const text = Buffer.from('any sixteen byte').toString('base64url');
    for (let at = 0; at < text.length; at++) {
      expect(decode(`${text.slice(0, at)}${bad}${text.slice(at + 1)}`)).toBe(-1);
    }
  });

  it('refuses padded input that Buffer would accept', () => {
    expect(decode('YQ==')).toBe(-1);
    expect(Buffer.from('YQ==', 'base64url').toString()).toBe('a');
  });

  it.each([1, 5, 9, 341])('refuses length %i (4n + 1: no encoding has it)', (length) => {
    expect(decode('A'.repeat(length))).toBe(-1);
  });

  it('ignores the spare bits of the last character, as Buffer does (callers check canonical form)', () => {
    expect(decode('YR')).toEqual(Buffer.from('a'));
    expect(decode('YWJ')).toEqual(Buffer.from('ab'));
    expect(decode('')).toEqual(Buffer.alloc(0));
  });
});
