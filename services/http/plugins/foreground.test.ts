import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import foregroundPlugin, { Foreground } from './foreground.ts';

describe('Foreground', () => {
  it('counts what started and has not ended, each end once', () => {
    const foreground = new Foreground();
    expect(foreground.busy).toBe(false);
    const end = foreground.started();
    const other = foreground.started();
    end();
    end();
    expect(foreground.busy).toBe(true);
    other();
    expect(foreground.busy).toBe(false);
  });

  it('gives way at once when idle, until the foreground ends, and never for more than 10 ms at a time', async () => {
    // A clock that the waits move on by 1 ms each.
    let clock = 0;
    const waits: number[] = [];
    let onWait = () => {};
    const foreground = new Foreground(
      () => clock,
      async () => {
        waits.push(clock);
        clock += 1;
        onWait();
      },
    );
    await foreground.giveWay();
    expect(waits).toEqual([]);

    const end = foreground.started();
    onWait = () => {
      if (waits.length === 3) end();
    };
    await foreground.giveWay();
    expect(waits).toHaveLength(3);

    waits.length = 0;
    onWait = () => {};
    foreground.started(); // never ends
    await foreground.giveWay();
    expect(waits).toHaveLength(10);
  });
});

describe('the foreground plugin', () => {
  it('counts the requests in flight but those of background routes, until their reply', async () => {
    const app = Fastify();
    await app.register(foregroundPlugin);
    const seen: Record<string, boolean> = {};
    app.get('/filing', async () => {
      seen.filing = app.foreground.busy;
      return 'ok';
    });
    app.get('/upload', { config: { background: true } }, async () => {
      seen.upload = app.foreground.busy;
      return 'ok';
    });
    await app.ready();
    expect((await app.inject('/filing')).statusCode).toBe(200);
    expect((await app.inject('/upload')).statusCode).toBe(200);
    expect(seen).toEqual({ filing: true, upload: false });
    expect(app.foreground.busy).toBe(false);
    // A request that fails ends too.
    expect((await app.inject('/nowhere')).statusCode).toBe(404);
    expect(app.foreground.busy).toBe(false);
    await app.close();
  });
});
