// A small in-memory product catalog: what the resource API serves behind the authorizer. It lives as
// long as the Lambda environment (or local stack), is seeded with a few products and is bounded so a
// writer cannot grow memory without limit.
import { randomUUID } from 'node:crypto';
import { ProductsError } from './errors.js';
import { type NewProduct, validateNewProduct } from './validate.js';

export interface Product extends NewProduct {
  readonly id: string;
  readonly createdAt: string;
}

export const SEED_PRODUCTS: readonly Product[] = [
  {
    id: 'p-1001',
    name: 'Hardware security key',
    price: 49,
    currency: 'USD',
    tags: ['security'],
    createdAt: '2024-01-01T00:00:00.000Z',
  },
  {
    id: 'p-1002',
    name: 'Rate-limit token bucket',
    price: 12.5,
    currency: 'USD',
    createdAt: '2024-01-01T00:00:00.000Z',
  },
  {
    id: 'p-1003',
    name: 'Key rotation runbook',
    price: 0,
    currency: 'EUR',
    description: 'How to rotate the KMS signing key without downtime.',
    createdAt: '2024-01-01T00:00:00.000Z',
  },
];

export interface CatalogOptions {
  readonly seed?: readonly Product[];
  /** Most products held; create() fails with `catalog_full` beyond it. */
  readonly maxProducts?: number;
  readonly now?: () => number;
  readonly newId?: () => string;
}

export interface Catalog {
  list(): readonly Product[];
  get(id: string): Product | undefined;
  /** Validates `input` (any parsed JSON) and stores it; throws ProductsError on bad input. */
  create(input: unknown): Product;
  readonly size: number;
}

export function createCatalog(options: CatalogOptions = {}): Catalog {
  const items = new Map<string, Product>();
  for (const p of options.seed ?? SEED_PRODUCTS) items.set(p.id, Object.freeze({ ...p }));
  const max = options.maxProducts ?? 1000;
  const now = options.now ?? Date.now;
  const newId = options.newId ?? (() => `p-${randomUUID()}`);
  return {
    list: () => [...items.values()],
    get: (id) => items.get(id),
    create(input) {
      const checked = validateNewProduct(input);
      if (!checked.ok) throw new ProductsError('invalid_product', checked.problems.join('; '));
      if (items.size >= max)
        throw new ProductsError('catalog_full', `the catalog holds at most ${max} products`);
      const product: Product = Object.freeze({
        id: newId(),
        ...checked.value,
        createdAt: new Date(now()).toISOString(),
      });
      items.set(product.id, product);
      return product;
    },
    get size() {
      return items.size;
    },
  };
}
