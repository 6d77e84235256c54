namespace Dispatch.PageBench;

/// <summary>What the page measures about itself, installed before its scripts run.</summary>
public static class PageProbe
{
    /// <summary>
    /// Counts what arrives on the page's websockets (frames, bytes, SignalR records split on the 0x1E separator,
    /// and UnitsMoved records), and once <c>__bench.start()</c> is called records every animation frame's
    /// timestamp and every long task (main-thread work over 50 ms) until <c>__bench.stop()</c>.
    /// </summary>
    public const string Script = """
        (() => {
          const bench = { frames: [], longTasks: [], frames0: 0, wsFrames: 0, wsBytes: 0, records: 0, moved: 0, running: false };
          window.__bench = bench;
          const Native = window.WebSocket;
          window.WebSocket = class extends Native {
            constructor(url, protocols) {
              super(url, protocols);
              this.addEventListener('message', (e) => {
                if (!bench.running) return;
                const text = typeof e.data === 'string' ? e.data : '';
                bench.wsFrames++;
                bench.wsBytes += text.length;
                for (const record of text.split('\u001e')) {
                  if (!record) continue;
                  bench.records++;
                  if (record.includes('"target":"UnitsMoved"')) bench.moved++;
                }
              });
            }
          };
          new PerformanceObserver((list) => {
            if (bench.running) for (const e of list.getEntries()) bench.longTasks.push(e.duration);
          }).observe({ entryTypes: ['longtask'] });
          const tick = (t) => { if (bench.running) bench.frames.push(t); requestAnimationFrame(tick); };
          requestAnimationFrame(tick);
          bench.start = () => { Object.assign(bench, { frames: [], longTasks: [], wsFrames: 0, wsBytes: 0, records: 0, moved: 0, running: true, startedAt: performance.now() }); };
          bench.stop = () => {
            bench.running = false;
            const seconds = (performance.now() - bench.startedAt) / 1000;
            const intervals = bench.frames.slice(1).map((t, i) => t - bench.frames[i]);
            return { seconds, intervals, longTasks: bench.longTasks, wsFrames: bench.wsFrames, wsBytes: bench.wsBytes, records: bench.records, moved: bench.moved };
          };
        })();
        """;
}
