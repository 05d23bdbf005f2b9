import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../../electron/core/jobs/rateMeter';

describe('RateMeter', () => {
  it('gives no rate until enough time has passed', () => {
    const meter = new RateMeter(5000, 250);
    meter.record(0, 0);
    meter.record(100, 5);
    expect(meter.estimate(100)).toEqual({ rate: null, etaSeconds: null });
  });

  it('measures items per second and the time left', () => {
    const meter = new RateMeter(5000, 250);
    for (let t = 0; t <= 2000; t += 100) meter.record(t, t / 100); // 10 items/s
    const { rate, etaSeconds } = meter.estimate(120);
    expect(rate).toBeCloseTo(10, 6);
    expect(etaSeconds).toBeCloseTo(10, 6); // 100 left at 10/s
  });

  it('follows the recent pace, not the average since the start', () => {
    const meter = new RateMeter(2000, 250);
    let done = 0;
    for (let t = 0; t <= 10_000; t += 100) {
      done += t < 5000 ? 1 : 5; // 10/s, then 50/s
      meter.record(t, done);
    }
    expect(meter.estimate(10_000).rate).toBeCloseTo(50, 6);
  });

  it('says 0 s left when done, and starts over when the count goes back', () => {
    const meter = new RateMeter();
    meter.record(0, 0);
    meter.record(1000, 10);
    expect(meter.estimate(10)).toEqual({ rate: 10, etaSeconds: 0 });
    meter.record(1100, 0);
    expect(meter.estimate(10).rate).toBeNull();
  });

  it('has no ETA while nothing moves', () => {
    const meter = new RateMeter();
    meter.record(0, 3);
    meter.record(1000, 3);
    expect(meter.estimate(10)).toEqual({ rate: 0, etaSeconds: null });
  });
});
