// Typed errors of the product catalog; `status` is the HTTP answer the resource handler gives.
import { KeygateError } from '../../core/errors.js';

export type ProductsErrorCode = 'invalid_product' | 'not_found' | 'catalog_full';

const STATUS: Record<ProductsErrorCode, number> = { invalid_product: 400, not_found: 404, catalog_full: 409 };

export class ProductsError extends KeygateError<ProductsErrorCode> {
  get status(): number {
    return STATUS[this.code];
  }
}
