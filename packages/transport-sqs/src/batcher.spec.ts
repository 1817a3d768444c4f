import { Batcher } from './batcher';

/** A fake batch endpoint that records requests and fails the entries it is told to. */
function endpoint(fail: (value: string) => boolean = () => false) {
  const requests: string[][] = [];
  const releases: (() => void)[] = [];
  let hold = false;
  const send = async (values: readonly string[]) => {
    requests.push([...values]);
    if (hold) await new Promise<void>((resolve) => releases.push(resolve));
    return values.map((value) => (fail(value) ? new Error(`refused ${value}`) : undefined));
  };
  return {
    requests,
    send,
    holdRequests: () => {
      hold = true;
    },
    releaseAll: () => {
      hold = false;
      for (const release of releases.splice(0)) release();
    },
  };
}

describe('Batcher', () => {
  it('sends what is added in one tick as batches of at most 10', async () => {
    const api = endpoint();
    const batcher = new Batcher(api.send, { lingerMs: 0 });
    await Promise.all(Array.from({ length: 25 }, (_, n) => batcher.add(`m${n}`)));
    expect(api.requests.map((request) => request.length)).toEqual([10, 10, 5]);
    expect(api.requests.flat()).toEqual(Array.from({ length: 25 }, (_, n) => `m${n}`));
  });

  it('keeps a batch within the byte limit', async () => {
    const api = endpoint();
    const batcher = new Batcher(api.send, { lingerMs: 0, maxBytes: 100, sizeOf: () => 40 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((value) => batcher.add(value)));
    expect(api.requests).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it("settles each caller with its own entry's outcome", async () => {
    const api = endpoint((value) => value === 'bad');
    const batcher = new Batcher(api.send, { lingerMs: 0 });
    const results = await Promise.allSettled(['ok', 'bad', 'fine'].map((v) => batcher.add(v)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(api.requests).toHaveLength(1);
  });

  it('rejects every entry of a request that failed as a whole', async () => {
    const batcher = new Batcher(
      async () => {
        throw new Error('network down');
      },
      { lingerMs: 0 },
    );
    await expect(Promise.all([batcher.add('a'), batcher.add('b')])).rejects.toThrow('network down');
  });

  it('never has two requests of one group in flight, and keeps the group in order', async () => {
    const api = endpoint();
    const batcher = new Batcher(api.send, {
      lingerMs: 0,
      maxEntries: 2,
      groupOf: (value) => value[0]!,
    });
    api.holdRequests();
    const sent = ['a1', 'a2', 'a3', 'b1', 'a4', 'b2'].map((value) => batcher.add(value));
    await new Promise((resolve) => setImmediate(resolve));
    // a1,a2 fill the first request; a3 and a4 wait for it, while b1 may go meanwhile.
    expect(api.requests).toEqual([['a1', 'a2'], ['b1']]);
    api.releaseAll();
    await Promise.all(sent);
    const order = api.requests.flat();
    expect(order.filter((value) => value.startsWith('a'))).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(order.filter((value) => value.startsWith('b'))).toEqual(['b1', 'b2']);
  });

  it('flush waits for entries still lingering and for requests in flight', async () => {
    const api = endpoint();
    const batcher = new Batcher(api.send, { lingerMs: 10_000 });
    const added = batcher.add('late');
    await batcher.flush();
    expect(api.requests).toEqual([['late']]);
    await added;
  });
});
