// A size-bounded cache with second-chance (CLOCK) eviction: a hit only flags its slot; a full cache sweeps a
// hand over a ring of slots, sparing each flagged one once (clearing its flag) and reusing the first
// unflagged one. Cheaper than a true LRU on the paths the authorizer runs: a hit moves nothing, an insert
// evicts in amortized O(1) and reuses the evicted slot (measured in `npm run bench -- verify`). The ring
// is an array, not Map iteration: iterating a Map from its start walks every deleted entry left there.

interface Slot<K, V> {
  key: K;
  value: V;
  /** Read since inserted or last spared. */
  used: boolean;
}

export class BoundedCache<K, V> {
  readonly #slots = new Map<K, Slot<K, V>>();
  #ring: Slot<K, V>[] = [];
  /** Ring slots freed by delete(), reused before any eviction. */
  #free: Slot<K, V>[] = [];
  #hand = 0;
  readonly #max: number;

  /** Holds at most `max` entries (an integer >= 1). */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be an integer >= 1');
    this.#max = max;
  }

  get size(): number {
    return this.#slots.size;
  }

  get(key: K): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    slot.used = true;
    return slot.value;
  }

  set(key: K, value: V): void {
    let slot = this.#slots.get(key);
    if (slot !== undefined) {
      slot.value = value;
      return;
    }
    slot = this.#free.pop();
    if (slot === undefined) {
      if (this.#ring.length < this.#max) {
        slot = { key, value, used: false };
        this.#ring.push(slot);
        this.#slots.set(key, slot);
        return;
      }
      slot = this.#victim();
      this.#slots.delete(slot.key);
    }
    slot.key = key;
    slot.value = value;
    slot.used = false;
    this.#slots.set(key, slot);
  }

  delete(key: K): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#slots.delete(key);
    // Drop the value now (it may hold claims or keys); the slot waits in the free list.
    slot.value = undefined as V;
    slot.used = false;
    this.#free.push(slot);
    return true;
  }

  clear(): void {
    this.#slots.clear();
    this.#ring = [];
    this.#free = [];
    this.#hand = 0;
  }

  /** The slot to reuse when the ring is full and nothing is free: ends within one pass plus one slot. */
  #victim(): Slot<K, V> {
    const ring = this.#ring;
    for (;;) {
      const slot = ring[this.#hand]!;
      this.#hand = this.#hand + 1 === ring.length ? 0 : this.#hand + 1;
      if (!slot.used) return slot;
      slot.used = false;
    }
  }
}
