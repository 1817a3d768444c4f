import type { Admin } from 'kafkajs';

/**
 * Messages a consumer group has not consumed yet: for every partition of its topics, the high
 * watermark minus the group's committed offset (or minus the low watermark where it has none).
 * `topics` are the group's topics when known (a subscription of this instance); otherwise the
 * topics the group has committed offsets for. `undefined` when the group has neither.
 */
export async function consumerLag(
  admin: Admin,
  groupId: string,
  topics: readonly string[] | undefined,
): Promise<number | undefined> {
  const committed = await admin.fetchOffsets(
    topics && topics.length > 0 ? { groupId, topics: [...topics] } : { groupId },
  );
  if (committed.length === 0) return undefined;
  const lags = await Promise.all(
    committed.map(async ({ topic, partitions }) => {
      const ends = await admin.fetchTopicOffsets(topic);
      let lag = 0;
      for (const { partition, high, low } of ends) {
        const offset = Number(partitions.find((p) => p.partition === partition)?.offset ?? -1);
        lag += Math.max(0, Number(high) - (offset >= 0 ? offset : Number(low)));
      }
      return lag;
    }),
  );
  return lags.reduce((sum, lag) => sum + lag, 0);
}
