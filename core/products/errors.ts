// Typed errors of the product catalog; `status` is the HTTP answer the resource handler gives.

export type ProductsErrorCode = 'invalid_product' | 'not_found' | 'catalog_full';

const STATUS: Record<ProductsErrorCode, number> = { invalid_product: 400, not_found: 404, catalog_full: 409 };

export class ProductsError extends Error {
  readonly status: number;
  constructor(
    readonly code: ProductsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProductsError';
    this.status = STATUS[code];
  }
}
