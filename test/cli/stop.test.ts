import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { stopOnSignals } from '../../src/cli/stop.ts';
import { captureIo } from './capture.ts';

function setup(graceMs = 10_000) {
  const target = new EventEmitter();
  const io = captureIo();
  const exits: number[] = [];
  const stop = stopOnSignals(io, { target, graceMs, exit: (c) => exits.push(c) });
  return { target, io, exits, stop };
}

describe('stopOnSignals', () => {
  it('the first SIGTERM aborts the run signal and says so, without exiting', () => {
    const { target, io, exits, stop } = setup();
    target.emit('SIGTERM');
    expect(stop.signal.aborted).toBe(true);
    expect(io.text().err).toBe('SIGTERM: stopping (features already extracted stay cached; SIGTERM again exits at once)\n');
    expect(exits).toEqual([]);
    stop.dispose();
  });

  it('a second signal exits 130 at once', () => {
    const { target, exits, stop } = setup();
    target.emit('SIGINT');
    target.emit('SIGINT');
    expect(exits).toEqual([130]);
    stop.dispose();
  });

  it('exits 130 after the grace period when the running step does not watch the signal', async () => {
    const { target, exits, stop } = setup(20);
    target.emit('SIGINT');
    await new Promise((r) => setTimeout(r, 60));
    expect(exits).toEqual([130]);
    stop.dispose();
  });

  it('dispose removes the handlers and the pending exit', async () => {
    const { target, exits, stop } = setup(20);
    target.emit('SIGINT');
    stop.dispose();
    await new Promise((r) => setTimeout(r, 60));
    expect(exits).toEqual([]);
    expect(target.listenerCount('SIGINT') + target.listenerCount('SIGTERM')).toBe(0);
  });
});
