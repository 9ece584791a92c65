// Validation of a new product as sent in a POST /products body. Strict: unknown members are rejected so a
// misspelt field ("prise") is a 400 the caller sees, not a silently dropped value.

export interface NewProduct {
  readonly name: string;
  readonly price: number;
  readonly currency: string;
  readonly description?: string;
  readonly tags?: readonly string[];
}

export const PRODUCT_LIMITS = {
  nameMax: 200,
  descriptionMax: 2000,
  priceMax: 1_000_000_000,
  tagsMax: 20,
  tagMax: 50,
} as const;

const ALLOWED = new Set(['name', 'price', 'currency', 'description', 'tags']);
const CURRENCY = /^[A-Z]{3}$/;

export type Validation<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Checks a parsed JSON value; every problem is reported, in a stable order. */
export function validateNewProduct(input: unknown): Validation<NewProduct> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: ['body must be a JSON object'] };
  }
  const body = input as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(body).filter((k) => !ALLOWED.has(k));
  if (unknown.length > 0) problems.push(`unknown field(s): ${unknown.slice(0, 5).join(', ')}`);

  const { name, price, currency, description, tags } = body;
  if (typeof name !== 'string' || name.trim() === '') problems.push('name must be a non-empty string');
  else if (name.length > PRODUCT_LIMITS.nameMax)
    problems.push(`name must be at most ${PRODUCT_LIMITS.nameMax} characters`);
  if (typeof price !== 'number' || !Number.isFinite(price) || price < 0 || price > PRODUCT_LIMITS.priceMax) {
    problems.push(`price must be a finite number from 0 to ${PRODUCT_LIMITS.priceMax}`);
  }
  if (currency !== undefined && (typeof currency !== 'string' || !CURRENCY.test(currency))) {
    problems.push('currency must be a three-letter ISO 4217 code such as "USD"');
  }
  if (
    description !== undefined &&
    (typeof description !== 'string' || description.length > PRODUCT_LIMITS.descriptionMax)
  ) {
    problems.push(`description must be a string of at most ${PRODUCT_LIMITS.descriptionMax} characters`);
  }
  if (tags !== undefined) {
    if (
      !Array.isArray(tags) ||
      tags.length > PRODUCT_LIMITS.tagsMax ||
      !tags.every((t) => typeof t === 'string' && t.length > 0 && t.length <= PRODUCT_LIMITS.tagMax)
    ) {
      problems.push(
        `tags must be an array of at most ${PRODUCT_LIMITS.tagsMax} non-empty strings of at most ${PRODUCT_LIMITS.tagMax} characters`,
      );
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      name: (name as string).trim(),
      price: price as number,
      currency: (currency as string | undefined) ?? 'USD',
      ...(description !== undefined ? { description: description as string } : {}),
      ...(tags !== undefined ? { tags: [...new Set(tags as string[])] } : {}),
    },
  };
}
