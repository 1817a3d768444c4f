import type { Delivery } from './delivery';

/**
 * The deliveries a subscription holds — fetched, not yet settled or handed back — counted against
 * its prefetch. A set of the delivery objects: adding and removing one, once per message, hashes
 * no string. Claims and recoveries look entries up by id in a snapshot (`entryIds`); a fresh read
 * (`XREADGROUP … >`) needs no lookup: its entries were never delivered to the group, so none can
 * be held — unless the group was created again meanwhile (see `groupRecreated`).
 */
export class HeldDeliveries {
  private readonly deliveries = new Set<Delivery>();
  /** What was held when the group was created again, until each is released. */
  private beforeRecreation: Set<Delivery> | undefined;

  get size(): number {
    return this.deliveries.size;
  }

  values(): IterableIterator<Delivery> {
    return this.deliveries.values();
  }

  add(delivery: Delivery): void {
    this.deliveries.add(delivery);
  }

  delete(delivery: Delivery): void {
    this.deliveries.delete(delivery);
    if (this.beforeRecreation?.delete(delivery) && this.beforeRecreation.size === 0) {
      this.beforeRecreation = undefined;
    }
  }

  /** Entry ids of `stream` held now: a scan, done once per batch of claimed or recovered entries. */
  entryIds(stream: string): Set<string> {
    const ids = new Set<string>();
    for (const delivery of this.deliveries)
      if (delivery.stream === stream) ids.add(delivery.entryId);
    return ids;
  }

  /** Whether an entry of a fresh read is held: only possible for what was held at a recreation. */
  repeats(stream: string, entryId: string): boolean {
    if (this.beforeRecreation === undefined) return false;
    for (const delivery of this.beforeRecreation) {
      if (delivery.entryId === entryId && delivery.stream === stream) return true;
    }
    return false;
  }

  /**
   * The group was created again from `0` (Redis lost it): its fresh reads may hand out, once more,
   * entries held now.
   */
  groupRecreated(): void {
    if (this.deliveries.size > 0) this.beforeRecreation = new Set(this.deliveries);
  }
}
