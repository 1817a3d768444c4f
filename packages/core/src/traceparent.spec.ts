import { childTraceparent, rootTraceparent } from './traceparent';

const id = '0af76519-16cd-43dd-8448-eb211c80319c';
const shape = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

describe('traceparent', () => {
  it('starts a trace from a message id that is a UUID: its hex digits are trace and span ids', () => {
    expect(rootTraceparent(id)).toBe('00-0af7651916cd43dd8448eb211c80319c-0af7651916cd43dd-01');
  });

  it('builds the same traceparent when the id is known to be a UUID', () => {
    expect(rootTraceparent(id, true)).toBe(rootTraceparent(id));
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    expect(childTraceparent(parent, id, true)).toBe(childTraceparent(parent, id));
  });

  it('gives a message id that is no UUID fresh random ids', () => {
    const traceparent = rootTraceparent('order-7');
    expect(traceparent).toMatch(shape);
    expect(rootTraceparent('order-7')).not.toBe(traceparent);
  });

  it('continues the trace of a valid parent, keeping its flags, with the message as span', () => {
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    expect(childTraceparent(parent, id)).toBe(
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0af7651916cd43dd-00',
    );
  });

  it('starts a new trace when the parent has none or an invalid one', () => {
    expect(childTraceparent(undefined, id)).toBe(rootTraceparent(id));
    expect(childTraceparent('not-a-traceparent', id)).toBe(rootTraceparent(id));
  });
});
