// The in-memory product catalog and its strict input validation.
import { describe, expect, it } from 'vitest';
import { createCatalog, SEED_PRODUCTS } from '../../../examples/products/catalog.js';
import { ProductsError } from '../../../examples/products/errors.js';
import { validateNewProduct } from '../../../examples/products/validate.js';

describe('product catalog', () => {
  it('starts with the seed products', () => {
    const catalog = createCatalog();
    expect(catalog.list()).toEqual(SEED_PRODUCTS);
    expect(catalog.get('p-1001')?.name).toBe('Hardware security key');
    expect(catalog.get('nope')).toBeUndefined();
  });

  it('creates a validated product with an id, default currency and timestamp', () => {
    const catalog = createCatalog({ now: () => Date.UTC(2025, 0, 2), newId: () => 'p-new' });
    const p = catalog.create({ name: '  Widget ', price: 3.5, tags: ['a', 'a', 'b'] });
    expect(p).toEqual({
      id: 'p-new',
      name: 'Widget',
      price: 3.5,
      currency: 'USD',
      tags: ['a', 'b'],
      createdAt: '2025-01-02T00:00:00.000Z',
    });
    expect(catalog.get('p-new')).toBe(p);
    expect(catalog.size).toBe(SEED_PRODUCTS.length + 1);
  });

  it('rejects bad input with every problem listed', () => {
    const result = validateNewProduct({ name: '', price: -1, currency: 'usd', prise: 3 });
    expect(result).toEqual({
      ok: false,
      problems: [
        'unknown field(s): prise',
        'name must be a non-empty string',
        'price must be a finite number from 0 to 1000000000',
        'currency must be a three-letter ISO 4217 code such as "USD"',
      ],
    });
  });

  it.each([
    ['a non-object', [1, 2]],
    ['null', null],
    ['a string price', { name: 'x', price: '3' }],
    ['an infinite price', { name: 'x', price: Number.POSITIVE_INFINITY }],
    ['NaN', { name: 'x', price: Number.NaN }],
    ['a long name', { name: 'x'.repeat(201), price: 1 }],
    ['bad tags', { name: 'x', price: 1, tags: [''] }],
    ['a numeric description', { name: 'x', price: 1, description: 5 }],
  ])('rejects %s', (_label, input) => {
    expect(validateNewProduct(input).ok).toBe(false);
    expect(() => createCatalog().create(input)).toThrow(ProductsError);
  });

  it('accepts the boundaries', () => {
    expect(validateNewProduct({ name: 'x'.repeat(200), price: 0 }).ok).toBe(true);
    expect(validateNewProduct({ name: 'x', price: 1e9, currency: 'EUR', description: '' }).ok).toBe(true);
  });

  it('is bounded', () => {
    const catalog = createCatalog({ seed: [], maxProducts: 2 });
    catalog.create({ name: 'a', price: 1 });
    catalog.create({ name: 'b', price: 1 });
    expect(() => catalog.create({ name: 'c', price: 1 })).toThrow(
      expect.objectContaining({ code: 'catalog_full', status: 409 }),
    );
  });
});
