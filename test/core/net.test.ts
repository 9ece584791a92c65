import { describe, expect, it } from 'vitest';
import { isHttpsOrLoopback, isLoopbackHost, urlHost } from '../../core/net.js';

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.9.8.7', true],
    ['::1', true],
    ['[::1]', true],
    ['128.0.0.1', false],
    ['example.com', false],
    ['localhost.example.com', false],
  ])('%s -> %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('isHttpsOrLoopback', () => {
  it.each([
    ['https://issuer.example.com/x', true],
    ['http://127.0.0.1:4000/', true],
    ['http://[::1]:4000/', true],
    ['http://localhost/', true],
    ['http://issuer.example.com/', false],
    ['ftp://127.0.0.1/', false],
  ])('%s -> %s', (url, expected) => {
    expect(isHttpsOrLoopback(new URL(url))).toBe(expected);
  });
});

describe('urlHost', () => {
  it.each([
    ['0.0.0.0', '127.0.0.1'],
    ['', '127.0.0.1'],
    ['::', '[::1]'],
    ['::1', '[::1]'],
    ['fe80::1', '[fe80::1]'],
    ['127.0.0.1', '127.0.0.1'],
    ['localhost', 'localhost'],
  ])('%j -> %s', (host, expected) => {
    expect(urlHost(host)).toBe(expected);
  });
});
