/**
 * The one Emitter: listeners in subscription order, a subscription that stops by call or
 * by dispose(), listener errors reported or passed on, and events by name.
 */
import { describe, expect, it } from 'vitest';
import { Emitter, NamedEmitters } from '../../../electron/api/event';

describe('Emitter', () => {
  it('calls each listener in the order they subscribed, until its subscription ends', () => {
    const emitter = new Emitter<number>();
    const seen: string[] = [];
    const first = emitter.event((value) => seen.push(`a${value}`));
    const second = emitter.event((value) => seen.push(`b${value}`));
    emitter.fire(1);
    first();
    emitter.fire(2);
    second.dispose();
    emitter.fire(3);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
    expect(emitter.hasListeners).toBe(false);
  });

  it('treats the same function subscribed twice as two subscriptions', () => {
    const emitter = new Emitter<void>();
    let calls = 0;
    const listener = (): void => {
      calls++;
    };
    const once = emitter.event(listener);
    emitter.event(listener);
    emitter.fire();
    once();
    emitter.fire();
    expect(calls).toBe(3);
  });

  it('reports a throwing listener and goes on, or lets the error reach fire() without a reporter', () => {
    const errors: unknown[] = [];
    const guarded = new Emitter<number>({ onListenerError: (error) => errors.push(error) });
    const seen: number[] = [];
    guarded.event(() => {
      throw new Error('listener failed');
    });
    guarded.event((value) => seen.push(value));
    guarded.fire(7);
    expect(seen).toEqual([7]);
    expect(errors).toEqual([new Error('listener failed')]);

    const plain = new Emitter<number>();
    plain.event(() => {
      throw new Error('listener failed');
    });
    expect(() => plain.fire(1)).toThrow('listener failed');
  });

  it('drops every listener on dispose', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    emitter.event((value) => seen.push(value));
    emitter.dispose();
    emitter.fire(1);
    expect(seen).toEqual([]);
  });
});

describe('NamedEmitters', () => {
  it('delivers each name to its own listeners, and ignores names nobody listens to', () => {
    const events = new NamedEmitters<{ a: number; b: string; __proto__: number }>();
    const seen: unknown[] = [];
    const stop = events.on('a', (value) => seen.push(value));
    events.on('b', (value) => seen.push(value));
    events.fire('a', 1);
    events.fire('b', 'x');
    events.fire('__proto__', 2);
    stop();
    events.fire('a', 3);
    expect(seen).toEqual([1, 'x']);
  });
});
