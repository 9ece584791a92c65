// The verified-token cache: BoundedCache's second-chance (CLOCK) policy and API (../bounded-cache.ts) for
// int32 keys, kept in typed arrays (open addressing) instead of a Map and slot objects. On the evicting miss
// path (`npm run bench -- verify`) the Map's lookup, delete and insert cost ~0.6 µs next to crypto.verify;
// this cache saved 0.2-0.5 µs of it per token.

/** The largest size. The arrays are allocated up front: 21-29 bytes per entry, far less than its entries. */
export const TOKEN_CACHE_MAX = 2 ** 22;

export class TokenCache<V> {
  /** Open addressing with linear probing: slot + 1 per bucket, 0 for empty. At most half full. */
  readonly #index: Int32Array;
  readonly #shift: number;
  readonly #mask: number;
  /** Per slot: its key, value, and whether it was read since inserted or last spared. */
  readonly #keys: Int32Array;
  readonly #values: (V | undefined)[];
  readonly #used: Uint8Array;
  /** Slots freed by delete(), reused before any eviction. */
  #free: number[] = [];
  /** Slots handed out so far (the ring grows to `max`, then the hand sweeps it). */
  #filled = 0;
  #size = 0;
  #hand = 0;
  readonly #max: number;

  /** Holds at most `max` entries (an integer from 1 to TOKEN_CACHE_MAX). */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1 || max > TOKEN_CACHE_MAX)
      throw new RangeError('max must be an integer from 1 to 2^22');
    this.#max = max;
    const bits = Math.max(2, Math.ceil(Math.log2(max)) + 1);
    this.#shift = 32 - bits;
    this.#mask = (1 << bits) - 1;
    this.#index = new Int32Array(1 << bits);
    this.#keys = new Int32Array(max);
    this.#values = new Array<V | undefined>(max).fill(undefined);
    this.#used = new Uint8Array(max);
  }

  get size(): number {
    return this.#size;
  }

  /** Fibonacci hashing: keys that agree in their low bits still spread. */
  #home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.#shift;
  }

  /** The bucket holding `key`, or -1. */
  #find(key: number): number {
    const index = this.#index;
    for (let b = this.#home(key); ; b = (b + 1) & this.#mask) {
      const slot = index[b]!;
      if (slot === 0) return -1;
      if (this.#keys[slot - 1] === key) return b;
    }
  }

  get(key: number): V | undefined {
    if (key !== (key | 0)) return undefined;
    const b = this.#find(key);
    if (b < 0) return undefined;
    const slot = this.#index[b]! - 1;
    this.#used[slot] = 1;
    return this.#values[slot];
  }

  /** `key` must be an int32. */
  set(key: number, value: V): void {
    if (key !== (key | 0)) throw new RangeError('key must be an int32');
    const found = this.#find(key);
    if (found >= 0) {
      this.#values[this.#index[found]! - 1] = value;
      return;
    }
    let slot = this.#free.pop();
    if (slot === undefined) {
      if (this.#filled < this.#max) slot = this.#filled++;
      else {
        slot = this.#victim();
        this.#unlink(this.#find(this.#keys[slot]!));
        this.#size--;
      }
    }
    this.#keys[slot] = key;
    this.#values[slot] = value;
    this.#used[slot] = 0;
    let b = this.#home(key);
    while (this.#index[b] !== 0) b = (b + 1) & this.#mask;
    this.#index[b] = slot + 1;
    this.#size++;
  }

  delete(key: number): boolean {
    if (key !== (key | 0)) return false;
    const b = this.#find(key);
    if (b < 0) return false;
    const slot = this.#index[b]! - 1;
    this.#unlink(b);
    this.#size--;
    // Drop the value now (it may hold claims or keys); the slot waits in the free list.
    this.#values[slot] = undefined;
    this.#used[slot] = 0;
    this.#free.push(slot);
    return true;
  }

  clear(): void {
    this.#index.fill(0);
    this.#values.fill(undefined);
    this.#used.fill(0);
    this.#free = [];
    this.#filled = 0;
    this.#size = 0;
    this.#hand = 0;
  }

  /** Empties bucket `b`, shifting later members of its probe run back (no tombstones to pile up). */
  #unlink(b: number): void {
    const index = this.#index;
    const mask = this.#mask;
    let hole = b;
    index[hole] = 0;
    for (let next = (hole + 1) & mask; index[next] !== 0; next = (next + 1) & mask) {
      const home = this.#home(this.#keys[index[next]! - 1]!);
      // The entry at `next` may move into the hole only if its home is not cyclically in (hole, next].
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (!stays) {
        index[hole] = index[next]!;
        index[next] = 0;
        hole = next;
      }
    }
  }

  /** The slot to reuse when the ring is full and nothing is free: ends within one pass plus one slot. */
  #victim(): number {
    const used = this.#used;
    for (;;) {
      const slot = this.#hand;
      this.#hand = slot + 1 === this.#max ? 0 : slot + 1;
      if (used[slot] === 0) return slot;
      used[slot] = 0;
    }
  }
}
